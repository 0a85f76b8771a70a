/**
 * The French e-invoicing reform rules (FNFE-MPE "BR-FR", Flux 2, CII
 * syntax) that apply to what this bot generates, checked in code before a
 * batch commits, beside the EN 16931 rules of selfcheck.ts.
 *
 * BT-3 is 380, 381, 384 or 386, codes BR-FR-04 allows (documents.ts).
 * Rules about elements the bot never writes are not here: attachments
 * (BR-FR-17/18), the BAR note (BR-FR-11/20/31; without it BR-FR-21/22 do
 * not fire, yet the 0225 addresses written still start with the party's
 * SIREN), private ids 0224 (BR-FR-24/26), item attributes (BR-FR-27/28),
 * invoiced objects (BR-FR-29/30), the global-discount credit note 262
 * (BR-FR-CO-03), single taxable persons
 * (BR-FR-CO-14/15), multi-vendor and bi-directional invoices (BR-FR-MV-*,
 * BR-FR-BD-*), allowances and charges.
 *
 * A violation carries, when the value came from the CSV, the line and the
 * column it came from: the batch then refuses the file with that place
 * instead of failing as an internal error.
 */
import { electronicAddressProblem, type ElectronicAddress } from '../core/eaddress.js';
import { displayPercent } from '../core/format.js';
import { Dec, amount, plain } from '../core/money.js';
import type { ColumnKey } from '../csv/columns.js';
import { invoiceNotes } from '../facturx/cii.js';
import { sellerElectronicAddress, type Seller } from '../facturx/seller.js';
import { DOCUMENT_TYPES } from './documents.js';
import type { Invoice } from './model.js';
import { MAX_NUMBER_LENGTH, NUMBER_CHARS } from './numbering.js';

export interface RuleViolation {
  rule: string;
  /** For the operator and the logs, in English. */
  text: string;
  /** Where the CSV gave the value that breaks the rule. */
  source?: { line: number; column?: ColumnKey; value?: string };
}

/** BR-FR-16: the VAT rates French law knows (mainland, Corsica and overseas departments, past rates still invoiced). */
export const FRENCH_VAT_RATES = ['0', '0.9', '1.05', '1.75', '2.1', '5.5', '7', '8.5', '9.2', '9.6', '10', '13', '19.6', '20', '20.6'] as const;
const RATE_SET = new Set<string>(FRENCH_VAT_RATES);
export function isFrenchVatRate(rate: string | Dec): boolean {
  try {
    return RATE_SET.has(new Dec(rate).toFixed());
  } catch {
    return false;
  }
}

/** BR-FR-08: billing frameworks ("cadres de facturation", BT-23). */
const FRAMEWORKS = new Set('B1 S1 M1 B2 S2 M2 B4 S4 M4 S5 S6 B7 S7'.split(' '));
/** BR-FR-15: VAT categories relevant in France (no L, M). */
const CATEGORIES = new Set(['S', 'E', 'AE', 'K', 'G', 'O', 'Z']);

/** BR-FR-03: a date of the invoice lies between 2000 and 2099 and exists. */
function validDate(iso: string): boolean {
  const m = /^(20\d{2})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return false;
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso;
}

/** BR-FR-DEC-*: at most `decimals` decimals and `digits` digits in all, as written in the XML. */
function fitsDecimal(text: string, digits: number, decimals: number, signed: boolean): boolean {
  const re = new RegExp(`^${signed ? '-?' : ''}\\d+(\\.\\d{1,${decimals}})?$`);
  return re.test(text) && text.replace(/[-.]/g, '').length <= digits;
}

