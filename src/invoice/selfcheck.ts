/**
 * The EN 16931 business rules that apply to what this bot generates, and
 * the French reform rules of brfr.ts,
 * checked in code before a batch commits. The rule ids are those of
 * EN 16931-1 and of the official schematron, so a failure names the rule.
 * This is a second, independent computation: it does not call compute.ts.
 */
import { Dec, HUNDRED } from '../core/money.js';
import type { Seller } from '../facturx/seller.js';
import { brfrCheck } from './brfr.js';
import type { Invoice, VatBreakdown } from './model.js';

const EXEMPT = new Set(['E', 'AE', 'K', 'G', 'O']);

export function selfCheck(seller: Seller, inv: Invoice): string[] {
  const v: string[] = [];
  const rule = (id: string, ok: boolean, what: string) => {
    if (!ok) v.push(`${id}: ${what}`);
  };
  const twoDecimals = (d: Dec) => d.decimalPlaces() <= 2;
  const roundHalfUp = (d: Dec) => d.toDecimalPlaces(2, Dec.ROUND_HALF_UP);

  // Mandatory terms (BR-01 … BR-16).
  rule('BR-02', inv.number.trim() !== '', 'invoice number (BT-1) present');
  rule('BR-03', /^\d{4}-\d{2}-\d{2}$/.test(inv.issueDate), 'issue date (BT-2) present');
  rule('BR-05', /^[A-Z]{3}$/.test(inv.currency), 'currency code (BT-5) present');
  rule('BR-06', seller.legalName.trim() !== '', 'seller name (BT-27) present');
  rule('BR-07', inv.buyer.name.trim() !== '', 'buyer name (BT-44) present');
  rule('BR-08/09', seller.address.country.length === 2, 'seller postal address with country (BT-40)');
  rule('BR-10/11', inv.buyer.address.country.length === 2, 'buyer postal address with country (BT-55)');
  rule('BR-16', inv.lines.length > 0, 'at least one invoice line');
  rule('BR-CO-26', Boolean(seller.siren || seller.vatId), 'seller legal registration (BT-30) or VAT id (BT-31)');
  rule('BR-CO-25', inv.totals.duePayable.lte(0) || Boolean(inv.dueDate), 'due date (BT-9) when an amount is due');
  const means = inv.payment?.code ?? '58';
  rule('BR-61', means !== '58' || Boolean(seller.iban), 'payment account (BT-84) for a credit transfer');
  rule('BR-49', /^\d{1,3}$/.test(means), 'payment means type code (BT-81)');
  // BG-3: each reference has its number (BR-55); BG-19 direct debit: mandate, debited account, creditor id.
  for (const p of inv.preceding ?? []) rule('BR-55', p.number.trim() !== '', 'preceding invoice reference (BT-25) present');
  if (means === '59') {
    rule('BR-DD', Boolean(inv.payment?.mandateRef && inv.payment.debitedAccount && seller.sepaCreditorId), 'direct debit: mandate (BT-89), debited account (BT-91) and creditor id (BT-90)');
  }
  // BT-6 given means BT-111 given (BR-53), in EUR and converted at the stated rate.
  if (inv.totals.taxTotalEur) {
    rule('BR-53', Boolean(inv.exchangeRate) && inv.currency !== 'EUR', 'VAT total in accounting currency (BT-111) with BT-6 = EUR and another invoice currency');
    rule('BT-111', inv.totals.taxTotalEur.eq(roundHalfUp(inv.totals.taxTotal.times(inv.exchangeRate ?? 0))), 'BT-111 = BT-110 × exchange rate, rounded');
  }
  rule('BR-CO-18', inv.vat.length > 0, 'at least one VAT breakdown');
  // Invoicing periods (BG-14, BG-26): a bound at least, the end not before the start.
  const periodRules = (p: Invoice['period'], bounds: string, order: string, what: string) => {
    if (!p) return;
    rule(bounds, Boolean(p.start ?? p.end), `${what}: start or end date present`);
    rule(order, !(p.start && p.end) || p.end >= p.start, `${what}: end date not before start date`);
  };
  periodRules(inv.period, 'BR-CO-19', 'BR-29', 'invoicing period (BG-14)');
  for (const l of inv.lines) periodRules(l.period, 'BR-CO-20', 'BR-30', `line ${l.id}: invoicing period (BG-26)`);

  // Lines (BR-21 … BR-27) and BT-131.
  let lineSum = new Dec(0);
  for (const l of inv.lines) {
    rule('BR-21', l.id !== '', `line identifier (BT-126)`);
    rule('BR-22', l.quantity.gt(0), `line ${l.id}: quantity (BT-129) present and positive`);
    rule('BR-23', l.unitCode !== '', `line ${l.id}: unit (BT-130)`);
    rule('BR-25', l.description.trim() !== '', `line ${l.id}: item name (BT-153)`);
    rule('BR-27', !l.unitPrice.isNegative(), `line ${l.id}: net price (BT-146) not negative`);
    rule('BR-CO-4', Boolean(l.vatCategory), `line ${l.id}: VAT category (BT-151)`);
    rule('BR-DEC-23', twoDecimals(l.netAmount), `line ${l.id}: net amount (BT-131) has at most 2 decimals`);
    // BG-27, BG-28: each with an amount of 2 decimals (BR-41, BR-43, BR-DEC-24/27) and a reason (BR-CO-23, BR-CO-24).
    const gross = roundHalfUp(l.quantity.times(l.unitPrice));
    let adjusted = gross;
    for (const a of l.allowanceCharges) {
      const what = `line ${l.id}: ${a.charge ? 'charge' : 'allowance'}`;
      rule(a.charge ? 'BR-43' : 'BR-41', twoDecimals(a.amount) && !a.amount.isNegative(), `${what} amount present, 2 decimals`);
      rule(a.charge ? 'BR-CO-24' : 'BR-CO-23', Boolean(a.reason ?? a.reasonCode), `${what} reason or reason code`);
      if (a.percent) rule('BR-CO-5/6', Boolean(a.baseAmount) && a.amount.eq(roundHalfUp((a.baseAmount ?? gross).times(a.percent).div(HUNDRED))), `${what} = base × percentage`);
      adjusted = a.charge ? adjusted.plus(a.amount) : adjusted.minus(a.amount);
    }
    rule('BT-131', l.netAmount.eq(adjusted), `line ${l.id}: net = quantity × price, rounded, − allowances + charges`);
    lineSum = lineSum.plus(l.netAmount);
  }

  // Totals (BR-CO-10 … BR-CO-16, BR-DEC-*).
  const t = inv.totals;
  const totalTerms: [string, Dec][] = [['BT-106', t.lineTotal], ['BT-109', t.taxBasisTotal], ['BT-110', t.taxTotal], ['BT-112', t.grandTotal], ['BT-113', t.prepaidAmount], ['BT-115', t.duePayable]];
  for (const [term, value] of totalTerms) rule('BR-DEC', twoDecimals(value), `${term} has at most 2 decimals`);
  rule('BR-CO-10', t.lineTotal.eq(lineSum), 'sum of line nets (BT-106) = Σ BT-131');
  // BG-20, BG-21: amount (BR-31, BR-36), VAT category (BR-32, BR-37), reason (BR-CO-21, BR-CO-22).
  let allowances = new Dec(0);
  let charges = new Dec(0);
  for (const a of inv.allowanceCharges) {
    const what = `document ${a.charge ? 'charge' : 'allowance'}`;
    rule(a.charge ? 'BR-36' : 'BR-31', twoDecimals(a.amount) && !a.amount.isNegative(), `${what} amount present, 2 decimals`);
    rule(a.charge ? 'BR-37' : 'BR-32', Boolean(a.vatCategory), `${what} VAT category`);
    rule(a.charge ? 'BR-CO-22' : 'BR-CO-21', Boolean(a.reason ?? a.reasonCode), `${what} reason or reason code`);
    if (a.charge) charges = charges.plus(a.amount);
    else allowances = allowances.plus(a.amount);
  }
  rule('BR-CO-11', t.allowanceTotal.eq(allowances), 'sum of allowances (BT-107) = Σ BT-92');
  rule('BR-CO-12', t.chargeTotal.eq(charges), 'sum of charges (BT-108) = Σ BT-99');
  rule('BR-CO-13', t.taxBasisTotal.eq(t.lineTotal.minus(t.allowanceTotal).plus(t.chargeTotal)), 'total without VAT (BT-109) = BT-106 − BT-107 + BT-108');
  const vatSum = inv.vat.reduce((acc, b) => acc.plus(b.taxAmount), new Dec(0));
  rule('BR-CO-14', t.taxTotal.eq(vatSum), 'total VAT (BT-110) = Σ BT-117');
  rule('BR-CO-15', t.grandTotal.eq(t.taxBasisTotal.plus(t.taxTotal)), 'total with VAT (BT-112) = BT-109 + BT-110');
  rule('BR-CO-16', t.duePayable.eq(t.grandTotal.minus(t.prepaidAmount)), 'amount due (BT-115) = BT-112 − BT-113');
  rule('BT-113', !t.prepaidAmount.isNegative() && t.prepaidAmount.lte(t.grandTotal), 'paid amount (BT-113) between 0 and BT-112');

  // VAT breakdown per category and rate (BR-CO-17, BR-x-08/09, BR-x-10).
  const seen = new Set<string>();
  for (const b of inv.vat) {
    const key = `${b.category}|${b.rate.toFixed()}`;
    rule('BR-CO-17/dup', !seen.has(key), `one breakdown per category and rate (${key})`);
    seen.add(key);
    rule('BR-DEC-19/20', twoDecimals(b.taxableAmount) && twoDecimals(b.taxAmount), `breakdown ${key}: 2 decimals`);
    const lineNets = inv.lines.filter((l) => l.vatCategory === b.category && l.vatRate.eq(b.rate)).reduce((a, l) => a.plus(l.netAmount), new Dec(0));
    const base = inv.allowanceCharges.filter((a) => a.vatCategory === b.category && (a.vatRate ?? new Dec(0)).eq(b.rate)).reduce((n, a) => (a.charge ? n.plus(a.amount) : n.minus(a.amount)), lineNets);
    rule(`BR-${b.category}-08`, b.taxableAmount.eq(base), `breakdown ${key}: taxable amount (BT-116) = Σ its line nets − its allowances + its charges`);
    rule('BR-CO-17', b.taxAmount.eq(roundHalfUp(b.taxableAmount.times(b.rate).div(HUNDRED))), `breakdown ${key}: VAT (BT-117) = BT-116 × BT-119 / 100`);
    checkCategory(seller, inv, b, rule);
  }
  for (const l of inv.lines) {
    rule('BR-CO-18', seen.has(`${l.vatCategory}|${l.vatRate.toFixed()}`), `line ${l.id}: its VAT category and rate have a breakdown`);
  }

  // The French reform rules (BR-FR, Flux 2) on top of EN 16931.
  for (const b of brfrCheck(seller, inv)) v.push(`${b.rule}: ${b.text}`);
  return v;
}

