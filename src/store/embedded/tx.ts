/**
 * A transaction of the embedded store: reads see the document plus this
 * transaction's own writes, which go to an overlay per collection (the keys
 * it set or deleted), so a transaction that throws leaves nothing behind and
 * costs what it touches, not what the collections hold. The store applies a
 * finished transaction to the group commit's own copy of the document and
 * writes everything at the commit (store.ts).
 */
import type { AuditEntry } from '../../audit/entry.js';
import { referencedNumbers } from '../../batch/references.js';
import type { BatchRecord } from '../../batch/types.js';
import type { ClientRecord } from '../../clients/record.js';
import { MailbotError } from '../../core/errors.js';
import type { RightKind } from '../../gdpr/classify.js';
import { OPEN_STATUSES, type RightsRequest } from '../../gdpr/requests.js';
import { checkClientAddresses, checkRegister, checkSeriesAdvance, normaliseAddress, requestAlreadyOpen, requestRef } from '../invariants.js';
import type { BatchSummary, Staging, Tx } from '../port.js';
import { summaryOf } from '../batch-summary.js';
import type { LedgerEntry, OutboxEntry, SeriesState, Task } from '../records.js';
import { fileKey, type BatchIndex } from './batch-index.js';
import type { PlatformIndex } from './platform-index.js';
import type { Doc } from './doc.js';
import { applyFlowPatch, flowKey, type FlowPatch, type PlatformFlow } from '../../platform/records.js';
import { platformSummary } from '../../platform/summary.js';

export type Collections = 'clients' | 'series' | 'requests' | 'requestSeq' | 'ledger' | 'setAside' | 'outbox' | 'rates' | 'counters' | 'tasks' | 'platformCursors';

/** What a finished transaction adds beyond the document: journal lines and after-commit work. */
export interface TxOutput {
  batches: BatchRecord[];
  amendments: BatchAmendment[];
  moved: LedgerEntry[];
  forgetClients: string[];
  audit: AuditEntry[];
  adopt: Staging[];
  shred: string[];
  /** Mails that reached their folder (the attempts journal is told after the commit). */
  movedKeys: string[];
  /** Replies whose sending ended (this process may take others). */
  outboxDone: string[];
  /** Drop the audit lines older than this (retention). */
  auditPrune?: string;
  /** Drop the moved-mail history older than this (retention). */
  ledgerPrune?: string;
  /** Platform records written (null: removed), in order: lines of the platform journal. */
  platform: { key: string; record: PlatformFlow | null }[];
}

/** A change to recorded batches, applied by rewriting the journal at the commit. */
export interface BatchAmendment {
  ids: readonly string[];
  filesRemoved?: readonly string[];
  minimizedAt?: string;
  /** The batch leaves the journal (the register's retention). */
  drop?: boolean;
}

export interface TxEnv {
  /** The batch index, brought up to date on first use (it streams the journal once per process). */
  index(): Promise<BatchIndex>;
  /** Batches committed earlier in the same group commit, not yet in the index. */
  groupBatches: readonly BatchRecord[];
  readBatch(id: string): Promise<BatchRecord | undefined>;
  /** The platform records as committed (platform-index.ts), caught up with the journal. */
  platformIndex(): Promise<PlatformIndex>;
  /** Platform records written earlier in the same group commit (null: removed). */
  groupPlatform: ReadonlyMap<string, PlatformFlow | null>;
  reserved: readonly string[];
  /** Whether this process holds the claim on a mail (store.mail.claim). */
  claimed(key: string): boolean;
}

const clone = <T>(v: T): T => structuredClone(v);

const DELETED = Symbol('deleted');
type Overlay = Map<string, unknown>;

/** What a group commit's transactions wrote per collection (a later one over an earlier one), for the commit log. */
export type GroupChanges = Map<Collections, Overlay>;

