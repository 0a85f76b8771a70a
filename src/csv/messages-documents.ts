/**
 * The words for the documents of contract v2 (csv/documents.ts,
 * batch/references.ts): the kind of document, what it refers to, what is
 * paid already, how it is paid, its currency. Each says what was found,
 * what is expected and, where the register decides, what it holds.
 */
import { displayDate, displayMoney } from '../core/format.js';
import { documentNoun } from '../invoice/documents.js';
import type { DocumentType } from '../invoice/documents.js';
import type { Lang, MessageTable } from './messages.js';

const noun = (t: string | undefined, lang: Lang) => documentNoun((t ?? '380') as DocumentType, lang);
const money = (v: string | undefined, currency: string | undefined, lang: Lang) => displayMoney(v ?? '0', currency ?? 'EUR', lang);
const NOTHING = { fr: 'Rien n’a été émis.', en: 'Nothing was issued.' };

type Codes =
  | 'COLUMN_AMOUNT_UNKNOWN' | 'DOCUMENT_TYPE_UNKNOWN' | 'PRECEDING_INVALID' | 'PRECEDING_REPEATED' | 'PRECEDING_REQUIRED' | 'PRECEDING_ONE_ONLY'
  | 'PRECEDING_NOT_ALLOWED' | 'PRECEDING_DATE_COUNT' | 'PRECEDING_AFTER_DOCUMENT' | 'PRECEDING_NOT_FOUND' | 'PRECEDING_OTHER_BUYER' | 'PRECEDING_OTHER_CURRENCY'
  | 'PRECEDING_IS_CREDIT_NOTE' | 'PRECEDING_REPLACED' | 'PRECEDING_CREDITED' | 'PRECEDING_NOT_DEPOSIT' | 'DEPOSIT_ALREADY_DEDUCTED' | 'CREDIT_EXCEEDS_REMAINING'
  | 'PREPAID_INVALID' | 'PREPAID_REQUIRED' | 'PREPAID_TOO_LARGE' | 'PAYMENT_MEANS_INVALID' | 'MANDATE_INVALID' | 'IBAN_INVALID' | 'DIRECT_DEBIT_ONLY'
  | 'CREDITOR_ID_MISSING' | 'EXCHANGE_RATE_REQUIRED' | 'EXCHANGE_RATE_INVALID' | 'EXCHANGE_RATE_NOT_NEEDED'
  | 'PAYMENT_INVOICE_UNKNOWN' | 'PAYMENT_NOT_DEPOSITED' | 'PAYMENT_GOODS_ONLY' | 'PAYMENT_BREAKDOWN_UNKNOWN' | 'PAYMENT_BEFORE_INVOICE' | 'PAYMENT_IN_FUTURE' | 'PAYMENT_AMOUNT_INVALID' | 'PAYMENT_TOO_LARGE';

