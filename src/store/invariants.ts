/**
 * The invariants the store enforces, written once and called by both
 * backends inside their transactions, so that every writer (the daemon, the
 * operator's commands, a rectification) goes through the same checks.
 * PostgreSQL adds its own constraints under them (unique addresses, unique
 * invoice numbers): a second line of defence, not a replacement.
 */
import type { ClientRecord } from '../clients/record.js';
import { MailbotError } from '../core/errors.js';
import type { SeriesState } from './records.js';

/** Addresses are compared case-folded and trimmed. */
export function normaliseAddress(address: string): string {
  return address.trim().toLowerCase();
}

/**
 * Invariant 16: an address belongs to at most one client, and never to the
 * bot itself or to the operator (a record holding the bot's address would
 * make the bot a client of itself; the operator's would send the operator's
 * notices to a seller).
 */
export function checkClientAddresses(record: ClientRecord, others: Iterable<ClientRecord>, reserved: readonly string[]): void {
  const mine = record.emails.map(normaliseAddress);
  if (new Set(mine).size !== mine.length) throw new MailbotError('EMAIL_REPEATED', `client "${record.id}" lists the same address twice`);
  const reservedSet = new Set(reserved.map(normaliseAddress));
  for (const e of mine) {
    if (reservedSet.has(e)) throw new MailbotError('EMAIL_RESERVED', `${e} is the bot's or the operator's own address; it cannot be a client's`, { field: 'emails' });
  }
  for (const other of others) {
    if (other.id === record.id) continue;
    const taken = other.emails.find((e) => mine.includes(normaliseAddress(e)));
    if (taken) throw new MailbotError('EMAIL_TAKEN', `the address ${taken} already belongs to client "${other.id}"`, { field: 'emails', owner: other.id });
  }
}

function sameSeries(a: Record<string, SeriesState>, b: Record<string, SeriesState>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k]?.last === b[k]?.last && a[k]?.lastIssueDate === b[k]?.lastIssueDate);
}

/**
 * Invariant 6: numbers of a series are gapless and chronological. A batch is
 * numbered from a snapshot of the series; it commits only if the series is
 * still that snapshot (otherwise another batch took numbers meanwhile), and
 * only forward: no series disappears, goes back in number or in date.
 */
export function checkSeriesAdvance(clientId: string, current: Record<string, SeriesState>, expected: Record<string, SeriesState>, next: Record<string, SeriesState>): void {
  if (!sameSeries(current, expected)) {
    throw new MailbotError('SEQUENCE_MOVED', `another batch for ${clientId} committed meanwhile; nothing was issued from this one`);
  }
  for (const [key, before] of Object.entries(current)) {
    const after = next[key];
    if (!after) throw new MailbotError('SEQUENCE_BACKWARDS', `series ${key} of ${clientId} would disappear`);
    if (after.last < before.last || after.lastIssueDate < before.lastIssueDate) {
      throw new MailbotError('SEQUENCE_BACKWARDS', `series ${key} of ${clientId} would go back from ${before.last} (${before.lastIssueDate}) to ${after.last} (${after.lastIssueDate})`);
    }
  }
  for (const [key, after] of Object.entries(next)) {
    if (!Number.isInteger(after.last) || after.last < 1 || !/^\d{4}-\d{2}-\d{2}$/.test(after.lastIssueDate)) {
      throw new MailbotError('SEQUENCE_INVALID', `series ${key} of ${clientId}: ${JSON.stringify(after)} is not a number and a date`);
    }
  }
}

/** The next reference of a year's requests: RGPD-2026-0001, RGPD-2026-0002… */
export function requestRef(year: number, seq: number): string {
  return `RGPD-${year}-${String(seq).padStart(4, '0')}`;
}

export function requestAlreadyOpen(ref: string): MailbotError {
  return new MailbotError('REQUEST_OPEN', `a request of this kind from this address is already open (${ref}); a new one joins it`, { ref });
}
