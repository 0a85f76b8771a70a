/**
 * BG-16, how the buyer pays, for the XML and the PDF alike: a SEPA credit
 * transfer to the seller's account (58, BT-84/BT-86), a SEPA direct debit
 * from the buyer's account under a mandate (59, BT-89/BT-90/BT-91), a card
 * (48), a cheque (20) or cash (10).
 */
import { displayDate, displayDecimal, displayMoney, type DisplayLang } from '../core/format.js';
import { xmlEscape as x } from '../core/text.js';
import type { Invoice } from '../invoice/model.js';
import type { Seller } from './seller.js';

/** BT-82, the means in words. */
const MEANS_TEXT: Record<string, Record<DisplayLang, string>> = {
  '58': { fr: 'Virement SEPA', en: 'SEPA credit transfer' },
  '59': { fr: 'Prélèvement SEPA', en: 'SEPA direct debit' },
  '48': { fr: 'Carte bancaire', en: 'Bank card' },
  '20': { fr: 'Chèque', en: 'Cheque' },
  '10': { fr: 'Espèces', en: 'Cash' },
};
export function paymentMeansText(inv: Pick<Invoice, 'payment'>, lang: DisplayLang): string {
  return MEANS_TEXT[inv.payment?.code ?? '58']?.[lang] ?? '';
}

/** The debited IBAN as a PDF shows it: the country, the check digits and the last four characters (BT-91 in full stays in the XML). */
export function maskIban(iban: string): string {
  return `${iban.slice(0, 4)} **** **** ${iban.slice(-4)}`;
}

export function paymentMeansXml(seller: Seller, inv: Invoice): string {
  const code = inv.payment?.code ?? '58';
  const parts = [`<ram:TypeCode>${code}</ram:TypeCode>`, `<ram:Information>${x(paymentMeansText(inv, 'fr'))}</ram:Information>`]; // BT-81, BT-82
  if (code === '59' && inv.payment?.debitedAccount) parts.push(`<ram:PayerPartyDebtorFinancialAccount><ram:IBANID>${x(inv.payment.debitedAccount)}</ram:IBANID></ram:PayerPartyDebtorFinancialAccount>`); // BT-91
  if (code === '58') {
    parts.push(
      `<ram:PayeePartyCreditorFinancialAccount><ram:IBANID>${seller.iban}</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>`, // BT-84 (BR-61)
      `<ram:PayeeSpecifiedCreditorFinancialInstitution><ram:BICID>${seller.bic}</ram:BICID></ram:PayeeSpecifiedCreditorFinancialInstitution>`, // BT-86
    );
  }
  return `<ram:SpecifiedTradeSettlementPaymentMeans>${parts.join('')}</ram:SpecifiedTradeSettlementPaymentMeans>`;
}

/** BT-20: the terms in a sentence, by what is left to pay and how. */
export function paymentTermsText(inv: Invoice, lang: DisplayLang = 'fr'): string {
  const due = displayDate(inv.dueDate, lang);
  if (inv.documentType === '381') {
    return lang === 'fr' ? 'Avoir : montant à déduire de votre prochain règlement ou à rembourser.' : 'Credit note: amount to deduct from your next payment or to be refunded.';
  }
  if (inv.totals.duePayable.lte(0)) return lang === 'fr' ? `Facture acquittée le ${due}.` : `Invoice paid on ${due}.`;
  switch (inv.payment?.code ?? '58') {
    case '59':
      return lang === 'fr'
        ? `Prélèvement SEPA le ${due} sur le compte ${maskIban(inv.payment?.debitedAccount ?? '')}, mandat ${inv.payment?.mandateRef ?? ''}.`
        : `SEPA direct debit on ${due} from account ${maskIban(inv.payment?.debitedAccount ?? '')}, mandate ${inv.payment?.mandateRef ?? ''}.`;
    case '48':
      return lang === 'fr' ? `Paiement par carte bancaire, au plus tard le ${due}.` : `Payment by bank card, by ${due} at the latest.`;
    case '20':
      return lang === 'fr' ? `Paiement par chèque, au plus tard le ${due}.` : `Payment by cheque, by ${due} at the latest.`;
    case '10':
      return lang === 'fr' ? `Paiement en espèces, au plus tard le ${due}.` : `Payment in cash, by ${due} at the latest.`;
    default:
      return lang === 'fr' ? `Paiement par virement à réception, au plus tard le ${due}.` : `Payment by credit transfer on receipt, by ${due} at the latest.`;
  }
}

/** The PDF's payment block: how to pay (or that nothing is to pay), with the reference to quote. */
export function paymentLines(seller: Seller & { iban: string; bic: string }, inv: Invoice, formatIban: (iban: string) => string): string[] {
  const code = inv.payment?.code ?? '58';
  const lines: string[] = [];
  if (inv.documentType !== '381' && inv.totals.duePayable.gt(0)) {
    if (code === '58') lines.push(`Règlement par virement SEPA — IBAN : ${formatIban(seller.iban)} — BIC : ${seller.bic}`);
    else if (code === '59') lines.push(`Règlement par prélèvement SEPA — mandat (RUM) : ${inv.payment?.mandateRef ?? ''} — compte débité : ${maskIban(inv.payment?.debitedAccount ?? '')} — identifiant créancier (ICS) : ${seller.sepaCreditorId ?? ''}`);
    else lines.push(`Règlement : ${paymentMeansText(inv, 'fr')}`);
  }
  lines.push(`Référence de paiement : ${inv.number}. ${paymentTermsText(inv)}`);
  if (inv.exchangeRate && inv.totals.taxTotalEur) {
    lines.push(`Taux de change : 1 ${inv.currency} = ${displayDecimal(inv.exchangeRate, 'fr')} EUR ; TVA en euros : ${displayMoney(inv.totals.taxTotalEur, 'EUR', 'fr')}.`);
  }
  return lines;
}
