/**
 * The store port: the one door through which everything the bot keeps is
 * read and written. Two backends implement it: the embedded one (lowdb for
 * the small mutable state, append-only journals for the history, files in
 * the data directory) and PostgreSQL, for several daemons sharing one state.
 *
 * Writes happen in transactions: `store.transact(tx => …)`. The operations
 * of `tx` check the invariants before they change anything, and everything a
 * transaction does is committed together or not at all. Nothing irreversible
 * happens before the commit: files are written to a staging area and adopted
 * by the commit; shredding runs after it, from a record the commit wrote, so
 * a crash in between only means it runs at the next start.
 *
 * A transaction function does no I/O of its own (it may be run while other
 * transactions wait, and PostgreSQL may run it again after a serialisation
 * conflict): it reads and writes through `tx`, nothing else.
 */
import type { ChainHead } from '../audit/chain.js';
import type { AuditEntry } from '../audit/entry.js';
import type { BatchRecord } from '../batch/types.js';
import type { ClientRecord } from '../clients/record.js';
import type { RightKind } from '../gdpr/classify.js';
import type { RightsRequest } from '../gdpr/requests.js';
import type { FlowPatch, PlatformFlow } from '../platform/records.js';
import type { LedgerEntry, MailboxPurge, MailClaim, MailKey, OutboxEntry, SeriesState, SetAsideEntry, StoreStats, Task } from './records.js';

export type { LedgerEntry, MailboxPurge, MailClaim, MailKey, OutboxEntry, SeriesState, SetAsideEntry, StoreStats, Task };
export { ledgerKey, parseLedgerKey } from './records.js';

/** A batch as the retention needs it: its date, its files, what is gone already. */
export interface BatchSummary {
  id: string;
  clientId: string;
  committedAt: string;
  files: string[];
  filesRemoved: string[];
  minimized: boolean;
}

export interface ReadTx {
  clients: {
    get(id: string): Promise<ClientRecord | undefined>;
    list(): Promise<ClientRecord[]>;
    /** The client whose record lists this address (case-insensitive). */
    byEmail(email: string): Promise<ClientRecord | undefined>;
  };
  series: {
    /** Every series of a seller, with its last number. */
    of(clientId: string): Promise<Record<string, SeriesState>>;
  };
  batches: {
    get(id: string): Promise<BatchRecord | undefined>;
    /** The batch made from these exact bytes (SHA-256) for this seller, if any (invariant 8). */
    byFile(clientId: string, fileSha256: string): Promise<BatchRecord | undefined>;
    ofClient(clientId: string): Promise<BatchRecord[]>;
    /** A page of a seller's batches, newest first, and how many it has: the console's list, in memory bounded by the page. */
    pageOfClient(clientId: string, offset: number, limit: number): Promise<{ batches: BatchRecord[]; total: number }>;
    /** The seller's batches holding an invoice with one of these numbers, or one referring to them (BG-3). */
    concerning(clientId: string, numbers: readonly string[]): Promise<BatchRecord[]>;
    /** Every batch committed before a date, oldest first (retention), without their invoice lines. */
    committedBefore(before: string): Promise<BatchSummary[]>;
    /** Sellers whose invoices name this address as the buyer's (BT-58). */
    sellersOfBuyer(email: string): Promise<string[]>;
    /** Every batch, minimized or not, committed before a date (the register's retention). */
    registerBefore(before: string): Promise<{ id: string; clientId: string; committedAt: string }[]>;
  };
  requests: {
    get(ref: string): Promise<RightsRequest | undefined>;
    /** The open request of this kind from this address (there is at most one). */
    openFor(requester: string, kind: RightKind): Promise<RightsRequest | undefined>;
    list(filter?: { open?: boolean; requester?: string }): Promise<RightsRequest[]>;
    /** The reference the next request of that year will take (RGPD-YYYY-NNNN). */
    nextRef(year: number): Promise<string>;
  };
  ledger: {
    get(key: string): Promise<LedgerEntry | undefined>;
    setAside(): Promise<SetAsideEntry[]>;
    /** Keys of the mails of this mailbox recorded as handled and not yet noted as moved. */
    handledIn(mailbox: string): Promise<string[]>;
  };
  outbox: {
    list(): Promise<OutboxEntry[]>;
  };
  rate: {
    /** How many events `key` had in the window (at most the limit they were counted with). */
    recent(key: string, windowMs: number, now: number): Promise<number>;
  };
  tasks: {
    list(): Promise<Task[]>;
  };
  /** The approved platform: each invoice's deposit and lifecycle (platform/records.ts). */
  platform: {
    get(clientId: string, number: string): Promise<PlatformFlow | undefined>;
    /** The records of these invoices of a seller (those that have one), in one read. */
    getMany(clientId: string, numbers: readonly string[]): Promise<PlatformFlow[]>;
    /** Records of a seller (or all), in number order; by deposit state or lifecycle status. */
    list(filter?: { clientId?: string; state?: PlatformFlow['state']; status?: number; limit?: number }): Promise<PlatformFlow[]>;
    /** The record of a flow the platform named (a deposit's flow id). */
    byFlowId(clientId: string, flowId: string): Promise<PlatformFlow | undefined>;
    /** Queued deposits due at `now` whose lease (if any) ran out, oldest first. */
    due(now: string, limit: number): Promise<PlatformFlow[]>;
    /** What `mailbot status` shows: the queue, its oldest entry, the last error. */
    summary(): Promise<{ queued: number; failed: number; oldestQueuedAt?: string; lastError?: { clientId: string; number: string; error: string; at: string } }>;
    /** Where the seller's lifecycle poll resumes (the platform's `updatedAt` of the last flow read). */
    cursor(clientId: string): Promise<string | undefined>;
  };
}

