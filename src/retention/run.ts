/**
 * The retention purge and its dry run. Both read the same list (collect.ts);
 * the purge writes it in one transaction with its audit line (counts per
 * category and the date from which everything is kept, never content), and
 * the files and mails go after that commit: files are overwritten, flushed,
 * then unlinked by the store (files.ts); the bot's mail folders are purged by
 * a mailbox task the mailbox holder runs (jobs/tasks.ts), one folder and one
 * mail at a time, a failure on one reported while the rest goes on.
 */
import type { AuditActor } from '../audit/entry.js';
import { randomUUID } from 'node:crypto';
import { auditEntry } from '../audit/trail.js';
import { tombstone } from '../clients/record.js';
import type { Config } from '../config/schema.js';
import { errorMessage } from '../core/errors.js';
import { mailFolders } from '../gdpr/execute.js';
import type { RightsRequest } from '../gdpr/requests.js';
import type { FolderPurge } from '../mail/purge.js';
import type { MailSource } from '../mail/source.js';
import type { MailTransport } from '../mail/transport.js';
import type { Store, Tx } from '../store/port.js';
import { collectDue, PROOF_FIELDS, type Due } from './collect.js';
import { cutoffs as cutoffsAt, type RetentionCategory } from './settings.js';

/** One line of a report: a kind of data, its cutoff, how much goes (or went). */
export interface CategoryReport {
  category: RetentionCategory | 'ledger' | 'failedReplies' | 'restricted' | `mailbox:${string}`;
  /** Everything from this instant on is kept. */
  keptFrom: string;
  count: number;
  /** What is counted: "files", "batches", "lines"… */
  unit: string;
  bytes?: number;
  oldest?: string;
  newest?: string;
  error?: string;
}

export interface RetentionReport {
  at: string;
  dryRun: boolean;
  categories: CategoryReport[];
}

/** The mailbox, when the caller holds it: its folders are counted (dry run) or purged through a task. */
export interface MailboxAccess {
  source: MailSource;
  transport: MailTransport;
}

const span = (dates: readonly string[]) => {
  const sorted = [...dates].sort();
  return { ...(sorted[0] ? { oldest: sorted[0] } : {}), ...(sorted.at(-1) ? { newest: sorted.at(-1) } : {}) };
};

type History = Awaited<ReturnType<Store['historyBefore']>>;

/** What the ledger and the audit trail hold before their cutoffs (read outside a transaction: they are journals). */
async function historyDue(store: Store, c: Due['cutoffs']): Promise<{ ledger: History; audit: History }> {
  const [ledger, audit] = await Promise.all([store.historyBefore('ledger', c.mails), store.historyBefore('audit', c.auditTrail)]);
  return { ledger, audit };
}

/** The report lines of the store's part, from the list of what is due. */
function dueLines(due: Due, history: { ledger: History; audit: History }): CategoryReport[] {
  const c = due.cutoffs;
  const files = (list: Due['sourceFiles']) => list.flatMap((b) => b.files);
  const closedAt = (list: readonly RightsRequest[]) => span(list.map((r) => r.closedAt ?? ''));
  const dated = (h: History) => span([h.oldest, h.newest].filter((d): d is string => d !== undefined));
  return [
    { category: 'sourceFiles', keptFrom: c.sourceFiles, count: files(due.sourceFiles).length, unit: 'files', ...span(due.sourceFiles.map((b) => b.committedAt)) },
    { category: 'issuedCopies', keptFrom: c.issuedCopies, count: files(due.issuedCopies).length, unit: `files of ${due.issuedCopies.length} batches`, ...span(due.issuedCopies.map((b) => b.committedAt)) },
    { category: 'failedReplies', keptFrom: c.mails, count: due.failedReplies.length, unit: 'records', ...span(due.failedReplies.map((e) => e.createdAt)) },
    { category: 'ledger', keptFrom: c.mails, count: history.ledger.count, unit: 'entries', ...dated(history.ledger) },
    { category: 'auditTrail', keptFrom: c.auditTrail, count: history.audit.count, unit: 'lines', ...dated(history.audit) },
    { category: 'requestContent', keptFrom: c.requestContent, count: due.requestContent.length, unit: 'requests', ...closedAt(due.requestContent) },
    { category: 'requestProof', keptFrom: c.requestProof, count: due.requestProof.length, unit: 'requests', ...closedAt(due.requestProof) },
    { category: 'clientRecords', keptFrom: c.clientRecords, count: due.clientRecords.length, unit: 'clients', ...span(due.clientRecords.map((x) => x.closedAt ?? '')) },
    { category: 'register', keptFrom: c.register, count: due.register.length, unit: 'batches', ...span(due.register.map((b) => b.committedAt)) },
    // Not purged: what would have gone of clients under restriction (Art. 18), with their mails.
    { category: 'restricted', keptFrom: '', count: due.held.items, unit: `held for ${due.held.clientIds.length} client(s) under restriction (GDPR Art. 18), their mails too` },
  ];
}

/** The bytes of the files a dry run lists (the run itself has shredded them by the time it reports). */
async function withBytes(store: Store, due: Due, lines: CategoryReport[]): Promise<CategoryReport[]> {
  const bytesOf = async (list: Due['sourceFiles']) => {
    let total = 0;
    for (const n of list.flatMap((b) => b.files)) total += (await store.files.size(n)) ?? 0;
    return total;
  };
  const bytes: Partial<Record<CategoryReport['category'], number>> = { sourceFiles: await bytesOf(due.sourceFiles), issuedCopies: await bytesOf(due.issuedCopies) };
  return lines.map((l) => (bytes[l.category] !== undefined ? { ...l, bytes: bytes[l.category] } : l));
}

