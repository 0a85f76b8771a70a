/**
 * Allowances and charges as a file states them (contract v2): a cell is an
 * amount excl. VAT ("24,00", "24 €") or a percentage ("5 %"); zero changes
 * nothing. A document-level one belongs to one VAT category and rate
 * (BT-95/96, BT-102/103): the invoice's only one, the one the file names,
 * or, for a percentage on an invoice of several rates, each rate in turn.
 */
import type { Dec } from '../core/money.js';
import { applyAdjustment } from '../invoice/compute.js';
import type { AdjustmentDraft, InvoiceLine, LineDraft } from '../invoice/model.js';
import { round2 } from '../core/money.js';
import type { IssueCode } from './issues.js';
import { parseDecimal, type DecimalMark, type Parsed, type VatCategory } from './values.js';

export interface StatedAmount {
  amount?: Dec;
  percent?: Dec;
}

/**
 * A cell of an allowance or charge column: its amount or percentage, null
 * when it is zero. Under a header that says "%" ("Remise (%)"), a bare
 * number is a percentage: read as an amount, 10 % would become 10 €.
 */
export function parseAdjustment(raw: string, charge: boolean, decimalMark?: DecimalMark, percentColumn = false): Parsed<StatedAmount | null> {
  const percent = percentColumn || raw.trim().endsWith('%');
  const parsed = parseDecimal(raw, { percent: true, decimalMark });
  if (!parsed.ok) return { ok: false, code: 'ADJUSTMENT_INVALID' };
  const value = parsed.value;
  if (value.isNegative()) return { ok: false, code: 'ADJUSTMENT_NEGATIVE' };
  if (value.isZero()) return { ok: true, value: null };
  if (percent) {
    // More than the whole of its base is no discount; a charge of 150 % is a charge.
    if (!charge && value.gt(100)) return { ok: false, code: 'ADJUSTMENT_TOO_LARGE', params: { percent: 'yes' } };
    return { ok: true, value: { percent: value } };
  }
  // BR-DEC-01, -05, -24, -27: an amount has at most two decimals.
  if (value.decimalPlaces() > 2) return { ok: false, code: 'ADJUSTMENT_INVALID' };
  return { ok: true, value: { amount: value } };
}

/** Two spellings of one allowance or charge ("5 %", "5%", "24,00", "24 €") are no conflict. */
export function sameAdjustment(a: string, b: string): boolean {
  const x = parseAdjustment(a, true);
  const y = parseAdjustment(b, true);
  if (!x.ok || !y.ok) return false;
  if (x.value === null || y.value === null) return x.value === y.value;
  return Boolean(x.value.percent) === Boolean(y.value.percent) && (x.value.percent ?? x.value.amount)?.eq(y.value.percent ?? y.value.amount ?? 0) === true;
}

/** A line's net after its own allowances and charges: negative means a discount larger than the line. */
export function lineNet(line: Pick<LineDraft, 'quantity' | 'unitPrice' | 'adjustments'>): { gross: Dec; net: Dec } {
  const gross = round2(line.quantity.times(line.unitPrice));
  let net = gross;
  for (const a of line.adjustments ?? []) {
    const c = applyAdjustment(a, gross);
    net = a.charge ? net.plus(c.amount) : net.minus(c.amount);
  }
  return { gross, net };
}

/** The VAT groups of an invoice's lines (category and rate), in the order they first appear. */
export function vatGroups(lines: readonly Pick<InvoiceLine, 'vatCategory' | 'vatRate'>[]): { category: VatCategory; rate: Dec }[] {
  const seen = new Map<string, { category: VatCategory; rate: Dec }>();
  for (const l of lines) {
    const key = `${l.vatCategory}|${l.vatRate.toFixed()}`;
    if (!seen.has(key)) seen.set(key, { category: l.vatCategory, rate: l.vatRate });
  }
  return [...seen.values()];
}

export type Resolution = { ok: true; adjustments: AdjustmentDraft[] } | { ok: false; code: IssueCode; onRate: boolean };

/**
 * Which VAT group a document-level allowance or charge belongs to: the one
 * whose rate the file names (exactly one group may have it); else the
 * invoice's only group; else, a percentage applies to each group; an amount
 * cannot be split without a rule the client did not give, and is refused.
 */
export function resolveVatGroup(stated: StatedAmount & { charge: boolean; reason?: string; reasonCode?: string }, rate: Dec | undefined, groups: readonly { category: VatCategory; rate: Dec }[]): Resolution {
  if (rate) {
    const matching = groups.filter((g) => g.rate.eq(rate));
    const [only] = matching;
    if (matching.length !== 1 || !only) return { ok: false, code: 'ADJUSTMENT_VAT_RATE_UNKNOWN', onRate: true };
    return { ok: true, adjustments: [{ ...stated, vatCategory: only.category, vatRate: only.rate }] };
  }
  if (groups.length === 1 || stated.percent) return { ok: true, adjustments: groups.map((g) => ({ ...stated, vatCategory: g.category, vatRate: g.rate })) };
  return { ok: false, code: 'ADJUSTMENT_VAT_RATE_REQUIRED', onRate: false };
}
