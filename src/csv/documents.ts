/**
 * The invoice-level columns of contract v2 that say what kind of document a
 * group of lines is and how it is paid (shared/spec/invoice-csv.md, v2
 * "Documents", "Payment and items", "Currencies"): BT-3, BG-3, BT-113,
 * BG-16, BT-111. Each value is read, checked on its own and against the
 * others of its invoice; what needs the seller's register (what was
 * credited, replaced or deducted already) is checked later, in
 * batch/references.ts.
 */
import { compactId, isIban } from '../core/identifiers.js';
import { Dec } from '../core/money.js';
import type { DocumentType } from '../invoice/documents.js';
import type { PaymentMeans, PrecedingInvoice } from '../invoice/model.js';
import { headerKey, type ColumnKey } from './columns.js';
import type { IssueCode } from './issues.js';
import { parseDate, parseDecimal, type DecimalMark } from './values.js';

export interface Located {
  raw: string;
  line: number;
}

/** What the draft builder lends: the invoice's value of a column, and a way to report on it. */
export interface FieldReader {
  value(key: ColumnKey): Located | undefined;
  report(code: IssueCode, at: Located | { line: number; raw?: undefined }, key: ColumnKey, params?: Record<string, string>): void;
}

export interface DocumentContext {
  firstLine: number;
  issueDate: string;
  currency: string;
  decimalMark?: DecimalMark | undefined;
  /** BT-90, from the seller's record: a direct debit needs it. */
  creditorId?: string | undefined;
}

export interface DocumentFields {
  documentType?: DocumentType;
  preceding?: PrecedingInvoice[];
  prepaidAmount?: Dec;
  payment?: PaymentMeans;
  exchangeRate?: Dec;
}

/** BT-3 spellings (spec v2, "Documents"), folded as headers are. */
const DOCUMENT_SPELLINGS = folded<DocumentType>({
  '380': ['380', 'facture', 'invoice', 'commercial_invoice', 'facture_commerciale'],
  '381': ['381', 'avoir', 'credit_note', 'note_de_credit', 'facture_d_avoir'],
  '384': ['384', 'facture_rectificative', 'rectificative', 'corrective', 'corrective_invoice', 'corrected_invoice'],
  '386': ['386', 'acompte', 'facture_acompte', 'facture_d_acompte', 'deposit', 'deposit_invoice', 'prepayment_invoice'],
});

/** BT-81 spellings (spec v2, "Payment and items"): UNTDID 4461 codes and their names. */
const MEANS_SPELLINGS = folded<PaymentMeans['code']>({
  '58': ['58', '30', 'virement', 'virement_sepa', 'virement_bancaire', 'credit_transfer', 'sepa_credit_transfer', 'bank_transfer', 'transfer'],
  '59': ['59', 'prelevement', 'prelevement_sepa', 'direct_debit', 'sepa_direct_debit'],
  '48': ['48', '54', '55', 'carte', 'carte_bancaire', 'cb', 'card', 'bank_card', 'credit_card'],
  '20': ['20', 'cheque', 'check'],
  '10': ['10', 'especes', 'cash'],
});