/** What a transaction may write. Every operation checks its invariant first and throws a MailbotError. */
export interface Tx extends ReadTx {
  clients: ReadTx['clients'] & {
    /** A new seller: its id and each of its addresses must be free (invariant 16). */
    add(record: ClientRecord): Promise<void>;
    /** Replace a seller's record: the same checks as `add`, against the others. */
    put(record: ClientRecord): Promise<void>;
  };
  series: ReadTx['series'] & {
    /**
     * Move a seller's series from `expected` (what the batch was numbered
     * from) to `next`. Refused with SEQUENCE_MOVED when another batch
     * committed meanwhile, and with SEQUENCE_BACKWARDS when a series would
     * go back in number or in date (invariant 6).
     */
    advance(clientId: string, expected: Record<string, SeriesState>, next: Record<string, SeriesState>): Promise<void>;
  };
  batches: ReadTx['batches'] & {
    /**
     * Record a committed batch; its files must be in `files` (adopted by the
     * same commit). REGISTER_CONFLICT when its documents would credit more
     * than remains on an invoice, replace one twice or deduct a deposit twice
     * (invariant 6's companion: what the register says stays true).
     */
    record(batch: BatchRecord): Promise<void>;
    /** Note files of recorded batches as gone (the caller shreds them with `files.shred` in the same commit). */
    filesRemoved(id: string, files: readonly string[]): Promise<void>;
    /** Keep only the register of these batches (`registerOnly`): retention, erasure. */
    minimize(ids: readonly string[], at: string): Promise<void>;
    /** The register's own end (retention): these batches are forgotten; their series keep their last numbers. */
    drop(ids: readonly string[]): Promise<void>;
  };
  requests: ReadTx['requests'] & {
    /**
     * A new request, under the reference `nextRef` gave (its code mail
     * already names it): STORE_CONFLICT if another request took it
     * meanwhile. One open request per kind and address.
     */
    open(request: RightsRequest): Promise<void>;
    update(ref: string, patch: Partial<RightsRequest>): Promise<void>;
    remove(refs: readonly string[]): Promise<void>;
  };
  ledger: ReadTx['ledger'] & {
    /** The mail's outcome, before it is moved (invariant 1). */
    record(entry: LedgerEntry): Promise<void>;
    /** The mails reached their folders: their entries leave the working set for the history. */
    moved(keys: readonly string[], at: string): Promise<void>;
    /** Drop the history entries of mails about these clients (GDPR erasure); returns how many. */
    forgetClient(clientId: string): Promise<number>;
    /** A mail set aside was put back in the inbox (`mailbot retry`): it is no longer listed. */
    unsetAside(key: string): Promise<void>;
    /** Drop the history of mails moved before `before`, and the set-aside notes as old (retention). */
    prune(before: string): Promise<void>;
  };
  outbox: ReadTx['outbox'] & {
    /** A reply to send; its raw message (`entry.file`) must be staged in `files` and is adopted with it. */
    queue(entry: OutboxEntry): Promise<void>;
    sent(id: string): Promise<void>;
    /** A reply that must not leave any more (its recipient's data was erased): gone, its message shredded. */
    cancel(id: string): Promise<void>;
    /**
     * Refused for good by the server (5xx): marked failed, not tried again by
     * itself. The message stays, so that the operator can resend it once the
     * cause is fixed (`resend`) or drop it (`cancel`); it may carry issued
     * invoices the client has not received.
     */
    fail(id: string, failure: { error: string }): Promise<void>;
    /** A failed reply queued again, due now (`mailbot resend`); NOT_FOUND unless it is failed. */
    resend(id: string, at: string): Promise<OutboxEntry>;
    retry(id: string, patch: { attempts: number; nextAttemptAt: string; lastError: string }): Promise<void>;
  };
  rate: ReadTx['rate'] & {
    /**
     * Count one event for `key` in a sliding window; false when `limit`
     * events were already in it. Only the last `limit` times are kept, so a
     * flood costs no more than a sender at the limit.
     */
    hit(key: string, windowMs: number, limit: number, now: number): Promise<boolean>;
  };
  tasks: ReadTx['tasks'] & {
    add(task: Task): Promise<void>;
    done(id: string): Promise<void>;
    /** One mailbox did it; others sharing the store still have to. */
    doneIn(id: string, mailbox: string): Promise<void>;
    failed(id: string, error: string): Promise<void>;
  };
  platform: ReadTx['platform'] & {
    /** Queue invoices for deposit; an invoice already queued or deposited is left as it is (idempotent by seller and number). */
    queue(flows: readonly PlatformFlow[]): Promise<void>;
    /** Change a record (platform/records.ts applyFlowPatch); NOT_FOUND when there is none. */
    update(clientId: string, number: string, patch: FlowPatch, at: string): Promise<PlatformFlow>;
    setCursor(clientId: string, updatedAfter: string): Promise<void>;
  };
  files: {
    /** The staged files become stored files under their names, with this commit. */
    adopt(staging: Staging): void;
    /** Overwrite then delete these stored files, after the commit. */
    shred(names: readonly string[]): void;
  };
  /** Append to the audit trail in the same commit as the action it records; the store chains it (audit/chain.ts). */
  audit(entry: AuditEntry): void;
  /**
   * Drop the lines at the start of the trail older than `before` (retention),
   * after a checkpoint line, committed with them, that anchors what stays.
   */
  pruneAudit(before: string): void;
}

