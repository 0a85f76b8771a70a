/**
 * A transaction of the PostgreSQL store: every operation is a statement in
 * one database transaction (READ COMMITTED, with row locks where an
 * invariant needs them). The checks are the ones the embedded store makes
 * (invariants.ts); the schema's constraints hold them a second time.
 */
import type pg from 'pg';
import { checkpointEntry, EMPTY_HEAD, GENESIS, sealEntries, type AuditSeal, type ChainHead } from '../../audit/chain.js';
import type { AuditEntry } from '../../audit/entry.js';
import { referencedNumbers } from '../../batch/references.js';
import { applyFlowPatch, type FlowPatch, type PlatformFlow } from '../../platform/records.js';
import { platformSummary } from '../../platform/summary.js';
import { registerOnly, type BatchRecord } from '../../batch/types.js';
import type { ClientRecord } from '../../clients/record.js';
import { MailbotError } from '../../core/errors.js';
import type { RightKind } from '../../gdpr/classify.js';
import { OPEN_STATUSES, type RightsRequest } from '../../gdpr/requests.js';
import { checkClientAddresses, checkRegister, checkSeriesAdvance, normaliseAddress, requestAlreadyOpen, requestRef } from '../invariants.js';
import { summaryOf } from '../batch-summary.js';
import type { Staging, Tx } from '../port.js';
import { prepared } from './prepared.js';
import type { LedgerEntry, OutboxEntry, SeriesState, SetAsideEntry, Task } from '../records.js';

type Row = Record<string, unknown>;

export class PgTx implements Tx {
  private readonly adopted: Staging[] = [];
  private readonly shredded: string[] = [];
  private readonly entries: AuditEntry[] = [];
  private readonly counts = new Map<string, number>();
  private pruneBefore?: string;

  constructor(
    private readonly db: pg.PoolClient,
    private readonly node: string,
    private readonly reserved: readonly string[],
    private readonly writable: boolean,
    private readonly seal: AuditSeal,
  ) {}