/** The report lines of the mail folders, from what the mailbox's purge counted. */
export function mailboxLines(keptFrom: string, folders: readonly FolderPurge[]): CategoryReport[] {
  return folders.map((f) => ({ category: `mailbox:${f.folder}` as const, keptFrom, count: f.count, unit: 'mails', bytes: f.bytes, ...(f.oldest ? { oldest: f.oldest } : {}), ...(f.newest ? { newest: f.newest } : {}), ...(f.errors ? { error: `${f.errors} could not be removed: ${f.error ?? ''}` } : {}) }));
}

/** What a purge at `now` would remove, changing nothing. */
export async function planRetention(store: Store, config: Config, now: Date, mailbox?: MailboxAccess): Promise<RetentionReport> {
  const c = cutoffsAt(config.retention, now);
  const due = await store.read((tx) => collectDue(tx, c));
  const categories = await withBytes(store, due, dueLines(due, await historyDue(store, c)));
  if (mailbox) {
    const spec = { folders: mailFolders(config), before: c.mails, ...(due.held.addresses.length > 0 ? { exceptAddresses: due.held.addresses } : {}) };
    try {
      categories.push(...mailboxLines(c.mails, [...(await mailbox.source.purge(spec, true)), ...(mailbox.transport.purge ? await mailbox.transport.purge(spec, true) : [])]));
    } catch (err) {
      categories.push({ category: 'mailbox:*', keptFrom: c.mails, count: 0, unit: 'mails', error: `the mailbox could not be read: ${errorMessage(err)}` });
    }
  }
  return { at: now.toISOString(), dryRun: true, categories };
}

/** A request reduced to its proof: the fields PROOF_FIELDS name, the requester as a keyed hash. */
function proofPatch(r: RightsRequest, hash: (s: string) => string, at: string): Partial<RightsRequest> {
  const patch: Record<string, unknown> = {};
  for (const k of Object.keys(r)) if (!(PROOF_FIELDS as readonly string[]).includes(k)) patch[k] = undefined;
  return { ...patch, messageIds: [], requester: r.requester.startsWith('hmac:') ? r.requester : hash(r.requester), proofSince: at };
}

/** The store's part of the purge, written in `tx`. */
async function purgeStore(tx: Tx, due: Due, at: string, hash: (s: string) => string, folders: string[]): Promise<void> {
  const dropped = new Set(due.register.map((b) => b.id));
  const bare = (id: string, names: readonly string[]) => names.map((n) => n.slice(`batches/${id}/`.length));
  for (const b of due.sourceFiles) {
    await tx.batches.filesRemoved(b.batchId, bare(b.batchId, b.files));
    tx.files.shred(b.files);
  }
  // The studio's copies go and the batch keeps only its register (batch/types.ts registerOnly).
  await tx.batches.minimize(due.issuedCopies.map((b) => b.batchId).filter((id) => !dropped.has(id)), at);
  tx.files.shred(due.issuedCopies.flatMap((b) => b.files));
  for (const e of due.failedReplies) await tx.outbox.cancel(e.id);
  await tx.ledger.prune(due.cutoffs.mails);
  tx.pruneAudit(due.cutoffs.auditTrail);
  for (const r of due.requestContent) if (!due.requestProof.includes(r)) await tx.requests.update(r.ref, proofPatch(r, hash, at));
  await tx.requests.remove(due.requestProof.map((r) => r.ref));
  for (const c of due.clientRecords) await tx.clients.put(tombstone(c, at, 'retention'));
  await tx.batches.drop([...dropped]);
  // One mailbox task for the retention: a newer cutoff replaces a task still waiting (a mail server down for days).
  for (const t of await tx.tasks.list()) if (t.reason === 'retention') await tx.tasks.done(t.id);
  const held = due.held.addresses.length > 0 ? { exceptAddresses: due.held.addresses } : {};
  await tx.tasks.add({ id: randomUUID(), kind: 'mailbox-purge', purge: { folders, before: due.cutoffs.mails, ...held }, reason: 'retention', createdAt: at, attempts: 0 });
}

/**
 * Purge what the policy says must go at `now`: the store's part in one
 * transaction with its audit line, then (when the caller holds the
 * mailbox) the mail folders.
 */
/** `by`: the operator, when run from the CLI (the nightly job is the bot's own). */
export async function runRetention(store: Store, config: Config, now: Date, hash: (s: string) => string, by: AuditActor = {}): Promise<RetentionReport> {
  const c = cutoffsAt(config.retention, now);
  const at = now.toISOString();
  // The journals' counts are read first: the purge itself rewrites them.
  const history = await historyDue(store, c);
  const lines = await store.transact(async (tx) => {
    const due = await collectDue(tx, c);
    await purgeStore(tx, due, at, hash, mailFolders(config));
    const report = dueLines(due, history);
    const counts: Record<string, string | number> = {};
    for (const l of report) counts[l.category] = l.count;
    for (const l of report) if (l.keptFrom) counts[`${l.category}.keptFrom`] = l.keptFrom.slice(0, 10);
    tx.audit(auditEntry({ action: 'retention-run', outcome: 'ok', details: counts, ...by }, now));
    return report;
  });
  return { at, dryRun: false, categories: lines };
}
