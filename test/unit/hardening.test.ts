/**
 * Files and values that must never reach an invoice or a spreadsheet as
 * they are: control characters, files mixing two encodings, identifiers
 * made of zeros, report cells read with the other separator.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderReportCsv } from '../../src/batch/report.js';
import type { IssuedInvoice } from '../../src/batch/types.js';
import { describeIssue } from '../../src/csv/messages.js';
import { DEFAULT_LIMITS, readCsv } from '../../src/csv/read.js';
import { recordsToDrafts } from '../../src/csv/rows.js';
import { seller } from '../helpers/sample.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'csv');
async function load(bytes: Buffer) {
  const read = await readCsv(bytes);
  const rows = recordsToDrafts(read, seller(), '2026-11-26', DEFAULT_LIMITS);
  return { read, issues: [...read.issues, ...rows.issues], drafts: rows.drafts };
}

describe('CSV hardening', () => {
  it('refuses each cell holding a control character (C0 but TAB/CR/LF, DEL, C1), with line and column', async () => {
    const { issues } = await load(readFileSync(join(FIXTURES, 'control-characters.csv')));
    assert.deepEqual(
      issues.map((i) => [i.line, i.column, i.code, i.params?.char, i.value]),
      [
        [2, 'description', 'CONTROL_CHARACTER', 'U+001B', 'Pain de campagne<U+001B>[0m'],
        [3, 'description', 'CONTROL_CHARACTER', 'U+0007', 'Croissants<U+0007>'],
        [5, 'buyer_name', 'CONTROL_CHARACTER', 'U+007F', 'Café du Port<U+007F>'],
        [5, 'buyer_address', 'CONTROL_CHARACTER', 'U+0085', '1 quai Nord<U+0085>'],
      ],
    );
    // A TAB inside a value (line 4) is ordinary text; a refused value is not reported again as missing.
    assert.match(describeIssue(issues[0] as never, 'fr'), /^Ligne 2, colonne « description », valeur « Pain de campagne<U\+001B>\[0m » : caractère de contrôle invisible \(U\+001B\)/);
    assert.match(describeIssue(issues[2] as never, 'en'), /invisible control character \(U\+007F\)/);
  });

  it('a NUL inside a value is refused like the other controls', async () => {
    const { issues } = await load(Buffer.from(`invoice_ref,buyer_name,buyer_siren,buyer_address,buyer_postcode,buyer_city,description,quantity,unit_price,vat_rate\n${'R,Nom,812453678,1 rue,69003,Lyon,Pain,1,2,20\n'.repeat(300)}R,Nom,812453678,1 rue,69003,Lyon,Pain\u0000x,1,2,20\n`));
    assert.deepEqual(issues.map((i) => [i.line, i.column, i.code]), [[302, 'description', 'CONTROL_CHARACTER']]);
  });

  it('refuses a file mixing UTF-8 and Windows-1252 rather than garbling a name, with or without BOM', async () => {
    for (const file of ['mixed-encoding.csv', 'mixed-encoding-bom.csv']) {
      const { issues, drafts } = await load(readFileSync(join(FIXTURES, file)));
      // The line written in the other encoding is named: the MX-2 line, l. 3.
      assert.deepEqual(issues.map((i) => [i.code, i.line]), [['FILE_MIXED_ENCODING', 3]], file);
      assert.deepEqual(drafts, []);
      assert.match(describeIssue(issues[0] as never, 'fr'), /enregistrez-le à nouveau en « CSV UTF-8 » ou en « CSV \(séparateur: point-virgule\) »/);
    }
    // Each encoding alone still reads (Excel's Windows-1252 fixture, and the same bytes as pure UTF-8).
    const cp1252 = await load(readFileSync(join(FIXTURES, 'excel-fr-cp1252.csv')));
    assert.equal(cp1252.read.encoding, 'windows-1252');
    assert.deepEqual(cp1252.issues, []);
    const repaired = readFileSync(join(FIXTURES, 'mixed-encoding.csv')).toString('latin1').replace('Caf\u00e9', 'Caf\u00c3\u00a9'); // the 1252 "é" as UTF-8
    const utf8 = await load(Buffer.from(repaired, 'latin1'));
    assert.equal(utf8.read.encoding, 'utf-8');
    assert.deepEqual(utf8.issues, []);
    assert.equal(utf8.drafts[1]?.buyer.name, 'Café du Port');
  });

  it('refuses a SIREN or SIRET made of zeros, in the CSV and in the client record', async () => {
    const head = 'invoice_ref,buyer_name,buyer_siren,buyer_address,buyer_postcode,buyer_city,description,quantity,unit_price,vat_rate\n';
    const { issues } = await load(Buffer.from(`${head}R1,Nom,000000000,1 rue,69003,Lyon,Pain,1,2,20\nR2,Nom,000 000 000 00000,1 rue,69003,Lyon,Pain,1,2,20\n`));
    assert.deepEqual(issues.map((i) => [i.line, i.code]), [[2, 'SIREN_INVALID'], [3, 'SIREN_INVALID']]);
    assert.throws(() => seller({ siren: '000000000', vatId: 'FR12000000000' }), /siren/);
    assert.throws(() => seller({ siren: '00000000000000' }), /siren/);
  });
});

const invoice = (buyerName: string, ref = 'R1'): IssuedInvoice => ({
  ref, number: 'FA-2026-00001', issueDate: '2026-11-20', dueDate: '2026-12-20', buyerName, currency: 'EUR',
  totalExclVat: '1234.50', totalVat: '246.90', totalInclVat: '1481.40', amountDue: '1481.40', lineCount: 1, pdfFile: 'FA-2026-00001.pdf',
});

/** Fields as a spreadsheet splits a line: the separator counts only outside quotes; quotes are then removed. */
function cellsAsRead(line: string, sep: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === sep && !quoted) {
      cells.push(cur);
      cur = '';
    } else cur += ch;
  }
  cells.push(cur);
  return cells;
}

describe('report CSV quoting', () => {
  it('quotes every cell, so no text after a separator of either convention starts a formula', () => {
    const names = ['Dupont, =HYPERLINK("http://evil.test")', 'Martin; =1+1', 'Durand,+cmd', 'Roux;@SUM(A1)', 'Tab\t=1', '=2+2'];
    for (const lang of ['fr', 'en'] as const) {
      const csv = renderReportCsv(names.map((n) => invoice(n)), lang);
      const lines = csv.slice(1).trimEnd().split('\r\n');
      const sep = lang === 'fr' ? ';' : ',';
      for (const line of lines) assert.match(line, new RegExp(`^"[^]*"$`), line);
      for (const line of lines) for (const cell of line.split(`"${sep}"`)) assert.ok(!cell.replace(/^"|"$/g, '').replace(/""/g, '').includes('"'), cell);
      for (const other of [';', ',', '\t']) {
        for (const line of lines) {
          for (const cell of cellsAsRead(line, other)) assert.doesNotMatch(cell.trimStart(), /^[=+\-@]/, `${lang} read with "${other}": ${line}`);
        }
      }
    }
  });
});
