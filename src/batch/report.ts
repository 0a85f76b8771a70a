/**
 * The report CSV that travels with the invoices: one row per invoice,
 * invoice_ref → number, kind of document and what it refers to, buyer, totals. Written for the client's spreadsheet:
 * UTF-8 with BOM, ";" and decimal comma in French, "," and decimal point in
 * English. Cells that a spreadsheet would run as formulas are neutralised,
 * and every cell is quoted: opened with the other separator convention, a
 * value such as "Dupont, =1+1" stays inside its quotes instead of starting
 * a cell of its own.
 */
import { displayDate } from '../core/format.js';
import { neutraliseCell } from '../core/text.js';
import type { IssuedInvoice } from './types.js';

const HEADERS = {
  fr: ['reference', 'numero_facture', 'type_document', 'factures_referencees', 'date_emission', 'date_echeance', 'client', 'siren_client', 'devise', 'total_ht', 'total_tva', 'total_ttc', 'deja_paye', 'net_a_payer', 'fichier'],
  en: ['invoice_ref', 'invoice_number', 'document_type', 'preceding_invoices', 'issue_date', 'due_date', 'buyer_name', 'buyer_siren', 'currency', 'total_excl_vat', 'total_vat', 'total_incl_vat', 'prepaid_amount', 'amount_due', 'file'],
};

export function renderReportCsv(invoices: readonly IssuedInvoice[], lang: 'fr' | 'en'): string {
  const sep = lang === 'fr' ? ';' : ',';
  const num = (s: string) => (lang === 'fr' ? s.replace('.', ',') : s);
  // A French spreadsheet reads 04/03/2027 as a date; in English ISO stays, the one form no locale misreads (04/03 is April in the US).
  const date = (iso: string) => (lang === 'fr' ? displayDate(iso, 'fr') : iso);
  const cell = (value: string) => `"${neutraliseCell(value).replaceAll('"', '""')}"`;
  const rows = [HEADERS[lang].map(cell).join(sep)];
  for (const i of invoices) {
    rows.push(
      // BT-3 as its code (380, 381, 384, 386) and BG-3's numbers, as an accounting import reads them.
      [i.ref, i.number, i.documentType ?? '380', (i.preceding ?? []).map((p) => p.number).join(', '), date(i.issueDate), date(i.dueDate), i.buyerName, i.buyerSiren ?? '', i.currency, num(i.totalExclVat), num(i.totalVat), num(i.totalInclVat), num(i.prepaidAmount ?? '0.00'), num(i.amountDue), i.pdfFile]
        .map(cell)
        .join(sep),
    );
  }
  return `\ufeff${rows.join('\r\n')}\r\n`;
}