/** A private place to write files before the commit that adopts them. */
export interface Staging {
  /** Write a file under its stored name (e.g. "batches/<id>/FA-2026-00001.pdf"). */
  write(name: string, data: Uint8Array | string): Promise<void>;
  /** Write a file from a stream, chunk by chunk; returns its size. */
  pipe(name: string, from: NodeJS.ReadableStream): Promise<number>;
  /** Where a staged file is on the local disk, to read it back before the commit. */
  path(name: string): string;
  /** A staged file's bytes (the PostgreSQL store copies them into the database at the commit). */
  read(name: string): Promise<Buffer>;
  readonly names: readonly string[];
  /** Remove what was staged (the commit did not happen). */
  discard(): Promise<void>;
}

export interface FileStore {
  stage(): Promise<Staging>;
  read(name: string): Promise<Buffer>;
  exists(name: string): Promise<boolean>;
  /** A stored file's size in bytes; undefined if there is none. */
  size(name: string): Promise<number | undefined>;
  /** The file on the local disk, where the backend keeps files there (embedded); undefined otherwise. */
  localPath(name: string): string | undefined;
}

/** A line of the audit trail as the store holds it (its JSON text), and where reading resumes after it. */
export interface AuditLine {
  text: string;
  cursor: string;
}

/** A line read newest first: `cursor` is its own start, where the backward reader resumes. */
export interface BackwardAuditLine extends AuditLine {
  /** The cursor from which auditLines reads this line first: a story told forward from it. */
  forward: string;
}

export interface AuditFilter {
  since?: number;
  actions?: readonly string[];
  clientId?: string;
  /** A mail key, or a Message-ID (ours in clear, a received one by `messageRef`). */
  message?: string;
  /** The keyed hash of `message`, as received mails' Message-IDs are kept. */
  messageRef?: string;
}