/** `notes` are the invoice's BG-1 as rendered; given here only to test the check itself. */
export function brfrCheck(seller: Seller, inv: Invoice, notes = invoiceNotes(seller, inv)): RuleViolation[] {
  const v: RuleViolation[] = [];
  const at = (column: ColumnKey): number => inv.origins?.[column] ?? inv.firstLine;
  const rule = (id: string, ok: boolean, text: string, source?: RuleViolation['source']) => {
    if (!ok) v.push({ rule: id, text, ...(source ? { source } : {}) });
  };

  // BT-1 comes from the seller's number pattern, never from the CSV.
  rule('BR-FR-01', inv.number.length <= MAX_NUMBER_LENGTH, `invoice number (BT-1) "${inv.number}" has at most ${MAX_NUMBER_LENGTH} characters`);
  rule('BR-FR-02', NUMBER_CHARS.test(inv.number), `invoice number (BT-1) "${inv.number}" uses letters, digits and + - _ / only`);
  rule('BR-FR-03', validDate(inv.issueDate), 'issue date (BT-2) between 2000 and 2099', { line: at('issue_date'), column: 'issue_date', value: inv.issueDate });
  rule('BR-FR-03', validDate(inv.dueDate), 'due date (BT-9) between 2000 and 2099', { line: at('due_date'), column: inv.origins?.due_date ? 'due_date' : 'issue_date', value: inv.dueDate });
  rule('BR-FR-03', validDate(inv.serviceDate), 'delivery date (BT-72) between 2000 and 2099', { line: at('service_date'), column: 'service_date', value: inv.serviceDate });
  rule('BR-FR-CO-07', inv.dueDate >= inv.issueDate, 'due date (BT-9) not before the issue date (BT-2)', { line: at('due_date'), column: 'due_date', value: inv.dueDate });
  rule('BR-FR-08', FRAMEWORKS.has(inv.framework), 'billing framework (BT-23) from the reform list');
  rule('BR-FR-04', (DOCUMENT_TYPES as readonly string[]).includes(inv.documentType ?? '380'), 'document type (BT-3) from the reform list');

  // Credit notes, corrective invoices, deposits, invoices already paid (BR-FR-CO-04, -05, -08, -09).
  const type = inv.documentType ?? '380';
  const refs = inv.preceding ?? [];
  // The file's own checks answer these first, in their words (PRECEDING_REQUIRED, PRECEDING_ONE_ONLY, PRECEDING_NOT_FOUND): here they guard the commit.
  if (type === '384') rule('BR-FR-CO-04', refs.length === 1 && Boolean(refs[0]?.issueDate), 'a corrective invoice (384) names exactly one preceding invoice (BT-25) with its date (BT-26)');
  if (type === '381') rule('BR-FR-CO-05', refs.length >= 1 && refs.every((r) => Boolean(r.issueDate)), 'a credit note (381) names at least one preceding invoice (BT-25) with its date (BT-26)');
  const frameworkKind = inv.framework.slice(1);
  rule('BR-FR-CO-08', !(frameworkKind === '4' && type === '386'), 'a final invoice after deposits (B4/S4/M4) is not a deposit invoice (386)');
  if (frameworkKind === '2') {
    const paid = { line: at('prepaid_amount'), column: 'prepaid_amount' as const, value: amount(inv.totals.prepaidAmount) };
    rule('BR-FR-CO-09', inv.totals.prepaidAmount.eq(inv.totals.grandTotal) && inv.totals.duePayable.isZero() && Boolean(inv.dueDate), 'already paid (B2/S2/M2): BT-113 = BT-112, BT-115 = 0 and BT-9 present', paid);
  }

  // BR-FR-05 / BR-FR-06: the payment mentions, each exactly once; the tax mention at most once.
  const count = (code: string) => notes.filter((n) => n.subjectCode === code).length;
  for (const code of ['PMT', 'PMD', 'AAB']) {
    rule('BR-FR-05', count(code) >= 1, `note with subject code ${code} (BT-21) present`);
    rule('BR-FR-06', count(code) <= 1, `note with subject code ${code} (BT-21) at most once`);
  }
  rule('BR-FR-06', count('TXD') <= 1, 'note with subject code TXD (BT-21) at most once');

  // Parties: SIREN (BR-FR-10, BR-FR-32), SIRET (BR-FR-09), electronic addresses (BR-FR-12/13/21/22/23/25).
  rule('BR-FR-10', /^\d{9}$/.test(seller.siren), 'seller SIREN (BT-30) of 9 digits');
  rule('BR-FR-09', !seller.siret || (/^\d{14}$/.test(seller.siret) && seller.siret.startsWith(seller.siren)), 'seller SIRET (BT-29) of 14 digits starting with the SIREN');
  const buyerSiren = { line: at('buyer_siren'), column: 'buyer_siren' as const, ...(inv.buyer.siren ? { value: inv.buyer.siren } : {}) };
  rule('BR-FR-32', !inv.buyer.siren || /^\d{9}$/.test(inv.buyer.siren), 'buyer SIREN (BT-47, scheme 0002) of 9 digits', buyerSiren);
  const sellerAddress = sellerElectronicAddress(seller);
  rule('BR-FR-13', sellerAddress.value.trim() !== '', 'seller electronic address (BT-34) present');
  if (sellerAddress.value.trim() !== '') checkAddress(v, 'BT-34', sellerAddress, seller.siren);
  const buyerAddress = inv.buyer.electronicAddress;
  const addressSource = { line: at('buyer_electronic_address'), column: 'buyer_electronic_address' as const, ...(buyerAddress ? { value: buyerAddress.value } : {}) };
  rule('BR-FR-12', Boolean(buyerAddress), 'buyer electronic address (BT-49) present', addressSource);
  if (buyerAddress) checkAddress(v, 'BT-49', buyerAddress, inv.buyer.siren, addressSource);

  // BR-FR-CO-12: an invoice in another currency states its VAT in euros too (BT-6 = EUR, BT-111).
  rule('BR-FR-CO-12', inv.currency === 'EUR' || Boolean(inv.totals.taxTotalEur), `invoice currency (BT-5) ${inv.currency}: the VAT total in euros (BT-6, BT-111) is present`, { line: at('currency'), column: 'currency', value: inv.currency });
  if (inv.totals.taxTotalEur) rule('BR-FR-DEC-01', fitsDecimal(amount(inv.totals.taxTotalEur), 19, 2, true), `BT-111 ${amount(inv.totals.taxTotalEur)} with at most 19 digits`, { line: at('exchange_rate'), column: 'exchange_rate', value: inv.exchangeRate ? plain(inv.exchangeRate) : '' });

  // Lines: categories (BR-FR-15), rates (BR-FR-16, BR-FR-DEC-04), quantities (BR-FR-DEC-02), prices (BR-FR-DEC-03), nets (BR-FR-DEC-01).
  for (const l of inv.lines) {
    const src = (column: ColumnKey, value: string) => ({ line: l.sourceLine, column, value });
    rule('BR-FR-15', CATEGORIES.has(l.vatCategory), `line ${l.id}: VAT category (BT-151) ${l.vatCategory} relevant in France`, src('vat_category', l.vatCategory));
    if (l.vatCategory !== 'O') {
      const rate = plain(l.vatRate);
      rule('BR-FR-16', isFrenchVatRate(rate), `line ${l.id}: VAT rate (BT-152) ${rate} is a French rate`, src('vat_rate', rate));
      rule('BR-FR-DEC-04', fitsDecimal(rate, 4, 2, false), `line ${l.id}: VAT rate (BT-152) ${rate} with at most 2 decimals and 4 digits`, src('vat_rate', rate));
    }
    const qty = plain(l.quantity);
    rule('BR-FR-DEC-02', fitsDecimal(qty, 19, 4, true), `line ${l.id}: quantity (BT-129) ${qty} with at most 4 decimals and 19 digits`, src('quantity', qty));
    const price = plain(l.unitPrice);
    rule('BR-FR-DEC-03', fitsDecimal(price, 19, 6, false), `line ${l.id}: net price (BT-146) ${price} not negative, at most 6 decimals and 19 digits`, src('unit_price', price));
    rule('BR-FR-DEC-01', fitsDecimal(amount(l.netAmount), 19, 2, true), `line ${l.id}: net amount (BT-131) with at most 19 digits`, src('unit_price', price));
  }

  // Breakdown (BT-116, BT-117, BT-119) and totals (BT-106 … BT-115): computed, so the invoice's first line is the place.
  const whole = { line: inv.firstLine };
  for (const b of inv.vat) {
    rule('BR-FR-15', CATEGORIES.has(b.category), `VAT breakdown category (BT-118) ${b.category} relevant in France`, whole);
    if (b.category !== 'O') {
      rule('BR-FR-16', isFrenchVatRate(b.rate), `VAT breakdown rate (BT-119) ${plain(b.rate)} is a French rate`, whole);
      rule('BR-FR-DEC-04', fitsDecimal(plain(b.rate), 4, 2, false), `VAT breakdown rate (BT-119) ${plain(b.rate)} with at most 2 decimals`, whole);
    }
    for (const [term, value] of [['BT-116', b.taxableAmount], ['BT-117', b.taxAmount]] as const) {
      rule('BR-FR-DEC-01', fitsDecimal(amount(value), 19, 2, true), `${term} ${amount(value)} with at most 19 digits`, whole);
    }
  }
  const t = inv.totals;
  for (const [term, value] of [['BT-106', t.lineTotal], ['BT-109', t.taxBasisTotal], ['BT-110', t.taxTotal], ['BT-112', t.grandTotal], ['BT-113', t.prepaidAmount], ['BT-115', t.duePayable]] as const) {
    rule('BR-FR-DEC-01', fitsDecimal(amount(value), 19, 2, true), `${term} ${amount(value)} with at most 19 digits`, whole);
  }
  return v;
}