/** The entries set and the keys removed, per collection (commit-log.ts, DocDelta). */
export function changedEntries(changes: GroupChanges): { set: Partial<Record<Collections, Record<string, unknown>>>; del: Partial<Record<Collections, string[]>> } {
  const set: Partial<Record<Collections, Record<string, unknown>>> = {};
  const del: Partial<Record<Collections, string[]>> = {};
  for (const [name, overlay] of changes) {
    for (const [k, v] of overlay) {
      if (v === DELETED) (del[name] ??= []).push(k);
      else (set[name] ??= {})[k] = v;
    }
  }
  return { set, del };
}

/** A collection as the transaction sees it: its overlay over the document's, read and written like a plain object. */
function view<T>(base: Record<string, T>, overlay: Overlay): Record<string, T> {
  const has = (k: string) => (overlay.has(k) ? overlay.get(k) !== DELETED : Object.hasOwn(base, k));
  const get = (k: string) => (overlay.has(k) ? (overlay.get(k) === DELETED ? undefined : (overlay.get(k) as T)) : base[k]);
  return new Proxy({}, {
    get: (_t, k) => (typeof k === 'string' ? get(k) : undefined),
    set: (_t, k, v) => {
      overlay.set(String(k), v);
      return true;
    },
    deleteProperty: (_t, k) => {
      overlay.set(String(k), DELETED);
      return true;
    },
    has: (_t, k) => typeof k === 'string' && has(k),
    ownKeys: () => [...new Set([...Object.keys(base), ...overlay.keys()])].filter(has),
    getOwnPropertyDescriptor: (_t, k) => (typeof k === 'string' && has(k) ? { value: get(k), writable: true, enumerable: true, configurable: true } : undefined),
  });
}

export class EmbeddedTx implements Tx {
  private readonly overlays = new Map<Collections, Overlay>();
  readonly out: TxOutput = { batches: [], amendments: [], moved: [], forgetClients: [], audit: [], adopt: [], shred: [], movedKeys: [], outboxDone: [], platform: [] };
  /** This transaction's platform records (null: removed), over the group's and the committed ones. */
  private readonly platformWrites = new Map<string, PlatformFlow | null>();
  private readonly writable: boolean;

  constructor(
    private readonly base: Doc,
    private readonly env: TxEnv,
    writable: boolean,
  ) {
    this.writable = writable;
  }

  private r<K extends Collections>(name: K): Doc[K] {
    const overlay = this.overlays.get(name);
    return overlay ? (view(this.base[name] as Record<string, unknown>, overlay) as Doc[K]) : this.base[name];
  }

  private mustWrite(): void {
    if (!this.writable) throw new MailbotError('READ_ONLY', 'a read-only view cannot write');
  }

  private w<K extends Collections>(name: K): Doc[K] {
    this.mustWrite();
    let overlay = this.overlays.get(name);
    if (!overlay) {
      overlay = new Map();
      this.overlays.set(name, overlay);
    }
    return view(this.base[name] as Record<string, unknown>, overlay) as Doc[K];
  }

  private count(name: string, by = 1): void {
    const c = this.w('counters');
    c[name] = (c[name] ?? 0) + by;
  }

  /**
   * Add this transaction's writes to its group commit's changes. The group's
   * document (its own top-level object) shows each collection it changed as
   * the committed one with the group's changes over it, so the committed
   * collections are not touched (nor copied) before the commit: the store
   * applies the changes once they are committed (store.ts, applyCommitted).
   */
  applyTo(doc: Doc, changes: GroupChanges): void {
    for (const [name, overlay] of this.overlays) {
      let group = changes.get(name);
      if (!group) {
        group = new Map<string, unknown>();
        changes.set(name, group);
        (doc as unknown as Record<Collections, unknown>)[name] = view(doc[name] as Record<string, unknown>, group);
      }
      for (const [k, v] of overlay) group.set(k, v);
    }
  }

  /** The committed collections with a group's changes: in place (nobody is reading them), or in new copies. */
  static applyCommitted(doc: Doc, changes: GroupChanges, inPlace: boolean): Partial<Pick<Doc, Collections>> {
    const out: Partial<Record<Collections, Record<string, unknown>>> = {};
    for (const [name, group] of changes) {
      const target = inPlace ? (doc[name] as Record<string, unknown>) : { ...(doc[name] as Record<string, unknown>) };
      for (const [k, v] of group) {
        if (v === DELETED) delete target[k];
        else target[k] = v;
      }
      out[name] = target;
    }
    return out as Partial<Pick<Doc, Collections>>;
  }

