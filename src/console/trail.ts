/**
 * The trail as the console pages it: newest first, a page at a time, in
 * constant memory (store.auditLinesBackward), with the CLI's filters
 * (audit/query.ts). A page reads at most `budget` lines: a filter that
 * matches rarely gives a short page and a cursor to go on, never a wait.
 */
import { auditMatcher, bracketed, type AuditQuery } from '../audit/query.js';
import type { AuditEntry } from '../audit/entry.js';
import { readStoredLine } from '../audit/line.js';
import type { AuditTrail } from '../audit/trail.js';
import type { Store } from '../store/port.js';

export interface TrailPage {
  entries: (AuditEntry & { cursor: string })[];
  /** Where the next (older) page starts; undefined at the start of the trail. */
  next?: string;
  scanned: number;
}

/** The operator's filters as the query string gives them, identities turned into the trail's keyed hashes. */
export function trailQuery(q: { since?: number; action?: string[]; client?: string; from?: string; message?: string; ref?: string }, trail: AuditTrail): AuditQuery {
  return {
    ...(q.since !== undefined ? { since: q.since } : {}),
    ...(q.action && q.action.length > 0 ? { actions: q.action } : {}),
    ...(q.client ? { clientId: q.client } : {}),
    ...(q.from ? { sender: trail.hash(q.from) } : {}),
    ...(q.message ? { message: q.message, messageRef: trail.hash(bracketed(q.message)) } : {}),
    ...(q.ref ? { ref: q.ref } : {}),
  };
}

export async function trailPage(store: Store, query: AuditQuery, cursor: string | undefined, limit = 50, budget = 5_000): Promise<TrailPage> {
  const matcher = auditMatcher(query);
  const entries: TrailPage['entries'] = [];
  let scanned = 0;
  let last: string | undefined;
  for await (const line of store.auditLinesBackward(cursor)) {
    scanned++;
    last = line.cursor;
    const read = readStoredLine(line.text);
    if ('entry' in read) {
      // Older than asked: the lines before it are older still.
      if (query.since !== undefined && Date.parse(read.entry.time) < query.since) return { entries, scanned };
      if (matcher.matches(read.entry)) entries.push({ ...read.entry, cursor: line.cursor });
    }
    if (entries.length >= limit || scanned >= budget) return { entries, next: line.cursor, scanned };
  }
  return { entries, scanned, ...(last && entries.length >= limit ? { next: last } : {}) };
}

/** How many lines of each action since `since`, read back from the end: memory for the counts only. */
export async function countSince(store: Store, since: number, actions: ReadonlySet<string>, budget = 500_000): Promise<{ counts: Map<string, number>; invoices: number }> {
  const counts = new Map<string, number>();
  let invoices = 0;
  let read = 0;
  for await (const line of store.auditLinesBackward()) {
    if (++read > budget) break;
    const r = readStoredLine(line.text);
    if (!('entry' in r)) continue;
    if (Date.parse(r.entry.time) < since) break;
    if (!actions.has(r.entry.action)) continue;
    counts.set(r.entry.action, (counts.get(r.entry.action) ?? 0) + 1);
    if (r.entry.action === 'invoices-issued') invoices += Number(r.entry.details?.invoices ?? 0);
  }
  return { counts, invoices };
}

/**
 * One mail's story, from its arrival to its move and its replies: the
 * trail read back to the mail's `received` line, then forward from there
 * with the mail's scope (its replies' sending names no mail key).
 */
export async function mailStory(store: Store, key: string, budget = 200_000): Promise<{ entries: AuditEntry[]; found: boolean }> {
  let start: string | undefined;
  let scanned = 0;
  for await (const line of store.auditLinesBackward()) {
    if (++scanned > budget) break;
    const read = readStoredLine(line.text);
    if ('entry' in read && read.entry.mailKey === key && read.entry.action === 'received') {
      start = line.forward;
      break;
    }
  }
  if (start === undefined) return { entries: [], found: false };
  const matcher = auditMatcher({ message: key });
  const entries: AuditEntry[] = [];
  let read = 0;
  // The story ends once the mail is filed and each reply it queued was sent or given up.
  let filed = false;
  const replies = new Set<string>();
  for await (const line of store.auditLines(start)) {
    if (++read > budget) break;
    const r = readStoredLine(line.text);
    if (!('entry' in r) || !matcher.matches(r.entry)) continue;
    const e = r.entry;
    entries.push(e);
    if (e.action === 'moved' || e.action === 'set-aside') filed = true;
    if (e.action === 'reply-queued' && typeof e.details?.reply === 'string') replies.add(e.details.reply);
    if ((e.action === 'reply-sent' || e.action === 'reply-dismissed') && e.messageId) replies.delete(e.messageId);
    if (filed && replies.size === 0) break;
  }
  return { entries, found: true };
}