/** What the running daemon says about itself, for `mailbot status`. */
export interface DaemonStatus {
  pid: number;
  node: string;
  startedAt: string;
  source: string;
  transport: string;
  connection: string;
  lastPollAt?: string;
  lastMailAt?: string;
  updatedAt: string;
  /** The environment failing now (the store unreachable, a full or read-only disk): the intake is paused. */
  fault?: { code: string; cause: string; since: string };
}

export interface Store {
  readonly backend: 'embedded' | 'postgres';
  /** The local data directory (configuration, secrets, embedded mailbox; everything, for the embedded backend). */
  readonly dataDir: string;
  /** A consistent view, without blocking writers. */
  read<T>(fn: (tx: ReadTx) => Promise<T>): Promise<T>;
  /** One transaction: all its writes commit together, or none. */
  transact<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  readonly files: FileStore;
  readonly mail: {
    /**
     * Take a mail to handle, counting the attempt durably before any work.
     * An attempt its process did not survive is counted apart (`crashes`):
     * a process death is never the mail's error (invariant 23).
     */
    claim(key: string, mail: MailKey): Promise<MailClaim>;
    /** Mails this daemon was handling when it last stopped without finishing them. */
    unfinished(): Promise<string[]>;
    /** The attempt failed with this error (the mail stays in the inbox). */
    failed(key: string, error: string): Promise<void>;
    /** Give the claim back without counting the attempt: the mail waits in the inbox for a later round. */
    defer(key: string): Promise<void>;
  };
  readonly outbox: {
    /** Replies due now, taken for sending by this process (another daemon will not send them meanwhile). */
    takeDue(now: Date, limit: number): Promise<OutboxEntry[]>;
    /** Give back replies taken and not tried. */
    release(ids: readonly string[]): Promise<void>;
    /**
     * The server took this reply (its 250): written at once, outside the
     * commit queue, so that it is never offered again; the commit that marks
     * it sent (`tx.outbox.sent`) follows, here or after a restart.
     */
    accepted(id: string): Promise<void>;
    /** Replies the server took whose sent commit never came (their process died): to record as sent, never to send again. */
    acceptedUnrecorded(): Promise<OutboxEntry[]>;
  };
  stats(): Promise<StoreStats>;
  /**
   * Check what a reader of one record cannot: no number series stands
   * behind an invoice the register holds (a series restarting at 1 would
   * issue numbers a second time). STORE_INVALID otherwise.
   */
  check(): Promise<void>;
  /** How much history is older than `before`: moved mails in the ledger, or lines of the audit trail (the retention's dry run). */
  historyBefore(kind: 'ledger' | 'audit', before: string): Promise<{ count: number; oldest?: string; newest?: string }>;
  /** The last line of the audit trail's chain: its seq and mac (the daily digest sends it out). */
  auditHead(): Promise<ChainHead>;
  /** The audit trail in order, entry by entry, in constant memory. */
  auditEntries(filter: AuditFilter): AsyncIterable<AuditEntry>;
  /**
   * Every line of the trail as stored, in order, unparsed and unfiltered,
   * each with the cursor just after it; from `cursor` on when given. What
   * the chain verifier reads: a line that is not an entry must reach it, to
   * be named, never be skipped. AUDIT_REWRITTEN when the trail was rewritten
   * since the cursor was given (the embedded store's purge): read it again
   * from the start.
   */
  auditLines(cursor?: string): AsyncIterable<AuditLine>;
  /**
   * The same lines newest first, from just before `cursor` (a cursor this
   * method gave; undefined: the end of the trail now), each with the cursor
   * of its own start: the console's pages, in constant memory.
   */
  auditLinesBackward(cursor?: string): AsyncIterable<BackwardAuditLine>;
  /**
   * Entries committed after `cursor` ("start": the beginning; undefined: the
   * end of the trail now), at most a thousand, and the cursor after them:
   * `mailbot log --follow`.
   */
  auditSince(filter: AuditFilter, cursor?: string): Promise<{ entries: AuditEntry[]; cursor: string }>;
  reportStatus(status: DaemonStatus): Promise<void>;
  daemons(): Promise<DaemonStatus[]>;
  close(): Promise<void>;
}
