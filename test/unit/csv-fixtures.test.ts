/**
 * The CSV contract against files saved the way real tools save them
 * (test/fixtures/csv/README.md says how each was made and why each figure
 * is what it is).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ClientRecord } from '../../src/clients/record.js';
import { amount } from '../../src/core/money.js';
import type { CsvIssue } from '../../src/csv/issues.js';
import { DEFAULT_LIMITS, readCsv } from '../../src/csv/read.js';
import { recordsToDrafts } from '../../src/csv/rows.js';
import { computeInvoice } from '../../src/invoice/compute.js';
import { selfCheck } from '../../src/invoice/selfcheck.js';
import { franchiseSeller, seller } from '../helpers/sample.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'csv');

async function load(name: string, client: ClientRecord = seller()) {
  const read = await readCsv(readFileSync(join(FIXTURES, name)));
  const rows = recordsToDrafts(read, client, '2026-11-26', DEFAULT_LIMITS);
  const issues = [...read.issues, ...rows.issues];
  const invoices = rows.drafts.map((d, i) => computeInvoice(d, `T-${i + 1}`));
  for (const inv of invoices) assert.deepEqual(selfCheck(client, inv), [], inv.ref);
  return { read, issues, invoices };
}

/** [ref, lines, excl. VAT, VAT, incl. VAT] */
type Expected = [string, number, string, string, string][];
function assertTotals(invoices: Awaited<ReturnType<typeof load>>['invoices'], expected: Expected) {
  assert.deepEqual(
    invoices.map((i) => [i.ref, i.lines.length, amount(i.totals.taxBasisTotal), amount(i.totals.taxTotal), amount(i.totals.grandTotal)]),
    expected,
  );
}
const errorsOf = (issues: CsvIssue[]) => issues.filter((i) => i.severity === 'error');

