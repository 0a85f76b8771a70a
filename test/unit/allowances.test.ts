/**
 * Allowances and charges (contract v2): on the invoice (BG-20, BG-21) and
 * on a line (BG-27, BG-28), as amounts or percentages, from files saved by
 * real tools (test/fixtures/csv) and from hand-made cases whose totals are
 * computed here by hand; the CII is schema-valid and passes the self-check
 * (BR-CO-10 … BR-CO-17, BR-31 … BR-43).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { planBatch } from '../../src/batch/plan.js';
import { renderDocuments } from '../../src/batch/render.js';
import { amount } from '../../src/core/money.js';
import { describeIssue } from '../../src/csv/messages.js';
import { DEFAULT_LIMITS } from '../../src/csv/read.js';
import { renderCii } from '../../src/facturx/cii.js';
import type { Invoice } from '../../src/invoice/model.js';
import { selfCheck } from '../../src/invoice/selfcheck.js';
import { BUYER_SIREN, seller } from '../helpers/sample.js';
import { pdfTextOf, xsdErrors } from '../helpers/tools.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'csv');
const client = seller({ allowedVatRates: ['20', '10', '5.5', '2.1', '0'] });
const run = (bytes: Buffer) => planBatch({ client, fileName: 'lot.csv', bytes, today: '2026-11-26', limits: DEFAULT_LIMITS, sequencesBefore: {} });
const fixture = (name: string) => run(readFileSync(join(FIXTURES, name)));
const text = (head: string, rows: string[]) => run(Buffer.from([`Référence;Client;SIREN;Adresse;Code postal;Ville;Désignation;Quantité;Prix unitaire HT;Taux TVA;${head}`, ...rows].join('\r\n') + '\r\n'));
const BUYER = `Épicerie Martin SAS;${BUYER_SIREN};3 place du Marché;75001;Paris`;

/** [ref, BT-106, BT-107, BT-108, BT-109, BT-110, BT-112] */
const totals = (inv: Invoice) => [inv.ref, ...[inv.totals.lineTotal, inv.totals.allowanceTotal, inv.totals.chargeTotal, inv.totals.taxBasisTotal, inv.totals.taxTotal, inv.totals.grandTotal].map(amount)];
const errors = (p: Awaited<ReturnType<typeof run>>) => p.issues.filter((i) => i.severity === 'error');

function valid(inv: Invoice): string {
  const xml = renderCii(client, inv);
  assert.equal(xsdErrors(xml), '', inv.ref);
  assert.deepEqual(selfCheck(client, inv), [], inv.ref);
  return xml;
}

