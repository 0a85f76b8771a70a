/**
 * Contract v2's document columns as files write them (csv/documents.ts):
 * the kind of document (BT-3), what it refers to (BG-3), what is paid
 * already (BT-113), how it is paid (BG-16), its currency's rate (BT-111);
 * and nothing that changes an amount is ignored (invariant 20): an unknown
 * column that looks like money is refused (test/fixtures/csv/README.md).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { amount } from '../../src/core/money.js';
import { COLUMNS, columnForHeader } from '../../src/csv/columns.js';
import type { CsvIssue } from '../../src/csv/issues.js';
import { describeIssue } from '../../src/csv/messages.js';
import { looksLikeMoney } from '../../src/csv/money-header.js';
import { DEFAULT_LIMITS, readCsv } from '../../src/csv/read.js';
import { recordsToDrafts } from '../../src/csv/rows.js';
import { computeInvoice } from '../../src/invoice/compute.js';
import { seller } from '../helpers/sample.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'csv');

async function load(name: string) {
  const read = await readCsv(readFileSync(join(FIXTURES, name)));
  const rows = recordsToDrafts(read, seller(), '2026-11-26', DEFAULT_LIMITS);
  return { read, issues: [...read.issues, ...rows.issues], drafts: rows.drafts };
}
const shape = (issues: CsvIssue[]) => issues.map((i) => [i.line, i.column, i.code, i.severity, i.value, i.params]);

describe('document columns in files saved by real tools', () => {
  it('Excel FR: a credit note as document type 381 or "Avoir" must name the invoice it corrects; "Facture" is an invoice', async () => {
    const { read, issues, drafts } = await load('credit-note-type.csv');
    assert.equal(read.encoding, 'windows-1252');
    assert.equal(read.delimiter, ';');
    assert.deepEqual(shape(issues), [
      [2, 'Type de document', 'PRECEDING_REQUIRED', 'error', '381', { type: '381' }],
      [3, 'Type de document', 'PRECEDING_REQUIRED', 'error', 'Avoir', { type: '381' }],
    ]);
    // The credit notes are never built as invoices (380), even though each is otherwise valid.
    assert.deepEqual(drafts.map((d) => [d.ref, d.documentType]), [['FC-03', '380']]);
  });

  it('Excel FR: "Escompte", which no contract column names, is an unknown amount: refused at its header', async () => {
    const { issues } = await load('escompte-unknown.csv');
    assert.deepEqual(shape(issues), [[1, 'Escompte', 'COLUMN_AMOUNT_UNKNOWN', 'error', undefined, undefined]]);
  });

  it('harmless columns stay harmless: "Commentaire" is the note, "Référence interne" a warning', async () => {
    const { issues, drafts } = await load('harmless-columns.csv');
    assert.deepEqual(shape(issues), [[1, 'Référence interne', 'COLUMN_UNKNOWN', 'warning', undefined, undefined]]);
    const invoices = drafts.map((d, i) => computeInvoice(d, `T-${i + 1}`));
    assert.deepEqual(
      invoices.map((i) => [i.ref, amount(i.totals.taxBasisTotal), amount(i.totals.taxTotal), amount(i.totals.grandTotal)]),
      [
        ['HC-01', '240.00', '48.00', '288.00'],
        ['HC-02', '419.70', '41.97', '461.67'],
      ],
    );
    assert.deepEqual(invoices[0]?.notes, ['Livraison le matin; sonner deux fois']);
  });

  it('a document type that says invoice (380, "Facture") is an invoice', async () => {
    const { issues, drafts } = await load('document-type-invoice.csv');
    assert.deepEqual(issues, []);
    assert.deepEqual(drafts.map((d) => [d.ref, d.documentType]), [['TI-01', '380'], ['TI-02', '380']]);
  });

  it('says what is wrong in the sender\'s language, and what to write instead', async () => {
    const [credit] = (await load('credit-note-type.csv')).issues;
    const [escompte] = (await load('escompte-unknown.csv')).issues;
    assert.ok(credit && escompte);
    assert.equal(describeIssue(credit, 'fr'), 'Ligne 2, colonne « Type de document », valeur « 381 » : un avoir doit citer la facture qu’il corrige (colonne facture_origine, règle BR-FR-CO-05).');
    assert.equal(describeIssue(credit, 'en'), 'Line 2, column "Type de document", value "381": a credit note must name the invoice it corrects (column preceding_invoice, rule BR-FR-CO-05).');
    assert.ok(describeIssue(escompte, 'fr').startsWith('Ligne 1, colonne « Escompte » : colonne inconnue qui semble porter un montant'));
    assert.ok(describeIssue(escompte, 'en').startsWith('Line 1, column "Escompte": unknown column that looks like an amount'));
  });
});

/** One invoice from a file with the v1 columns and these extra ones. */
function oneInvoice(extra: Record<string, string>, over: Partial<Parameters<typeof seller>[0]> = {}) {
  const base: Record<string, string> = { invoice_ref: 'D-1', issue_date: '2026-11-20', buyer_name: 'Girard SAS', buyer_siren: '428673909', buyer_address: '27 avenue Jean Jaurès', buyer_postcode: '31000', buyer_city: 'Toulouse', description: 'Conseil', quantity: '1', unit_price: '100', vat_rate: '20' };
  const all = { ...base, ...extra };
  const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const text = `${Object.keys(all).join(',')}\n${Object.values(all).map(cell).join(',')}\n`;
  return readCsv(Buffer.from(text)).then((read) => recordsToDrafts(read, seller(over), '2026-11-26', DEFAULT_LIMITS));
}
const codes = (r: { issues: CsvIssue[] }) => r.issues.map((i) => [i.column, i.code]);