/**
 * An electronic address as the reform reads it: at most 125 characters
 * (BR-FR-25); a 0225 address made of letters, digits and + - _ . (BR-FR-23)
 * that starts with the party's SIREN (BR-FR-21 buyer, BR-FR-22 seller);
 * any other scheme in the form and with the check digit of that scheme.
 */
function checkAddress(v: RuleViolation[], term: 'BT-34' | 'BT-49', a: ElectronicAddress, siren: string | undefined, source?: RuleViolation['source']): void {
  const problem = electronicAddressProblem(a, siren);
  if (!problem) return;
  const rule =
    problem === 'length' ? 'BR-FR-25'
    : problem === 'siren-mismatch' ? (term === 'BT-49' ? 'BR-FR-21' : 'BR-FR-22')
    : a.scheme === '0225' && problem === 'shape' ? 'BR-FR-23'
    : `${term}-1`;
  v.push({ rule, text: `${term} "${a.value}" (scheme ${a.scheme}): ${problem}`, ...(source ? { source } : {}) });
}

/** What each rule asks, for the person who fixes the CSV. */
export const RULE_TEXT: Record<string, { fr: string; en: string }> = {
  'BR-FR-03': { fr: 'une date de facture doit exister et se situer entre 2000 et 2099.', en: 'an invoice date must exist and lie between 2000 and 2099.' },
  'BR-FR-CO-07': { fr: 'l’échéance ne peut pas précéder la date de facture.', en: 'the due date cannot precede the invoice date.' },
  'BR-FR-12': {
    fr: 'l’adresse électronique de l’acheteur est obligatoire : donnez-la (colonne buyer_electronic_address), ou le SIREN d’un acheteur en France, ou l’e-mail d’un acheteur à l’étranger.',
    en: 'the buyer’s electronic address is mandatory: give it (column buyer_electronic_address), or the SIREN of a buyer in France, or the e-mail of a buyer abroad.',
  },
  'BR-FR-21': { fr: 'une adresse de l’annuaire (schéma 0225) commence par le SIREN de l’acheteur.', en: 'a directory address (scheme 0225) starts with the buyer’s SIREN.' },
  'BR-FR-23': { fr: 'une adresse de l’annuaire (schéma 0225) est le SIREN, suivi éventuellement de « _ » et d’un suffixe (lettres, chiffres, + - _ .).', en: 'a directory address (scheme 0225) is the SIREN, optionally followed by "_" and a suffix (letters, digits, + - _ .).' },
  'BR-FR-25': { fr: 'une adresse électronique a au plus 125 caractères.', en: 'an electronic address has at most 125 characters.' },
  'BT-49-1': { fr: 'l’adresse électronique n’a pas la forme de son schéma ou sa clé de contrôle est fausse.', en: 'the electronic address does not have the form of its scheme, or its check digit is wrong.' },
  'BR-FR-32': { fr: 'un SIREN a exactement 9 chiffres.', en: 'a SIREN has exactly 9 digits.' },
  'BR-FR-CO-12': {
    fr: 'une facture dans une autre devise que l’euro donne aussi sa TVA en euros : indiquez le taux de change (colonne taux_de_change).',
    en: 'an invoice in a currency other than the euro also states its VAT in euros: give the exchange rate (column exchange_rate).',
  },
  'BR-FR-CO-04': { fr: 'une facture rectificative cite une seule facture d’origine, avec sa date.', en: 'a corrective invoice names exactly one original invoice, with its date.' },
  'BR-FR-CO-05': { fr: 'un avoir cite la ou les factures qu’il corrige, avec leur date.', en: 'a credit note names the invoice(s) it corrects, with their date.' },
  'BR-FR-CO-09': { fr: 'une facture déjà payée a un montant payé égal au total TTC et rien à payer.', en: 'an invoice already paid has a paid amount equal to the total incl. VAT and nothing due.' },
  'BR-FR-15': { fr: 'catégorie de TVA non pertinente en France (S, E, AE, K, G, O ou Z).', en: 'VAT category not relevant in France (S, E, AE, K, G, O or Z).' },
  'BR-FR-16': { fr: `ce taux n’est pas un taux de TVA français (${FRENCH_VAT_RATES.map((r) => displayPercent(r, 'fr')).join(' ; ')}).`, en: `this is not a French VAT rate (${FRENCH_VAT_RATES.map((r) => displayPercent(r, 'en')).join('; ')}).` },
  'BR-FR-DEC-01': { fr: 'montant trop grand : au plus 19 chiffres.', en: 'amount too large: at most 19 digits.' },
  'BR-FR-DEC-02': { fr: 'une quantité a au plus 4 décimales (et 19 chiffres).', en: 'a quantity has at most 4 decimals (and 19 digits).' },
  'BR-FR-DEC-03': { fr: 'un prix unitaire a au plus 6 décimales (et 19 chiffres).', en: 'a unit price has at most 6 decimals (and 19 digits).' },
  'BR-FR-DEC-04': { fr: 'un taux de TVA a au plus 2 décimales.', en: 'a VAT rate has at most 2 decimals.' },
};

export function ruleText(rule: string, lang: 'fr' | 'en'): string {
  const known = RULE_TEXT[rule]?.[lang];
  const lead = lang === 'fr' ? `règle ${rule} de la facturation électronique : ` : `e-invoicing rule ${rule}: `;
  return lead + (known ?? (lang === 'fr' ? 'valeur refusée.' : 'value refused.'));
}
