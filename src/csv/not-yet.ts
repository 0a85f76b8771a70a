/**
 * The columns of the v2 contract (shared/spec/invoice-csv.md, "v2") that the
 * bot does not implement yet. Until it does, a value under one of them that
 * would change an amount or the kind of document is refused, line by line,
 * with the file: ignored, it would send an invoice at full price instead of
 * the discounted one, or an invoice (380) where the client meant a credit
 * note (invariant 20). Values that change nothing are accepted: an empty
 * cell, a zero amount, a document type that says "facture", a payment by
 * credit transfer (what every issued invoice says already).
 */
import { columnForHeader, headerKey } from './columns.js';
import type { IssueCode } from './issues.js';
import { parseDecimal, type DecimalMark } from './values.js';

/** What the bot cannot issue yet; the messages name it. */
export type Feature =
  | 'preceding_invoice'
  | 'prepaid'
  | 'direct_debit'
  | 'exchange_rate';

export type NotYetHandling =
  /** A reference, a date, a reason, a rate: any value means a document the bot cannot issue yet. */
  | { kind: 'any-value'; feature: Feature }
  /** An amount or a percentage: zero changes nothing, any other value is refused. */
  | { kind: 'amount'; feature: Feature }
  /** Values meaning what the bot issues anyway are accepted, any other is refused. */
  | { kind: 'document_type' }
  | { kind: 'payment_means' };

export interface NotYetColumn {
  key: string;
  bt: string;
  handling: NotYetHandling;
}

interface Def extends NotYetColumn {
  aliases: readonly string[];
}

const anyValue = (feature: Feature): NotYetHandling => ({ kind: 'any-value', feature });
const amount = (feature: Feature): NotYetHandling => ({ kind: 'amount', feature });

const NOT_YET: readonly Def[] = [
  // BT-3: the kind of document. 381, 384 and 386 have their own legal rules (spec v2, "Documents").
  { key: 'document_type', aliases: ['type_document', 'type_de_document', 'type_piece', 'document_type_code', 'invoice_type_code', 'type_facture'], bt: 'BT-3', handling: { kind: 'document_type' } },
  // BT-25/26: only a credit note, a corrective invoice or a final invoice after deposits names a preceding invoice.
  { key: 'preceding_invoice', aliases: ['facture_origine', 'facture_d_origine', 'ref_facture_origine', 'facture_annulee', 'invoice_reference_original', 'preceding_invoice_reference', 'original_invoice'], bt: 'BT-25', handling: anyValue('preceding_invoice') },
  { key: 'preceding_invoice_date', aliases: ['date_facture_origine', 'original_invoice_date'], bt: 'BT-26', handling: anyValue('preceding_invoice') },
  // BT-113: lowers the amount due (BT-115).
  { key: 'prepaid_amount', aliases: ['acompte_verse', 'deja_paye', 'montant_deja_paye', 'paid_amount', 'prepaid'], bt: 'BT-113', handling: amount('prepaid') },
  // BT-81: the bot writes SEPA credit transfer (58) to the seller's IBAN; any other means tells the buyer to pay otherwise.
  { key: 'payment_means', aliases: ['mode_paiement', 'moyen_de_paiement', 'mode_de_reglement', 'reglement', 'payment_method', 'payment_means_code'], bt: 'BT-81', handling: { kind: 'payment_means' } },
  { key: 'mandate_reference', aliases: ['reference_mandat', 'rum'], bt: 'BT-89', handling: anyValue('direct_debit') },
  { key: 'debited_account', aliases: ['iban_debiteur', 'compte_debite'], bt: 'BT-91', handling: anyValue('direct_debit') },
  // BT-6/BT-111: an invoice in another currency is refused anyway (BR-FR-CO-12); a rate says one was meant.
  { key: 'exchange_rate', aliases: ['taux_de_change'], bt: 'BT-111', handling: anyValue('exchange_rate') },
];

