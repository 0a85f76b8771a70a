/**
 * Invoicing periods (contract v2): the invoice's (BG-14: BT-73, BT-74) and a
 * line's (BG-26: BT-134, BT-135), read from French or English headers,
 * checked (BR-29, BR-30, a line's period inside the invoice's), written in
 * the CII where the schema places them and shown on the PDF.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planBatch } from '../../src/batch/plan.js';
import { renderDocuments } from '../../src/batch/render.js';
import { describeIssue } from '../../src/csv/messages.js';
import { DEFAULT_LIMITS } from '../../src/csv/read.js';
import { renderCii } from '../../src/facturx/cii.js';
import { selfCheck } from '../../src/invoice/selfcheck.js';
import { BUYER_SIREN, seller } from '../helpers/sample.js';
import { pdfTextOf, xsdErrors } from '../helpers/tools.js';

const BUYER = `Boulangerie Martin SAS;${BUYER_SIREN};3 place du Marché;75001;Paris`;
async function plan(head: string, rows: string[]) {
  // As a French spreadsheet saves it: semicolons, dates as shown (DD/MM/YYYY), CRLF.
  const text = [`Référence;Client;SIREN;Adresse;Code postal;Ville;${head};Désignation;Quantité;Prix unitaire HT;Taux TVA`, ...rows].join('\r\n') + '\r\n';
  return planBatch({ client: seller(), fileName: 'periodes.csv', bytes: Buffer.from(text), today: '2026-12-04', limits: DEFAULT_LIMITS, sequencesBefore: {} });
}
const errors = (p: Awaited<ReturnType<typeof plan>>) => p.issues.filter((i) => i.severity === 'error');

describe('invoicing periods (BG-14, BG-26)', () => {
  it('reads the invoice and line periods, writes them in the CII (schema-valid, self-checked) and on the PDF', async () => {
    const p = await plan('Du;Au;Période ligne début;Période ligne fin', [
      `F1;${BUYER};01/11/2026;30/11/2026;01/11/2026;15/11/2026;Maintenance première quinzaine;1;400;20 %`,
      `F1;${BUYER};01/11/2026;30/11/2026;;;Hébergement;1;50;20 %`,
      `F2;${BUYER};2026-11-01;;;;Abonnement;1;30;20 %`,
    ]);
    assert.deepEqual(errors(p), []);
    const [f1, f2] = p.numbered?.invoices ?? assert.fail('issued');
    assert.deepEqual(f1?.period, { start: '2026-11-01', end: '2026-11-30' });
    assert.deepEqual(f1?.lines.map((l) => l.period), [{ start: '2026-11-01', end: '2026-11-15' }, undefined]);
    assert.deepEqual(f2?.period, { start: '2026-11-01' }, 'a start alone is a period (BR-CO-19)');
    for (const inv of [f1, f2]) {
      if (!inv) continue;
      const xml = renderCii(seller(), inv);
      assert.equal(xsdErrors(xml), '');
      assert.deepEqual(selfCheck(seller(), inv), []);
    }
    const xml = renderCii(seller(), f1 ?? assert.fail());
    assert.match(xml, /<ram:ApplicableTradeTax>(?:(?!<\/ram:SpecifiedLineTradeSettlement>).)*<\/ram:ApplicableTradeTax><ram:BillingSpecifiedPeriod><ram:StartDateTime><udt:DateTimeString format="102">20261101<\/udt:DateTimeString><\/ram:StartDateTime><ram:EndDateTime><udt:DateTimeString format="102">20261115<\/udt:DateTimeString><\/ram:EndDateTime><\/ram:BillingSpecifiedPeriod><ram:SpecifiedTradeSettlementLineMonetarySummation>/s, 'BT-134/135 on the line');
    assert.match(xml, /<ram:BillingSpecifiedPeriod><ram:StartDateTime><udt:DateTimeString format="102">20261101<\/udt:DateTimeString><\/ram:StartDateTime><ram:EndDateTime><udt:DateTimeString format="102">20261130<\/udt:DateTimeString><\/ram:EndDateTime><\/ram:BillingSpecifiedPeriod><ram:SpecifiedTradePaymentTerms>/, 'BT-73/74 in the header');
    const onlyStart = renderCii(seller(), f2 ?? assert.fail());
    assert.match(onlyStart, /<ram:BillingSpecifiedPeriod><ram:StartDateTime><udt:DateTimeString format="102">20261101<\/udt:DateTimeString><\/ram:StartDateTime><\/ram:BillingSpecifiedPeriod>/);

    const [doc] = await renderDocuments({ client: seller(), invoices: [f1], createdAt: new Date('2026-12-04T09:00:00Z') });
    const text = pdfTextOf(doc?.pdf ?? assert.fail()).replace(/\s+/g, ' ');
    assert.match(text, /Période du 01\/11\/2026 au 30\/11\/2026/);
    assert.match(text, /Date de la prestation 30\/11\/2026/, 'BT-72 defaults to the end of the period');
    assert.match(text, /Maintenance première quinzaine 1 u 400,00 20 % 400,00 du 01\/11\/2026 au 15\/11\/2026/);
  });

  it('refuses an end before its start (BR-29, BR-30) and a line period outside the invoice period, at their lines, in both languages', async () => {
    const p = await plan('Période début;Période fin;Période ligne début;Période ligne fin', [
      `F1;${BUYER};30/11/2026;01/11/2026;;;Maintenance;1;400;20 %`,
      `F2;${BUYER};01/11/2026;30/11/2026;20/11/2026;10/11/2026;Maintenance;1;400;20 %`,
      `F3;${BUYER};01/11/2026;30/11/2026;15/10/2026;15/11/2026;Maintenance;1;400;20 %`,
      `F3;${BUYER};01/11/2026;30/11/2026;;05/12/2026;Support;1;40;20 %`,
    ]);
    assert.equal(p.numbered, undefined, 'nothing issued');
    const got = errors(p).map((i) => [i.line, i.code, i.column, i.value]);
    assert.deepEqual(got, [
      [2, 'PERIOD_END_BEFORE_START', 'Période fin', '01/11/2026'],
      [3, 'PERIOD_END_BEFORE_START', 'Période ligne fin', '10/11/2026'],
      [4, 'LINE_PERIOD_OUTSIDE', 'Période ligne début', '2026-10-15'],
      [5, 'LINE_PERIOD_OUTSIDE', 'Période ligne fin', '2026-12-05'],
    ]);
    const [first, , third] = errors(p);
    assert.equal(describeIssue(first ?? assert.fail(), 'fr'), 'Ligne 2, colonne « Période fin », valeur « 01/11/2026 » : la fin de la période est antérieure à son début (30/11/2026).');
    assert.equal(describeIssue(third ?? assert.fail(), 'en'), 'Line 4, column "Période ligne début", value "2026-10-15": the line\'s period falls outside the invoice\'s period (from 1 November 2026 to 30 November 2026).');
  });

  it('takes one invoice period stated on several lines, in two spellings of the same date, and refuses two different ones', async () => {
    const same = await plan('period_start;period_end', [`F1;${BUYER};01/11/2026;30/11/2026;A;1;10;20 %`, `F1;${BUYER};2026-11-01;30/11/2026;B;1;10;20 %`]);
    assert.deepEqual(errors(same), []);
    const other = await plan('period_start;period_end', [`F1;${BUYER};01/11/2026;30/11/2026;A;1;10;20 %`, `F1;${BUYER};01/10/2026;30/11/2026;B;1;10;20 %`]);
    assert.deepEqual(errors(other).map((i) => [i.line, i.code, i.column]), [[3, 'INVOICE_FIELD_CONFLICT', 'period_start']]);
  });
});
