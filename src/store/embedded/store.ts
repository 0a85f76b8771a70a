/**
 * The embedded store: the default, for one daemon and the operator's
 * commands on one machine.
 *
 * - data/mailbot.json (lowdb) holds the small mutable state (doc.ts) as of
 *   its last checkpoint, and commits.log what each commit changed since
 *   (commit-log.ts);
 * - batches.jsonl, ledger.jsonl and audit.log are append-only journals;
 * - stored files live under the data directory (batches/, queue/).
 *
 * A commit takes a short exclusive lock (proper-lockfile) shared by every
 * process of the data directory, re-reads the state if another process
 * wrote it, runs the waiting transactions one after the other on it, writes
 * their journal lines at the committed lengths, then appends their changes
 * to the commit log: that line is the commit (or, at a checkpoint, the
 * document's rename). Transactions that arrive while a commit is under way
 * go together in the next one (group commit), so a busy daemon writes once
 * for many mails. The cost of a commit depends on what it changes, never on
 * how much history came before.
 */
import { statSync, type BigIntStats } from 'node:fs';
import { rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Low } from 'lowdb';
import lockfile from 'proper-lockfile';
import type { AuditSeal, ChainHead } from '../../audit/chain.js';
import { EMPTY_HEAD } from '../../audit/chain.js';
import type { AuditEntry } from '../../audit/entry.js';
import { readStoredLine } from '../../audit/line.js';
import { localAuditSeal } from '../../config/secrets.js';
import type { BatchRecord } from '../../batch/types.js';
import { errorMessage, MailbotError } from '../../core/errors.js';
import { failpoint } from '../../core/failpoints.js';
import { OPEN_STATUSES } from '../../gdpr/requests.js';
import { ensurePrivateDir, isSymlinkSync, readPrivateFile, replaceKeepingInode, shredFile, symlinkRefused, writePrivateFile } from '../files.js';
import type { AuditFilter, AuditLine, BackwardAuditLine, DaemonStatus, FileStore, LedgerEntry, MailClaim, MailKey, OutboxEntry, ReadTx, Staging, Store, StoreStats, Tx } from '../port.js';
import { AcceptedJournal } from './accepted.js';
import { AttemptJournal } from './attempts.js';
import { BatchIndex } from './batch-index.js';
import { PlatformIndex } from './platform-index.js';
import type { PlatformFlow } from '../../platform/records.js';
import { appendCommit, clearLog, deltaLine, LOG_FILE } from './commit-log.js';
import { documentText, emptyDoc, parseDoc, readDocument, readDocumentText, readState, type Doc, type PendingWork, type StoreMove } from './doc.js';
import { readLineAt, readLines, readLinesBackward } from './journal.js';
import { commitJournals } from './commit.js';
import { SparePool } from './spares.js';
import { LocalStaging, PROCESS_STARTED, checkStoredName, discardOrphan, processAlive, promote, stagingFolders } from './staging.js';
import { changedEntries, EmbeddedTx, type GroupChanges, type TxEnv, type TxOutput } from './tx.js';
import { upgradeLegacy } from './upgrade.js';
import { auditMatches } from '../audit-filter.js';

export const DOC_FILE = 'mailbot.json';
/** The journals beside the document: with one of them and no document, the document was lost (`create` refuses). */
export const HISTORY_FILES = ['batches.jsonl', 'audit.log', 'ledger.jsonl', LOG_FILE] as const;
/** The longest the commit lock is held for commits that follow one another, and the pause after. */
const LOCK_HOLD_MS = 100;
const LOCK_PAUSE_MS = 10;

/** After-commit work this process owns, and whether a listed item is its own. */
const ownedBy = (name: string): PendingWork => ({ pid: process.pid, started: PROCESS_STARTED, name });
const ownWork = (w: PendingWork) => w.pid === process.pid && w.started === PROCESS_STARTED;

/**
 * The commit log is folded into the document (a checkpoint) once it holds
 * more than this many times the document's size, or this many bytes if more:
 * a commit costs what it changed, and the document's rewrite is shared by
 * the commits since the last one.
 */
const LOG_PER_DOC = 4;
const LOG_MIN_BYTES = 512 * 1024;

/**
 * A commit that erases or changes personal data (a client's record, a rights
 * request, journals rewritten or pruned) is written as a checkpoint: the
 * earlier versions in the log are zeroed at once, not at the next fold.
 */