  private async q<T extends Row = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.db.query<T>(prepared(sql, params))).rows;
  }

  private mustWrite(): void {
    if (!this.writable) throw new MailbotError('READ_ONLY', 'a read-only view cannot write');
  }

  /**
   * Take over what `other`, a transaction run before this flush on the same
   * connection (a group commit), adds at its end: its files, its shredding
   * and its audit lines after this one's, so one chain extension seals them all.
   */
  absorb(other: PgTx): void {
    this.adopted.push(...other.adopted);
    this.shredded.push(...other.shredded);
    this.entries.push(...other.entries);
    for (const [name, by] of other.counts) this.count(name, by);
    if (other.pruneBefore && (!this.pruneBefore || other.pruneBefore > this.pruneBefore)) this.pruneBefore = other.pruneBefore;
  }

  /** What a transaction adds at its end: staged files, shredding, audit lines. Returns the stagings to discard after the commit. */
  async flush(): Promise<Staging[]> {
    for (const staging of this.adopted) {
      for (const name of staging.names) {
        await this.q('INSERT INTO files (name, content) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET content = EXCLUDED.content, created_at = now()', [name, await staging.read(name)]);
      }
    }
    if (this.shredded.length > 0) await this.q('DELETE FROM files WHERE name = ANY($1)', [this.shredded]);
    await this.flushCounts();
    if (this.entries.length > 0 || this.pruneBefore) await this.flushAudit();
    return this.adopted;
  }

  /** The trail's new lines, chained after the head this transaction locks (so every daemon's lines form one chain). */
  private async flushAudit(): Promise<void> {
    const [locked] = await this.q<{ seq: number; mac: string }>('SELECT seq, mac FROM audit_chain WHERE id = 1 FOR UPDATE');
    const head = locked ?? EMPTY_HEAD;
    let entries = this.entries;
    if (this.pruneBefore) {
      const checkpoint = await this.dropAuditBefore(this.pruneBefore, head);
      if (checkpoint) entries = [checkpoint, ...entries];
    }
    const chained = sealEntries(this.seal, head, entries);
    await this.q(
      'INSERT INTO audit (at, action, client_id, entry) SELECT (e->>\'time\')::timestamptz, e->>\'action\', e->>\'clientId\', e FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY n',
      [JSON.stringify(chained.sealed)],
    );
    await this.q('UPDATE audit_chain SET seq = $1, mac = $2 WHERE id = 1', [chained.head.seq, chained.head.mac]);
  }

  /** Drop the run of lines at the start of the trail older than `cutoff`; the checkpoint that anchors the rest. */
  private async dropAuditBefore(cutoff: string, head: ChainHead): Promise<AuditEntry | undefined> {
    const [first] = await this.q<{ at: Date }>('SELECT at FROM audit ORDER BY seq LIMIT 1');
    if (!first || first.at.toISOString() >= cutoff) return undefined;
    const [kept] = await this.q<{ seq: number }>('SELECT min(seq) AS seq FROM audit WHERE at >= $1', [cutoff]);
    const limit = kept?.seq ?? Number.MAX_SAFE_INTEGER;
    const [last] = await this.q<{ mac: string }>("SELECT entry->>'mac' AS mac FROM audit WHERE seq < $1 AND entry ? 'mac' ORDER BY seq DESC LIMIT 1", [limit]);
    const [firstKept] = await this.q<{ seq: number }>("SELECT (entry->>'seq')::bigint AS seq FROM audit WHERE seq >= $1 AND entry ? 'seq' ORDER BY seq LIMIT 1", [limit]);
    const dropped = (await this.db.query(prepared('DELETE FROM audit WHERE seq < $1', [limit]))).rowCount ?? 0;
    return checkpointEntry(new Date().toISOString(), firstKept?.seq ?? head.seq + 1, last?.mac ?? GENESIS, dropped, cutoff);
  }

  clients = {
    get: async (id: string) => (await this.q<{ record: ClientRecord }>('SELECT record FROM clients WHERE id = $1', [id]))[0]?.record,
    list: async () => (await this.q<{ record: ClientRecord }>('SELECT record FROM clients ORDER BY id')).map((r) => r.record),
    byEmail: async (email: string) => (await this.q<{ record: ClientRecord }>('SELECT c.record FROM client_emails e JOIN clients c ON c.id = e.client_id WHERE e.email = $1', [normaliseAddress(email)]))[0]?.record,
    add: async (record: ClientRecord) => {
      this.mustWrite();
      if ((await this.q('SELECT 1 FROM clients WHERE id = $1', [record.id])).length > 0) throw new MailbotError('CLIENT_EXISTS', `client "${record.id}" already exists`);
      await this.putClient(record, true);
    },
    put: async (record: ClientRecord) => {
      this.mustWrite();
      if ((await this.q('SELECT 1 FROM clients WHERE id = $1 FOR UPDATE', [record.id])).length === 0) throw new MailbotError('NOT_FOUND', `client "${record.id}" not found`);
      await this.putClient(record, false);
    },
  };

  private async putClient(record: ClientRecord, adding: boolean): Promise<void> {
    const normalised = { ...record, emails: record.emails.map(normaliseAddress) };
    const others = (await this.q<{ record: ClientRecord }>('SELECT DISTINCT c.record FROM client_emails e JOIN clients c ON c.id = e.client_id WHERE e.email = ANY($1) AND c.id <> $2', [normalised.emails, record.id])).map((r) => r.record);
    checkClientAddresses(normalised, others, this.reserved);
    if (adding) await this.q('INSERT INTO clients (id, record) VALUES ($1, $2)', [record.id, normalised]);
    else await this.q('UPDATE clients SET record = $2, updated_at = now() WHERE id = $1', [record.id, normalised]);
    await this.q('DELETE FROM client_emails WHERE client_id = $1', [record.id]);
    if (normalised.emails.length > 0) await this.q('INSERT INTO client_emails (email, client_id) SELECT unnest($1::text[]), $2', [normalised.emails, record.id]);
  }

  series = {
    of: async (clientId: string) => {
      const out: Record<string, SeriesState> = {};
      for (const r of await this.q<{ series_key: string; last: number; last_issue_date: string }>('SELECT series_key, last, last_issue_date FROM series WHERE client_id = $1', [clientId])) out[r.series_key] = { last: r.last, lastIssueDate: r.last_issue_date };
      return out;
    },
    advance: async (clientId: string, expected: Record<string, SeriesState>, next: Record<string, SeriesState>) => {
      this.mustWrite();
      // The client's row is the lock of its series: two batches of one seller commit one after the other.
      if ((await this.q('SELECT 1 FROM clients WHERE id = $1 FOR UPDATE', [clientId])).length === 0) throw new MailbotError('NOT_FOUND', `client "${clientId}" not found`);
      checkSeriesAdvance(clientId, await this.series.of(clientId), expected, next);
      // One index probe per series (invoices_series), not a scan of the register.
      const recorded = await this.q<{ series: string; max: number | null }>('SELECT s.series, (SELECT max(seq) FROM invoices i WHERE i.client_id = $1 AND i.series = s.series) AS max FROM unnest($2::text[]) AS s(series)', [clientId, Object.keys(next)]);
      for (const r of recorded) {
        const s = next[r.series];
        if (s && r.max !== null && s.last < r.max) throw new MailbotError('SEQUENCE_BEHIND_REGISTER', `series ${r.series} of ${clientId} is at ${s.last} but invoice ${r.max} exists`);
      }
      for (const [key, s] of Object.entries(next)) {
        await this.q('INSERT INTO series (client_id, series_key, last, last_issue_date) VALUES ($1, $2, $3, $4) ON CONFLICT (client_id, series_key) DO UPDATE SET last = EXCLUDED.last, last_issue_date = EXCLUDED.last_issue_date', [clientId, key, s.last, s.lastIssueDate]);
      }
    },
  };

  batches = {
    get: async (id: string) => (await this.q<{ record: BatchRecord }>('SELECT record FROM batches WHERE id = $1', [id]))[0]?.record,
    byFile: async (clientId: string, sha: string) => (await this.q<{ record: BatchRecord }>('SELECT record FROM batches WHERE client_id = $1 AND file_sha256 = $2', [clientId, sha]))[0]?.record,
    ofClient: async (clientId: string) => (await this.q<{ record: BatchRecord }>('SELECT record FROM batches WHERE client_id = $1 ORDER BY committed_at, id', [clientId])).map((r) => r.record),
    pageOfClient: async (clientId: string, offset: number, limit: number) => {
      const rows = await this.q<{ record: BatchRecord; total: string }>('SELECT record, count(*) OVER () AS total FROM batches WHERE client_id = $1 ORDER BY committed_at DESC, id DESC OFFSET $2 LIMIT $3', [clientId, offset, limit]);
      const total = rows[0] ? Number(rows[0].total) : Number((await this.q<{ n: string }>('SELECT count(*) AS n FROM batches WHERE client_id = $1', [clientId]))[0]?.n ?? 0);
      return { batches: rows.map((r) => r.record), total };
    },
    concerning: async (clientId: string, numbers: readonly string[]) =>
      (
        await this.q<{ record: BatchRecord }>(
          `SELECT record FROM batches b WHERE client_id = $1 AND (
             id IN (SELECT batch_id FROM invoices WHERE client_id = $1 AND number = ANY($2))
             OR EXISTS (SELECT 1 FROM jsonb_array_elements(b.record->'invoices') i, jsonb_array_elements(coalesce(i->'preceding', '[]'::jsonb)) p WHERE p->>'number' = ANY($2)))
           ORDER BY committed_at, id`,
          [clientId, [...numbers]],
        )
      ).map((r) => r.record),
    sellersOfBuyer: async (email: string) => (await this.q<{ client_id: string }>('SELECT DISTINCT client_id FROM invoices WHERE lower(buyer_email) = $1', [normaliseAddress(email)])).map((r) => r.client_id),
    record: async (batch: BatchRecord) => {
      this.mustWrite();
      if ((await this.q('SELECT 1 FROM clients WHERE id = $1', [batch.clientId])).length === 0) throw new MailbotError('NOT_FOUND', `client "${batch.clientId}" not found`);
      if (await this.batches.byFile(batch.clientId, batch.fileSha256)) throw new MailbotError('BATCH_DUPLICATE', `this file was already issued for ${batch.clientId}`);
      const numbers = referencedNumbers(batch.invoices);
      if (numbers.length > 0) checkRegister(await this.batches.concerning(batch.clientId, numbers), batch);
      await this.q('INSERT INTO batches (id, client_id, file_sha256, committed_at, record) VALUES ($1, $2, $3, $4, $5)', [batch.id, batch.clientId, batch.fileSha256, batch.committedAt, batch]);
      const inv = batch.invoices;
      await this.q(
        'INSERT INTO invoices (client_id, number, batch_id, series, seq, issue_date, total, buyer_email) SELECT $1, n, $2, s, q, d, t, b FROM unnest($3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[]) AS u(n, s, q, d, t, b)',
        [batch.clientId, batch.id, inv.map((i) => i.number), inv.map((i) => i.series ?? null), inv.map((i) => i.seq ?? null), inv.map((i) => i.issueDate), inv.map((i) => i.totalInclVat), inv.map((i) => i.buyerEmail ?? null)],
      );
      this.count('batches', 1);
      this.count('invoices', inv.length);
    },
    committedBefore: async (before: string) =>
      (await this.q<{ record: BatchRecord }>("SELECT record FROM batches WHERE committed_at < $1 AND NOT (record ? 'minimizedAt') ORDER BY committed_at, id", [before])).map((r) => summaryOf(r.record)),
    filesRemoved: async (id: string, files: readonly string[]) => {
      this.mustWrite();
      await this.amend([id], (b) => ({ ...b, filesRemoved: [...new Set([...(b.filesRemoved ?? []), ...files])] }));
    },
    minimize: async (ids: readonly string[], at: string) => {
      this.mustWrite();
      await this.amend(ids, (b) => registerOnly(b, at));
    },
    drop: async (ids: readonly string[]) => {
      this.mustWrite();
      // The invoices' platform records (deposit, statuses) go with the register entries they belong to.
      await this.q('DELETE FROM platform_flows f USING invoices i WHERE i.batch_id = ANY($1) AND f.client_id = i.client_id AND f.number = i.number', [ids]);
      const payments = await this.q<{ record: PlatformFlow }>("DELETE FROM platform_flows f USING invoices i WHERE i.batch_id = ANY($1) AND f.client_id = i.client_id AND f.record->'payment'->>'invoice' = i.number RETURNING f.record", [ids]);
      this.files.shred(payments.flatMap((p) => (p.record.payment ? [p.record.payment.file] : [])));
      await this.q('DELETE FROM invoices WHERE batch_id = ANY($1)', [ids]);
      await this.q('DELETE FROM batches WHERE id = ANY($1)', [ids]);
    },
    registerBefore: async (before: string) =>
      (await this.q<{ id: string; client_id: string; committed_at: Date }>('SELECT id, client_id, committed_at FROM batches WHERE committed_at < $1 ORDER BY committed_at, id', [before])).map((r) => ({ id: r.id, clientId: r.client_id, committedAt: r.committed_at.toISOString() })),
  };

  private async amend(ids: readonly string[], change: (b: BatchRecord) => BatchRecord): Promise<void> {
    for (const r of await this.q<{ record: BatchRecord }>('SELECT record FROM batches WHERE id = ANY($1) FOR UPDATE', [ids])) {
      await this.q('UPDATE batches SET record = $2 WHERE id = $1', [r.record.id, change(r.record)]);
    }
  }

  /** Counted now, written at the flush: nothing reads a counter inside a transaction (only `stats`, outside). */
  private count(name: string, by: number): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + by);
  }

  /**
   * The transaction's counters in one statement, in name order: a group's
   * many mails add to the same few rows, locked once, at the end, and always
   * in the same order by every daemon (no deadlock between two of them).
   */
  private async flushCounts(): Promise<void> {
    if (this.counts.size === 0) return;
    const names = [...this.counts.keys()].sort();
    await this.q('INSERT INTO counters (name, value) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT (name) DO UPDATE SET value = counters.value + EXCLUDED.value', [names, names.map((n) => this.counts.get(n) ?? 0)]);
  }

  requests = {
    get: async (ref: string) => (await this.q<{ record: RightsRequest }>('SELECT record FROM requests WHERE ref = $1', [ref]))[0]?.record,
    openFor: async (requester: string, kind: RightKind) => (await this.q<{ record: RightsRequest }>('SELECT record FROM requests WHERE requester = $1 AND kind = $2 AND status = ANY($3)', [normaliseAddress(requester), kind, OPEN_STATUSES]))[0]?.record,
    list: async (filter: { open?: boolean; requester?: string } = {}) =>
      (await this.q<{ record: RightsRequest }>('SELECT record FROM requests WHERE ($1::text[] IS NULL OR status = ANY($1)) AND ($2::text IS NULL OR requester = $2) ORDER BY received_at, ref', [filter.open ? OPEN_STATUSES : null, filter.requester ? normaliseAddress(filter.requester) : null])).map((r) => r.record),
    nextRef: async (year: number) => requestRef(year, ((await this.q<{ last: number }>('SELECT last FROM request_seq WHERE year = $1', [year]))[0]?.last ?? 0) + 1),
    open: async (request: RightsRequest) => {
      this.mustWrite();
      const requester = normaliseAddress(request.requester);
      const existing = await this.requests.openFor(requester, request.kind);
      if (existing) throw requestAlreadyOpen(existing.ref);
      const year = Number(request.ref.slice(5, 9));
      const [seq] = await this.q<{ last: number }>('INSERT INTO request_seq (year, last) VALUES ($1, 1) ON CONFLICT (year) DO UPDATE SET last = request_seq.last + 1 RETURNING last', [year]);
      if (request.ref !== requestRef(year, seq?.last ?? 0)) throw new MailbotError('STORE_CONFLICT', `request reference ${request.ref} was taken meanwhile`);
      const record = { ...request, requester };
      await this.q('INSERT INTO requests (ref, requester, kind, status, received_at, record) VALUES ($1, $2, $3, $4, $5, $6)', [request.ref, requester, request.kind, request.status, request.receivedAt, record]);
    },
    update: async (ref: string, patch: Partial<RightsRequest>) => {
      this.mustWrite();
      const [row] = await this.q<{ record: RightsRequest }>('SELECT record FROM requests WHERE ref = $1 FOR UPDATE', [ref]);
      if (!row) throw new MailbotError('NOT_FOUND', `request ${ref} not found`);
      const next = { ...row.record, ...patch, ref };
      for (const [k, v] of Object.entries(patch)) if (v === undefined) delete (next as Record<string, unknown>)[k];
      await this.q('UPDATE requests SET status = $2, requester = $4, record = $3 WHERE ref = $1', [ref, next.status, next, next.requester]);
    },
    remove: async (refs: readonly string[]) => {
      this.mustWrite();
      await this.q('DELETE FROM requests WHERE ref = ANY($1)', [refs]);
    },
  };

  ledger = {
    get: async (key: string) => (await this.q<{ entry: LedgerEntry }>("SELECT entry FROM ledger WHERE key = $1 AND state = 'handled'", [key]))[0]?.entry,
    setAside: async () => (await this.q<{ key: string; error: string; at: Date; message_id: string | null }>('SELECT key, error, at, message_id FROM set_aside ORDER BY at')).map((r): SetAsideEntry => ({ key: r.key, error: r.error, at: r.at.toISOString(), ...(r.message_id ? { messageId: r.message_id } : {}) })),
    handledIn: async (mailbox: string) => (await this.q<{ key: string }>("SELECT key FROM ledger WHERE state = 'handled' AND entry->>'mailbox' = $1", [mailbox])).map((r) => r.key),
    record: async (entry: LedgerEntry) => {
      this.mustWrite();
      const key = `${entry.mailbox}|${entry.uidValidity}|${entry.uid}`;
      // Only the daemon that holds the claim records the outcome: one that lost it (taken over
      // after its heartbeat stopped) must not commit what it did.
      const done = await this.q(
        "UPDATE ledger SET state = 'handled', outcome = $3, folder = $4, client_id = $5, message_id = $6, attempts = $7, error = $8, updated_at = $9, entry = $10, in_attempt = false WHERE key = $1 AND state = 'claimed' AND node = $2 RETURNING key",
        [key, this.node, entry.outcome ?? null, entry.folder ?? null, entry.clientId ?? null, entry.messageId ?? null, entry.attempts, entry.error ?? null, entry.updatedAt, entry],
      );
      if (done.length === 0) throw new MailbotError('MAIL_NOT_CLAIMED', `mail ${key} is not claimed by this daemon (handled already, or taken over)`);
      this.count(`outcome:${entry.outcome ?? 'unknown'}`, 1);
      if (entry.outcome === 'set-aside') await this.q('INSERT INTO set_aside (key, error, at, message_id) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET error = EXCLUDED.error, at = EXCLUDED.at, message_id = EXCLUDED.message_id', [key, entry.error ?? '', entry.updatedAt, entry.messageId ?? null]);
    },
    moved: async (keys: readonly string[], at: string) => {
      this.mustWrite();
      await this.q("UPDATE ledger SET state = 'moved', updated_at = $2, entry = jsonb_set(entry, '{state}', '\"moved\"') WHERE key = ANY($1) AND state = 'handled'", [keys, at]);
    },
    unsetAside: async (key: string) => {
      this.mustWrite();
      await this.q('DELETE FROM set_aside WHERE key = $1', [key]);
    },
    prune: async (before: string) => {
      this.mustWrite();
      await this.q("DELETE FROM ledger WHERE state = 'moved' AND updated_at < $1", [before]);
      await this.q('DELETE FROM set_aside WHERE at < $1', [before]);
    },
    forgetClient: async (clientId: string) => {
      this.mustWrite();
      return (await this.q("DELETE FROM ledger WHERE client_id = $1 AND state = 'moved' RETURNING key", [clientId])).length;
    },
  };

  outbox = {
    list: async () => (await this.q<{ entry: OutboxEntry }>('SELECT entry FROM outbox ORDER BY created_at, id')).map((r) => r.entry),
    queue: async (entry: OutboxEntry) => {
      this.mustWrite();
      if (!this.adopted.some((s) => s.names.includes(entry.file))) throw new MailbotError('OUTBOX_FILE_MISSING', `reply ${entry.id}: its message ${entry.file} is not staged in this transaction`);
      await this.q('INSERT INTO outbox (id, state, next_attempt_at, created_at, entry) VALUES ($1, $2, $3, $4, $5)', [entry.id, entry.state, entry.nextAttemptAt, entry.createdAt, entry]);
    },
    sent: async (id: string) => {
      this.mustWrite();
      const [row] = await this.q<{ entry: OutboxEntry }>('DELETE FROM outbox WHERE id = $1 RETURNING entry', [id]);
      if (!row) return;
      this.shredded.push(row.entry.file);
      this.count('repliesSent', 1);
    },
    cancel: async (id: string) => {
      this.mustWrite();
      const [row] = await this.q<{ entry: OutboxEntry }>('DELETE FROM outbox WHERE id = $1 RETURNING entry', [id]);
      if (row) this.shredded.push(row.entry.file);
    },
    fail: async (id: string, failure: { error: string }) => {
      this.mustWrite();
      await this.q("UPDATE outbox SET state = 'failed', taken_by = NULL, taken_until = NULL, entry = entry || jsonb_build_object('state', 'failed', 'lastError', $2::text, 'attempts', (entry->>'attempts')::int + 1) WHERE id = $1", [id, failure.error]);
    },
    resend: async (id: string, at: string) => {
      this.mustWrite();
      const [row] = await this.q<{ entry: OutboxEntry }>(
        "UPDATE outbox SET state = 'queued', next_attempt_at = $2::timestamptz, taken_by = NULL, taken_until = NULL, entry = entry || jsonb_build_object('state', 'queued', 'nextAttemptAt', $3::text) WHERE id = $1 AND state = 'failed' RETURNING entry",
        [id, at, at],
      );
      if (!row) throw new MailbotError('NOT_FOUND', `no failed reply ${id} (mailbot outbox --failed lists them)`);
      return row.entry;
    },
    retry: async (id: string, patch: { attempts: number; nextAttemptAt: string; lastError: string }) => {
      this.mustWrite();
      await this.q("UPDATE outbox SET next_attempt_at = $2, taken_by = NULL, taken_until = NULL, entry = entry || $3::jsonb WHERE id = $1", [id, patch.nextAttemptAt, JSON.stringify(patch)]);
    },
  };

  rate = {
    // Both in the server, on a window kept in time order (migrations 006 and 007).
    recent: async (key: string, windowMs: number, now: number) => Number((await this.q<{ n: number }>('SELECT mailbot_rate_recent($1, $2) AS n', [key, now - windowMs]))[0]?.n ?? 0),
    // One statement: the window's row locked, its hits that left the window dropped, the rest counted,
    // this one put in its place and the whole cut to `limit`; then the counters whose window ended dropped.
    hit: async (key: string, windowMs: number, limit: number, now: number) => {
      this.mustWrite();
      const [row] = await this.q<{ allowed: boolean }>('SELECT mailbot_rate_hit($1, $2, $3, $4) AS allowed', [key, windowMs, limit, now]);
      return row?.allowed === true;
    },
  };

  tasks = {
    list: async () => (await this.q<{ record: Task }>('SELECT record FROM tasks ORDER BY created_at, id')).map((r) => r.record),
    add: async (task: Task) => {
      this.mustWrite();
      await this.q('INSERT INTO tasks (id, created_at, record) VALUES ($1, $2, $3)', [task.id, task.createdAt, task]);
    },
    done: async (id: string) => {
      this.mustWrite();
      await this.q('DELETE FROM tasks WHERE id = $1', [id]);
    },
    doneIn: async (id: string, mailbox: string) => {
      this.mustWrite();
      await this.q(
        "UPDATE tasks SET record = record || jsonb_build_object('doneBy', COALESCE(record->'doneBy', '[]'::jsonb) || to_jsonb($2::text)) WHERE id = $1 AND NOT COALESCE(record->'doneBy', '[]'::jsonb) ? $2",
        [id, mailbox],
      );
    },
    failed: async (id: string, error: string) => {
      this.mustWrite();
      await this.q("UPDATE tasks SET record = record || jsonb_build_object('attempts', (record->>'attempts')::int + 1, 'lastError', $2::text) WHERE id = $1", [id, error.slice(0, 300)]);
    },
  };

  platform = {
    get: async (clientId: string, number: string) => (await this.q<{ record: PlatformFlow }>('SELECT record FROM platform_flows WHERE client_id = $1 AND number = $2', [clientId, number]))[0]?.record,
    getMany: async (clientId: string, numbers: readonly string[]) => (numbers.length === 0 ? [] : (await this.q<{ record: PlatformFlow }>('SELECT record FROM platform_flows WHERE client_id = $1 AND number = ANY($2::text[])', [clientId, [...numbers]])).map((r) => r.record)),
    list: async (filter: { clientId?: string; state?: PlatformFlow['state']; status?: number; limit?: number } = {}) =>
      (
        await this.q<{ record: PlatformFlow }>(
          'SELECT record FROM platform_flows WHERE ($1::text IS NULL OR client_id = $1) AND ($2::text IS NULL OR state = $2) AND ($3::int IS NULL OR status = $3) ORDER BY client_id, number LIMIT $4',
          [filter.clientId ?? null, filter.state ?? null, filter.status ?? null, filter.limit ?? null],
        )
      ).map((r) => r.record),
    byFlowId: async (clientId: string, flowId: string) => (await this.q<{ record: PlatformFlow }>('SELECT record FROM platform_flows WHERE client_id = $1 AND flow_id = $2', [clientId, flowId]))[0]?.record,
    // Another daemon's transaction may be leasing the same rows: those it holds are skipped, never waited for.
    due: async (now: string, limit: number) =>
      (
        await this.q<{ record: PlatformFlow }>(
          `SELECT record FROM platform_flows WHERE state = 'queued' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1) ORDER BY next_attempt_at, record->>'queuedAt' LIMIT $2${this.writable ? ' FOR UPDATE SKIP LOCKED' : ''}`,
          [now, limit],
        )
      ).map((r) => r.record),
    summary: async () => {
      const rows = await this.q<{ record: PlatformFlow }>("SELECT record FROM platform_flows WHERE state <> 'deposited' OR record ? 'lastError'");
      return platformSummary(rows.map((r) => r.record));
    },
    cursor: async (clientId: string) => (await this.q<{ updated_after: string }>('SELECT updated_after FROM platform_cursors WHERE client_id = $1', [clientId]))[0]?.updated_after,
    queue: async (flows: readonly PlatformFlow[]) => {
      this.mustWrite();
      for (const f of flows) {
        await this.q(
          'INSERT INTO platform_flows (client_id, number, state, next_attempt_at, record) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (client_id, number) DO NOTHING',
          [f.clientId, f.number, f.state, f.nextAttemptAt, f],
        );
      }
    },
    update: async (clientId: string, number: string, patch: FlowPatch, at: string) => {
      this.mustWrite();
      const current = (await this.q<{ record: PlatformFlow }>('SELECT record FROM platform_flows WHERE client_id = $1 AND number = $2 FOR UPDATE', [clientId, number]))[0]?.record;
      if (!current) throw new MailbotError('NOT_FOUND', `no platform record for ${clientId} ${number}`);
      const next = applyFlowPatch(current, patch, at);
      await this.q(
        'UPDATE platform_flows SET state = $3, next_attempt_at = $4, lease_until = $5, flow_id = $6, status = $7, record = $8 WHERE client_id = $1 AND number = $2',
        [clientId, number, next.state, next.nextAttemptAt, next.leaseUntil ?? null, next.flowId ?? null, next.status?.code ?? null, next],
      );
      return next;
    },
    setCursor: async (clientId: string, updatedAfter: string) => {
      this.mustWrite();
      await this.q('INSERT INTO platform_cursors (client_id, updated_after) VALUES ($1, $2) ON CONFLICT (client_id) DO UPDATE SET updated_after = EXCLUDED.updated_after', [clientId, updatedAfter]);
    },
  };

  files = {
    adopt: (staging: Staging) => {
      this.mustWrite();
      this.adopted.push(staging);
    },
    shred: (names: readonly string[]) => {
      this.mustWrite();
      this.shredded.push(...names);
    },
  };

  audit(entry: AuditEntry): void {
    this.mustWrite();
    this.entries.push(entry);
  }

  pruneAudit(before: string): void {
    this.mustWrite();
    if (!this.pruneBefore || before > this.pruneBefore) this.pruneBefore = before;
  }
}
