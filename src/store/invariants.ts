/**
 * The invariants the store enforces, written once and called by both
 * backends inside their transactions, so that every writer (the daemon, the
 * operator's commands, a rectification) goes through the same checks.
 * PostgreSQL adds its own constraints under them (unique addresses, unique
 * invoice numbers): a second line of defence, not a replacement.
 */
import { referencedNumbers, registerFacts } from '../batch/references.js';
import type { BatchRecord } from '../batch/types.js';
import type { ClientRecord } from '../clients/record.js';
import { Dec } from '../core/money.js';
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

/**
 * What the register says stays true (batch/references.ts): no invoice is
 * credited beyond its total, replaced twice or credited and replaced, no
 * deposit deducted twice, no credit note credited. `related` are the
 * seller's batches that hold or name the numbers `batch` refers to; the
 * batch planned against them, but another may have committed since.
 */
export function checkRegister(related: readonly BatchRecord[], batch: BatchRecord): void {
  const facts = new Map(registerFacts(related.filter((b) => b.id !== batch.id), referencedNumbers(batch.invoices)).map((f) => [f.number, f]));
  const conflict = (what: string) => new MailbotError('REGISTER_CONFLICT', `${batch.clientId}: ${what}; nothing was issued from this batch`);
  for (const inv of batch.invoices) {
    const type = inv.documentType ?? '380';
    let credited = new Dec(0);
    for (const ref of inv.preceding ?? []) {
      const f = facts.get(ref.number);
      if (!f) continue;
      if (f.documentType === '381' && type !== '380') throw conflict(`${inv.number} refers to credit note ${f.number}`);
      if (type === '380') {
        if (f.documentType !== '386' || f.deductedBy) throw conflict(`${inv.number} deducts ${f.number}, which is no deposit or was deducted by ${f.deductedBy ?? '?'}`);
        f.deductedBy = inv.number;
        continue;
      }
      if (f.replacedBy) throw conflict(`${f.number} was replaced by ${f.replacedBy} already`);
      if (type === '384') {
        if (f.creditedBy.length > 0) throw conflict(`${f.number} has credit notes (${f.creditedBy.join(', ')}) and cannot be replaced`);
        f.replacedBy = inv.number;
      } else if (type === '381') {
        const part = new Dec(ref.credited ?? '0');
        const after = new Dec(f.credited).plus(part);
        if (part.isNegative() || after.gt(f.totalInclVat)) throw conflict(`${inv.number} would credit ${after.toFixed(2)} on ${f.number}, whose total is ${f.totalInclVat}`);
        f.credited = after.toFixed(2);
        f.creditedBy.push(inv.number);
        credited = credited.plus(part);
      }
    }
    if (credited.gt(inv.totalInclVat)) throw conflict(`${inv.number} credits ${credited.toFixed(2)}, more than its own total ${inv.totalInclVat}`);
  }
}