function erases(outs: readonly TxOutput[], changes: GroupChanges, retired: readonly string[]): boolean {
  return retired.length > 0 || changes.has('clients') || changes.has('requests') || outs.some((o) => o.forgetClients.length > 0 || o.amendments.length > 0 || o.auditPrune !== undefined || o.ledgerPrune !== undefined);
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
/** What tells one version of the document from another without reading it. */
const stampOf = (st: BigIntStats) => `${st.ino}:${st.size}:${st.mtimeNs}`;

type GroupDone = { job: Job; value: unknown; tx: EmbeddedTx }[];
interface GroupAfter {
  promote: string[];
  shred: string[];
  moved: string[];
  outboxDone: string[];
}

interface Job {
  fn: (tx: Tx) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export interface EmbeddedOptions {
  /** Addresses no client may hold: the bot's and the operator's (invariant 16). */
  reserved?: readonly string[];
  /** Where to report a problem that fails no transaction (after-commit work to retry). */
  onWarning?: (message: string) => void;
  /** The key that chains the audit trail; the data directory's own key (secrets/audit.key) by default. */
  seal?: AuditSeal;
}

export class EmbeddedStore implements Store {
  readonly backend = 'embedded' as const;
  private readonly docPath: string;
  private readonly db: Low<Doc>;
  /** What tells the document and the commit log as last read or written from another version (stampOf). */
  private docStamp = '';
  private logStamp = '';
  /** The commit log's committed length, and the document's size at its last checkpoint. */
  private logLength = 0;
  private docSize = 0;
  /** Whether this process appended to the commit log since its last checkpoint (it checkpoints when it closes). */
  private logged = false;
  private readonly index = new BatchIndex();
  private indexing?: Promise<BatchIndex>;
  private readonly platformIndex = new PlatformIndex();
  private platformIndexing?: Promise<PlatformIndex>;
  private queue: Job[] = [];
  private committing?: Promise<void>;
  private attempts?: Promise<AttemptJournal>;
  /** Replies this process is sending, until when (ms). */
  private readonly sending = new Map<string, number>();
  /** After-commit work of this process that is done, to clear from the document at the next commit. */
  private readonly finished: { promote: Set<string>; shred: Set<string> } = { promote: new Set(), shred: new Set() };
  private recovered = false;
  /** Mails this process claimed (the daemon is the one process of the data directory that handles mail). */
  private readonly claims = new Set<string>();

  private constructor(
    readonly dataDir: string,
    private readonly options: EmbeddedOptions,
    private readonly seal: AuditSeal,
  ) {
    this.docPath = join(dataDir, DOC_FILE);
    this.db = new Low<Doc>(
      {
        read: () => readDocument(this.docPath),
        write: async (data) => {
          // What was written is known: no look at the disk to stamp it.
          const st = await replaceKeepingInode(this.docPath, documentText(data), dataDir);
          this.docStamp = stampOf(st);
          this.docSize = Number(st.size);
        },
      },
      emptyDoc(),
    );
  }

  /** Open (and create, or upgrade from the first format) the store of a data directory. */
  static async open(dataDir: string, options: EmbeddedOptions = {}): Promise<EmbeddedStore> {
    await ensurePrivateDir(dataDir);
    const store = new EmbeddedStore(dataDir, options, options.seal ?? (await localAuditSeal(dataDir)));
    if (isSymlinkSync(store.docPath)) throw symlinkRefused(store.docPath);
    const exists = await stat(store.docPath).then(() => true, () => false);
    if (!exists || (await store.needsUpgrade())) {
      await store.withLock(async () => {
        const stillMissing = await stat(store.docPath).then(() => false, () => true);
        if (stillMissing) await store.create();
        else if (await store.needsUpgrade()) await upgradeLegacy(dataDir, store.docPath);
      });
    }
    await store.refresh();
    return store;
  }

  private async needsUpgrade(): Promise<boolean> {
    // Read without the lock: another process may be rewriting it.
    return 'upgradeFrom' in parseDoc(this.docPath, await readDocumentText(this.docPath));
  }

  /** A new store; refused if journals exist without their document (it was lost, not never made). */
  private async create(): Promise<void> {
    for (const file of HISTORY_FILES) {
      const st = await stat(join(this.dataDir, file)).catch(() => null);
      if (st && st.size > 0) {
        throw new MailbotError('STORE_MISSING', `${this.docPath} is missing but ${file} holds history: the document was lost. Restore it from a backup; a new empty store would issue invoice numbers again`);
      }
    }
    this.db.data = emptyDoc();
    await this.checkpoint();
  }

  private get doc(): Doc {
    return this.db.data;
  }

  /** Set while this process holds the commit lock: no other process can write, the memory is the truth. */
  private holding = false;
  /** When the document was last compared with the disk (a read between commits looks at most this often). */
  private lastLook = 0;

  private async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const options = (retries: lockfile.LockOptions['retries']): lockfile.LockOptions => ({
      realpath: false,
      stale: 30_000,
      update: 5_000,
      retries,
      onCompromised: (err) => {
        // Another process judged our lock stale (we were stopped for 30 s): our commit may race
        // with theirs. Say it loudly; the document write is still atomic.
        process.emitWarning(`mailbot: the store lock was taken over: ${err.message}`);
      },
    });
    // Once without waiting: the retry schedule (up to 2,000 delays, drawn in advance) is only made when another process holds it.
    const release = await lockfile
      .lock(this.docPath, options(0))
      .catch((err: NodeJS.ErrnoException) =>
        err.code === 'ELOCKED' ? lockfile.lock(this.docPath, options({ retries: 2_000, factor: 1.3, minTimeout: 2, maxTimeout: 50, randomize: true })) : Promise.reject(err),
      );
    this.holding = true;
    try {
      return await fn();
    } finally {
      this.holding = false;
      await release().catch(() => undefined);
    }
  }

  /**
   * Take what another process committed. Under the commit lock (`force`),
   * always look; otherwise not while this process commits (nobody else can)
   * and at most every few milliseconds: a read may be that much behind
   * another process, a commit never is.
   */
  private async refresh(force = false): Promise<void> {
    const now = Date.now();
    if (!force && (this.holding || now - this.lastLook < 25)) return;
    this.lastLook = now;
    // Two quick calls (files.ts, SMALL_FILE_BYTES): made synchronously.
    const docStat = statSync(this.docPath, { bigint: true });
    const logStat = statSync(join(this.dataDir, LOG_FILE), { bigint: true, throwIfNoEntry: false });
    const docStamp = stampOf(docStat);
    const logStamp = logStat ? stampOf(logStat) : '';
    if (docStamp !== this.docStamp || logStamp !== this.logStamp) {
      const state = await readState(this.docPath);
      this.db.data = state.doc;
      this.logLength = state.length;
      this.docSize = Number(docStat.size);
      this.docStamp = docStamp;
      this.logStamp = logStamp;
    }
  }

  /** The batch index, caught up with the committed journal (built once per process, then by tail). */
  private ensureIndex(): Promise<BatchIndex> {
    this.indexing ??= (async () => {
      try {
        const ptr = this.doc.journals.batches;
        if (this.index.file !== ptr.file || this.index.indexedTo > ptr.length) this.index.reset(ptr.file);
        for await (const line of readLines(this.dataDir, ptr.file, this.index.indexedTo, ptr.length)) {
          this.index.add(JSON.parse(line.text) as BatchRecord, line);
          this.index.indexedTo = line.offset + line.length;
        }
        return this.index;
      } finally {
        this.indexing = undefined;
      }
    })();
    return this.indexing;
  }

  /** The platform records, caught up with the committed journal (built once per process, then by tail). */
  private ensurePlatformIndex(): Promise<PlatformIndex> {
    this.platformIndexing ??= (async () => {
      try {
        const ptr = this.doc.journals.platform ?? { file: 'platform.jsonl', length: 0 };
        if (this.platformIndex.file !== ptr.file || this.platformIndex.indexedTo > ptr.length) this.platformIndex.reset(ptr.file);
        for await (const line of readLines(this.dataDir, ptr.file, this.platformIndex.indexedTo, ptr.length)) {
          this.platformIndex.apply(line.text);
          this.platformIndex.indexedTo = line.offset + line.length;
        }
        return this.platformIndex;
      } finally {
        this.platformIndexing = undefined;
      }
    })();
    return this.platformIndexing;
  }

  private async readBatch(id: string): Promise<BatchRecord | undefined> {
    const index = await this.ensureIndex();
    const at = index.byId.get(id);
    if (!at) return undefined;
    return JSON.parse(await readLineAt(this.dataDir, index.file, at.offset, at.length)) as BatchRecord;
  }

  private env(groupBatches: readonly BatchRecord[], groupPlatform: ReadonlyMap<string, PlatformFlow | null> = new Map()): TxEnv {
    return {
      index: () => this.ensureIndex(),
      groupBatches,
      readBatch: (id) => this.readBatch(id),
      platformIndex: () => this.ensurePlatformIndex(),
      groupPlatform,
      reserved: this.options.reserved ?? [],
      claimed: (key) => this.claims.has(key),
    };
  }

  /** Read transactions under way: while there is one, a commit copies the collections it changes instead of changing them in place. */
  private readers = 0;

  async read<T>(fn: (tx: ReadTx) => Promise<T>): Promise<T> {
    await this.refresh();
    this.readers += 1;
    try {
      return await fn(new EmbeddedTx(this.doc, this.env([]), false));
    } finally {
      this.readers -= 1;
    }
  }

  transact<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.committing ??= this.commitLoop().finally(() => {
        this.committing = undefined;
      });
    });
  }

  /**
   * Commits follow one another under one take of the lock while more are
   * waiting, for at most LOCK_HOLD_MS; then the lock is let go for a moment,
   * so that an operator's command waiting for it gets its turn.
   */
  private async commitLoop(): Promise<void> {
    // Let the transactions started in the same turn join this commit.
    await nextTurn();
    while (this.queue.length > 0) {
      let heldTooLong = false;
      const locked = this.withLock(async () => {
        const until = Date.now() + LOCK_HOLD_MS;
        await this.refresh(true);
        while (this.queue.length > 0) {
          const jobs = this.queue;
          this.queue = [];
          await this.commitGroup(jobs);
          if (Date.now() >= until) {
            heldTooLong = this.queue.length > 0;
            return;
          }
          await nextTurn(); // the transactions this commit let go may queue the next ones
        }
      });
      try {
        await locked;
      } catch (err) {
        // No lock, or the document unreadable under it: nothing was committed; the waiting transactions fail.
        this.docStamp = '';
        for (const job of this.queue.splice(0)) job.reject(err);
      }
      if (heldTooLong) await new Promise((resolve) => setTimeout(resolve, LOCK_PAUSE_MS));
    }
  }

  /** One document write for every transaction that was waiting; the caller holds the lock. */
  private async commitGroup(jobs: Job[]): Promise<void> {
    const done: GroupDone = [];
    const after: GroupAfter = { promote: [], shred: [], moved: [], outboxDone: [] };
    try {
      await this.writeGroup(jobs, done, after);
    } catch (err) {
      // Nothing was committed (or we cannot tell): read the state back from disk.
      this.docStamp = '';
      await this.refresh(true).catch(() => undefined);
      for (const d of done) d.job.reject(err);
      return;
    }
    failpoint('embedded-after-commit');
    await this.promoteAfterCommit(after);
    // Shredding (an overwrite and a flush per file) holds no later commit back: it runs beside
    // them, and the transactions that asked for it resolve once it is done.
    const shredding = this.shredAfterCommit(after.shred).finally(() => this.shredding.delete(shredding));
    this.shredding.add(shredding);
    void shredding.then(() => {
      for (const d of done) d.job.resolve(d.value);
    });
  }

  /**
   * Run the group's transactions on one working copy, append their journal
   * lines and write the document: that write is the commit. Fills `done`
   * with the transactions that succeeded and `after` with the work that
   * follows the commit.
   */
  private async writeGroup(jobs: Job[], done: GroupDone, after: GroupAfter): Promise<void> {
    // The group's own document: the committed collections, with the group's changes over those it writes (tx.ts, applyTo).
    let working: Doc = { ...this.doc };
    const changes: GroupChanges = new Map();
    const groupBatches: BatchRecord[] = [];
    const groupPlatform = new Map<string, PlatformFlow | null>();
    for (const job of jobs) {
      if (working.movedTo) {
        job.reject(storeMovedError(working.movedTo));
        continue;
      }
      const tx = new EmbeddedTx(working, this.env(groupBatches, groupPlatform), true);
      try {
        const value = await job.fn(tx);
        tx.applyTo(working, changes);
        groupBatches.push(...tx.out.batches);
        for (const w of tx.out.platform) groupPlatform.set(w.key, w.record);
        done.push({ job, value, tx });
      } catch (err) {
        job.reject(err);
      }
    }
    const recovery = this.recovered ? { promote: [], shred: [], pending: working.pending } : await this.takeOverDeadWork(working);
    working = { ...working, pending: recovery.pending };
    if (done.length === 0 && recovery.promote.length + recovery.shred.length === 0 && this.finished.promote.size + this.finished.shred.size === 0) return;
    const outs = done.map((d) => d.tx.out);
    const pending = this.pendingAfter(working, outs.flatMap((o) => o.adopt), outs.flatMap((o) => o.shred));
    const next = await commitJournals(this.dataDir, { ...working, commit: working.commit + 1, pending: pending.doc }, outs, this.seal);
    failpoint('embedded-before-commit');
    const line = deltaLine({ c: next.doc.commit, ...changedEntries(changes), whole: { journals: next.doc.journals, pending: next.doc.pending, ...(next.doc.auditHead ? { auditHead: next.doc.auditHead } : {}) } });
    if (this.logLength + line.length > Math.max(LOG_MIN_BYTES, LOG_PER_DOC * this.docSize) || erases(outs, changes, next.retired)) {
      // The document written is new copies of what changed: the committed one stays as it is if the write fails.
      this.db.data = { ...next.doc, ...EmbeddedTx.applyCommitted(this.doc, changes, false) };
      await this.checkpoint();
    } else {
      await this.append(line);
      // Committed: changed in place unless a reader is inside the collections (it keeps the version it began with).
      this.db.data = { ...next.doc, ...EmbeddedTx.applyCommitted(this.doc, changes, this.readers === 0) };
    }
    this.recovered = true;
    this.afterIndex(next.batchLines, next.rewroteBatches);
    after.promote.push(...pending.promote, ...recovery.promote);
    after.shred.push(...pending.shred, ...recovery.shred, ...next.retired);
    for (const o of outs) {
      after.moved.push(...o.movedKeys);
      after.outboxDone.push(...o.outboxDone);
    }
  }

  /** The commit: its line appended to the commit log. */
  private async append(line: Buffer): Promise<void> {
    const out = await appendCommit(this.dataDir, this.logLength, line);
    this.logLength = out.length;
    this.logStamp = stampOf(out.stat);
    this.logged = true;
  }

  /**
   * The commit as a whole document (commit-log.ts): the document is
   * rewritten (the version it replaces zeroed), then the log's lines are
   * zeroed and cut. The caller holds the lock.
   */
  private async checkpoint(): Promise<void> {
    await this.db.write();
    // Committed: what follows fails no transaction. Lines left in the log are older than the document, and skipped.
    failpoint('embedded-checkpoint-written');
    this.logged = false;
    try {
      this.logStamp = stampOf(await clearLog(this.dataDir));
      this.logLength = 0;
    } catch (err) {
      this.logStamp = '';
      this.warn(`the commit log could not be cleared after a checkpoint (its lines are older than the document): ${errorMessage(err)}`);
    }
  }

  /** Staging folders and reply files kept for reuse (spares.ts). */
  private readonly spares = new SparePool();

  /** Shreds of committed groups still running (close waits for them). */
  private readonly shredding = new Set<Promise<void>>();

  /** The pending list the document will hold: ours added, ours finished removed. */
  private pendingAfter(working: Doc, adopt: Staging[], shred: string[]): { doc: Doc['pending']; promote: string[]; shred: string[] } {
    const keep = (list: PendingWork[], doneSet: Set<string>) => list.filter((w) => !(ownWork(w) && doneSet.has(w.name)));
    const promoteNames = adopt.map((s) => (s as LocalStaging).id);
    const docPending = {
      promote: [...keep(working.pending.promote, this.finished.promote), ...promoteNames.map(ownedBy)],
      shred: [...keep(working.pending.shred, this.finished.shred), ...shred.map(ownedBy)],
    };
    this.finished.promote.clear();
    this.finished.shred.clear();
    return { doc: docPending, promote: promoteNames, shred };
  }

  /**
   * Once per process, under the lock: after-commit work of processes that
   * died is taken over (re-owned, done after this commit), and staging
   * folders of dead processes that no commit adopted are shredded.
   */
  private async takeOverDeadWork(working: Doc): Promise<{ promote: string[]; shred: string[]; pending: Doc['pending'] }> {
    const dead = (w: PendingWork) => !processAlive(w.pid, w.started);
    const listed = new Set(working.pending.promote.map((w) => w.name));
    for (const f of await stagingFolders(this.dataDir)) {
      if (!listed.has(f.id) && !processAlive(f.pid, f.started)) await discardOrphan(f.root);
    }
    const reown = (w: PendingWork) => (dead(w) ? ownedBy(w.name) : w);
    return {
      promote: working.pending.promote.filter(dead).map((w) => w.name),
      shred: working.pending.shred.filter(dead).map((w) => w.name),
      pending: { promote: working.pending.promote.map(reown), shred: working.pending.shred.map(reown) },
    };
  }

  private afterIndex(lines: { batch: BatchRecord; offset: number; length: number }[], rewrote: boolean): void {
    if (rewrote) {
      this.index.reset(this.doc.journals.batches.file);
      return;
    }
    const first = lines[0];
    if (!first || this.index.file !== this.doc.journals.batches.file || this.index.indexedTo !== first.offset) return;
    for (const l of lines) {
      this.index.add(l.batch, l);
      this.index.indexedTo = l.offset + l.length;
    }
  }

  /**
   * The committed work that follows a commit. It never fails the commit: an
   * item that fails (a full disk, a planted link) stays pending in the
   * document, is reported, and is tried again after the next commit of this
   * process, or by the next process if this one dies. Staged files are put
   * in place before the next commit starts: what a commit queued is there
   * for whoever reads the document after it.
   */
  private async promoteAfterCommit(after: GroupAfter): Promise<void> {
    const promoteAll = [...new Set([...this.retry.promote, ...after.promote])];
    this.retry.promote = [];
    for (const id of promoteAll) {
      try {
        await promote(this.dataDir, join(this.dataDir, '.staging', id), (root, spares) => this.spares.giveFolder(root, spares));
        this.finished.promote.add(id);
      } catch (err) {
        this.retry.promote.push(id);
        this.warn(`staged files ${id} could not be put in place: ${errorMessage(err)}`);
      }
    }
    try {
      if (after.moved.length > 0 && this.attempts) await (await this.attempts).done(after.moved);
    } catch (err) {
      this.warn(`the attempts journal could not be updated: ${errorMessage(err)}`);
    }
    for (const id of after.outboxDone) this.sending.delete(id);
    if (this.acceptedJournal && after.outboxDone.length > 0) {
      const accepted = await this.acceptedJournal;
      for (const id of after.outboxDone) await accepted.forget(id).catch(() => undefined);
    }
    for (const key of after.moved) this.claims.delete(key);
  }

  /** Stored files a commit let go, overwritten then unlinked or kept as spares; a failure stays pending (see promoteAfterCommit). */
  private async shredAfterCommit(names: readonly string[]): Promise<void> {
    const shredAll = [...new Set([...this.retry.shred.splice(0), ...names])];
    const emptied = new Set<string>();
    for (const name of shredAll) {
      try {
        await shredFile(join(this.dataDir, checkStoredName(name)), this.spares);
        this.finished.shred.add(name);
        if (name.includes('/')) emptied.add(dirname(join(this.dataDir, name)));
      } catch (err) {
        this.retry.shred.push(name);
        this.warn(`${name} could not be shredded: ${errorMessage(err)}`);
      }
    }
    // A batch folder left empty goes too (a folder with files left in it stays).
    for (const dir of emptied) if (dir !== this.dataDir && !dir.endsWith('/queue')) await rmdir(dir).catch(() => undefined);
  }

  private retry: { promote: string[]; shred: string[] } = { promote: [], shred: [] };

  private warn(message: string): void {
    (this.options.onWarning ?? ((m: string) => process.emitWarning(`mailbot store: ${m}`)))(message);
  }

  readonly files: FileStore = {
    stage: () => LocalStaging.create(this.dataDir, this.spares),
    read: async (name) => readPrivateFile(join(this.dataDir, checkStoredName(name))),
    exists: async (name) => stat(join(this.dataDir, checkStoredName(name))).then(() => true, () => false),
    size: async (name) => stat(join(this.dataDir, checkStoredName(name))).then((st) => st.size, () => undefined),
    localPath: (name) => join(this.dataDir, checkStoredName(name)),
  };

  private attemptJournal(): Promise<AttemptJournal> {
    this.attempts ??= AttemptJournal.load(this.dataDir);
    return this.attempts;
  }

  readonly mail = {
    claim: async (key: string, _mail: MailKey): Promise<MailClaim> => {
      await this.refresh();
      const known = this.doc.ledger[key];
      if (known?.folder) return { status: 'handled', folder: known.folder, ...(known.messageId ? { messageId: known.messageId } : {}) };
      const a = await (await this.attemptJournal()).begin(key);
      this.claims.add(key);
      return { status: 'claimed', attempts: a.attempts, errors: a.errors, crashes: a.crashes, firstSeenAt: a.firstSeenAt, ...(a.error !== undefined ? { error: a.error } : {}) };
    },
    unfinished: async (): Promise<string[]> => [...(await this.attemptJournal()).unfinished],
    failed: async (key: string, error: string): Promise<void> => {
      await (await this.attemptJournal()).fail(key, error);
    },
    defer: async (key: string): Promise<void> => {
      await (await this.attemptJournal()).undo(key);
      this.claims.delete(key);
    },
  };

  private acceptedJournal?: Promise<AcceptedJournal>;
  private accepted(): Promise<AcceptedJournal> {
    this.acceptedJournal ??= this.refresh().then(() => AcceptedJournal.load(this.dataDir, (id) => this.doc.outbox[id]?.state === 'queued'));
    return this.acceptedJournal;
  }

  readonly outbox = {
    takeDue: async (now: Date, limit: number): Promise<OutboxEntry[]> => {
      const accepted = await this.accepted();
      await this.refresh();
      const t = now.getTime();
      const out: OutboxEntry[] = [];
      for (const e of Object.values(this.doc.outbox)) {
        if (out.length >= limit) break;
        if (e.state !== 'queued' || Date.parse(e.nextAttemptAt) > t || (this.sending.get(e.id) ?? 0) > t || accepted.has(e.id)) continue;
        this.sending.set(e.id, t + 5 * 60_000);
        out.push(structuredClone(e));
      }
      return out;
    },
    release: (ids: readonly string[]): Promise<void> => {
      for (const id of ids) this.sending.delete(id);
      return Promise.resolve();
    },
    accepted: async (id: string): Promise<void> => {
      await (await this.accepted()).add(id);
    },
    acceptedUnrecorded: async (): Promise<OutboxEntry[]> => {
      const accepted = await this.accepted();
      await this.refresh();
      // This process is the only sender: an accepted reply it is not recording now was left by a dead one.
      return accepted
        .list()
        .filter((id) => !this.sending.has(id))
        .flatMap((id) => (this.doc.outbox[id]?.state === 'queued' ? [structuredClone(this.doc.outbox[id])] : []));
    },
  };

  async check(): Promise<void> {
    await this.refresh(true);
    if (this.doc.movedTo) throw storeMovedError(this.doc.movedTo);
    const index = await this.ensureIndex();
    for (const [k, max] of index.maxSeq) {
      const [clientId = '', series = ''] = k.split('\0');
      const last = this.doc.series[clientId]?.[series]?.last ?? 0;
      if (last < max) throw new MailbotError('STORE_INVALID', `${this.docPath}: series ${series} of ${clientId} is at ${last} but the register holds invoice ${max}: the document does not match the history (restored from an old backup?). Nothing was changed; restore a matching document`);
    }
  }

  /** Where this store's state went, if `mailbot migrate` moved it (or is moving it). */
  async movedTo(): Promise<StoreMove | undefined> {
    await this.refresh(true);
    return this.doc.movedTo;
  }

  /**
   * Fence this store (or lift a fence whose copy failed): one commit of its
   * own, under the commit lock, so a transaction of another process either
   * committed before it (and is in the copy) or sees it and is refused.
   */
  async setMovedTo(move: StoreMove | undefined): Promise<void> {
    await this.withLock(async () => {
      await this.refresh(true);
      const { movedTo: _old, ...rest } = this.doc;
      this.db.data = { ...rest, commit: this.doc.commit + 1, ...(move ? { movedTo: move } : {}) };
      await this.checkpoint();
    });
  }

  async auditHead(): Promise<ChainHead> {
    await this.refresh();
    return this.doc.auditHead ?? EMPTY_HEAD;
  }

  async stats(): Promise<StoreStats> {
    await this.refresh();
    const d = this.doc;
    const outcomes: Record<string, number> = {};
    for (const [k, v] of Object.entries(d.counters)) if (k.startsWith('outcome:')) outcomes[k.slice(8)] = v;
    const outbox = Object.values(d.outbox);
    return {
      clients: Object.keys(d.clients).length,
      batches: d.counters.batches ?? 0,
      invoices: d.counters.invoices ?? 0,
      inHand: Object.keys(d.ledger).length,
      outcomes,
      outbox: { queued: outbox.filter((e) => e.state === 'queued').length, failed: outbox.filter((e) => e.state === 'failed').length, sent: d.counters.repliesSent ?? 0 },
      requestsOpen: Object.values(d.requests).filter((r) => OPEN_STATUSES.includes(r.status)).length,
      setAside: Object.values(d.setAside),
    };
  }

  async historyBefore(kind: 'ledger' | 'audit', before: string): Promise<{ count: number; oldest?: string; newest?: string }> {
    await this.refresh();
    const ptr = this.doc.journals[kind];
    const out: { count: number; oldest?: string; newest?: string } = { count: 0 };
    for await (const line of readLines(this.dataDir, ptr.file, 0, ptr.length)) {
      const e = JSON.parse(line.text) as { time?: string; updatedAt?: string };
      const at = (kind === 'audit' ? e.time : e.updatedAt) ?? '';
      // The trail is dropped from its start only (see commit.ts): stop at its first recent line.
      if (at >= before) {
        if (kind === 'audit') break;
        continue;
      }
      out.count++;
      if (!out.oldest || at < out.oldest) out.oldest = at;
      if (!out.newest || at > out.newest) out.newest = at;
    }
    return out;
  }

  async *auditEntries(filter: AuditFilter): AsyncIterable<AuditEntry> {
    await this.refresh();
    const ptr = this.doc.journals.audit;
    for await (const line of readLines(this.dataDir, ptr.file, 0, ptr.length)) {
      // A line that is not an entry (not JSON, `null`, an array) is `mailbot log --verify`'s to name; readers pass over it.
      const read = readStoredLine(line.text);
      if ('entry' in read && auditMatches(read.entry, filter)) yield read.entry;
    }
  }

  async auditSince(filter: AuditFilter, cursor?: string): Promise<{ entries: AuditEntry[]; cursor: string }> {
    await this.refresh();
    const ptr = this.doc.journals.audit;
    const [file, at] = cursor === 'start' ? [ptr.file, '0'] : (cursor ?? '').split(':');
    if (cursor === undefined || file !== ptr.file) return { entries: [], cursor: `${ptr.file}:${ptr.length}` };
    const entries: AuditEntry[] = [];
    let end = Number(at);
    for await (const line of readLines(this.dataDir, ptr.file, Number(at), ptr.length)) {
      end = line.offset + line.length;
      const read = readStoredLine(line.text);
      if ('entry' in read && auditMatches(read.entry, filter)) entries.push(read.entry);
      if (entries.length >= 1000) break;
    }
    return { entries, cursor: `${ptr.file}:${end}` };
  }

  async *auditLines(cursor?: string): AsyncIterable<AuditLine> {
    await this.refresh();
    const ptr = this.doc.journals.audit;
    const [file = ptr.file, at = '0'] = cursor === undefined ? [] : cursor.split(':');
    // A purge copies what it keeps to a new file: offsets into the old one mean nothing there.
    if (file !== ptr.file) throw new MailbotError('AUDIT_REWRITTEN', `the audit trail was rewritten (${file} is now ${ptr.file}): read it again from the start`);
    for await (const line of readLines(this.dataDir, ptr.file, Number(at), ptr.length)) {
      yield { text: line.text, cursor: `${ptr.file}:${line.offset + line.length}` };
    }
  }

  async *auditLinesBackward(cursor?: string): AsyncIterable<BackwardAuditLine> {
    await this.refresh();
    const ptr = this.doc.journals.audit;
    const [file = ptr.file, at = String(ptr.length)] = cursor === undefined ? [] : cursor.split(':');
    if (file !== ptr.file) throw new MailbotError('AUDIT_REWRITTEN', `the audit trail was rewritten (${file} is now ${ptr.file}): read it again from the end`);
    for await (const line of readLinesBackward(this.dataDir, ptr.file, 0, Math.min(Number(at), ptr.length))) {
      // A line's start is also the end of the line before it: both readers resume there.
      const at = `${ptr.file}:${line.offset}`;
      yield { text: line.text, cursor: at, forward: at };
    }
  }

  /**
   * Everything this store holds, for `mailbot migrate --to postgres`: the
   * document as committed now, and the journals streamed up to it.
   */
  async exportAll(): Promise<{ doc: Doc; batches: AsyncIterable<BatchRecord>; ledger: AsyncIterable<LedgerEntry>; audit: AsyncIterable<AuditEntry> }> {
    await this.refresh();
    const doc = structuredClone(this.doc);
    const stream = <T>(ptr: { file: string; length: number }) =>
      (async function* (dataDir: string) {
        for await (const line of readLines(dataDir, ptr.file, 0, ptr.length)) yield JSON.parse(line.text) as T;
      })(this.dataDir);
    return { doc, batches: stream<BatchRecord>(doc.journals.batches), ledger: stream<LedgerEntry>(doc.journals.ledger), audit: stream<AuditEntry>(doc.journals.audit) };
  }

  async reportStatus(status: DaemonStatus): Promise<void> {
    await writePrivateFile(join(this.dataDir, 'status.json'), JSON.stringify(status, null, 2), this.dataDir);
  }

  async daemons(): Promise<DaemonStatus[]> {
    const text = await readPrivateFile(join(this.dataDir, 'status.json')).catch(() => null);
    return text ? [JSON.parse(text.toString('utf8')) as DaemonStatus] : [];
  }

  async close(): Promise<void> {
    while (this.committing || this.shredding.size > 0) {
      await this.committing;
      await Promise.all(this.shredding);
    }
    await this.spares.drain();
    // What this process logged goes into the document: a store at rest is its one file.
    if (this.logged) {
      await this.withLock(async () => {
        await this.refresh(true);
        if (this.logLength > 0) await this.checkpoint();
      }).catch((err: unknown) => this.warn(`the commit log could not be folded into the document: ${errorMessage(err)}`));
    }
    const a = this.attempts;
    this.attempts = undefined;
    if (a) await (await a).close();
    const accepted = this.acceptedJournal;
    this.acceptedJournal = undefined;
    if (accepted) await (await accepted).close();
  }
}

/** STORE_MOVED: the one message every refused write and start gives. */
export function storeMovedError(move: StoreMove): MailbotError {
  const message =
    move.state === 'moved'
      ? `this data directory's store was moved to PostgreSQL (${move.target}) on ${move.at} by \`mailbot migrate\`; it issues nothing any more (two stores never number the same series). Run the daemon and the commands with the configuration that names PostgreSQL`
      : `a migration of this store to PostgreSQL (${move.target}) began on ${move.at} and has not finished; nothing is written here meanwhile. Run \`mailbot migrate --to postgres\` again to finish it`;
  return new MailbotError('STORE_MOVED', message, { ...move });
}
