/**
 * The embedded store's document (data/mailbot.json, through lowdb): the
 * small, mutable state only. History (batches, moved mails, the audit trail)
 * lives in append-only journals beside it; the document records how many
 * bytes of each journal are committed, so that rewriting the document is
 * the one atomic step that commits a transaction (see store.ts).
 *
 * The document is validated on load: an empty, `null` or `{}` file, a wrong
 * schema version or a missing part is refused with the file's path and what
 * is wrong, never replaced by an empty state (a store that started empty
 * would issue invoice numbers a second time).
 */
import { dirname } from 'node:path';
import { z } from 'zod';
import type { ChainHead } from '../../audit/chain.js';
import type { ClientRecord } from '../../clients/record.js';
import type { RightsRequest } from '../../gdpr/requests.js';
import { MailbotError } from '../../core/errors.js';
import { readPrivateFile } from '../files.js';
import { applyLog, LogGap, type LoggedState } from './commit-log.js';
import type { LedgerEntry, OutboxEntry, SeriesState, SetAsideEntry, Task } from '../records.js';

/**
 * 3: commits go to the commit log between checkpoints (commit-log.ts); a
 * version that does not read the log must not read this document. A
 * document of version 2 reads as 3 (it has no log).
 */
export const SCHEMA_VERSION = 3;
export const JOURNALS = ['batches', 'ledger', 'audit'] as const;
export type JournalName = (typeof JOURNALS)[number];

export interface JournalPointer {
  /** File name in the data directory (a rewrite moves to a new file). */
  file: string;
  /** Bytes committed; anything beyond belongs to a transaction that never committed. */
  length: number;
}

export interface Doc {
  schemaVersion: typeof SCHEMA_VERSION;
  /** Incremented by every commit. */
  commit: number;
  /** `platform`: the approved platform's records (platform-index.ts); absent in documents older than it. */
  journals: Record<JournalName, JournalPointer> & { platform?: JournalPointer };
  clients: Record<string, ClientRecord>;
  series: Record<string, Record<string, SeriesState>>;
  requests: Record<string, RightsRequest>;
  /** Last request number per year (RGPD-YYYY-NNNN). */
  requestSeq: Record<string, number>;
  /** Mails handled and not yet moved (the working part of the ledger). */
  ledger: Record<string, LedgerEntry>;
  setAside: Record<string, SetAsideEntry>;
  outbox: Record<string, OutboxEntry>;
  /** Sliding-window counters: the window (ms) and the times (ms) of the events still in it. */
  rates: Record<string, { window: number; times: number[] }>;
  counters: Record<string, number>;
  /** Work outside the store decided by a commit (a mailbox purge), until done. */
  tasks: Record<string, Task>;
  /** Per seller, where the lifecycle poll resumes. */
  platformCursors: Record<string, string>;
  /**
   * After-commit work, by the process that committed it: staged folders to
   * promote, stored files to shred. The process clears its own entries once
   * done; another process finishes those of a process that died.
   */
  pending: { promote: PendingWork[]; shred: PendingWork[] };
  /** The audit chain's last line (audit/chain.ts); absent until the first sealed line. */
  auditHead?: ChainHead;
  /**
   * Set by `mailbot migrate`: this store's state lives elsewhere now (or is
   * being copied there), and it refuses every write (invariant 24).
   */
  movedTo?: StoreMove;
}

export interface StoreMove {
  backend: 'postgres';
  /** "moving" while the copy runs (or if it was interrupted), "moved" once it is verified. */
  state: 'moving' | 'moved';
  /** When the state was set. */
  at: string;
  /** The target, without its password: host, port and database. */
  target: string;
  /** The invoice register's SHA-256 both sides agreed on (once moved). */
  registerSha256?: string;
}

export interface PendingWork {
  pid: number;
  /** When that process started (staging.ts, PROCESS_STARTED); absent in documents of older versions. */
  started?: number;
  /** A staging folder (promote) or a stored file name (shred). */
  name: string;
}

export function emptyDoc(): Doc {
  return {
    schemaVersion: SCHEMA_VERSION,
    commit: 0,
    journals: { batches: { file: 'batches.jsonl', length: 0 }, ledger: { file: 'ledger.jsonl', length: 0 }, audit: { file: 'audit.log', length: 0 }, platform: { file: 'platform.jsonl', length: 0 } },
    clients: {},
    series: {},
    requests: {},
    requestSeq: {},
    ledger: {},
    setAside: {},
    outbox: {},
    rates: {},
    counters: {},
    tasks: {},
    platformCursors: {},
    pending: { promote: [], shred: [] },
  };
}

const pointer = z.object({ file: z.string().regex(/^[a-z0-9.]+$/), length: z.number().int().nonnegative() });
const keyed = (fields: z.ZodRawShape) => z.record(z.string(), z.looseObject(fields));
const pendingWork = z.object({ pid: z.number().int(), started: z.number().int().optional(), name: z.string() });
const seriesState = z.object({ last: z.number().int().nonnegative(), lastIssueDate: z.string() });

const docSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  commit: z.number().int().nonnegative(),
  journals: z.object({ batches: pointer, ledger: pointer, audit: pointer, platform: pointer.optional() }),
  clients: keyed({ id: z.string(), emails: z.array(z.string()), numberPattern: z.string() }),
  series: z.record(z.string(), z.record(z.string(), seriesState)),
  requests: keyed({ ref: z.string(), kind: z.string(), status: z.string(), requester: z.string() }),
  requestSeq: z.record(z.string(), z.number().int().nonnegative()),
  ledger: keyed({ mailbox: z.string(), uidValidity: z.string(), uid: z.string(), state: z.string() }),
  setAside: keyed({ key: z.string(), error: z.string() }),
  outbox: keyed({ id: z.string(), file: z.string(), state: z.string(), messageId: z.string() }),
  rates: z.record(z.string(), z.object({ window: z.number().positive(), times: z.array(z.number()) })),
  counters: z.record(z.string(), z.number()),
  tasks: keyed({ id: z.string(), kind: z.string() }).default({}),
  platformCursors: z.record(z.string(), z.string()).default({}),
  pending: z.object({ promote: z.array(pendingWork), shred: z.array(pendingWork) }),
  auditHead: z.object({ seq: z.number().int().nonnegative(), mac: z.string() }).optional(),
  movedTo: z.object({ backend: z.literal('postgres'), state: z.enum(['moving', 'moved']), at: z.string(), target: z.string(), registerSha256: z.string().optional() }).optional(),
});

/** Parse and check a document's text; throws STORE_INVALID naming the file and the problem. */
export function parseDoc(path: string, text: string): Doc | { upgradeFrom: 1; data: LegacyDoc } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw invalid(path, `not valid JSON (${(err as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(path, `holds ${JSON.stringify(raw)?.slice(0, 20) ?? 'nothing'}, not the store's document`);
  const version = (raw as { schemaVersion?: unknown }).schemaVersion;
  if (version === 1) return { upgradeFrom: 1, data: parseLegacy(path, raw) };
  if (version !== SCHEMA_VERSION && version !== 2) throw invalid(path, `schemaVersion is ${JSON.stringify(version)}; this version of mailbot reads ${SCHEMA_VERSION} (and upgrades 1 and 2)`);
  const parsed = docSchema.safeParse({ ...raw, schemaVersion: SCHEMA_VERSION });
  if (!parsed.success) throw invalid(path, parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  const { commitEnd: _end, ...doc } = raw as Doc & { commitEnd?: number };
  // Parts added since the document's version 2: absent in older documents, empty then.
  return { ...doc, schemaVersion: SCHEMA_VERSION, tasks: doc.tasks ?? {}, platformCursors: doc.platformCursors ?? {} };
}

/**
 * The document's text: its commit number also closes it (`commitEnd`), so a
 * reader can tell a whole document from one read while it was being
 * rewritten (files.ts, replaceKeepingInode).
 */
export function documentText(doc: Doc): string {
  return JSON.stringify({ ...doc, commitEnd: doc.commit });
}

/** A text read while its file was being rewritten: the commit numbers at its two ends differ, or it ends early. */
export function tornDocument(text: string): boolean {
  let raw: { commit?: unknown; commitEnd?: unknown };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch {
    return true;
  }
  return raw !== null && typeof raw === 'object' && 'commitEnd' in raw && raw.commitEnd !== raw.commit;
}

/**
 * The document's text, read again while what was read is torn (another
 * process rewrote it meanwhile); a text that stays unreadable is left for
 * parseDoc to say what is wrong with it. Every read of the document outside
 * the commit lock goes through here.
 */
export async function readDocumentText(path: string): Promise<string> {
  let text = (await readPrivateFile(path)).toString('utf8');
  for (let attempt = 1; tornDocument(text); attempt++) {
    // A rewrite takes well under a millisecond: a document still torn after this long is broken.
    if (attempt >= 50) {
      try {
        JSON.parse(text);
      } catch {
        break; // parseDoc says what is wrong with it
      }
      throw invalid(path, 'its commit numbers at the start and at the end differ (a document cut and pasted from two versions)');
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
    text = (await readPrivateFile(path)).toString('utf8');
  }
  return text;
}

/** The document, checked (parseDoc), with the commits logged since its checkpoint; one of the first format must be upgraded first. */
export async function readDocument(path: string): Promise<Doc> {
  return (await readState(path)).doc;
}

/** The state as committed: the document and the commit log's lines after it (commit-log.ts). */
export async function readState(path: string): Promise<LoggedState> {
  for (let attempt = 1; ; attempt++) {
    const parsed = parseDoc(path, await readDocumentText(path));
    if ('upgradeFrom' in parsed) throw new MailbotError('STORE_UPGRADE_NEEDED', `${path} needs an upgrade`);
    try {
      return await applyLog(dirname(path), parsed);
    } catch (err) {
      // A checkpoint ran between the two reads: read both again. A gap that stays is a document restored without its log.
      if (!(err instanceof LogGap)) throw err;
      if (attempt >= 50) throw invalid(path, `the commit log beside it (commits.log) does not follow it: ${err.message}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}

function invalid(path: string, why: string): MailbotError {
  return new MailbotError('STORE_INVALID', `${path}: ${why}. The file was left as it is; restore it from a backup (nothing was replaced by an empty state)`, { path });
}

/** The first version's document: everything in one file, history included. */
export interface LegacyDoc {
  schemaVersion: 1;
  clients: ClientRecord[];
  sequences: Record<string, Record<string, SeriesState>>;
  batches: unknown[];
  ledger: Record<string, LedgerEntry>;
  outbox: OutboxEntry[];
  requests: RightsRequest[];
}

const legacySchema = z.object({
  schemaVersion: z.literal(1),
  clients: z.array(z.looseObject({ id: z.string(), emails: z.array(z.string()) })),
  sequences: z.record(z.string(), z.record(z.string(), seriesState)),
  batches: z.array(z.looseObject({ id: z.string(), clientId: z.string() })),
  ledger: z.record(z.string(), z.looseObject({ state: z.string() })),
  outbox: z.array(z.looseObject({ id: z.string(), file: z.string() })),
  requests: z.array(z.looseObject({ ref: z.string() })),
});

function parseLegacy(path: string, raw: object): LegacyDoc {
  const parsed = legacySchema.safeParse(raw);
  if (!parsed.success) throw invalid(path, parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  return raw as LegacyDoc;
}
