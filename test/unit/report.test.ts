import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { renderReportCsv } from '../../src/batch/report.js';
import type { IssuedInvoice } from '../../src/batch/types.js';

const invoice = (buyerName: string, ref = 'R1'): IssuedInvoice => ({
  ref, number: 'FA-2026-00001', issueDate: '2026-11-20', dueDate: '2026-12-20', buyerName, currency: 'EUR',
  totalExclVat: '1234.50', totalVat: '246.90', totalInclVat: '1481.40', amountDue: '1481.40', lineCount: 1, pdfFile: 'FA-2026-00001.pdf',
});

describe('report CSV', () => {
  it('neutralises cells a spreadsheet would run as formulas, and keeps the rest literal', () => {
    const csv = renderReportCsv([invoice('=HYPERLINK("http://evil.test","x")', '+cmd'), invoice('-2+3'), invoice('@SUM(A1)'), invoice('Tom & Jerry; "Ltd"')], 'fr');
    const rows: string[][] = parse(csv.slice(1), { delimiter: ';' });
    assert.deepEqual(rows.slice(1).map((r) => [r[0], r[6]]), [
      ["'+cmd", '\'=HYPERLINK("http://evil.test","x")'],
      ['R1', "'-2+3"],
      ['R1', "'@SUM(A1)"],
      ['R1', 'Tom & Jerry; "Ltd"'],
    ]);
  });

  it('writes French decimals with ";" and English ones with ","', () => {
    const fr = renderReportCsv([invoice('A')], 'fr');
    assert.ok(fr.startsWith('\ufeff"reference";"numero_facture";'));
    assert.match(fr, /;"1234,50";"246,90";"1481,40";"0,00";"1481,40";/);
    const en = renderReportCsv([invoice('A')], 'en');
    assert.match(en, /,"1234\.50","246\.90","1481\.40","0\.00","1481\.40",/);
    assert.ok(en.endsWith('\r\n'));
  });

  it('writes dates as a French spreadsheet reads them (20/11/2026), and ISO in English', () => {
    assert.match(renderReportCsv([invoice('A')], 'fr'), /;"20\/11\/2026";"20\/12\/2026";/);
    assert.match(renderReportCsv([invoice('A')], 'en'), /,"2026-11-20","2026-12-20",/);
  });
});

describe('report CSV of contract v2 documents', () => {
  it('gives each document its type code and the numbers it refers to, and what was paid already', () => {
    const credit: IssuedInvoice = { ...invoice('A'), number: 'AV-2026-00001', documentType: '381', preceding: [{ number: 'FA-2026-00001', issueDate: '2026-11-02', credited: '600.00' }, { number: 'FA-2026-00002' }] };
    const final: IssuedInvoice = { ...invoice('B'), number: 'FA-2026-00005', prepaidAmount: '1440.00', amountDue: '41.40', preceding: [{ number: 'FA-2026-00003' }] };
    const rows: string[][] = parse(renderReportCsv([credit, final], 'en').slice(1), { delimiter: ',' });
    assert.deepEqual(rows[0]?.slice(0, 4), ['invoice_ref', 'invoice_number', 'document_type', 'preceding_invoices']);
    assert.deepEqual(rows.slice(1).map((r) => [r[1], r[2], r[3], r[12], r[13]]), [
      ['AV-2026-00001', '381', 'FA-2026-00001, FA-2026-00002', '0.00', '1481.40'],
      ['FA-2026-00005', '380', 'FA-2026-00003', '1440.00', '41.40'],
    ]);
  });
});

describe('the reply of a batch names each document', () => {
  it('says which is a credit note or a corrective invoice and what it refers to, in both languages', async () => {
    const { fileView } = await import('../../src/mail/handlers/invoice.js');
    const { Templates } = await import('../../src/mail/templates.js');
    const credit: IssuedInvoice = { ...invoice('Boulangerie'), ref: 'AV-201', number: 'AV-2026-00001', documentType: '381', preceding: [{ number: 'FA-2026-00001', issueDate: '2026-11-02', credited: '600.00' }] };
    const corrective: IssuedInvoice = { ...invoice('Café'), ref: 'FR-202', number: 'FA-2026-00004', documentType: '384', preceding: [{ number: 'FA-2026-00002' }] };
    const result = { status: 'issued' as const, clientId: 'c', fileName: 'f.csv', fileSha256: 'x', invoices: [credit, corrective, invoice('Plain')], errors: [], warnings: [] };
    const templates = new Templates();
    const fr = templates.render('batch-result', 'fr', { files: [fileView(result, 'fr')] });
    assert.match(fr.text, /AV-201 → avoir n° AV-2026-00001 \(avoir sur facture FA-2026-00001\), Boulangerie/);
    assert.match(fr.text, /FR-202 → facture rectificative n° FA-2026-00004 \(annule et remplace FA-2026-00002\), Café/);
    assert.match(fr.text, /R1 → n° FA-2026-00001, Plain/);
    assert.match(fr.html, /<td>avoir AV-2026-00001 \(avoir sur facture FA-2026-00001\)<\/td>/);
    const en = templates.render('batch-result', 'en', { files: [fileView(result, 'en')] });
    assert.match(en.text, /AV-201 → credit note no\. AV-2026-00001 \(credit on invoice FA-2026-00001\), Boulangerie/);
    assert.match(en.text, /FR-202 → corrective invoice no\. FA-2026-00004 \(cancels and replaces FA-2026-00002\), Café/);
  });
});