describe('document values', () => {
  it('BT-3: every spelling of the contract, and the codes; anything else is named unknown', async () => {
    for (const [v, type] of [['380', '380'], ['Facture', '380'], ['Invoice', '380'], ['Avoir', '381'], ['Note de crédit', '381'], ['credit_note', '381'], ['384', '384'], ['Facture rectificative', '384'], ['386', '386'], ['Facture d’acompte', '386'], ['acompte', '386']]) {
      const r = await oneInvoice({ type_document: v ?? '', facture_origine: type === '381' || type === '384' ? 'FA-2026-00001' : '' });
      assert.deepEqual(codes(r), [], v);
      assert.equal(r.drafts[0]?.documentType, type, v);
    }
    for (const [v, params] of [['389', { code: '389' }], ['devis', undefined]] as const) {
      const r = await oneInvoice({ type_document: v });
      assert.deepEqual(r.issues.map((i) => [i.code, i.params]), [['DOCUMENT_TYPE_UNKNOWN', params]], v);
      assert.deepEqual(r.drafts, []);
    }
  });

  it('BG-3: one reference on a corrective invoice, none on a deposit, one date per number, none after the document', async () => {
    assert.deepEqual(codes(await oneInvoice({ type_document: '384', facture_origine: 'FA-1, FA-2' })), [['facture_origine', 'PRECEDING_ONE_ONLY']]);
    assert.deepEqual(codes(await oneInvoice({ type_document: '386', facture_origine: 'FA-1' })), [['facture_origine', 'PRECEDING_NOT_ALLOWED']]);
    assert.deepEqual(codes(await oneInvoice({ type_document: '381', facture_origine: 'FA-1; FA-2', date_facture_origine: '01/11/2026' })), [['date_facture_origine', 'PRECEDING_DATE_COUNT']]);
    assert.deepEqual(codes(await oneInvoice({ type_document: '381', facture_origine: 'FA-1', date_facture_origine: '21/11/2026' })), [['date_facture_origine', 'PRECEDING_AFTER_DOCUMENT']]);
    assert.deepEqual(codes(await oneInvoice({ type_document: '381', facture_origine: 'FA-1, FA-1' })), [['facture_origine', 'PRECEDING_REPEATED']]);
    const ok = await oneInvoice({ type_document: 'avoir', facture_origine: 'F 2024/17 ; FA-2026-00003', date_facture_origine: '15/03/2024; 2026-11-02' });
    assert.deepEqual(codes(ok), []);
    assert.deepEqual(ok.drafts[0]?.preceding, [{ number: 'F 2024/17', issueDate: '2024-03-15' }, { number: 'FA-2026-00003', issueDate: '2026-11-02' }]);
  });

  it('BT-113: incl. VAT, never negative, two decimals; a final invoice naming deposits states it', async () => {
    assert.deepEqual(codes(await oneInvoice({ acompte_verse: '-10' })), [['acompte_verse', 'PREPAID_INVALID']]);
    assert.deepEqual(codes(await oneInvoice({ acompte_verse: '10.0051' })), [['acompte_verse', 'PREPAID_INVALID']]);
    assert.deepEqual(codes(await oneInvoice({ facture_origine: 'FA-2026-00003' })), [['prepaid_amount', 'PREPAID_REQUIRED']]);
    const paid = await oneInvoice({ acompte_verse: '120,00 €' });
    assert.deepEqual(codes(paid), []);
    const inv = computeInvoice(paid.drafts[0] ?? assert.fail(), 'T-1');
    // Already paid in full: B2/S2/M2 (BR-FR-CO-09), nothing due.
    assert.deepEqual([amount(inv.totals.prepaidAmount), amount(inv.totals.duePayable), inv.framework], ['120.00', '0.00', 'S2']);
  });

  it('BG-16: a direct debit needs its mandate, the debited IBAN and the seller\'s creditor id; a mandate without one is refused', async () => {
    const dd = { mode_paiement: 'Prélèvement SEPA', rum: 'RUM-0001', iban_debiteur: 'FR76 3000 4000 0312 3456 7890 143' };
    assert.deepEqual(codes(await oneInvoice(dd)), [['mode_paiement', 'CREDITOR_ID_MISSING']]);
    const ok = await oneInvoice(dd, { sepaCreditorId: 'FR72ZZZ123456' });
    assert.deepEqual(codes(ok), []);
    assert.deepEqual(ok.drafts[0]?.payment, { code: '59', mandateRef: 'RUM-0001', debitedAccount: 'FR7630004000031234567890143' });
    assert.deepEqual(codes(await oneInvoice({ ...dd, iban_debiteur: 'FR76 3000 4000 0312 3456 7890 144' }, { sepaCreditorId: 'FR72ZZZ123456' })), [['iban_debiteur', 'IBAN_INVALID']]);
    assert.deepEqual(codes(await oneInvoice({ mode_paiement: 'prelevement' }, { sepaCreditorId: 'FR72ZZZ123456' })).map((c) => c[1]), ['VALUE_REQUIRED', 'VALUE_REQUIRED']);
    assert.deepEqual(codes(await oneInvoice({ mode_paiement: 'virement', rum: 'RUM-0001' })), [['rum', 'DIRECT_DEBIT_ONLY']]);
    for (const [v, code] of [['CB', '48'], ['chèque', '20'], ['espèces', '10'], ['Virement', undefined], ['58', undefined]] as const) {
      const r = await oneInvoice({ mode_paiement: v });
      assert.deepEqual([codes(r), r.drafts[0]?.payment?.code], [[], code], v);
    }
    assert.deepEqual(codes(await oneInvoice({ mode_paiement: 'traite' })), [['mode_paiement', 'PAYMENT_MEANS_INVALID']]);
  });

  it('BT-111: another currency needs its rate (EUR per unit, at most 6 decimals, sane); EUR needs none', async () => {
    assert.deepEqual(codes(await oneInvoice({ devise: 'USD' })), [['exchange_rate', 'EXCHANGE_RATE_REQUIRED']]);
    assert.deepEqual(codes(await oneInvoice({ devise: 'EUR', taux_de_change: '1' })), [['taux_de_change', 'EXCHANGE_RATE_NOT_NEEDED']]);
    for (const v of ['0', '-1', '0.1234567', '1000000', 'un dollar']) assert.deepEqual(codes(await oneInvoice({ devise: 'USD', taux_de_change: v })), [['taux_de_change', 'EXCHANGE_RATE_INVALID']], v);
    const ok = await oneInvoice({ devise: 'CHF', taux_de_change: '1,071234', unit_price: '999.99', quantity: '3' });
    assert.deepEqual(codes(ok), []);
    const inv = computeInvoice(ok.drafts[0] ?? assert.fail(), 'T-1');
    // 2,999.97 CHF × 20 % = 599.99 CHF of VAT (599.994 rounded), × 1.071234 = 642.7325… → 642.73 EUR.
    assert.deepEqual([amount(inv.totals.taxTotal), amount(inv.totals.taxTotalEur ?? assert.fail())], ['599.99', '642.73']);
  });
});

