/**
 * A property test of the calculation model with allowances and charges:
 * random files (seeded, so a failure names its seed and reproduces) of
 * invoices on several VAT rates, with line and document discounts and
 * charges given as amounts and percentages, go through the reading and the
 * computation; every invoice passes the independent self-check (BR-CO-10 …
 * BR-CO-17, BR-x-08, BR-31 … BR-43), its own sums hold, its XML passes the
 * XSD, and its PDF shows the XML's totals.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planBatch } from '../../src/batch/plan.js';
import { renderDocuments } from '../../src/batch/render.js';
import { displayMoney } from '../../src/core/format.js';
import { amount, Dec, HUNDRED, round2 } from '../../src/core/money.js';
import { DEFAULT_LIMITS } from '../../src/csv/read.js';
import { renderCii } from '../../src/facturx/cii.js';
import type { Invoice } from '../../src/invoice/model.js';
import { selfCheck } from '../../src/invoice/selfcheck.js';
import { BUYER_SIREN, seller } from '../helpers/sample.js';
import { pdfTextOf, xsdErrors } from '../helpers/tools.js';
import { seededRandom as random } from '../helpers/random.js';


const RATES = ['20', '10', '5,5', '2,1'];
const client = seller({ allowedVatRates: ['20', '10', '5.5', '2.1', '0'] });
const HEAD = 'Référence;Client;SIREN;Adresse;Code postal;Ville;Désignation;Quantité;Prix unitaire HT;Taux TVA;Remise ligne;Frais ligne;Remise;Frais;Taux TVA frais';

/** A file of `count` invoices; decimals written the French way, as a spreadsheet shows them. */
function randomFile(seed: number, count: number): string {
  const r = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const fr = (d: Dec) => d.toFixed().replace('.', ',');
  const rows = [HEAD];
  for (let n = 0; n < count; n++) {
    const lines = 1 + Math.floor(r() * 6);
    const rates = Array.from({ length: lines }, () => pick(RATES));
    // The invoice's discount is a percentage (it applies to each rate); its charge an amount at one of its rates.
    const discount = r() < 0.5 ? `${fr(new Dec(Math.floor(r() * 300)).div(10))} %` : '';
    const charge = r() < 0.5 ? `${fr(new Dec(Math.floor(r() * 5000)).div(100))} €` : '';
    const chargeRate = charge ? `${pick(rates)} %` : '';
    for (let i = 0; i < lines; i++) {
      const quantity = new Dec(1 + Math.floor(r() * 2000)).div(pick([1, 10, 100, 1000]));
      const price = new Dec(Math.floor(r() * 1_000_000)).div(pick([100, 1000, 10000]));
      const gross = round2(quantity.times(price));
      const lineDiscount = r() < 0.3 ? (r() < 0.5 ? `${fr(new Dec(Math.floor(r() * 500)).div(10))} %` : fr(round2(gross.times(Math.floor(r() * 90)).div(HUNDRED)))) : '';
      const lineCharge = r() < 0.2 ? fr(new Dec(Math.floor(r() * 2000)).div(100)) : '';
      rows.push([`P${seed}-${n}`, 'Épicerie Martin SAS', BUYER_SIREN, '3 place du Marché', '75001', 'Paris', `Article ${i + 1}`, fr(quantity), fr(price), `${rates[i] ?? '20'} %`, lineDiscount, lineCharge, discount, charge, chargeRate].join(';'));
    }
  }
  return rows.join('\r\n') + '\r\n';
}

const sumOf = (xs: readonly Dec[]) => xs.reduce((a, b) => a.plus(b), new Dec(0));

function holds(inv: Invoice, seed: number): void {
  const at = `seed ${seed}, invoice ${inv.ref}`;
  assert.deepEqual(selfCheck(client, inv), [], at);
  const t = inv.totals;
  assert.ok(t.lineTotal.eq(sumOf(inv.lines.map((l) => l.netAmount))), `${at}: BR-CO-10`);
  assert.ok(t.taxBasisTotal.eq(t.lineTotal.minus(t.allowanceTotal).plus(t.chargeTotal)), `${at}: BR-CO-13`);
  assert.ok(sumOf(inv.vat.map((v) => v.taxableAmount)).eq(t.taxBasisTotal), `${at}: Σ BT-116 = BT-109`);
  for (const v of inv.vat) assert.ok(v.taxAmount.eq(round2(v.taxableAmount.times(v.rate).div(HUNDRED))), `${at}: BR-CO-17`);
  assert.ok(t.grandTotal.eq(t.taxBasisTotal.plus(t.taxTotal)), `${at}: BR-CO-15`);
  for (const l of inv.lines) assert.ok(!l.netAmount.isNegative(), `${at}: line ${l.id} not below zero`);
}

describe('allowances and charges on random invoices of several VAT rates', () => {
  const seeds = Array.from({ length: 12 }, (_, i) => 20261204 + i * 7919);

  it('satisfy BR-CO-10 … BR-CO-17 and the self-check, 12 seeded files of 25 invoices', async () => {
    let checked = 0;
    for (const seed of seeds) {
      const p = await planBatch({ client, fileName: `p${seed}.csv`, bytes: Buffer.from(randomFile(seed, 25)), today: '2026-12-04', limits: DEFAULT_LIMITS, sequencesBefore: {} });
      assert.deepEqual(p.issues.filter((i) => i.severity === 'error'), [], `seed ${seed}`);
      for (const inv of p.numbered?.invoices ?? []) {
        holds(inv, seed);
        checked++;
      }
    }
    assert.equal(checked, 12 * 25);
  });

  it('give schema-valid XML, and PDFs that show the XML’s totals', async () => {
    const seed = seeds[0] ?? 0;
    const p = await planBatch({ client, fileName: 'p.csv', bytes: Buffer.from(randomFile(seed, 6)), today: '2026-12-04', limits: DEFAULT_LIMITS, sequencesBefore: {} });
    const invoices = p.numbered?.invoices ?? assert.fail(`seed ${seed}`);
    const docs = await renderDocuments({ client, invoices, createdAt: new Date('2026-12-04T09:00:00Z') });
    for (const [i, inv] of invoices.entries()) {
      const xml = renderCii(client, inv);
      assert.equal(xsdErrors(xml), '', inv.ref);
      const shown = pdfTextOf(docs[i]?.pdf ?? assert.fail()).replace(/\s+/g, ' ');
      for (const [label, tag] of [['Total HT', 'TaxBasisTotalAmount'], ['Total TTC', 'GrandTotalAmount']] as const) {
        const inXml = new RegExp(`<ram:${tag}>([^<]+)<`).exec(xml)?.[1] ?? assert.fail(tag);
        const expected = `${label} ${displayMoney(new Dec(inXml), 'EUR', 'fr')}`.replace(/\s+/g, ' ');
        assert.ok(shown.includes(expected), `${inv.ref}: the PDF shows ${expected}`);
      }
      assert.equal(amount(inv.totals.taxBasisTotal), new RegExp('<ram:TaxBasisTotalAmount>([^<]+)<').exec(xml)?.[1]);
    }
  });
});
