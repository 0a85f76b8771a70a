/**
 * Contract v2's documents told as a seller's month (fixtures/csv/documents-*,
 * made by _generator/make_document_fixtures.py), on both store backends:
 * invoices and a deposit, a credit note and a corrective invoice checked
 * against the register, the final invoice that deducts the deposit and is
 * paid by direct debit, every correction the register must refuse, and an
 * invoice in US dollars. Each document is read back as issued: its XML
 * (XSD, business terms), its PDF's text, the report.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { prepareBatch, runBatch } from '../../src/batch/run.js';
import type { BatchResult } from '../../src/batch/types.js';
import { addClient } from '../../src/clients/service.js';
import { Dec } from '../../src/core/money.js';
import { describeIssue } from '../../src/csv/messages.js';
import type { Store } from '../../src/store/port.js';
import { sellerInput } from '../helpers/sample.js';
import { embeddedBackend, postgresBackend, type Backend } from '../helpers/store-backends.js';
import { pdfAttachment, pdfTextOf, tempDir, xsdErrors } from '../helpers/tools.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'csv');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const term = (xml: string, re: RegExp) => re.exec(xml)?.[1];

for (const backend of [embeddedBackend(), postgresBackend()] as Backend[]) {
  describe(`documents of contract v2 against the register: ${backend.name}`, { skip: backend.skip || false, timeout: 240_000 }, () => {
    before(() => backend.setup());
    after(() => backend.teardown());

    it('issues invoices, a deposit, a credit note, a corrective and a final invoice as the register allows, and refuses every other correction at once', async () => {
      const ctx = await backend.fresh();
      const store: Store = ctx.store;
      const dir = tempDir();
      try {
        await addClient(store, { ...sellerInput, sepaCreditorId: 'FR72ZZZ123456' }, { actor: 'test' });
        const send = (name: string): Promise<BatchResult> => runBatch(store, { clientId: 'atelier-dupont', fileName: name, bytes: fixture(name), today: '2026-11-30' }, { actor: 'test' });
        const xmlOf = async (r: BatchResult, i: number) => {
          const file = join(dir.path, `doc-${r.invoices[i]?.number ?? i}.pdf`);
          writeFileSync(file, await store.files.read(r.files?.pdfs[i] ?? ''));
          return pdfAttachment(file);
        };
        const pdfOf = async (r: BatchResult, i: number) => pdfTextOf(await store.files.read(r.files?.pdfs[i] ?? ''));

        const first = await send('documents-01-invoices.csv');
        assert.equal(first.status, 'issued', JSON.stringify(first.errors));
        assert.deepEqual(first.invoices.map((i) => [i.number, i.documentType ?? '380', i.totalInclVat]), [
          ['FA-2026-00001', '380', '1200.00'],
          ['FA-2026-00002', '380', '360.00'],
          ['FA-2026-00003', '386', '1440.00'],
        ]);
        const deposit = await xmlOf(first, 2);
        assert.equal(xsdErrors(deposit), '');
        assert.equal(term(deposit, /<ram:TypeCode>(38\d)<\/ram:TypeCode>/), '386');
        assert.match(await pdfOf(first, 2), /FACTURE D'ACOMPTE/);

        // A credit note numbers in its own series; the register gives the credited invoice's date (BT-26).
        const second = await send('documents-02-corrections.csv');
        assert.equal(second.status, 'issued', JSON.stringify(second.errors));
        assert.deepEqual(second.invoices.map((i) => [i.number, i.documentType, i.preceding]), [
          ['AV-2026-00001', '381', [{ number: 'FA-2026-00001', issueDate: '2026-11-02', credited: '600.00' }]],
          ['FA-2026-00004', '384', [{ number: 'FA-2026-00002', issueDate: '2026-11-02' }]],
        ]);
        assert.deepEqual(second.warnings.map((w) => [w.code, w.column]), [['COLUMN_UNKNOWN', 'Motif']]);
        const credit = await xmlOf(second, 0);
        assert.equal(xsdErrors(credit), '');
        assert.equal(term(credit, /<ram:TypeCode>(38\d)<\/ram:TypeCode>/), '381');
        assert.match(credit, /<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>FA-2026-00001<\/ram:IssuerAssignedID><ram:FormattedIssueDateTime><qdt:DateTimeString format="102">20261102<\/qdt:DateTimeString>/);
        assert.equal(term(credit, /<ram:GrandTotalAmount>([^<]+)</), '600.00', 'a credit note carries positive amounts');
        const creditPdf = await pdfOf(second, 0);
        assert.match(creditPdf, /AVOIR/);
        assert.match(creditPdf, /Avoir sur facture\s+FA-2026-00001\n[^\n]*Date de la facture\s+02\/11\/2026/);
        assert.match(creditPdf, /Montant crédité\s+600,00/);
        assert.doesNotMatch(creditPdf, /Net à payer/);
        assert.match(await pdfOf(second, 1), /FACTURE RECTIFICATIVE[\s\S]*Annule et remplace\s+FA-2026-00002\n[^\n]*Date de la facture\s+02\/11\/2026/);
        assert.equal(xsdErrors(await xmlOf(second, 1)), '');

        // The final invoice deducts the deposit (B4/S4/M4) and is paid by SEPA direct debit.
        const third = await send('documents-03-final.csv');
        assert.equal(third.status, 'issued', JSON.stringify(third.errors.map((e) => describeIssue(e, 'en'))));
        const final = await xmlOf(third, 0);
        assert.equal(xsdErrors(final), '');
        assert.equal(third.invoices[0]?.number, 'FA-2026-00005');
        assert.equal(term(final, /<ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>([^<]+)</), 'S4');
        assert.equal(term(final, /<ram:TotalPrepaidAmount>([^<]+)</), '1440.00');
        assert.equal(term(final, /<ram:DuePayableAmount>([^<]+)</), '3360.00');
        assert.equal(term(final, /<ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>(\d+)</), '59');
        assert.equal(term(final, /<ram:DirectDebitMandateID>([^<]+)</), 'RUM-GIR-2026-01');
        assert.equal(term(final, /<ram:PayerPartyDebtorFinancialAccount><ram:IBANID>([^<]+)</), 'FR7630004000031234567890143');
        assert.equal(term(final, /<ram:CreditorReferenceID>([^<]+)</), 'FR72ZZZ123456');
        const finalPdf = await pdfOf(third, 0);
        assert.match(finalPdf, /Déjà versé\s+-1 440,00/);
        assert.match(finalPdf, /Net à payer\s+3 360,00/);
        assert.match(finalPdf, /FR76 \*\*\*\* \*\*\*\* 0143/);
        assert.doesNotMatch(finalPdf, /FR7630004000031234567890143|3000 4000 0312/, 'the debited account is masked on paper');

        // Every correction the register refuses, each on its line, in one answer; nothing is numbered.
        const hostile = await send('documents-04-hostile.csv');
        assert.equal(hostile.status, 'rejected');
        assert.deepEqual(hostile.errors.map((e) => [e.line, e.code]), [
          [2, 'CREDIT_EXCEEDS_REMAINING'],
          [3, 'PRECEDING_REPLACED'],
          [4, 'PRECEDING_OTHER_BUYER'],
          [5, 'DEPOSIT_ALREADY_DEDUCTED'],
          [6, 'PRECEDING_NOT_FOUND'],
          [7, 'PRECEDING_IS_CREDIT_NOTE'],
        ]);
        const [exceeds, replaced, , deducted] = hostile.errors.map((e) => describeIssue(e, 'fr'));
        assert.match(exceeds ?? '', /720,00\s€ TTC\) dépasse ce qui reste à créditer sur FA-2026-00001 : 600,00\s€ sur 1\s200,00\s€/);
        assert.match(replaced ?? '', /remplacée par FA-2026-00004/);
        assert.match(deducted ?? '', /déjà déduit par la facture FA-2026-00005/);

        // An invoice in US dollars states its VAT in euros too (BT-6, BT-111).
        const usd = await send('documents-05-usd.csv');
        assert.equal(usd.status, 'issued', JSON.stringify(usd.errors));
        assert.equal(usd.invoices[0]?.number, 'FA-2026-00006', 'the refused file took no number');
        const dollars = await xmlOf(usd, 0);
        assert.equal(xsdErrors(dollars), '');
        assert.equal(term(dollars, /<ram:TaxCurrencyCode>([^<]+)</), 'EUR');
        assert.equal(term(dollars, /<ram:TaxTotalAmount currencyID="USD">([^<]+)</), '251.00');
        assert.equal(term(dollars, /<ram:TaxTotalAmount currencyID="EUR">([^<]+)</), '231.79');
        assert.match(await pdfOf(usd, 0), /1 USD = 0,923456 EUR/);

        // The report says what each document is and what it refers to.
        const report = (await store.files.read(second.files?.report ?? '')).toString('utf8');
        assert.match(report, /"AV-2026-00001";"381";"FA-2026-00001"/);
      } finally {
        dir.cleanup();
        await ctx.store.close();
        await ctx.cleanup();
      }
    });

    it('two writers crediting one invoice at once: one credit note issues, the other is refused with what remains', async () => {
      const ctx = await backend.fresh();
      // Postgres: a second connection pool, as a second daemon has; embedded: the one writer of its data directory.
      const other = backend.name === 'postgres' ? await ctx.reopen() : ctx.store;
      try {
        await addClient(ctx.store, sellerInput, { actor: 'test' });
        const head = 'invoice_ref,issue_date,document_type,preceding_invoice,buyer_name,buyer_siren,buyer_address,buyer_postcode,buyer_city,description,quantity,unit_price,vat_rate\n';
        const buyer = 'Boulangerie Lefèvre SARL,812453678,14 rue de la République,69002,Lyon';
        const file = (ref: string, type: string, preceding: string, price: string) => Buffer.from(`${head}${ref},2026-11-10,${type},${preceding},${buyer},Ligne,1,${price},20\n`);
        const run = (store: Store, name: string, bytes: Buffer) => runBatch(store, { clientId: 'atelier-dupont', fileName: name, bytes, today: '2026-11-30' }, { actor: name });
        const invoice = await run(ctx.store, 'i.csv', file('I-1', 'facture', '', '1000'));
        assert.deepEqual(invoice.invoices.map((i) => [i.number, i.totalInclVat]), [['FA-2026-00001', '1200.00']]);
        // 700.00 TTC each: together they would credit 1 400.00 of 1 200.00.
        const results = await Promise.all([run(ctx.store, 'a.csv', file('A-1', 'avoir', 'FA-2026-00001', '583.33')), run(other, 'b.csv', file('B-1', 'avoir', 'FA-2026-00001', '583.34'))]);
        assert.deepEqual(results.map((r) => r.status).sort(), ['issued', 'rejected']);
        const refused = results.find((r) => r.status === 'rejected');
        const issued = results.find((r) => r.status === 'issued');
        assert.deepEqual(refused?.errors.map((e) => [e.code, e.params?.remaining]), [['CREDIT_EXCEEDS_REMAINING', new Dec('1200.00').minus(issued?.invoices[0]?.totalInclVat ?? '0').toFixed(2)]]);
        assert.deepEqual(issued?.invoices.map((i) => i.number), ['AV-2026-00001']);

        // Two files of one mail are committed together: the second sees what the first credits.
        const rest = new Dec('1200.00').minus(issued?.invoices[0]?.totalInclVat ?? '0');
        const input = (name: string, price: string) => ({ clientId: 'atelier-dupont', fileName: name, bytes: file(name, 'avoir', 'FA-2026-00001', price), today: '2026-11-30' });
        const first = await prepareBatch(ctx.store, input('c.csv', '250'));
        const second = await prepareBatch(ctx.store, input('d.csv', '250'), first.sequencesAfter, first.record ? [first.record] : []);
        assert.equal(first.result.status, 'issued');
        assert.deepEqual(second.result.errors.map((e) => [e.code, e.params?.remaining]), [['CREDIT_EXCEEDS_REMAINING', rest.minus('300.00').toFixed(2)]]);
        await ctx.store.transact(async (tx) => {
          await first.commit?.(tx);
        });
        assert.deepEqual(first.result.invoices.map((i) => i.number), ['AV-2026-00002']);
      } finally {
        if (other !== ctx.store) await other.close();
        await ctx.store.close();
        await ctx.cleanup();
      }
    });
  });
}
