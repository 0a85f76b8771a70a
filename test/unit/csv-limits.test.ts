import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import iconv from 'iconv-lite';
import { isVatexCode, VATEX_CODE_COUNT } from '../../src/core/vatex.js';
import { describeIssue } from '../../src/csv/messages.js';
import { DEFAULT_LIMITS, readCsv } from '../../src/csv/read.js';
import { recordsToDrafts } from '../../src/csv/rows.js';
import { seller } from '../helpers/sample.js';

const header = 'invoice_ref;buyer_name;buyer_siren;buyer_address;buyer_postcode;buyer_city;description;quantity;unit_price;vat_rate';
const row = (ref: string, desc = 'Conseil') => `${ref};Client SAS;123456790;1 rue;75001;Paris;${desc};1;10;20`;

describe('CSV limits and malformed files', () => {
  it('refuses a file over the size limit before reading it', async () => {
    const r = await readCsv(Buffer.from(`${header}\n${row('A')}\n`), { ...DEFAULT_LIMITS, maxBytes: 50 });
    assert.deepEqual(r.issues.map((i) => i.code), ['FILE_TOO_LARGE']);
  });

  it('stops at the row limit with a clear error', async () => {
    const body = Array.from({ length: 12 }, (_, i) => row(`A${i}`)).join('\n');
    const r = await readCsv(Buffer.from(`${header}\n${body}\n`), { ...DEFAULT_LIMITS, maxRows: 10 });
    assert.deepEqual(r.issues.map((i) => [i.code, i.line]), [['FILE_TOO_MANY_ROWS', 12]]);
  });

  it('refuses an issue date beyond the processing date plus the allowed days, so one row cannot freeze a series', async () => {
    const dated = (ref: string, date: string) => `${ref};${date};Client SAS;123456790;1 rue;75001;Paris;Conseil;1;10;20`;
    const head = 'invoice_ref;issue_date;buyer_name;buyer_siren;buyer_address;buyer_postcode;buyer_city;description;quantity;unit_price;vat_rate';
    const file = Buffer.from(`${head}\n${dated('A', '31/12/2099')}\n${dated('B', '03/12/2026')}\n${dated('C', '04/12/2026')}\n`);
    const rows = recordsToDrafts(await readCsv(file, DEFAULT_LIMITS), seller(), '2026-11-26', DEFAULT_LIMITS);
    assert.deepEqual(rows.issues.map((i) => [i.code, i.line, i.column, i.params?.latest]), [
      ['ISSUE_DATE_TOO_FAR', 2, 'issue_date', '2026-12-03'],
      ['ISSUE_DATE_TOO_FAR', 4, 'issue_date', '2026-12-03'],
    ]);
    // The same records, built again under another setting.
    const read = await readCsv(file, DEFAULT_LIMITS);
    assert.equal(recordsToDrafts(read, seller(), '2026-11-26', DEFAULT_LIMITS).issues.length, 2);
    const wider = recordsToDrafts(read, seller(), '2026-11-26', { ...DEFAULT_LIMITS, maxFutureIssueDays: 8 });
    assert.deepEqual(wider.issues.map((i) => i.line), [2]);
  });

  it('trims from both ends of a value every space String.prototype.trim removes, no-break and em spaces included', async () => {
    const text = `${header}\n A\u00a0;Client SAS\u2003;123456790;1 rue;75001;\u00a0Paris\u00a0;Conseil\u202f;1;10;20\nA;Client SAS;123456790;1 rue;75001;Paris;Audit\t;2;10;20\n`;
    const rows = recordsToDrafts(await readCsv(Buffer.from(text)), seller(), '2026-11-26', DEFAULT_LIMITS);
    assert.deepEqual(rows.issues, []);
    assert.deepEqual(
      rows.drafts.map((d) => [d.ref, d.buyer.name, d.buyer.address.city, d.lines.map((l) => l.description)]),
      [['A', 'Client SAS', 'Paris', ['Conseil', 'Audit']]],
    );
  });

  it('reports a field over the length limit, with its line and column', async () => {
    const limits = { ...DEFAULT_LIMITS, maxFieldChars: 20 };
    const read = await readCsv(Buffer.from(`${header}\n${row('A', 'x'.repeat(21))}\n`), limits);
    const rows = recordsToDrafts(read, seller(), '2026-11-26', limits);
    assert.deepEqual(rows.issues.map((i) => [i.code, i.line, i.column]), [['FIELD_TOO_LONG', 2, 'description']]);
    assert.ok((rows.issues[0]?.value?.length ?? 0) <= 60);
  });

  it('names an unclosed quote and the line it starts on', async () => {
    const r = await readCsv(Buffer.from(`${header}\n${row('A')}\n${row('B', '"Conseil')}\n`));
    assert.deepEqual(r.issues.map((i) => [i.code, i.line]), [['FILE_MALFORMED', 3]]);
  });

  it('recognises a workbook sent instead of a CSV', async () => {
    const xlsx = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('[Content_Types].xml xl/workbook.xml')]);
    const r = await readCsv(xlsx);
    assert.deepEqual(r.issues.map((i) => [i.code, i.params?.format]), [['FILE_SPREADSHEET', 'xlsx']]);
  });

  it('reads ISO-8859-15 (€ at 0xA4) and UTF-16 BE', async () => {
    const latin9 = iconv.encode(`${header}\n${row('A', 'Prix 10 €')}\n`, 'iso-8859-15');
    const r1 = await readCsv(latin9);
    assert.equal(r1.encoding, 'iso-8859-15');
    assert.equal(r1.records.at(0)?.fields[6], 'Prix 10 €');
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(`${header}\n${row('A', 'Été')}\n`, 'utf-16be')]);
    const r2 = await readCsv(be);
    assert.equal(r2.encoding, 'utf-16be');
    assert.equal(r2.records.at(0)?.fields[6], 'Été');
  });

  it('reads Windows-1252 French typography that happens to form UTF-8 pairs (É before a no-break space, Ç before «)', async () => {
    const text = `${header}\r\n${row('A', 'CAFÉ\u00a0! « ÉTÉ »')}\r\n${row('B', 'GARÇON» – L’ÉTÉ')}\r\n`;
    const r = await readCsv(iconv.encode(text, 'windows-1252'));
    assert.deepEqual(r.issues, []);
    assert.equal(r.encoding, 'windows-1252');
    assert.deepEqual([...r.records].map((rec) => rec.fields[6]), ['CAFÉ\u00a0! « ÉTÉ »', 'GARÇON» – L’ÉTÉ']);
  });

  it('reads ISO-8859-15 without a € by its œ inside a word, and Mac Roman ("CSV (Macintosh)", CR line ends) by its é', async () => {
    const latin9 = await readCsv(iconv.encode(`${header}\n${row('A', 'Le Cœur de Saône')}\n`, 'iso-8859-15'));
    assert.equal(latin9.encoding, 'iso-8859-15');
    assert.equal(latin9.records.at(0)?.fields[6], 'Le Cœur de Saône');
    // "1½" is not inside a word: Windows-1252 as before.
    const half = await readCsv(iconv.encode(`${header}\n${row('A', 'Tube 1½ pouce')}\n`, 'windows-1252'));
    assert.equal(half.encoding, 'windows-1252');
    assert.equal(half.records.at(0)?.fields[6], 'Tube 1½ pouce');
    const mac = await readCsv(iconv.encode(`${header}\r${row('A', 'Crèche Société Générale')}\r${row('B', 'Façade à rénover')}\r`, 'macintosh'));
    assert.deepEqual(mac.issues, []);
    assert.equal(mac.encoding, 'macintosh');
    assert.deepEqual([...mac.records].map((rec) => [rec.line, rec.fields[6]]), [[2, 'Crèche Société Générale'], [3, 'Façade à rénover']]);
  });

  it('refuses bytes that Windows-1252 leaves undefined, naming their lines, rather than printing "�" on an invoice', async () => {
    const bytes = Buffer.concat([Buffer.from(`${header}\n${row('A')}\n${row('B', 'Prix ')}`, 'latin1'), Buffer.from([0x81]), Buffer.from(` net\n${row('C')}\n`, 'latin1')]);
    const r = await readCsv(bytes);
    assert.deepEqual(r.issues.map((i) => [i.code, i.line]), [['FILE_ENCODING_UNKNOWN', 3]]);
    assert.equal(r.records.length, 0);
  });

  it('matches French headers written with their little words ("Date d\'échéance", "Taux de TVA", "N° de commande")', async () => {
    const head = "Référence;Nom du client;N° SIREN;Adresse;Code postal;Ville;Désignation;Quantité;Prix unitaire HT (€);Taux de TVA;Date d'échéance;Motif d’exonération;N° de commande";
    const file = Buffer.from(`${head}\nA;Client SAS;123456790;1 rue;75001;Paris;Conseil;1;10;20;30/06/2026;;PO-7\n`);
    const read = await readCsv(file);
    const rows = recordsToDrafts(read, seller(), '2026-03-20', DEFAULT_LIMITS);
    assert.deepEqual(rows.issues, [], 'no column unknown, none missing');
    assert.equal(rows.drafts[0]?.dueDate, '2026-06-30');
    assert.equal(rows.drafts[0]?.purchaseOrder, 'PO-7');
    // A header that only shares little words with a column stays unknown.
    const other = recordsToDrafts(await readCsv(Buffer.from(`${header};Prix de revient\n${row('A')};8\n`)), seller(), '2026-03-20', DEFAULT_LIMITS);
    assert.deepEqual(other.issues.map((i) => [i.code, i.column]), [['COLUMN_UNKNOWN', 'Prix de revient']]);
  });

  it('takes a VATEX code only from the official list (BR-CL-22), and a reason in words as it is', async () => {
    const head = `${header};vat_category;vat_exemption_reason`;
    const exempt = (ref: string, reason: string) => `${ref};Client SAS;123456790;1 rue;75001;Paris;Formation;1;10;0;E;${reason}`;
    const file = Buffer.from(`${head}\n${exempt('A', 'VATEX-FR-NOPE')}\n${exempt('B', 'vatex-eu-ic')}\n${exempt('C', 'Exonération, article 261-4-4° du CGI')}\n`);
    const rows = recordsToDrafts(await readCsv(file), seller(), '2026-11-26', DEFAULT_LIMITS);
    assert.deepEqual(rows.issues.map((i) => [i.code, i.line, i.value]), [['VATEX_CODE_UNKNOWN', 2, 'VATEX-FR-NOPE']]);
    assert.equal(VATEX_CODE_COUNT, 88);
    assert.ok(isVatexCode('VATEX-FR-FRANCHISE') && isVatexCode('VATEX-EU-132-1Q') && !isVatexCode('VATEX-EU-999'));
  });

  it('refuses a buyer VAT number whose prefix is no ISO country code (BR-CO-09), saying which to use', async () => {
    const head = `${header};buyer_vat_id`;
    const file = Buffer.from(`${head}\n${row('A')};UK123456789\n${row('B')};EL123456789\n`);
    const rows = recordsToDrafts(await readCsv(file), seller(), '2026-11-26', DEFAULT_LIMITS);
    assert.deepEqual(rows.issues.map((i) => [i.code, i.line, i.params?.prefix]), [['VAT_ID_INVALID', 2, 'UK']]);
    assert.match(describeIssue(rows.issues[0] as never, 'fr'), /pas « UK » \(Royaume-Uni : GB/);
  });

  it('says what a spreadsheet did to a SIRET in scientific notation and to a French postcode without its leading 0', async () => {
    const file = Buffer.from(`${header}\nA;Client SAS;8,91047E+13;1 rue;75001;Paris;Conseil;1;10;20\nB;Client SAS;123456790;1 rue;1000;Bourg-en-Bresse;Conseil;1;10;20\n`);
    const rows = recordsToDrafts(await readCsv(file), seller(), '2026-11-26', DEFAULT_LIMITS);
    assert.deepEqual(rows.issues.map((i) => [i.code, i.line, i.value]), [['SIREN_INVALID', 2, '8,91047E+13'], ['POSTCODE_LEADING_ZERO', 3, '1000']]);
    assert.match(describeIssue(rows.issues[0] as never, 'fr'), /notation scientifique/);
    assert.match(describeIssue(rows.issues[1] as never, 'en'), /\(01000\)/);
  });

  it('reads an Excel "sep=;" first line, a zero shown as a dash, and warns once of values under a column without header', async () => {
    const file = Buffer.from(`sep=;\r\n${header};;\r\n${row('A')};;x\r\nA;Client SAS;123456790;1 rue;75001;Paris;Remise;1;  -   € ;20;;y\r\n`);
    const read = await readCsv(file);
    assert.equal(read.delimiter, ';');
    assert.equal(read.header?.line, 2);
    const rows = recordsToDrafts(read, seller(), '2026-11-26', DEFAULT_LIMITS);
    assert.deepEqual(rows.issues.map((i) => [i.code, i.severity, i.line, i.params?.position]), [['COLUMN_UNNAMED', 'warning', 3, '12']]);
    assert.deepEqual(rows.drafts[0]?.lines.map((l) => l.unitPrice.toFixed()), ['10', '0']);
  });

  it('names a missing column by its French header first for a French reader', async () => {
    const rows = recordsToDrafts(await readCsv(Buffer.from(`${header.replace(';vat_rate', '')}\n${row('A').replace(/;20$/, '')}\n`)), seller(), '2026-11-26', DEFAULT_LIMITS);
    const missing = rows.issues.find((i) => i.code === 'COLUMN_MISSING');
    assert.match(describeIssue(missing as never, 'fr'), /colonne obligatoire absente : taux_tva \(ou : vat_rate, tva/);
    assert.match(describeIssue(missing as never, 'en'), /required column missing: vat_rate \(or: taux_tva/);
  });

  it('takes two spellings of one invoice value as the same value, and a different value as a conflict', async () => {
    const head = 'invoice_ref;issue_date;buyer_name;buyer_siren;buyer_address;buyer_postcode;buyer_city;buyer_country;description;quantity;unit_price;vat_rate';
    const line = (ref: string, date: string, siren: string, country: string) => `${ref};${date};Client SAS;${siren};1 rue;75001;Paris;${country};Conseil;1;10;20`;
    const file = Buffer.from(
      [head, line('A', '16/03/2026', '123 456 790', 'FR'), line('A', '2026-03-16', '123456790', 'France'), line('B', '16/03/2026', '123456790', 'FR'), line('B', '17/03/2026', '123456790', 'FR'), ''].join('\n'),
    );
    const rows = recordsToDrafts(await readCsv(file), seller(), '2026-03-20', DEFAULT_LIMITS);
    assert.deepEqual(rows.issues.map((i) => [i.code, i.line, i.column]), [['INVOICE_FIELD_CONFLICT', 5, 'issue_date']]);
  });

  it('flags a row with more values than the header (an unquoted separator) once, without the errors its shifted values would make', async () => {
    // The shifted row puts " audit" in quantity, 1 in unit_price, 10 in vat_rate: none of that is reported.
    const read = await readCsv(Buffer.from(`${header}\n${row('A', 'Conseil; audit')};;\n${row('B')};;\n`));
    const rows = recordsToDrafts(read, seller(), '2026-11-26', DEFAULT_LIMITS);
    assert.deepEqual(rows.issues.map((i) => [i.code, i.line, i.value, i.params?.found]), [['ROW_EXTRA_FIELDS', 2, '20', '11']]);
    assert.deepEqual(rows.drafts.map((d) => d.ref), ['B'], 'no invoice is built from the shifted row (and the error stops the whole file)');
  });
});