export const DOCUMENT_MESSAGES: MessageTable<Codes> = {
  COLUMN_AMOUNT_UNKNOWN: {
    fr: () => `colonne inconnue qui semble porter un montant (remise, frais, acompte, escompte, total…) : l’ignorer pourrait émettre une facture à un montant que vous n’avez pas voulu. ${NOTHING.fr} Retirez cette colonne, ou donnez-lui le nom d’une colonne connue (remise, frais, acompte_verse…).`,
    en: () => `unknown column that looks like an amount (discount, charge, deposit, total…): ignoring it could issue an invoice at an amount you did not mean. ${NOTHING.en} Remove the column, or give it the name of a known column (discount, charge, prepaid_amount…).`,
  },
  DOCUMENT_TYPE_UNKNOWN: {
    fr: (p) => `type de document ${p.code ? `${p.code} ` : ''}inconnu : indiquez facture (380), avoir (381), facture_rectificative (384) ou acompte (386).`,
    en: (p) => `unknown document type${p.code ? ` ${p.code}` : ''}: write invoice (380), credit_note (381), corrective (384) or deposit (386).`,
  },
  PRECEDING_INVALID: {
    fr: () => 'numéro de facture d’origine illisible : un numéro par facture, plusieurs séparés par des virgules.',
    en: () => 'unreadable preceding invoice number: one number per invoice, several separated by commas.',
  },
  PRECEDING_REPEATED: { fr: (p) => `la facture ${p.number ?? ''} est citée deux fois.`, en: (p) => `invoice ${p.number ?? ''} is named twice.` },
  PRECEDING_REQUIRED: {
    fr: (p) => `${p.type === '384' ? 'une facture rectificative' : 'un avoir'} doit citer la facture qu’${p.type === '384' ? 'elle annule et remplace' : 'il corrige'} (colonne facture_origine, règle ${p.type === '384' ? 'BR-FR-CO-04' : 'BR-FR-CO-05'}).`,
    en: (p) => `a ${p.type === '384' ? 'corrective invoice' : 'credit note'} must name the invoice it ${p.type === '384' ? 'cancels and replaces' : 'corrects'} (column preceding_invoice, rule ${p.type === '384' ? 'BR-FR-CO-04' : 'BR-FR-CO-05'}).`,
  },
  PRECEDING_ONE_ONLY: {
    fr: () => 'une facture rectificative annule et remplace une seule facture (règle BR-FR-CO-04) : émettez une rectificative par facture.',
    en: () => 'a corrective invoice cancels and replaces exactly one invoice (rule BR-FR-CO-04): issue one corrective invoice per invoice.',
  },
  PRECEDING_NOT_ALLOWED: {
    fr: () => 'une facture d’acompte ne cite pas de facture antérieure : c’est la facture finale qui citera les acomptes.',
    en: () => 'a deposit invoice names no earlier invoice: the final invoice will name the deposits.',
  },
  PRECEDING_DATE_COUNT: {
    fr: (p) => `${p.dates ?? ''} date(s) pour ${p.numbers ?? ''} facture(s) citée(s) : donnez une date par numéro, dans le même ordre.`,
    en: (p) => `${p.dates ?? ''} date(s) for ${p.numbers ?? ''} invoice(s) named: give one date per number, in the same order.`,
  },
  PRECEDING_AFTER_DOCUMENT: {
    fr: (p) => `la facture citée serait postérieure à ce document (daté du ${displayDate(p.issueDate ?? '', 'fr')}) : un document ne corrige qu’une facture déjà émise.`,
    en: (p) => `the invoice named would be later than this document (dated ${displayDate(p.issueDate ?? '', 'en')}): a document only corrects an invoice already issued.`,
  },
  PRECEDING_NOT_FOUND: {
    fr: (p) => `la facture ${p.number ?? ''} n’est pas dans votre registre ici : vérifiez le numéro ; si elle a été émise ailleurs, donnez sa date (colonne date_facture_origine).`,
    en: (p) => `invoice ${p.number ?? ''} is not in your register here: check the number; if it was issued elsewhere, give its date (column preceding_invoice_date).`,
  },
  PRECEDING_OTHER_BUYER: {
    fr: (p) => `la facture ${p.number ?? ''} a été émise pour un autre acheteur (${p.buyer ?? ''}) : un avoir ou une rectificative s’adresse à l’acheteur de la facture d’origine.`,
    en: (p) => `invoice ${p.number ?? ''} was issued to another buyer (${p.buyer ?? ''}): a credit note or corrective invoice goes to the buyer of the original invoice.`,
  },
  PRECEDING_OTHER_CURRENCY: {
    fr: (p) => `la facture ${p.number ?? ''} est en ${p.currency ?? ''} : le document qui la corrige doit être dans la même devise.`,
    en: (p) => `invoice ${p.number ?? ''} is in ${p.currency ?? ''}: the document correcting it must be in the same currency.`,
  },
  PRECEDING_IS_CREDIT_NOTE: {
    fr: (p) => `${p.number ?? ''} est un avoir : on ne corrige pas un avoir par un avoir ; émettez une nouvelle facture si l’avoir était de trop.`,
    en: (p) => `${p.number ?? ''} is a credit note: a credit note is not corrected by another; issue a new invoice if the credit was too much.`,
  },
  PRECEDING_REPLACED: {
    fr: (p) => `la facture ${p.number ?? ''} a déjà été annulée et remplacée par ${p.by ?? ''} : citez ${p.by ?? ''}.`,
    en: (p) => `invoice ${p.number ?? ''} was already cancelled and replaced by ${p.by ?? ''}: name ${p.by ?? ''} instead.`,
  },
  PRECEDING_CREDITED: {
    fr: (p) => `la facture ${p.number ?? ''} a déjà fait l’objet d’un avoir (${p.by ?? ''}) : elle ne peut plus être annulée et remplacée ; émettez un avoir pour le reste (${money(p.remaining, p.currency, 'fr')}) puis une nouvelle facture.`,
    en: (p) => `invoice ${p.number ?? ''} already has a credit note (${p.by ?? ''}): it can no longer be cancelled and replaced; issue a credit note for the rest (${money(p.remaining, p.currency, 'en')}), then a new invoice.`,
  },
  PRECEDING_NOT_DEPOSIT: {
    fr: (p) => `${p.number ?? ''} est une ${noun(p.type, 'fr')}, pas une facture d’acompte : une facture ne cite que les acomptes qu’elle déduit ; pour corriger ${p.number ?? ''}, émettez un avoir ou une facture rectificative.`,
    en: (p) => `${p.number ?? ''} is a ${noun(p.type, 'en')}, not a deposit invoice: an invoice names only the deposits it deducts; to correct ${p.number ?? ''}, issue a credit note or a corrective invoice.`,
  },
  DEPOSIT_ALREADY_DEDUCTED: {
    fr: (p) => `l’acompte ${p.number ?? ''} est déjà déduit par la facture ${p.by ?? ''} : un acompte ne se déduit qu’une fois.`,
    en: (p) => `deposit ${p.number ?? ''} is already deducted by invoice ${p.by ?? ''}: a deposit is deducted once only.`,
  },
  CREDIT_EXCEEDS_REMAINING: {
    fr: (p) => `cet avoir (${money(p.amount, p.currency, 'fr')} TTC) dépasse ce qui reste à créditer sur ${p.number ?? ''} : ${money(p.remaining, p.currency, 'fr')} sur ${money(p.total, p.currency, 'fr')}.`,
    en: (p) => `this credit note (${money(p.amount, p.currency, 'en')} incl. VAT) exceeds what remains to credit on ${p.number ?? ''}: ${money(p.remaining, p.currency, 'en')} of ${money(p.total, p.currency, 'en')}.`,
  },
  PREPAID_INVALID: {
    fr: () => 'montant déjà payé attendu TTC, positif, avec au plus 2 décimales.',
    en: () => 'the amount already paid is expected incl. VAT, positive, with at most 2 decimals.',
  },
  PREPAID_REQUIRED: {
    fr: () => 'une facture qui cite des acomptes est la facture finale : indiquez le montant TTC déjà versé (colonne acompte_verse), qui sera déduit du net à payer.',
    en: () => 'an invoice naming deposits is the final invoice: state the amount already paid incl. VAT (column prepaid_amount), which is deducted from the amount due.',
  },
  PREPAID_TOO_LARGE: {
    fr: (p) => `le montant déjà payé dépasse le total TTC du document (${money(p.total, p.currency, 'fr')}).`,
    en: (p) => `the amount already paid exceeds the document's total incl. VAT (${money(p.total, p.currency, 'en')}).`,
  },
  PAYMENT_MEANS_INVALID: {
    fr: () => 'moyen de paiement inconnu : virement, prelevement, carte, cheque ou especes.',
    en: () => 'unknown payment means: transfer, direct_debit, card, cheque or cash.',
  },
  MANDATE_INVALID: {
    fr: () => 'référence de mandat SEPA (RUM) : au plus 35 caractères, lettres, chiffres, espaces et + ? / : ( ) . , \' -',
    en: () => 'SEPA mandate reference: at most 35 characters, letters, digits, spaces and + ? / : ( ) . , \' -',
  },
  IBAN_INVALID: { fr: () => 'IBAN invalide (sa clé ne correspond pas).', en: () => 'invalid IBAN (its check digits do not match).' },
  DIRECT_DEBIT_ONLY: {
    fr: () => 'un mandat et un compte à débiter ne servent qu’au paiement par prélèvement : indiquez prelevement comme moyen de paiement, ou retirez la valeur.',
    en: () => 'a mandate and a debited account only serve a direct debit: state direct_debit as the payment means, or remove the value.',
  },
  CREDITOR_ID_MISSING: {
    fr: () => 'un prélèvement SEPA demande votre identifiant créancier SEPA (ICS), qui n’est pas dans votre fiche : envoyez-le au studio pour qu’il l’y ajoute.',
    en: () => 'a SEPA direct debit needs your SEPA creditor identifier, which your record does not hold: send it to the studio to add it.',
  },
  EXCHANGE_RATE_REQUIRED: {
    fr: (p) => `une facture en ${p.currency ?? ''} donne aussi sa TVA en euros (règle BR-FR-CO-12) : indiquez le taux de change, en euros pour 1 ${p.currency ?? ''} (colonne taux_de_change).`,
    en: (p) => `an invoice in ${p.currency ?? ''} also states its VAT in euros (rule BR-FR-CO-12): give the exchange rate, in euros per 1 ${p.currency ?? ''} (column exchange_rate).`,
  },
  EXCHANGE_RATE_INVALID: {
    fr: (p) => `taux de change attendu : euros pour une unité de la devise, positif, au plus ${p.max ?? '6'} décimales et inférieur à 1 000 000.`,
    en: (p) => `exchange rate expected: euros per unit of the currency, positive, at most ${p.max ?? '6'} decimals and below 1,000,000.`,
  },
  EXCHANGE_RATE_NOT_NEEDED: {
    fr: () => 'la facture est en euros : un taux de change n’a pas de sens. Retirez-le, ou indiquez la devise de la facture (colonne devise).',
    en: () => 'the invoice is in euros: an exchange rate means nothing. Remove it, or state the invoice currency (column currency).',
  },
  PAYMENT_INVOICE_UNKNOWN: {
    fr: () => 'cette facture n’est pas dans votre registre ici : vérifiez le numéro.',
    en: () => 'this invoice is not in your register here: check the number.',
  },
  PAYMENT_NOT_DEPOSITED: {
    fr: () => 'cette facture n’a pas été déposée sur votre plateforme par le service : déclarez son encaissement là où elle a été déposée.',
    en: () => 'this invoice was not deposited on your platform by the service: declare its payment where it was deposited.',
  },
  PAYMENT_GOODS_ONLY: {
    fr: () => 'une facture de livraison de biens : la TVA est due à la livraison, l’encaissement n’est pas à déclarer.',
    en: () => 'an invoice for goods: VAT is due on delivery, the payment need not be declared.',
  },
  PAYMENT_BREAKDOWN_UNKNOWN: {
    fr: () => 'le détail de TVA de cette facture n’est plus conservé ici : déclarez son encaissement directement sur votre plateforme.',
    en: () => 'the VAT breakdown of this invoice is no longer kept here: declare its payment on your platform directly.',
  },
  PAYMENT_BEFORE_INVOICE: {
    fr: (p) => `un paiement ne peut précéder la facture (émise le ${displayDate(p.issueDate ?? '', 'fr')}).`,
    en: (p) => `a payment cannot precede the invoice (issued on ${displayDate(p.issueDate ?? '', 'en')}).`,
  },
  PAYMENT_IN_FUTURE: {
    fr: (p) => `date d’encaissement dans le futur (nous sommes le ${displayDate(p.today ?? '', 'fr')}) : déclarez un paiement une fois reçu.`,
    en: (p) => `payment date in the future (today is ${displayDate(p.today ?? '', 'en')}): declare a payment once received.`,
  },
  PAYMENT_AMOUNT_INVALID: {
    fr: () => 'montant encaissé attendu TTC, positif, avec au plus 2 décimales.',
    en: () => 'the amount received is expected incl. VAT, positive, with at most 2 decimals.',
  },
  PAYMENT_TOO_LARGE: {
    fr: (p) => `ce paiement dépasse ce qui reste à encaisser sur ${p.number ?? ''} : ${money(p.remaining, p.currency, 'fr')} sur ${money(p.total, p.currency, 'fr')}.`,
    en: (p) => `this payment exceeds what remains to be received on ${p.number ?? ''}: ${money(p.remaining, p.currency, 'en')} of ${money(p.total, p.currency, 'en')}.`,
  },
};