describe('allowances and charges from files saved by real tools', () => {
  it('LibreOffice FR "Remise" 10,00 % on the invoice (BG-20): 240,00 − 24,00 = 216,00 HT; "0,00%" changes nothing', async () => {
    const p = await fixture('discount-document.csv');
    assert.deepEqual(errors(p), []);
    const [rm1 = assert.fail(), rm2 = assert.fail()] = p.numbered?.invoices ?? [];
    assert.deepEqual(totals(rm1), ['RM-01', '240.00', '24.00', '0.00', '216.00', '43.20', '259.20']);
    assert.deepEqual(totals(rm2), ['RM-02', '80.00', '0.00', '0.00', '80.00', '16.00', '96.00']);
    const xml = valid(rm1);
    assert.match(xml, /<ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>false<\/udt:Indicator><\/ram:ChargeIndicator><ram:CalculationPercent>10<\/ram:CalculationPercent><ram:BasisAmount>240.00<\/ram:BasisAmount><ram:ActualAmount>24.00<\/ram:ActualAmount><ram:ReasonCode>95<\/ram:ReasonCode><ram:Reason>Remise<\/ram:Reason><ram:CategoryTradeTax><ram:TypeCode>VAT<\/ram:TypeCode><ram:CategoryCode>S<\/ram:CategoryCode><ram:RateApplicablePercent>20<\/ram:RateApplicablePercent><\/ram:CategoryTradeTax><\/ram:SpecifiedTradeAllowanceCharge><ram:SpecifiedTradePaymentTerms>/);
    assert.match(xml, /<ram:LineTotalAmount>240.00<\/ram:LineTotalAmount><ram:AllowanceTotalAmount>24.00<\/ram:AllowanceTotalAmount><ram:TaxBasisTotalAmount>216.00<\/ram:TaxBasisTotalAmount>/);
    assert.match(xml, /<ram:CalculatedAmount>43.20<\/ram:CalculatedAmount><ram:TypeCode>VAT<\/ram:TypeCode><ram:BasisAmount>216.00<\/ram:BasisAmount>/, 'the VAT base includes the discount (BR-S-08)');
    valid(rm2);
    assert.doesNotMatch(renderCii(client, rm2), /AllowanceCharge|AllowanceTotalAmount/);
  });

  it('Excel FR "Frais de port" 15,00 € (BG-21): 240,00 + 15,00 = 255,00 HT', async () => {
    const p = await fixture('shipping-charge.csv');
    assert.deepEqual(errors(p), []);
    const [fp1 = assert.fail(), fp2 = assert.fail()] = p.numbered?.invoices ?? [];
    assert.deepEqual(totals(fp1), ['FP-01', '240.00', '0.00', '15.00', '255.00', '51.00', '306.00']);
    assert.deepEqual(totals(fp2), ['FP-02', '75.00', '0.00', '0.00', '75.00', '15.00', '90.00']);
    assert.match(valid(fp1), /<udt:Indicator>true<\/udt:Indicator><\/ram:ChargeIndicator><ram:ActualAmount>15.00<\/ram:ActualAmount><ram:Reason>Frais<\/ram:Reason>.*<ram:ChargeTotalAmount>15.00<\/ram:ChargeTotalAmount>/s);
  });

  it('LibreOffice "remise_ligne" (BG-27): 1 200 − 100 = 1 100; 2 × 450 − 10 % = 810; 90 − 0 = 90', async () => {
    const p = await fixture('line-discount.csv');
    assert.deepEqual(errors(p), []);
    const inv = p.numbered?.invoices[0] ?? assert.fail();
    assert.deepEqual(inv.lines.map((l) => amount(l.netAmount)), ['1100.00', '810.00', '90.00']);
    assert.deepEqual(totals(inv), ['RL-01', '2000.00', '0.00', '0.00', '2000.00', '400.00', '2400.00']);
    const xml = valid(inv);
    assert.match(xml, /<ram:ActualAmount>100.00<\/ram:ActualAmount><ram:ReasonCode>95<\/ram:ReasonCode><ram:Reason>Remise<\/ram:Reason><\/ram:SpecifiedTradeAllowanceCharge><ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>1100.00/);
    assert.match(xml, /<ram:CalculationPercent>10<\/ram:CalculationPercent><ram:BasisAmount>900.00<\/ram:BasisAmount><ram:ActualAmount>90.00<\/ram:ActualAmount>/);
  });

  it('LibreOffice EN "Discount" 24.00: 3 × 80.00 − 24.00 = 216.00', async () => {
    const p = await fixture('discount-en.csv');
    assert.deepEqual(errors(p), []);
    assert.deepEqual(p.numbered?.invoices.map(totals), [['DE-01', '240.00', '24.00', '0.00', '216.00', '43.20', '259.20'], ['DE-02', '240.00', '0.00', '0.00', '240.00', '48.00', '288.00']]);
    for (const inv of p.numbered?.invoices ?? []) valid(inv);
  });
});

