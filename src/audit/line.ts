/**
 * A line of the audit trail as the store holds it, read without trusting
 * it. Whoever can write the data directory can put anything there, so a
 * line that is not JSON, or is `null`, an array or a scalar, is a problem at
 * its place in the trail: never a line skipped, never a crash of the reader.
 */
import type { AuditEntry } from './entry.js';

export type StoredLine = { entry: AuditEntry; sealed: boolean } | { problem: string };

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a JSON array';
  return `a JSON ${typeof value}`;
}

export function readStoredLine(text: string): StoredLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'is not JSON: not a line the bot wrote' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { problem: `is ${kind(value)}, not an entry: not a line the bot wrote` };
  const e = value as Record<string, unknown>;
  const details = e.details;
  if (typeof e.time !== 'string' || typeof e.action !== 'string' || (details !== undefined && (details === null || typeof details !== 'object' || Array.isArray(details)))) {
    return { problem: 'is JSON but not an entry (no time, no action, or details that are not an object): not a line the bot wrote' };
  }
  // Sealed means it claims a place and a hash; whether they hold is the chain's business.
  const sealed = typeof e.seq === 'number' && Number.isSafeInteger(e.seq) && e.seq > 0 && typeof e.mac === 'string';
  return { entry: value as AuditEntry, sealed };
}