describe('CSV fixtures saved by real tools', () => {
  it('Excel FR: Windows-1252, ";", CRLF, NBSP grouping, € and % cells, quoted ";" and quotes', async () => {
    const { read, issues, invoices } = await load('excel-fr-cp1252.csv');
    assert.equal(read.encoding, 'windows-1252');
    assert.equal(read.delimiter, ';');
    assert.deepEqual(issues, []);
    assertTotals(invoices, [
      ['FAC-2026-031', 3, '2741.62', '548.32', '3289.94'],
      ['FAC-2026-032', 2, '1198.40', '231.13', '1429.53'],
      ['FAC-2026-033', 4, '1233.70', '243.55', '1477.25'],
    ]);
    assert.equal(invoices[0]?.lines[0]?.description, 'Étagère "Provence" en chêne massif; finition cérusée');
    assert.equal(invoices[1]?.buyer.name, "Café-Brasserie L'Œillet");
  });

  it('Excel FR "CSV UTF-8": BOM, U+202F grouping, buyer fields on every line, country by name', async () => {
    const { read, issues, invoices } = await load('excel-fr-utf8-bom.csv');
    assert.equal(read.encoding, 'utf-8');
    assert.deepEqual(issues, []);
    assertTotals(invoices, [
      ['FA-0417', 3, '1406.70', '281.34', '1688.04'],
      ['FA-0418', 4, '3575.40', '715.08', '4290.48'],
      ['FA-0419', 2, '1320.47', '257.57', '1578.04'],
    ]);
    assert.equal(invoices[0]?.dueDate, '2026-03-31');
    assert.equal(invoices[0]?.buyer.vatId, 'FR25441207867');
    assert.equal(invoices[0]?.buyer.address.country, 'FR'); // "France", not ICU's FX (BR-CL-14)
  });

  it('LibreOffice: ",", LF, English headers, multi-line quoted descriptions, units in French words', async () => {
    const { read, issues, invoices } = await load('libreoffice-en.csv');
    assert.equal(read.delimiter, ',');
    assert.deepEqual(issues, []);
    assertTotals(invoices, [
      ['INV-2026-0007', 3, '2909.55', '578.71', '3488.26'],
      ['INV-2026-0008', 3, '3878.60', '775.72', '4654.32'],
    ]);
    const [first, second] = invoices;
    assert.equal(first?.lines[0]?.unitCode, 'DAY');
    assert.ok(first?.lines[0]?.description.includes('\n'));
    assert.equal(first?.serviceDate, '2026-02-27');
    assert.equal(first?.purchaseOrder, 'PO-2026-0193');
    assert.equal(second?.lines[1]?.unitCode, 'LS');
    assert.equal(second?.lines[1]?.sourceLine, 7); // a quoted line break makes records and lines differ
  });

  it('Google Sheets: mixed-case headers, "1,234.56", trailing empty columns and rows, no final line break', async () => {
    const { issues, invoices } = await load('google-sheets.csv');
    assert.deepEqual(issues, []);
    assertTotals(invoices, [
      ['GS-101', 3, '2429.80', '485.96', '2915.76'],
      ['GS-102', 2, '1394.16', '278.83', '1672.99'],
    ]);
  });

  it('Google Sheets en-US: "1,500" and "1,200" (#,##0) are thousands, as the file\'s "2.50" and "20.00%" show', async () => {
    const { issues, invoices } = await load('google-sheets-en-us-grouping.csv');
    assert.deepEqual(issues, []);
    assertTotals(invoices, [['GU-1', 3, '8252.25', '1275.23', '9527.48']]);
    assert.deepEqual(invoices[0]?.lines.map((l) => [l.quantity.toFixed(), l.unitPrice.toFixed()]), [['1', '1500'], ['1200', '2.5'], ['3', '1250.75']]);
  });

  it('"1.500" in a file whose other numbers have no decimal mark is refused as ambiguous, never guessed', async () => {
    const { issues, invoices } = await load('ambiguous-grouping.csv');
    assert.deepEqual(invoices, []);
    assert.deepEqual(errorsOf(issues).map((i) => [i.line, i.code, i.column, i.value]), [[2, 'NUMBER_AMBIGUOUS', 'prix unitaire HT', '1.500']]);
  });

  it('Excel "Unicode text": UTF-16 LE with BOM, TAB, SIRET for the buyer', async () => {
    const { read, issues, invoices } = await load('excel-unicode-utf16le.txt');
    assert.equal(read.encoding, 'utf-16le');
    assert.equal(read.delimiter, '\t');
    assert.deepEqual(issues, []);
    assertTotals(invoices, [
      ['UT-2026-12', 4, '1537.30', '193.61', '1730.91'],
      ['UT-2026-13', 2, '355.20', '41.52', '396.72'],
    ]);
    assert.equal(invoices[0]?.buyer.siren, '617520481');
  });

  it('rounding traps give the exact EN 16931 results', async () => {
    const { issues, invoices } = await load('rounding-traps.csv');
    assert.deepEqual(issues, []);
    assertTotals(invoices, [
      ['RT-01', 10, '29.64', '5.93', '35.57'],
      ['RT-02', 6, '89.45', '2.79', '92.24'],
    ]);
    const rt2 = invoices[1];
    assert.deepEqual(
      rt2?.vat.map((v) => [v.rate.toFixed(), amount(v.taxableAmount), amount(v.taxAmount)]),
      [
        ['10', '1.45', '0.15'],
        ['5.5', '23.00', '1.27'],
        ['2.1', '65.00', '1.37'],
      ],
    );
  });

  it('injection-like text is kept literally', async () => {
    const { issues, invoices } = await load('injection.csv');
    assert.deepEqual(issues, []);
    assertTotals(invoices, [['INJ-1', 5, '157.00', '28.20', '185.20']]);
    const inv = invoices[0];
    assert.equal(inv?.buyer.name, 'Tom & Jerry <ltd>');
    assert.equal(inv?.lines[0]?.description, '=HYPERLINK("http://evil.example","x")');
    assert.equal(inv?.buyerReference, '+cmd');
    assert.equal(inv?.purchaseOrder, '@SUM(A1)');
    // Several notes on one invoice are all kept (BG-1 repeats), literally.
    assert.deepEqual(inv?.notes, ["=cmd|' /C calc'!A0", '<!-- -->', '\u202eevil.txt', '%s%n%x {{7*7}} ${7*7}']);
  });

  it('a franchise seller: no VAT column, every line exempt under art. 293 B', async () => {
    const { issues, invoices } = await load('franchise.csv', franchiseSeller());
    assert.deepEqual(issues, []);
    assertTotals(invoices, [
      ['MF-2026-005', 2, '580.00', '0.00', '580.00'],
      ['MF-2026-006', 2, '243.00', '0.00', '243.00'],
    ]);
    for (const inv of invoices) {
      assert.deepEqual(inv.vat.map((v) => [v.category, v.exemptionCode]), [['E', 'VATEX-FR-FRANCHISE']]);
    }
    // The same file for a seller who charges VAT lacks its required column.
    const normal = await load('franchise.csv');
    assert.deepEqual(errorsOf(normal.issues).map((i) => [i.code, i.params?.column]), [['COLUMN_MISSING', 'vat_rate']]);
  });

  it('the reform columns in French: directory, SIRET, GLN and e-mail addresses, a deliver-to address', async () => {
    const { read, issues, invoices } = await load('reform-fr.csv');
    assert.equal(read.delimiter, ';');
    assert.deepEqual(issues, []);
    assertTotals(invoices, [
      ['RF-01', 2, '5570.00', '1114.00', '6684.00'],
      ['RF-02', 1, '1250.00', '250.00', '1500.00'],
      ['RF-03', 1, '1800.00', '0.00', '1800.00'],
      ['RF-04', 1, '9800.00', '0.00', '9800.00'],
    ]);
    assert.deepEqual(
      invoices.map((i) => i.buyer.electronicAddress),
      [
        { scheme: '0225', value: '552081317_COMPTA' }, // scheme given in its column
        { scheme: '0009', value: '73282932000009' }, // 14 digits: a SIRET
        { scheme: 'EM', value: 'compta@brasserie-vdb.example' }, // no address, buyer abroad: its e-mail
        { scheme: '0088', value: '8712345678906' }, // 13 digits: a GLN
      ],
    );
    assert.deepEqual(invoices[0]?.deliverTo, {
      name: 'Chantier Garnier',
      address: { line1: '12 allée des Tilleuls', postcode: '21121', city: 'Fontaine-lès-Dijon', country: 'FR' }, // country: the buyer's
    });
    assert.equal(invoices[3]?.deliverTo?.address.country, 'NL');
    assert.equal(invoices[1]?.deliverTo, undefined);
  });

  it('every error in the file at once, with physical lines and columns as written', async () => {
    const { issues, invoices } = await load('errors-every-kind.csv');
    const got = issues.map((i) => [i.line, i.column, i.code, i.severity]).sort((a, b) => Number(a[0]) - Number(b[0]));
    assert.deepEqual(got, [
      [1, 'Remarque interne', 'COLUMN_UNKNOWN', 'warning'],
      [6, 'Client', 'VALUE_REQUIRED', 'error'],
      [7, 'Quantité', 'NUMBER_INVALID', 'error'],
      [8, 'Quantité', 'QUANTITY_NOT_POSITIVE', 'error'],
      [9, 'Quantité', 'QUANTITY_NOT_POSITIVE', 'error'],
      [10, 'Prix unitaire HT', 'PRICE_NEGATIVE', 'error'],
      [11, 'Date', 'DATE_INVALID', 'error'],
      [12, 'Date', 'DATE_INVALID', 'error'],
      [13, 'Taux TVA', 'VAT_RATE_NOT_ALLOWED', 'error'],
      [14, 'Catégorie TVA', 'VAT_CATEGORY_NEEDED', 'error'],
      [15, 'Motif exonération', 'EXEMPTION_REASON_REQUIRED', 'error'],
      [16, 'SIREN', 'SIREN_INVALID', 'error'],
      [17, 'Devise', 'CURRENCY_INVALID', 'error'],
      [19, 'Client', 'INVOICE_FIELD_CONFLICT', 'error'],
    ]);
    assert.equal(issues.find((i) => i.line === 7)?.value, '12,3,4');
    assert.equal(invoices.length, 1); // E-001 alone is valid; the batch as a whole is refused by the caller
  });

  it('one currency per invoice; a foreign buyer needs no SIREN', async () => {
    const { issues } = await load('multi-currency-invoice.csv');
    assert.deepEqual(issues.map((i) => [i.line, i.column, i.code, i.value]), [[4, 'Devise', 'CURRENCY_MIXED', 'USD']]);
  });

  it('empty, header-only and binary files get their own message', async () => {
    for (const [file, code] of [
      ['empty.csv', 'FILE_EMPTY'],
      ['header-only.csv', 'FILE_HEADER_ONLY'],
      ['binary.csv', 'FILE_BINARY'],
    ] as const) {
      const { issues } = await load(file);
      assert.deepEqual(issues.map((i) => i.code), [code], file);
    }
  });
});
