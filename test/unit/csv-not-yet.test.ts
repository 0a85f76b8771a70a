/**
 * Until the v2 contract is built, nothing that changes an amount or the kind
 * of document is ignored (invariant 20): files saved by real tools with a
 * document type or unknown money columns (test/fixtures/csv/README.md,
 * "Columns the bot refuses until v2"); the allowances and charges they
 * carry are honoured now (allowances.test.ts).
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
import { notYetColumn, notYetValueProblem, type NotYetColumn } from '../../src/csv/not-yet.js';
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

describe('v2 columns the bot cannot honour yet are errors, line by line', () => {
  it('Excel FR: a credit note as document type 381 or "Avoir" is refused on its line; "Facture" is not', async () => {
    const { read, issues, drafts } = await load('credit-note-type.csv');
    assert.equal(read.encoding, 'windows-1252');
    assert.equal(read.delimiter, ';');
    assert.deepEqual(shape(issues), [
      [2, 'Type de document', 'DOCUMENT_TYPE_NOT_SUPPORTED_YET', 'error', '381', { type: 'credit_note' }],
      [3, 'Type de document', 'DOCUMENT_TYPE_NOT_SUPPORTED_YET', 'error', 'Avoir', { type: 'credit_note' }],
    ]);
    // The credit notes are never built as invoices (380), even though each is otherwise valid.
    assert.deepEqual(drafts.map((d) => d.ref), ['FC-03']);
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

  it('a document type that only says invoice (380, "Facture") changes nothing and is accepted', async () => {
    const { issues, drafts } = await load('document-type-invoice.csv');
    assert.deepEqual(issues, []);
    assert.deepEqual(drafts.map((d) => d.ref), ['TI-01', 'TI-02']);
  });

  it('says so in the sender\'s language: the column, what it means, not yet, nothing issued', async () => {
    const [credit] = (await load('credit-note-type.csv')).issues;
    const [escompte] = (await load('escompte-unknown.csv')).issues;
    assert.ok(credit && escompte);
    assert.equal(
      describeIssue(credit, 'fr'),
      'Ligne 2, colonne « Type de document », valeur « 381 » : les avoirs (381) ne peuvent pas encore être émis : le bot n’émet pour l’instant que des factures (380, « facture »). Rien n’a été émis.',
    );
    assert.equal(describeIssue(credit, 'en'), 'Line 2, column "Type de document", value "381": credit notes (381) cannot be issued yet: for now the bot issues invoices only (380, "invoice"). Nothing was issued.');
    const prepaid: CsvIssue = { code: 'COLUMN_NOT_SUPPORTED_YET', severity: 'error', line: 2, column: 'Acompte versé', value: '50,00', params: { feature: 'prepaid', bt: 'BT-113' } };
    const en = describeIssue(prepaid, 'en');
    assert.ok(en.startsWith('Line 2, column "Acompte versé", value "50,00": this value gives'), en);
    assert.ok(en.includes('the bot cannot issue such a document yet') && en.includes('Nothing was issued.'), en);
    assert.ok(describeIssue(prepaid, 'fr').startsWith('Ligne 2, colonne « Acompte versé », valeur « 50,00 » : cette valeur indique'));
    assert.ok(describeIssue(escompte, 'fr').startsWith('Ligne 1, colonne « Escompte » : colonne inconnue qui semble porter un montant'));
    assert.ok(describeIssue(escompte, 'en').startsWith('Line 1, column "Escompte": unknown column that looks like an amount'));
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
      assert.ok(columnForHeader(header) === undefined && notYetColumn(header) === undefined, `${header} is no contract column`);
      assert.ok(looksLikeMoney(header), header);
    }
  });

  it('not every unknown column: comments, references and names beside a money word stay warnings', () => {
    for (const header of [
      'Notes', 'Référence interne', 'Remarque interne', 'Prix de revient', 'Contact', 'Téléphone', 'Transporteur', 'Mode de livraison', 'N° bon de livraison',
      'Date de livraison souhaitée', 'Shipping address', 'Chargé d’affaires', 'Poids net', 'Code TVA', 'Informations supplémentaires', 'Rapport', 'Support',
    ]) assert.ok(!looksLikeMoney(header), header);
  });

  it('never reaches a contract column: v1 headers are matched first, and no v2 alias is a v1 one', () => {
    for (const col of COLUMNS) for (const name of [col.key, ...col.aliases]) assert.equal(notYetColumn(name), undefined, name);
    for (const header of ['Taux de TVA', 'Prix unitaire HT (€)', 'TVA intracom', 'Date de livraison', 'Adresse de livraison', 'Commentaire']) assert.ok(columnForHeader(header), header);
    assert.deepEqual(['Type de pièce', 'Mode de règlement', 'Facture d’origine', 'Montant déjà payé'].map((h) => notYetColumn(h)?.key), ['document_type', 'payment_means', 'preceding_invoice', 'prepaid_amount']);
    // Periods, item identifiers, line notes and references are contract columns now.
    assert.deepEqual(['Période début', 'Du', 'Au', 'Période ligne fin', 'SKU', 'Code EAN', 'Note ligne', 'Compte comptable', 'Frais de port', 'Remise ligne (%)', 'Remise'].map((h) => [notYetColumn(h), columnForHeader(h)?.key]), [
      [undefined, 'period_start'], [undefined, 'period_start'], [undefined, 'period_end'], [undefined, 'line_period_end'], [undefined, 'item_id'], [undefined, 'gtin'], [undefined, 'line_note'], [undefined, 'buyer_accounting_ref'],
      [undefined, 'charge'], [undefined, 'line_discount'], [undefined, 'discount'],
    ]);
  });
});

describe('values under a v2 column', () => {
  const column = (header: string): NotYetColumn => notYetColumn(header) ?? assert.fail(header);
  const verdict = (header: string, raw: string) => notYetValueProblem(column(header), raw, ',') ?? null;

  it('document type: invoice spellings pass, credit note, corrective and deposit are not yet, others unknown', () => {
    for (const v of ['380', 'facture', 'FACTURE', 'Invoice', 'Facture commerciale']) assert.equal(verdict('type_document', v), null, v);
    for (const [v, type] of [['381', 'credit_note'], ['Avoir', 'credit_note'], ['Note de crédit', 'credit_note'], ['384', 'corrective'], ['Facture rectificative', 'corrective'], ['386', 'deposit'], ['Facture d’acompte', 'deposit'], ['acompte', 'deposit'], ['389', 'other'], ['devis', 'unknown']]) {
      assert.deepEqual(verdict('type_document', v ?? ''), { code: 'DOCUMENT_TYPE_NOT_SUPPORTED_YET', params: { type } }, v);
    }
  });

  it('payment means: a credit transfer is what the invoice says already; any other means is not yet', () => {
    for (const v of ['virement', 'Virement SEPA', '58', 'bank transfer']) assert.equal(verdict('mode_paiement', v), null, v);
    for (const [v, means] of [['Prélèvement', 'direct_debit'], ['59', 'direct_debit'], ['CB', 'card'], ['chèque', 'cheque'], ['espèces', 'cash'], ['traite', 'unknown']]) {
      assert.deepEqual(verdict('mode_paiement', v ?? ''), { code: 'PAYMENT_MEANS_NOT_SUPPORTED_YET', params: { means } }, v);
    }
  });

  it('an amount column passes its zeros only; a reference or a date passes nothing', () => {
    for (const v of ['0', '0,00', '0,00 €', '0 %', '-']) assert.equal(verdict('acompte_verse', v), null, v);
    for (const v of ['0,01', '50 €', '1,500', 'oui']) assert.equal(verdict('acompte_verse', v)?.code, 'COLUMN_NOT_SUPPORTED_YET', v);
    assert.deepEqual(verdict('facture_origine', 'FA-2026-00012'), { code: 'COLUMN_NOT_SUPPORTED_YET', params: { feature: 'preceding_invoice', bt: 'BT-25' } });
    assert.deepEqual(verdict('date_facture_origine', '30/11/2026'), { code: 'COLUMN_NOT_SUPPORTED_YET', params: { feature: 'preceding_invoice', bt: 'BT-26' } });
  });
});
