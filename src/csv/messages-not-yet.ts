/**
 * The words for what the bot refuses until the v2 contract is built
 * (not-yet.ts, money-header.ts): what the column says, that the bot cannot
 * issue such a document yet, and that nothing was issued.
 */
import type { Lang, MessageTable } from './messages.js';

type Words = Record<Lang, Record<string, string>>;

const FEATURE: Words = {
  fr: {
    preceding_invoice: 'une facture antérieure (BT-25, BT-26), ce qui en fait un avoir, une facture rectificative ou une facture finale après acompte',
    prepaid: 'un montant déjà payé (BT-113), qui réduit le montant à payer',
    direct_debit: 'un paiement par prélèvement SEPA (BT-89, BT-91)',
    exchange_rate: 'un taux de change (BT-111)',
  },
  en: {
    preceding_invoice: 'a preceding invoice (BT-25, BT-26), which makes the document a credit note, a corrective invoice or a final invoice after deposits',
    prepaid: 'an amount already paid (BT-113), which lowers the amount due',
    direct_debit: 'payment by SEPA direct debit (BT-89, BT-91)',
    exchange_rate: 'an exchange rate (BT-111)',
  },
};

const DOCUMENT: Words = {
  fr: { credit_note: 'les avoirs (381)', corrective: 'les factures rectificatives (384)', deposit: 'les factures d’acompte (386)', other: 'les documents de ce type' },
  en: { credit_note: 'credit notes (381)', corrective: 'corrective invoices (384)', deposit: 'deposit invoices (386)', other: 'documents of this type' },
};

const MEANS: Words = {
  fr: { direct_debit: 'le paiement par prélèvement', card: 'le paiement par carte', cheque: 'le paiement par chèque', cash: 'le paiement en espèces' },
  en: { direct_debit: 'direct debit', card: 'card payment', cheque: 'cheque', cash: 'cash' },
};

const NOTHING = { fr: 'Rien n’a été émis.', en: 'Nothing was issued.' };

export const NOT_YET_MESSAGES: MessageTable<'COLUMN_AMOUNT_UNKNOWN' | 'COLUMN_NOT_SUPPORTED_YET' | 'DOCUMENT_TYPE_NOT_SUPPORTED_YET' | 'PAYMENT_MEANS_NOT_SUPPORTED_YET'> = {
  COLUMN_AMOUNT_UNKNOWN: {
    fr: () => `colonne inconnue qui semble porter un montant (remise, frais, acompte, total…) : l’ignorer pourrait émettre une facture à un montant que vous n’avez pas voulu. ${NOTHING.fr} Retirez cette colonne, ou donnez-lui le nom d’une colonne connue.`,
    en: () => `unknown column that looks like an amount (discount, charge, deposit, total…): ignoring it could issue an invoice at an amount you did not mean. ${NOTHING.en} Remove the column, or give it the name of a known column.`,
  },
  COLUMN_NOT_SUPPORTED_YET: {
    fr: (p) => `cette valeur indique ${FEATURE.fr[p.feature ?? ''] ?? ''} : le bot ne sait pas encore émettre un tel document, et l’ignorer donnerait une facture fausse. ${NOTHING.fr} Retirez la valeur, ou faites établir ce document autrement pour l’instant.`,
    en: (p) => `this value gives ${FEATURE.en[p.feature ?? ''] ?? ''}: the bot cannot issue such a document yet, and ignoring it would give a wrong invoice. ${NOTHING.en} Remove the value, or have this document made another way for now.`,
  },
  DOCUMENT_TYPE_NOT_SUPPORTED_YET: {
    fr: (p) =>
      `${p.type === 'unknown' ? 'type de document inconnu' : `${DOCUMENT.fr[p.type ?? ''] ?? ''} ne peuvent pas encore être émis`} : le bot n’émet pour l’instant que des factures (380, « facture »). ${NOTHING.fr}`,
    en: (p) => `${p.type === 'unknown' ? 'unknown document type' : `${DOCUMENT.en[p.type ?? ''] ?? ''} cannot be issued yet`}: for now the bot issues invoices only (380, "invoice"). ${NOTHING.en}`,
  },
  PAYMENT_MEANS_NOT_SUPPORTED_YET: {
    fr: (p) =>
      `${p.means === 'unknown' ? 'moyen de paiement inconnu' : `${MEANS.fr[p.means ?? ''] ?? ''} n’est pas encore pris en charge`} : les factures du bot demandent un virement sur votre IBAN, et le client serait invité à payer autrement que prévu. ${NOTHING.fr}`,
    en: (p) =>
      `${p.means === 'unknown' ? 'unknown payment means' : `${MEANS.en[p.means ?? ''] ?? ''} is not supported yet`}: the bot's invoices ask for a credit transfer to your IBAN, so the buyer would be told to pay another way than meant. ${NOTHING.en}`,
  },
};
