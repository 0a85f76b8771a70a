/**
 * Values cross a thread boundary by structured clone, which keeps plain
 * data, Maps, Dates and byte arrays but not a class's prototype: a Decimal
 * would arrive as a bag of digits. Amounts are sent as their exact decimal
 * text and made Decimals again on the other side; nothing is ever a binary
 * float on the way.
 */
import { Dec } from '../core/money.js';

/** What a Decimal becomes in transit: its exact text. */
interface PackedDecimal {
  readonly $dec: string;
}

const isPackedDecimal = (v: object): v is PackedDecimal => Object.keys(v).length === 1 && typeof (v as { $dec?: unknown }).$dec === 'string';

/** A value with every Decimal inside replaced by its exact text. */
export function pack(value: unknown): unknown {
  if (value instanceof Dec) return { $dec: value.toString() } satisfies PackedDecimal;
  if (Array.isArray(value)) return value.map(pack);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, pack(v)]));
  if (value === null || typeof value !== 'object' || value instanceof Date || ArrayBuffer.isView(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = pack(v);
  return out;
}

/** The value `pack` was given, its Decimals made again from their text. */
export function unpack<T>(value: unknown): T {
  return revive(value) as T;
}

function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, revive(v)]));
  if (value === null || typeof value !== 'object' || value instanceof Date || ArrayBuffer.isView(value)) return value;
  if (isPackedDecimal(value)) return new Dec(value.$dec);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = revive(v);
  return out;
}