describe('which headers look like money', () => {
  it('French and English money words, whatever their case, accents and separators', () => {
    for (const header of [
      'Escompte', 'ESCOMPTE (%)', 'Rabais exceptionnel', 'Ristournes', 'Frais de dossier', 'FraisDePort', 'frais-de-livraison-express', 'Port payé', 'Livraison',
      'Acompte', 'Acomptes versés', 'Avance', 'Déjà payé TTC', 'Payé', 'deja_regle', 'Reste à payer', 'Net à payer', 'Prepayment', 'Already paid',
      'Discount amount', 'Rebate', 'Allowance total', 'Charges', 'Surcharge', 'Delivery fee', 'Shipping costs', 'Deposit', 'Advance', 'Tip', 'Pourboire',
      'Majoration', 'Supplément', 'Éco-participation', 'Ecotaxe', 'Timbre fiscal', 'Montant', 'Amount', 'Total TTC', 'Sous-total', 'Subtotal',
      'PrixTTC', 'Prix HT', 'TVA 20 %', 'Montant TVA', 'VAT amount', 'Code promo', 'Réduction', 'Transport', 'Offert', 'Arrondi',
    ]) {
      assert.ok(columnForHeader(header) === undefined, `${header} is no contract column`);
      assert.ok(looksLikeMoney(header), header);
    }
  });

  it('not every unknown column: comments, references and names beside a money word stay warnings', () => {
    for (const header of [
      'Notes', 'Référence interne', 'Remarque interne', 'Prix de revient', 'Contact', 'Téléphone', 'Transporteur', 'Mode de livraison', 'N° bon de livraison',
      'Date de livraison souhaitée', 'Shipping address', 'Chargé d’affaires', 'Poids net', 'Code TVA', 'Informations supplémentaires', 'Rapport', 'Support',
    ]) assert.ok(!looksLikeMoney(header), header);
  });

  it('every v2 header a French export writes is a contract column, never taken for money', () => {
    for (const header of ['Taux de TVA', 'Prix unitaire HT (€)', 'TVA intracom', 'Date de livraison', 'Adresse de livraison', 'Commentaire']) assert.ok(columnForHeader(header), header);
    assert.deepEqual(
      ['Type de pièce', 'Mode de règlement', 'Facture d’origine', 'Date facture origine', 'Montant déjà payé', 'Acompte versé', 'RUM', 'IBAN débiteur', 'Taux de change', 'Période début', 'Du', 'Au', 'SKU', 'Code EAN', 'Frais de port', 'Remise ligne (%)', 'Remise'].map((h) => columnForHeader(h)?.key),
      ['document_type', 'payment_means', 'preceding_invoice', 'preceding_invoice_date', 'prepaid_amount', 'prepaid_amount', 'mandate_reference', 'debited_account', 'exchange_rate', 'period_start', 'period_start', 'period_end', 'item_id', 'gtin', 'charge', 'line_discount', 'discount'],
    );
    for (const col of COLUMNS) assert.ok(col.aliases.length > 0, col.key);
  });
});