  clients = {
    get: (id: string) => Promise.resolve(this.r('clients')[id] ? clone(this.r('clients')[id]) : undefined),
    list: () => Promise.resolve(Object.values(this.r('clients')).map(clone)),
    byEmail: (email: string) => {
      const e = normaliseAddress(email);
      const found = Object.values(this.r('clients')).find((c) => c.emails.includes(e));
      return Promise.resolve(found ? clone(found) : undefined);
    },
    add: (record: ClientRecord) => {
      if (this.r('clients')[record.id]) throw new MailbotError('CLIENT_EXISTS', `client "${record.id}" already exists`);
      return this.putClient(record);
    },
    put: (record: ClientRecord) => {
      if (!this.r('clients')[record.id]) throw new MailbotError('NOT_FOUND', `client "${record.id}" not found`);
      return this.putClient(record);
    },
  };

  private putClient(record: ClientRecord): Promise<void> {
    const normalised = { ...record, emails: record.emails.map(normaliseAddress) };
    checkClientAddresses(normalised, Object.values(this.r('clients')), this.env.reserved);
    this.w('clients')[record.id] = clone(normalised);
    return Promise.resolve();
  }

  series = {
    of: (clientId: string) => Promise.resolve(clone(this.r('series')[clientId] ?? {})),
    advance: async (clientId: string, expected: Record<string, SeriesState>, next: Record<string, SeriesState>) => {
      checkSeriesAdvance(clientId, this.r('series')[clientId] ?? {}, expected, next);
      const index = await this.env.index();
      for (const [key, s] of Object.entries(next)) {
        const recorded = index.maxSeq.get(`${clientId}\0${key}`) ?? 0;
        if (s.last < recorded) throw new MailbotError('SEQUENCE_BEHIND_REGISTER', `series ${key} of ${clientId} is at ${s.last} but invoice ${recorded} exists`);
      }
      this.w('series')[clientId] = clone(next);
    },
  };

  private groupBatch(pred: (b: BatchRecord) => boolean): BatchRecord | undefined {
    return this.out.batches.find(pred) ?? this.env.groupBatches.find(pred);
  }