function checkCategory(seller: Seller, inv: Invoice, b: VatBreakdown, rule: (id: string, ok: boolean, what: string) => void): void {
  const c = b.category;
  const sellerVat = Boolean(seller.vatId);
  if (c === 'S') {
    rule('BR-S-02', sellerVat, 'seller VAT id (BT-31) for standard-rated lines');
    rule('BR-S-05', b.rate.gt(0), 'standard rate above zero');
  } else {
    rule(`BR-${c}-05`, b.rate.isZero(), `category ${c}: rate 0`);
    rule(`BR-${c}-09`, b.taxAmount.isZero(), `category ${c}: VAT amount 0`);
  }
  if (EXEMPT.has(c)) rule(`BR-${c}-10`, Boolean(b.exemptionReason || b.exemptionCode), `category ${c}: exemption reason (BT-120/121)`);
  if (c === 'Z') rule('BR-Z-10', !b.exemptionReason && !b.exemptionCode, 'zero rate: no exemption reason');
  if (c === 'E' || c === 'G' || c === 'Z') rule(`BR-${c}-02`, sellerVat, `category ${c}: seller VAT id (BT-31)`);
  if (c === 'AE' || c === 'K') {
    rule(`BR-${c === 'K' ? 'IC' : 'AE'}-02`, sellerVat && Boolean(inv.buyer.vatId), `category ${c}: seller and buyer VAT ids`);
  }
  if (c === 'K') {
    rule('BR-IC-11', Boolean(inv.serviceDate), 'intra-community supply: delivery date (BT-72)');
    rule('BR-IC-12', Boolean(inv.buyer.address.country), 'intra-community supply: deliver-to country (BT-80)');
  }
  if (c === 'O') rule('BR-O-11', inv.vat.length === 1, 'not subject to VAT: no other VAT category on the invoice');
}