describe("the seller's settings for documents", () => {
  it('credit notes keep a series that never gives an invoice number, unless the seller chose one series; the SEPA creditor id has its key', () => {
    assert.throws(() => seller({ creditNotePattern: 'FA-{YYYY}-{SEQ:5}' }), /creditNotePattern: .*never gives/);
    assert.throws(() => seller({ numberPattern: '{SEQ:6}', creditNotePattern: '{YYYY}{SEQ:2}' }), /creditNotePattern/);
    assert.equal(seller({ creditNoteSeries: 'invoice', creditNotePattern: 'FA-{YYYY}-{SEQ:5}' }).creditNoteSeries, 'invoice');
    assert.equal(seller({ creditNotePattern: 'AVOIR-{YY}-{SEQ:4}' }).creditNotePattern, 'AVOIR-{YY}-{SEQ:4}');
    assert.throws(() => seller({ sepaCreditorId: 'FR12ZZZ123456' }), /sepaCreditorId/);
    // The EPC's own test identifier, and a French ICS; the business code (ZZZ) is not in the key.
    assert.equal(seller({ sepaCreditorId: 'DE98 ZZZ 09999999999' }).sepaCreditorId, 'DE98ZZZ09999999999');
    assert.equal(seller({ sepaCreditorId: 'fr72abc123456' }).sepaCreditorId, 'FR72ABC123456');
  });
});