  batches = {
    get: async (id: string) => this.groupBatch((b) => b.id === id) ?? (await this.env.readBatch(id)),
    byFile: async (clientId: string, sha: string) => {
      const fresh = this.groupBatch((b) => b.clientId === clientId && b.fileSha256 === sha);
      if (fresh) return fresh;
      const id = (await this.env.index()).byFile.get(fileKey(clientId, sha));
      return id ? this.env.readBatch(id) : undefined;
    },
    ofClient: async (clientId: string) => {
      const out: BatchRecord[] = [];
      for (const id of (await this.env.index()).byClient.get(clientId) ?? []) {
        const b = await this.env.readBatch(id);
        if (b) out.push(b);
      }
      return out.concat(this.env.groupBatches.filter((b) => b.clientId === clientId), this.out.batches.filter((b) => b.clientId === clientId));
    },
    pageOfClient: async (clientId: string, offset: number, limit: number) => {
      // The index keeps each seller's batches by date: the newest at its end; this group's own, not yet in it, come first.
      const fresh = [...this.env.groupBatches, ...this.out.batches].filter((b) => b.clientId === clientId).sort((a, b) => b.committedAt.localeCompare(a.committedAt) || b.id.localeCompare(a.id));
      const ids = (await this.env.index()).byClient.get(clientId) ?? [];
      const total = fresh.length + ids.length;
      const out = fresh.slice(offset, offset + limit);
      for (let i = ids.length - 1 - Math.max(0, offset - fresh.length); i >= 0 && out.length < limit; i--) {
        const b = await this.env.readBatch(ids[i] ?? '');
        if (b) out.push(b);
      }
      return { batches: out, total };
    },
    concerning: async (clientId: string, numbers: readonly string[]) => {
      const index = await this.env.index();
      const ids = new Set<string>();
      for (const n of numbers) for (const id of index.byNumber.get(fileKey(clientId, n)) ?? []) ids.add(id);
      const out: BatchRecord[] = [];
      for (const id of ids) {
        const b = await this.env.readBatch(id);
        if (b) out.push(b);
      }
      const wanted = new Set(numbers);
      const fresh = [...this.env.groupBatches, ...this.out.batches].filter((b) => b.clientId === clientId && b.invoices.some((i) => wanted.has(i.number) || i.preceding?.some((p) => wanted.has(p.number))));
      return out.concat(fresh.filter((b) => !ids.has(b.id)));
    },
    sellersOfBuyer: async (email: string) => {
      const e = normaliseAddress(email);
      const ids = new Set((await this.env.index()).buyers.get(e) ?? []);
      for (const b of [...this.env.groupBatches, ...this.out.batches]) if (b.invoices.some((i) => i.buyerEmail && normaliseAddress(i.buyerEmail) === e)) ids.add(b.clientId);
      return [...ids];
    },
    record: async (batch: BatchRecord) => {
      if (!this.r('clients')[batch.clientId]) throw new MailbotError('NOT_FOUND', `client "${batch.clientId}" not found`);
      if (await this.batches.byFile(batch.clientId, batch.fileSha256)) throw new MailbotError('BATCH_DUPLICATE', `this file was already issued for ${batch.clientId}`);
      const numbers = referencedNumbers(batch.invoices);
      if (numbers.length > 0) checkRegister(await this.batches.concerning(batch.clientId, numbers), batch);
      this.count('batches');
      this.count('invoices', batch.invoices.length);
      this.out.batches.push(clone(batch));
    },
    committedBefore: async (before: string) => {
      const index = await this.env.index();
      const out: BatchSummary[] = [];
      const old = [...index.unminimized].filter(([, at]) => at < before).sort((a, b) => a[1].localeCompare(b[1]));
      for (const [id] of old) {
        const b = await this.env.readBatch(id);
        if (b) out.push(summaryOf(b));
      }
      return out;
    },
    filesRemoved: (id: string, files: readonly string[]) => {
      this.mustWrite();
      this.out.amendments.push({ ids: [id], filesRemoved: [...files] });
      return Promise.resolve();
    },
    minimize: (ids: readonly string[], at: string) => {
      this.mustWrite();
      this.out.amendments.push({ ids: [...ids], minimizedAt: at });
      return Promise.resolve();
    },
    drop: async (ids: readonly string[]) => {
      this.mustWrite();
      if (ids.length === 0) return;
      this.out.amendments.push({ ids: [...ids], drop: true });
      // The invoices' platform records (deposit, statuses, payment declarations and their messages) go with the register entries they belong to.
      const gone = new Set<string>();
      for (const id of ids) {
        const b = await this.batches.get(id);
        for (const i of b?.invoices ?? []) if (b) gone.add(flowKey(b.clientId, i.number));
      }
      await this.dropFlows(gone);
    },
    registerBefore: async (before: string) => {
      const index = await this.env.index();
      return [...index.committed].filter(([, b]) => b.committedAt < before).map(([id, b]) => ({ id, ...b })).sort((a, b) => a.committedAt.localeCompare(b.committedAt));
    },
  };

