/**
 * The register's verdicts on what a file's documents refer to
 * (batch/references.ts), through the pure plan the workers run: chains of
 * credit notes inside one file, a credit note over several invoices, and
 * each hostile correction refused with what the register holds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planBatch } from '../../src/batch/plan.js';
import type { RegisterFacts } from '../../src/batch/references.js';
import { DEFAULT_LIMITS } from '../../src/csv/read.js';
import { describeIssue } from '../../src/csv/messages.js';
import { seller } from '../helpers/sample.js';

const HEAD = 'invoice_ref,issue_date,document_type,preceding_invoice,prepaid_amount,currency,exchange_rate,buyer_name,buyer_siren,buyer_address,buyer_postcode,buyer_city,description,quantity,unit_price,vat_rate';
const LEFEVRE = 'Boulangerie Lefèvre SARL,812453678,14 rue de la République,69002,Lyon';
const OEILLET = 'Café L’Œillet,528741101,3 place des Terreaux,69001,Lyon';
const row = (ref: string, date: string, type: string, preceding: string, prepaid: string, buyer: string, price: string, currency = '', rate = '', qty = '1') =>
  `${ref},${date},${type},${preceding},${prepaid},${currency},${rate},${buyer},Ligne,${qty},${price},20`;

const fact = (number: string, over: Partial<RegisterFacts> = {}): RegisterFacts => ({
  number, documentType: '380', issueDate: '2026-11-02', currency: 'EUR', totalInclVat: '1200.00', buyer: { name: 'Boulangerie Lefèvre SARL', siren: '812453678' }, credited: '0.00', creditedBy: [], ...over,
});

async function plan(rows: string[], register: RegisterFacts[]) {
  return planBatch({ client: seller(), fileName: 'f.csv', bytes: Buffer.from(`${HEAD}\n${rows.join('\n')}\n`), today: '2026-11-30', limits: DEFAULT_LIMITS, sequencesBefore: {}, register });
}
const errors = (p: Awaited<ReturnType<typeof plan>>) => p.issues.filter((i) => i.severity === 'error').map((i) => [i.line, i.code, i.params]);

describe('references against the register', () => {
  it('asks for the register first, then plans with it', async () => {
    const first = await planBatch({ client: seller(), fileName: 'f.csv', bytes: Buffer.from(`${HEAD}\n${row('A', '2026-11-10', 'avoir', 'FA-1', '', LEFEVRE, '10')}\n`), today: '2026-11-30', limits: DEFAULT_LIMITS, sequencesBefore: {} });
    assert.deepEqual(first.references, ['FA-1']);
    assert.equal(first.numbered, undefined);
  });

  it('a chain of credit notes in one file credits up to the total and not a cent more', async () => {
    const p = await plan([row('A1', '2026-11-10', 'avoir', 'FA-1', '', LEFEVRE, '500'), row('A2', '2026-11-11', 'avoir', 'FA-1', '', LEFEVRE, '500'), row('A3', '2026-11-12', 'avoir', 'FA-1', '', LEFEVRE, '0.01')], [fact('FA-1')]);
    assert.deepEqual(errors(p), [[4, 'CREDIT_EXCEEDS_REMAINING', { number: 'FA-1', amount: '0.01', remaining: '0.00', total: '1200.00', currency: 'EUR' }]]);
    const ok = await plan([row('A1', '2026-11-10', 'avoir', 'FA-1', '', LEFEVRE, '500'), row('A2', '2026-11-11', 'avoir', 'FA-1', '', LEFEVRE, '500')], [fact('FA-1')]);
    assert.deepEqual(ok.numbered?.summaries.map((s) => [s.number, s.preceding?.[0]?.credited]), [['AV-2026-00001', '600.00'], ['AV-2026-00002', '600.00']]);
  });

  it('a credit note over several invoices credits each up to what remains on it, in their order', async () => {
    const p = await plan([row('A1', '2026-11-10', 'avoir', '"FA-1, FA-2"', '', LEFEVRE, '58.33')], [fact('FA-1', { totalInclVat: '120.00', credited: '100.00', creditedBy: ['AV-9'] }), fact('FA-2', { totalInclVat: '60.00' })]);
    assert.deepEqual(errors(p), []);
    assert.deepEqual(p.numbered?.summaries[0]?.preceding, [{ number: 'FA-1', issueDate: '2026-11-02', credited: '20.00' }, { number: 'FA-2', issueDate: '2026-11-02', credited: '50.00' }]);
  });

  it('refuses what the register forbids, saying what it holds', async () => {
    const register = [
      fact('FA-1', { credited: '600.00', creditedBy: ['AV-2026-00001'] }),
      fact('FA-2'),
      fact('FA-3', { documentType: '386', deductedBy: 'FA-9' }),
      fact('FA-4', { documentType: '386', totalInclVat: '240.00' }),
      fact('FA-5', { issueDate: '2026-11-20' }),
      fact('FA-6', { currency: 'USD' }),
    ];
    const p = await plan([
      row('R1', '2026-11-10', 'rectificative', 'FA-1', '', LEFEVRE, '10'), // credited already: a corrective would cancel it twice
      row('R2', '2026-11-10', 'facture', 'FA-2', '10', LEFEVRE, '10'), // a plain invoice deducts deposits only
      row('R3', '2026-11-10', 'facture', 'FA-3', '10', LEFEVRE, '10'), // deducted already
      row('R4', '2026-11-10', 'facture', 'FA-4', '10', LEFEVRE, '10'),
      row('R5', '2026-11-11', 'facture', 'FA-4', '10', LEFEVRE, '10'), // the same deposit a second time, in the same file
      row('R6', '2026-11-10', 'avoir', 'FA-5', '', LEFEVRE, '10'), // dated before the invoice it credits
      row('R7', '2026-11-10', 'avoir', 'FA-6', '', LEFEVRE, '10'), // another currency
      row('R8', '2026-11-10', 'avoir', 'FA-2', '', OEILLET, '10'), // another buyer's invoice
      row('R9', '2026-11-10', 'facture', '', '13', LEFEVRE, '10'), // paid more than its total
    ], register);
    assert.deepEqual(errors(p).map(([line, code]) => [line, code]), [
      [2, 'PRECEDING_CREDITED'],
      [3, 'PRECEDING_NOT_DEPOSIT'],
      [4, 'DEPOSIT_ALREADY_DEDUCTED'],
      [6, 'DEPOSIT_ALREADY_DEDUCTED'],
      [7, 'PRECEDING_AFTER_DOCUMENT'],
      [8, 'PRECEDING_OTHER_CURRENCY'],
      [9, 'PRECEDING_OTHER_BUYER'],
      [10, 'PREPAID_TOO_LARGE'],
    ]);
    const byLine = (line: number, lang: 'fr' | 'en') => describeIssue(p.issues.find((i) => i.line === line) ?? assert.fail(String(line)), lang);
    assert.match(byLine(2, 'fr'), /a déjà fait l’objet d’un avoir \(AV-2026-00001\).*pour le reste \(600,00\s€\)/);
    assert.match(byLine(2, 'en'), /already has a credit note \(AV-2026-00001\).*for the rest \(€600\.00\)/);
    assert.match(byLine(6, 'fr'), /déjà déduit par la facture invoice_ref R4/);
    assert.match(byLine(10, 'en'), /exceeds the document's total incl\. VAT \(€12\.00\)/);
    assert.equal(p.numbered, undefined, 'nothing is numbered');
  });

  it('once only the register is left of an invoice, its buyer is no longer compared; the rest still is', async () => {
    const p = await plan([row('A1', '2026-11-10', 'avoir', 'FA-1', '', OEILLET, '10')], [fact('FA-1', { buyer: undefined })]);
    assert.deepEqual(errors(p), []);
  });

  it('a rate of six decimals on huge amounts: the VAT in euros beyond 19 digits is refused at the rate', async () => {
    const p = await plan([row('U1', '2026-11-10', '', '', '', LEFEVRE, '999999999999', 'USD', '1000000', '1')], []);
    assert.deepEqual(errors(p).map(([line, code]) => [line, code]), [[2, 'EXCHANGE_RATE_INVALID']]);
    const big = await plan([row('U1', '2026-11-10', '', '', '', LEFEVRE, '999999999999', 'USD', '999999.123456', '1')], []);
    assert.deepEqual(big.issues.map((i) => [i.line, i.column, i.code, i.params?.rule]), [[2, 'exchange_rate', 'EINVOICE_RULE', 'BR-FR-DEC-01']]);
  });
});