describe('allowances and charges on invoices of several VAT rates, by hand', () => {
  it('a percentage applies to each rate; an amount goes to the rate the file names; the PDF shows each', async () => {
    const p = await text('Remise;Frais de port;Taux TVA frais;Motif frais;Remise ligne (%)', [
      // 100 + 50 at 20 %, 200 at 5,5 %; a 5 % discount on each rate, 12,00 € freight at 20 %, a 10 % line discount.
      `F1;${BUYER};Conseil;1;100;20 %;5 %;12,00 €;20 %;FC;10`,
      `F1;${BUYER};Support;1;50;20 %;5 %;12,00 €;20 %;FC;`,
      `F1;${BUYER};Livres;4;50;5,5 %;5 %;12,00 €;20 %;FC;`,
    ]);
    assert.deepEqual(errors(p), []);
    const inv = p.numbered?.invoices[0] ?? assert.fail();
    // Lines: 100 − 10 % = 90,00; 50,00; 200,00. At 20 %: 140,00 − 7,00 (5 %) + 12,00 = 145,00 → VAT 29,00.
    // At 5,5 %: 200,00 − 10,00 (5 %) = 190,00 → VAT 10,45. BT-109 = 340,00 − 17,00 + 12,00 = 335,00; BT-112 = 374,45.
    assert.deepEqual(inv.lines.map((l) => amount(l.netAmount)), ['90.00', '50.00', '200.00']);
    assert.deepEqual(inv.allowanceCharges.map((a) => [a.charge, amount(a.amount), a.vatRate?.toFixed(), a.baseAmount ? amount(a.baseAmount) : '', a.reasonCode ?? '']), [
      [false, '7.00', '20', '140.00', '95'],
      [false, '10.00', '5.5', '200.00', '95'],
      [true, '12.00', '20', '', 'FC'],
    ]);
    assert.deepEqual(inv.vat.map((v) => [v.rate.toFixed(), amount(v.taxableAmount), amount(v.taxAmount)]), [['20', '145.00', '29.00'], ['5.5', '190.00', '10.45']]);
    assert.deepEqual(totals(inv), ['F1', '340.00', '17.00', '12.00', '335.00', '39.45', '374.45']);
    valid(inv);

    const [doc] = await renderDocuments({ client, invoices: [inv], createdAt: new Date('2026-11-26T09:00:00Z') });
    const shown = pdfTextOf(doc?.pdf ?? assert.fail()).replace(/\s+/g, ' ');
    assert.match(shown, /Remise \(10 %\) : −10,00/, 'the line discount under its designation');
    for (const row of [/Total des lignes HT 340,00 €/, /Remise \(5 %\) · TVA 20 % -7,00 €/, /Remise \(5 %\) · TVA 5,5 % -10,00 €/, /Frais de port · TVA 20 % 12,00 €/, /Total HT 335,00 €/, /Total TTC 374,45 €/]) assert.match(shown, row);
  });

  it('refuses what it cannot honour as meant, at its line and column, in both languages', async () => {
    const p = await text('Remise;Frais;Taux TVA frais;Remise ligne', [
      // An amount on an invoice of two rates, without its rate.
      `A1;${BUYER};Conseil;1;100;20 %;10,00 €;;;`,
      `A1;${BUYER};Livres;1;100;5,5 %;10,00 €;;;`,
      // A charge at a rate no line has.
      `A2;${BUYER};Conseil;1;100;20 %;;5,00;10 %;`,
      // Negative, not a number, too many decimals, a discount larger than its line or its invoice.
      `A3;${BUYER};Conseil;1;100;20 %;-5;;;`,
      `A4;${BUYER};Conseil;1;100;20 %;;;;beaucoup`,
      `A5;${BUYER};Conseil;1;100;20 %;;2,555;20 %;`,
      `A6;${BUYER};Conseil;1;100;20 %;;;;120`,
      `A7;${BUYER};Conseil;1;100;20 %;150 %;;;`,
      `A8;${BUYER};Conseil;1;100;20 %;100,01;;;`,
    ]);
    assert.equal(p.numbered, undefined, 'nothing issued');
    assert.deepEqual(errors(p).map((i) => [i.line, i.code, i.column, i.value]), [
      [2, 'ADJUSTMENT_VAT_RATE_REQUIRED', 'Remise', '10,00 €'],
      [4, 'ADJUSTMENT_VAT_RATE_UNKNOWN', 'Taux TVA frais', '10 %'],
      [5, 'ADJUSTMENT_NEGATIVE', 'Remise', '-5'],
      [6, 'ADJUSTMENT_INVALID', 'Remise ligne', 'beaucoup'],
      [7, 'ADJUSTMENT_INVALID', 'Frais', '2,555'],
      [8, 'ADJUSTMENT_TOO_LARGE', 'Remise ligne', '120'],
      [9, 'ADJUSTMENT_TOO_LARGE', 'Remise', '150 %'],
      [10, 'ADJUSTMENT_TOO_LARGE', 'Remise', '100,01'],
    ]);
    const said = errors(p);
    assert.equal(describeIssue(said[0] ?? assert.fail(), 'fr'), 'Ligne 2, colonne « Remise », valeur « 10,00 € » : la facture a plusieurs taux de TVA (20 %, 5,5 %) : indiquez le taux auquel s’applique ce montant (colonne discount_vat_rate), ou donnez-le en pourcentage.');
    assert.equal(describeIssue(said[5] ?? assert.fail(), 'en'), 'Line 8, column "Remise ligne", value "120": the discount exceeds the amount it applies to (100.00 excl. VAT): the total would be negative.');
  });
});

describe('allowances and charges among other errors', () => {
  it('reports a bad discount with the other errors of its invoice, all at once', async () => {
    const p = await text('Remise;Frais', [`B1;${BUYER};Conseil;-1;100;20 %;-5;abc`, `B1;${BUYER};Support;1;50;20 %;-5;abc`]);
    assert.deepEqual(errors(p).map((i) => [i.line, i.code, i.column]), [
      [2, 'QUANTITY_NOT_POSITIVE', 'Quantité'],
      [2, 'ADJUSTMENT_NEGATIVE', 'Remise'],
      [2, 'ADJUSTMENT_INVALID', 'Frais'],
    ]);
  });
});