/** SEPA mandate reference (BT-89): at most 35 characters of the SEPA set (EPC, "Mandate Identification"). */
const MANDATE = /^[A-Za-z0-9+?/:().,' -]{1,35}$/;
/** BT-25 as another system may have written it; a list is separated by commas or semicolons. */
const PRECEDING_NUMBER = /^[^\s,;][^,;]{0,99}$/;
/** The rate (EUR per unit): positive, at most 6 decimals (spec v2, "Currencies"), at most 12 digits in all. */
const MAX_RATE_DECIMALS = 6;

export function readDocumentFields(r: FieldReader, ctx: DocumentContext): DocumentFields {
  const out: DocumentFields = {};

  // BT-3.
  const typeValue = r.value('document_type');
  if (typeValue) {
    const type = DOCUMENT_SPELLINGS.get(headerKey(typeValue.raw));
    if (type) out.documentType = type;
    else r.report('DOCUMENT_TYPE_UNKNOWN', typeValue, 'document_type', /^\d{3}$/.test(typeValue.raw.trim()) ? { code: typeValue.raw.trim() } : undefined);
  }
  const type = out.documentType ?? '380';

  // BG-3: BT-25, and BT-26 when the invoice is not in the seller's register here.
  const numbersValue = r.value('preceding_invoice');
  const datesValue = r.value('preceding_invoice_date');
  const numbers = numbersValue ? splitList(numbersValue.raw) : [];
  if (numbersValue) {
    const bad = numbers.find((n) => !PRECEDING_NUMBER.test(n));
    const repeated = numbers.find((n, i) => numbers.indexOf(n) !== i);
    if (numbers.length === 0 || bad !== undefined) r.report('PRECEDING_INVALID', numbersValue, 'preceding_invoice');
    else if (repeated !== undefined) r.report('PRECEDING_REPEATED', numbersValue, 'preceding_invoice', { number: repeated });
  }
  let dates: string[] = [];
  if (datesValue) {
    if (!numbersValue) r.report('VALUE_REQUIRED', { line: datesValue.line }, 'preceding_invoice');
    const parsed = splitList(datesValue.raw).map(parseDate);
    const badDate = parsed.find((p) => !p.ok);
    if (badDate && !badDate.ok) r.report(badDate.code, datesValue, 'preceding_invoice_date', badDate.params);
    else dates = parsed.flatMap((p) => (p.ok ? [p.value] : []));
    if (numbersValue && dates.length > 0 && dates.length !== numbers.length) r.report('PRECEDING_DATE_COUNT', datesValue, 'preceding_invoice_date', { numbers: String(numbers.length), dates: String(dates.length) });
    const later = dates.find((d) => d > ctx.issueDate);
    if (later) r.report('PRECEDING_AFTER_DOCUMENT', datesValue, 'preceding_invoice_date', { issueDate: ctx.issueDate });
  }
  if (numbers.length > 0) {
    out.preceding = numbers.map((number, i) => ({ number, ...(dates.length === numbers.length && dates[i] ? { issueDate: dates[i] } : {}) }));
  }
  const at = numbersValue ?? typeValue ?? { line: ctx.firstLine };
  if ((type === '381' || type === '384') && numbers.length === 0 && !numbersValue) {
    // BR-FR-CO-05 (credit note), BR-FR-CO-04 (corrective invoice): the invoice they correct is named.
    r.report('PRECEDING_REQUIRED', typeValue ?? { line: at.line }, typeValue ? 'document_type' : 'preceding_invoice', { type });
  }
  if (type === '384' && numbers.length > 1) r.report('PRECEDING_ONE_ONLY', at, 'preceding_invoice'); // BR-FR-CO-04
  if (type === '386' && numbers.length > 0) r.report('PRECEDING_NOT_ALLOWED', at, 'preceding_invoice');

  // BT-113: incl. VAT, never negative, two decimals; its upper bound (BT-112) is checked once computed.
  const prepaidValue = r.value('prepaid_amount');
  let prepaidRefused = false;
  if (prepaidValue) {
    const n = parseDecimal(prepaidValue.raw, { decimalMark: ctx.decimalMark });
    prepaidRefused = !n.ok || n.value.isNegative() || n.value.decimalPlaces() > 2;
    if (!n.ok) r.report(n.code, prepaidValue, 'prepaid_amount', n.params);
    else if (prepaidRefused) r.report('PREPAID_INVALID', prepaidValue, 'prepaid_amount');
    else if (!n.value.isZero()) out.prepaidAmount = n.value;
  }
  // A final invoice after deposits deducts what they brought in: naming them without it would ask for the whole price again.
  if (type === '380' && numbers.length > 0 && !out.prepaidAmount && !prepaidRefused) r.report('PREPAID_REQUIRED', prepaidValue ?? { line: at.line }, 'prepaid_amount');

  // BG-16: the means, and for a SEPA direct debit its mandate (BT-89), the debited account (BT-91) and the creditor id (BT-90).
  const meansValue = r.value('payment_means');
  let means: PaymentMeans['code'] = '58';
  if (meansValue) {
    const code = MEANS_SPELLINGS.get(headerKey(meansValue.raw));
    if (code) means = code;
    else r.report('PAYMENT_MEANS_INVALID', meansValue, 'payment_means');
  }
  const mandateValue = r.value('mandate_reference');
  const accountValue = r.value('debited_account');
  if (means === '59') {
    if (!mandateValue) r.report('VALUE_REQUIRED', { line: meansValue?.line ?? ctx.firstLine }, 'mandate_reference');
    else if (!MANDATE.test(mandateValue.raw.trim())) r.report('MANDATE_INVALID', mandateValue, 'mandate_reference');
    if (!accountValue) r.report('VALUE_REQUIRED', { line: meansValue?.line ?? ctx.firstLine }, 'debited_account');
    else if (!isIban(accountValue.raw)) r.report('IBAN_INVALID', accountValue, 'debited_account');
    if (!ctx.creditorId) r.report('CREDITOR_ID_MISSING', meansValue ?? { line: ctx.firstLine }, 'payment_means');
    if (mandateValue && accountValue) out.payment = { code: '59', mandateRef: mandateValue.raw.trim(), debitedAccount: compactId(accountValue.raw) };
  } else {
    for (const [value, key] of [[mandateValue, 'mandate_reference'], [accountValue, 'debited_account']] as const) {
      if (value) r.report('DIRECT_DEBIT_ONLY', value, key);
    }
    if (means !== '58') out.payment = { code: means };
  }

  // BT-111: an invoice in another currency states its VAT in EUR too (BR-FR-CO-12), at the client's rate.
  const rateValue = r.value('exchange_rate');
  if (ctx.currency !== 'EUR' && !rateValue) r.report('EXCHANGE_RATE_REQUIRED', { line: r.value('currency')?.line ?? ctx.firstLine }, 'exchange_rate', { currency: ctx.currency });
  if (rateValue) {
    const n = parseDecimal(rateValue.raw, { decimalMark: ctx.decimalMark });
    if (ctx.currency === 'EUR') r.report('EXCHANGE_RATE_NOT_NEEDED', rateValue, 'exchange_rate');
    else if (!n.ok || !n.value.gt(0) || n.value.decimalPlaces() > MAX_RATE_DECIMALS || n.value.gte(new Dec('1e6'))) {
      r.report('EXCHANGE_RATE_INVALID', rateValue, 'exchange_rate', { max: String(MAX_RATE_DECIMALS) });
    } else out.exchangeRate = n.value;
  }
  return out;
}

function splitList(raw: string): string[] {
  return raw.split(/[,;]/).map((s) => s.trim()).filter((s) => s !== '');
}

function folded<T extends string>(spellings: Record<T, readonly string[]>): Map<string, T> {
  const map = new Map<string, T>();
  for (const [name, list] of Object.entries(spellings) as [T, readonly string[]][]) for (const s of list) map.set(headerKey(s), name);
  return map;
}