const BY_FOLDED = new Map<string, Def>();
for (const def of NOT_YET) {
  for (const name of [def.key, ...def.aliases]) {
    const v1 = columnForHeader(name);
    if (v1) throw new Error(`v2 header "${name}" is already v1 column ${v1.key}`);
    BY_FOLDED.set(headerKey(name), def);
  }
}

/** The v2 column a header names, for a header that matches no v1 column. */
export function notYetColumn(header: string): NotYetColumn | undefined {
  const def = BY_FOLDED.get(headerKey(header));
  return def && { key: def.key, bt: def.bt, handling: def.handling };
}

export interface ValueProblem {
  code: IssueCode;
  params: Record<string, string>;
}

/** What is wrong with a (non-empty) value under a v2 column, if anything. */
export function notYetValueProblem(column: NotYetColumn, raw: string, decimalMark?: DecimalMark): ValueProblem | undefined {
  const h = column.handling;
  switch (h.kind) {
    case 'amount': {
      const n = parseDecimal(raw, { percent: true, decimalMark });
      if (n.ok && n.value.isZero()) return undefined;
      return { code: 'COLUMN_NOT_SUPPORTED_YET', params: { feature: h.feature, bt: column.bt } };
    }
    case 'any-value':
      return { code: 'COLUMN_NOT_SUPPORTED_YET', params: { feature: h.feature, bt: column.bt } };
    case 'document_type': {
      const type = DOCUMENT_TYPES.get(headerKey(raw));
      if (type === 'invoice') return undefined;
      if (type) return { code: 'DOCUMENT_TYPE_NOT_SUPPORTED_YET', params: { type } };
      // Another UNTDID 1001 code (389 self-billed, 383 debit note…): a document, not an invoice.
      return { code: 'DOCUMENT_TYPE_NOT_SUPPORTED_YET', params: { type: /^\d{3}$/.test(raw.trim()) ? 'other' : 'unknown' } };
    }
    case 'payment_means': {
      const means = PAYMENT_MEANS.get(headerKey(raw));
      if (means === 'transfer') return undefined;
      return { code: 'PAYMENT_MEANS_NOT_SUPPORTED_YET', params: { means: means ?? 'unknown' } };
    }
  }
}

/** BT-3 spellings (spec v2, "Documents"), folded as headers are. 380 is what the bot issues. */
const DOCUMENT_TYPES = folded({
  invoice: ['380', 'facture', 'invoice', 'commercial_invoice', 'facture_commerciale'],
  credit_note: ['381', 'avoir', 'credit_note', 'note_de_credit', 'facture_d_avoir'],
  corrective: ['384', 'facture_rectificative', 'rectificative', 'corrective', 'corrective_invoice', 'corrected_invoice'],
  deposit: ['386', 'acompte', 'facture_acompte', 'facture_d_acompte', 'deposit', 'deposit_invoice', 'prepayment_invoice'],
});

/** BT-81 spellings (spec v2, "Payment and items"). 58 (and 30, a plain credit transfer) is what the invoice says already. */
const PAYMENT_MEANS = folded({
  transfer: ['58', '30', 'virement', 'virement_sepa', 'virement_bancaire', 'credit_transfer', 'sepa_credit_transfer', 'bank_transfer', 'transfer'],
  direct_debit: ['59', 'prelevement', 'prelevement_sepa', 'direct_debit', 'sepa_direct_debit'],
  card: ['48', '54', '55', 'carte', 'carte_bancaire', 'cb', 'card', 'bank_card', 'credit_card'],
  cheque: ['20', 'cheque', 'check'],
  cash: ['10', 'especes', 'cash'],
});

function folded<T extends string>(spellings: Record<T, readonly string[]>): Map<string, T> {
  const map = new Map<string, T>();
  for (const [name, list] of Object.entries(spellings) as [T, readonly string[]][]) for (const s of list) map.set(headerKey(s), name);
  return map;
}
