/**
 * Decimal arithmetic for amounts. Binary floating point never touches money:
 * every amount is a Decimal and every rounding is explicit. How they are
 * written for people is core/format.ts.
 */
import { Decimal } from 'decimal.js';

/** A private Decimal constructor so a global configuration elsewhere cannot change our rounding. */
export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -30, toExpPos: 40 });
export type Dec = InstanceType<typeof Dec>;

export const ZERO = new Dec(0);
export const HUNDRED = new Dec(100);

/** EN 16931 amounts carry at most two decimals (BR-DEC-*); half-up, away from zero. */
export function round2(value: Dec): Dec {
  return value.toDecimalPlaces(2, Dec.ROUND_HALF_UP);
}

/** Amount as written in CII: always two decimals, dot separator ("1234.50"). */
export function amount(value: Dec): string {
  return round2(value).toFixed(2);
}

/** A quantity, price or rate without insignificant trailing zeros ("5.5", "20", "0.335"). */
export function plain(value: Dec): string {
  return value.toFixed();
}

export function sum(values: readonly Dec[]): Dec {
  let total = ZERO;
  for (const v of values) total = total.plus(v);
  return total;
}