  requests = {
    get: (ref: string) => Promise.resolve(this.r('requests')[ref] ? clone(this.r('requests')[ref]) : undefined),
    openFor: (requester: string, kind: RightKind) => {
      const who = normaliseAddress(requester);
      const found = Object.values(this.r('requests')).find((r) => r.requester === who && r.kind === kind && OPEN_STATUSES.includes(r.status));
      return Promise.resolve(found ? clone(found) : undefined);
    },
    list: (filter: { open?: boolean; requester?: string } = {}) =>
      Promise.resolve(
        Object.values(this.r('requests'))
          .filter((r) => (!filter.open || OPEN_STATUSES.includes(r.status)) && (!filter.requester || r.requester === normaliseAddress(filter.requester)))
          .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.ref.localeCompare(b.ref))
          .map(clone),
      ),
    nextRef: (year: number) => Promise.resolve(requestRef(year, (this.r('requestSeq')[String(year)] ?? 0) + 1)),
    open: async (request: RightsRequest) => {
      const requester = normaliseAddress(request.requester);
      const existing = await this.requests.openFor(requester, request.kind);
      if (existing) throw requestAlreadyOpen(existing.ref);
      const year = Number(request.ref.slice(5, 9));
      if (request.ref !== (await this.requests.nextRef(year))) throw new MailbotError('STORE_CONFLICT', `request reference ${request.ref} was taken meanwhile`);
      this.w('requestSeq')[String(year)] = (this.r('requestSeq')[String(year)] ?? 0) + 1;
      this.w('requests')[request.ref] = clone({ ...request, requester });
    },
    update: (ref: string, patch: Partial<RightsRequest>) => {
      const current = this.r('requests')[ref];
      if (!current) throw new MailbotError('NOT_FOUND', `request ${ref} not found`);
      const next = { ...current, ...clone(patch), ref };
      for (const [k, v] of Object.entries(patch)) if (v === undefined) delete (next as Record<string, unknown>)[k];
      this.w('requests')[ref] = next;
      return Promise.resolve();
    },
    remove: (refs: readonly string[]) => {
      const all = this.w('requests');
      for (const ref of refs) delete all[ref];
      return Promise.resolve();
    },
  };

  ledger = {
    get: (key: string) => Promise.resolve(this.r('ledger')[key] ? clone(this.r('ledger')[key]) : undefined),
    setAside: () => Promise.resolve(Object.values(this.r('setAside')).map(clone)),
    handledIn: (mailbox: string) => Promise.resolve(Object.values(this.r('ledger')).filter((e) => e.mailbox === mailbox && e.folder !== undefined).map(ledgerId)),
    record: (entry: LedgerEntry) => {
      // Only the claim's holder records the outcome, once.
      if (this.r('ledger')[ledgerId(entry)]?.folder || !this.env.claimed(ledgerId(entry))) throw new MailbotError('MAIL_NOT_CLAIMED', `mail ${ledgerId(entry)} is not claimed by this process (handled already?)`);
      this.w('ledger')[ledgerId(entry)] = clone(entry);
      this.count(`outcome:${entry.outcome ?? 'unknown'}`);
      if (entry.outcome === 'set-aside') this.w('setAside')[ledgerId(entry)] = { key: ledgerId(entry), error: entry.error ?? '', at: entry.updatedAt, ...(entry.messageId ? { messageId: entry.messageId } : {}) };
      return Promise.resolve();
    },
    moved: (keys: readonly string[], at: string) => {
      const ledger = this.w('ledger');
      for (const key of keys) {
        const e = ledger[key];
        if (!e) continue;
        this.out.moved.push({ ...e, state: 'moved', updatedAt: at });
        delete ledger[key];
        this.out.movedKeys.push(key);
      }
      return Promise.resolve();
    },
    unsetAside: (key: string) => {
      delete this.w('setAside')[key];
      return Promise.resolve();
    },
    forgetClient: (clientId: string) => {
      this.mustWrite();
      this.out.forgetClients.push(clientId);
      return Promise.resolve(0);
    },
    prune: (before: string) => {
      this.mustWrite();
      if (!this.out.ledgerPrune || before > this.out.ledgerPrune) this.out.ledgerPrune = before;
      const setAside = this.r('setAside');
      const old = Object.values(setAside).filter((e) => e.at < before);
      if (old.length > 0) {
        const w = this.w('setAside');
        for (const e of old) delete w[e.key];
      }
      return Promise.resolve();
    },
  };

  outbox = {
    list: () => Promise.resolve(Object.values(this.r('outbox')).map(clone)),
    queue: (entry: OutboxEntry) => {
      if (this.r('outbox')[entry.id]) throw new MailbotError('OUTBOX_EXISTS', `reply ${entry.id} is already queued`);
      if (!this.out.adopt.some((s) => s.names.includes(entry.file))) throw new MailbotError('OUTBOX_FILE_MISSING', `reply ${entry.id}: its message ${entry.file} is not staged in this transaction`);
      this.w('outbox')[entry.id] = clone(entry);
      return Promise.resolve();
    },
    // Sent or cancelled, a reply leaves the queue the same way; only a sent one is counted.
    sent: async (id: string) => {
      if (this.r('outbox')[id]) this.count('repliesSent');
      await this.outbox.cancel(id);
    },
    cancel: (id: string) => {
      const entry = this.r('outbox')[id];
      if (!entry) return Promise.resolve();
      delete this.w('outbox')[id];
      this.out.shred.push(entry.file);
      this.out.outboxDone.push(id);
      return Promise.resolve();
    },
    fail: (id: string, failure: { error: string }) => {
      const entry = this.r('outbox')[id];
      if (entry) this.w('outbox')[id] = { ...entry, state: 'failed', attempts: entry.attempts + 1, lastError: failure.error };
      this.out.outboxDone.push(id);
      return Promise.resolve();
    },
    resend: (id: string, at: string) => {
      const entry = this.r('outbox')[id];
      if (entry?.state !== 'failed') return Promise.reject(new MailbotError('NOT_FOUND', `no failed reply ${id} (mailbot outbox --failed lists them)`));
      const next: OutboxEntry = { ...entry, state: 'queued', nextAttemptAt: at };
      this.w('outbox')[id] = next;
      return Promise.resolve(clone(next));
    },
    retry: (id: string, patch: { attempts: number; nextAttemptAt: string; lastError: string }) => {
      const entry = this.r('outbox')[id];
      if (entry) this.w('outbox')[id] = { ...entry, ...patch };
      this.out.outboxDone.push(id);
      return Promise.resolve();
    },
  };

  /** A platform record as this transaction sees it: its own writes, the group's, then the journal's. */
  private async flowOf(key: string): Promise<PlatformFlow | undefined> {
    if (this.platformWrites.has(key)) return this.platformWrites.get(key) ?? undefined;
    if (this.env.groupPlatform.has(key)) return this.env.groupPlatform.get(key) ?? undefined;
    return (await this.env.platformIndex()).records.get(key);
  }

  /** Every platform record as this transaction sees it, read in place (no copy of the index). */
  private async *eachFlow(): AsyncGenerator<PlatformFlow> {
    const index = (await this.env.platformIndex()).records;
    const over = (k: string) => this.platformWrites.has(k) || this.env.groupPlatform.has(k);
    for (const [k, v] of index) if (!over(k)) yield v;
    for (const [k, v] of this.env.groupPlatform) if (v && !this.platformWrites.has(k)) yield v;
    for (const v of this.platformWrites.values()) if (v) yield v;
  }

  private async flows(): Promise<PlatformFlow[]> {
    const out: PlatformFlow[] = [];
    for await (const f of this.eachFlow()) out.push(f);
    return out;
  }

  private writeFlow(key: string, record: PlatformFlow | null): void {
    this.mustWrite();
    this.platformWrites.set(key, record);
    this.out.platform.push({ key, record });
  }

  platform = {
    get: async (clientId: string, number: string) => clone(await this.flowOf(flowKey(clientId, number))),
    getMany: async (clientId: string, numbers: readonly string[]) => {
      const out: PlatformFlow[] = [];
      for (const n of numbers) {
        const f = await this.flowOf(flowKey(clientId, n));
        if (f) out.push(clone(f));
      }
      return out;
    },
    list: async (filter: { clientId?: string; state?: PlatformFlow['state']; status?: number; limit?: number } = {}) => {
      const all = (await this.flows())
        .filter((f) => (filter.clientId === undefined || f.clientId === filter.clientId) && (filter.state === undefined || f.state === filter.state) && (filter.status === undefined || f.status?.code === filter.status))
        .sort((a, b) => a.clientId.localeCompare(b.clientId) || a.number.localeCompare(b.number));
      return (filter.limit === undefined ? all : all.slice(0, filter.limit)).map(clone);
    },
    byFlowId: async (clientId: string, flowId: string) => {
      for await (const f of this.eachFlow()) if (f.clientId === clientId && f.flowId === flowId) return clone(f);
      return undefined;
    },
    due: async (now: string, limit: number) =>
      (await this.flows())
        .filter((f) => f.state === 'queued' && f.nextAttemptAt <= now && (f.leaseUntil === undefined || f.leaseUntil <= now))
        .sort((a, b) => a.nextAttemptAt.localeCompare(b.nextAttemptAt) || a.queuedAt.localeCompare(b.queuedAt))
        .slice(0, limit)
        .map(clone),
    summary: async () => platformSummary(await this.flows()),
    cursor: (clientId: string) => Promise.resolve(this.r('platformCursors')[clientId]),
    queue: async (flows: readonly PlatformFlow[]) => {
      this.mustWrite();
      for (const f of flows) {
        const key = flowKey(f.clientId, f.number);
        if (!(await this.flowOf(key))) this.writeFlow(key, clone(f));
      }
    },
    update: async (clientId: string, number: string, patch: FlowPatch, at: string) => {
      const current = await this.flowOf(flowKey(clientId, number));
      if (!current) throw new MailbotError('NOT_FOUND', `no platform record for ${clientId} ${number}`);
      const next = applyFlowPatch(clone(current), patch, at);
      this.writeFlow(flowKey(clientId, number), next);
      return clone(next);
    },
    setCursor: (clientId: string, updatedAfter: string) => {
      this.w('platformCursors')[clientId] = updatedAfter;
      return Promise.resolve();
    },
  };

  /** Platform records dropped with the register entries they belong to (and the files of payment declarations). */
  private async dropFlows(gone: Set<string>): Promise<void> {
    for (const f of await this.flows()) {
      const key = flowKey(f.clientId, f.number);
      const ofInvoice = f.payment ? flowKey(f.clientId, f.payment.invoice) : key;
      if (!gone.has(ofInvoice)) continue;
      this.writeFlow(key, null);
      if (f.payment) this.out.shred.push(f.payment.file);
    }
  }

  rate = {
    recent: (key: string, windowMs: number, now: number) => Promise.resolve((this.r('rates')[key]?.times ?? []).filter((t) => t > now - windowMs).length),
    hit: (key: string, windowMs: number, limit: number, now: number) => {
      const rates = this.w('rates');
      const times = (rates[key]?.times ?? []).filter((t) => t > now - windowMs);
      const allowed = times.length < limit;
      times.push(now);
      rates[key] = { window: windowMs, times: times.slice(-limit) };
      // Counters whose window ended are dropped as they are met: the document keeps live ones only.
      for (const [k, r] of Object.entries(rates)) if ((r.times.at(-1) ?? 0) <= now - r.window) delete rates[k];
      return Promise.resolve(allowed);
    },
  };

  tasks = {
    list: () => Promise.resolve(Object.values(this.r('tasks')).sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map(clone)),
    add: (task: Task) => {
      this.w('tasks')[task.id] = clone(task);
      return Promise.resolve();
    },
    done: (id: string) => {
      delete this.w('tasks')[id];
      return Promise.resolve();
    },
    doneIn: (id: string, mailbox: string) => {
      const t = this.r('tasks')[id];
      if (t && !t.doneBy?.includes(mailbox)) this.w('tasks')[id] = { ...t, doneBy: [...(t.doneBy ?? []), mailbox] };
      return Promise.resolve();
    },
    failed: (id: string, error: string) => {
      const t = this.r('tasks')[id];
      if (t) this.w('tasks')[id] = { ...t, attempts: t.attempts + 1, lastError: error.slice(0, 300) };
      return Promise.resolve();
    },
  };

  files = {
    adopt: (staging: Staging) => {
      this.mustWrite();
      this.out.adopt.push(staging);
    },
    shred: (names: readonly string[]) => {
      this.mustWrite();
      this.out.shred.push(...names);
    },
  };

  audit(entry: AuditEntry): void {
    this.mustWrite();
    this.out.audit.push(entry);
  }

  pruneAudit(before: string): void {
    this.mustWrite();
    if (!this.out.auditPrune || before > this.out.auditPrune) this.out.auditPrune = before;
  }
}

function ledgerId(e: LedgerEntry): string {
  return `${e.mailbox}|${e.uidValidity}|${e.uid}`;
}
