/**
 * The PostgreSQL store, for more than one daemon (two mailboxes, or two
 * machines) sharing one state. Selected by `store: { "type": "postgres" }`;
 * the URL comes from the environment variable the configuration names.
 *
 * - Series advance under a row lock on their seller; invoice numbers are
 *   unique in the register table.
 * - A daemon claims a mail in the ledger before any work: two daemons on one
 *   mailbox never handle one mail twice. A claim whose daemon stopped
 *   beating (`leaseSeconds`) is taken over by another.
 * - Stored files (PDFs, reports, source CSVs, queued replies) are in the
 *   database: every daemon can serve them.
 * - Serialisation failures and deadlocks are retried: a transaction function
 *   has no effect outside its transaction.
 * - Transactions that arrive while a commit is under way go together in
 *   one database transaction (group commit): a busy daemon pays one BEGIN,
 *   one audit chain extension and one COMMIT for many mails.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { EMPTY_HEAD, type AuditSeal, type ChainHead } from '../../audit/chain.js';
import type { AuditEntry } from '../../audit/entry.js';
import { localAuditSeal } from '../../config/secrets.js';
import type { StoreConfig } from '../../config/schema.js';
import { errorMessage, MailbotError } from '../../core/errors.js';
import { failpoint } from '../../core/failpoints.js';
import { OPEN_STATUSES } from '../../gdpr/requests.js';
import { auditMatches } from '../audit-filter.js';
import { PROCESS_STARTED, checkStoredName, discardOrphan, processAlive, stagingFolders } from '../embedded/staging.js';
import type { AuditFilter, AuditLine, BackwardAuditLine, DaemonStatus, FileStore, MailClaim, MailKey, OutboxEntry, ReadTx, Staging, Store, StoreStats, Tx } from '../port.js';
import { writePrivateFile } from '../files.js';
import { prepared } from './prepared.js';
import { migrate } from './migrate.js';
import { PgStaging } from './staging.js';
import { PgTx } from './tx.js';

type PostgresConfig = Extract<StoreConfig, { type: 'postgres' }>;

// bigint counters come back as numbers (they stay far below 2^53).
pg.types.setTypeParser(20, (v) => Number(v));

/**
 * The longest a reply stays taken by a daemon that still beats: a send that
 * hangs past it (its SMTP timeouts are far shorter) is taken by another.
 */
const SEND_LEASE_SECONDS = 300;

/**
 * A reply's taker (`me` is this process) is gone: its send lease ran out, or
 * its node beats for another process (it was restarted), or stopped beating
 * for leaseSeconds (killed, or cut from the database). A taker that never
 * beat keeps the reply for the whole lease; this process never takes its own
 * again.
 *
 * Silence is evidence only from a judge that could see the database all
 * that while (`bySilence`): after an outage every daemon was silent, and one
 * whose server took a reply during it is still waiting to record it. Taken
 * from it then, the reply would go twice.
 */
// Whether silence counts is a value, not a variant of the text: the server refuses a value the text
// does not use, which the lease's was when silence did not count (after an outage, for leaseSeconds).
const takerGone = (me: string, leaseSeconds: string, bySilence: string) => `(taken_until < now() OR (taken_by <> ${me} AND EXISTS (
  SELECT 1 FROM nodes n WHERE left(outbox.taken_by, length(n.node) + 1) = n.node || '|'
    AND (n.status->>'taker' IS DISTINCT FROM outbox.taken_by OR (${bySilence}::boolean AND n.heartbeat_at <= now() - make_interval(secs => ${leaseSeconds}))))))`;

/** Errors a new attempt of the same transaction resolves. */
const RETRYABLE = new Set(['40001', '40P01']);
/**
 * Connections committing at once (group commit); transactions that come
 * meanwhile wait and go together. One, as the embedded store's commit loop:
 * measured with 1,000 questions (bench/history.ts), two lanes gave 0.26 of
 * the protocol floor and four 0.11, because the groups then wait on each
 * other's row locks (a sender's rate window, the chain head); one gave 0.40.
 */
const COMMIT_LANES = 1;
/** Transactions in one group at most. */
const MAX_GROUP = 64;

interface GroupJob {
  fn: (tx: Tx) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** A unique or exclusion violation, as the invariant it protects. */
function constraintError(err: unknown): MailbotError | undefined {
  const e = err as { code?: string; constraint?: string; detail?: string };
  if (e.code !== '23505') return undefined;
  if (e.constraint === 'client_emails_pkey') return new MailbotError('EMAIL_TAKEN', `an address of this client already belongs to another client (${e.detail ?? ''})`, { field: 'emails' });
  if (e.constraint === 'invoices_pkey') return new MailbotError('SEQUENCE_MOVED', 'an invoice number was taken meanwhile; nothing was issued from this batch');
  if (e.constraint === 'requests_one_open') return new MailbotError('REQUEST_OPEN', 'a request of this kind from this address is already open');
  if (e.constraint === 'request_seq_pkey' || e.constraint === 'series_pkey' || e.constraint === 'clients_pkey' || e.constraint === 'rates_pkey') return new MailbotError('STORE_CONFLICT', `another transaction wrote the same record (${e.constraint})`);
  if (e.constraint === 'batches_client_id_file_sha256_key') return new MailbotError('BATCH_DUPLICATE', 'this file was issued meanwhile');
  return new MailbotError('STORE_CONSTRAINT', `refused by the database: ${e.constraint ?? 'unique'}`);
}

/** pg's own errors for a connection that is gone: they carry no SQLSTATE. */
const CONNECTION_LOST = /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect|Connection ended)/;
/** SQLSTATE classes of a server that is gone or refusing: connection exception, operator intervention (shutdown). */
const SERVER_GONE = /^(08\d\d\d|57P0[1-3])$/;
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * A database that cannot be reached, as the store's typed fault of the
 * environment (STORE_UNREACHABLE): the daemon pauses its intake and charges
 * nothing to the mail in hand. Any other error is returned as it was.
 */
export function unreachable(err: unknown): unknown {
  if (err instanceof MailbotError) return err;
  const code = (err as { code?: unknown }).code;
  const lost = typeof code === 'string' ? SERVER_GONE.test(code) || NETWORK.has(code) : CONNECTION_LOST.test(errorMessage(err));
  return lost ? new MailbotError('STORE_UNREACHABLE', `PostgreSQL cannot be reached: ${errorMessage(err)}`, { cause: typeof code === 'string' ? code : 'connection lost' }) : err;
}

export class PostgresStore implements Store {
  readonly backend = 'postgres' as const;
  private heartbeat?: NodeJS.Timeout;
  private lastStatus?: DaemonStatus;
  /**
   * Who takes replies to send: this process, not only its node. A daemon
   * restarted on the same node (same name, a fresh heartbeat) is another
   * taker, so what the killed one had taken is free at once.
   */
  private readonly taker: string;

  private constructor(
    readonly dataDir: string,
    private readonly pool: pg.Pool,
    private readonly node: string,
    private readonly leaseSeconds: number,
    private readonly reserved: readonly string[],
    private readonly seal: AuditSeal,
  ) {
    this.taker = `${node}|${process.pid}|${PROCESS_STARTED}`;
  }

  static async open(dataDir: string, config: PostgresConfig, env: NodeJS.ProcessEnv, options: { reserved?: readonly string[]; seal?: AuditSeal } = {}): Promise<PostgresStore> {
    const url = env[config.urlEnv];
    if (!url) throw new MailbotError('CONFIG_INVALID', `store.urlEnv: environment variable ${config.urlEnv} is not set`);
    const pool = new pg.Pool({ connectionString: url, max: config.poolSize, application_name: 'mailbot' });
    pool.on('error', () => undefined); // an idle connection lost: the pool makes a new one
    try {
      await migrate(pool);
    } catch (err) {
      await pool.end();
      throw err instanceof MailbotError ? err : new MailbotError('STORE_UNREACHABLE', `PostgreSQL (${config.urlEnv}): ${errorMessage(err)}`);
    }
    // Staged copies of a process that died: whatever they held is committed in the database or was never committed.
    for (const f of await stagingFolders(dataDir)) if (!processAlive(f.pid, f.started)) await discardOrphan(f.root);
    const node = config.node ?? `${hostname()}:${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`;
    return new PostgresStore(dataDir, pool, node, config.leaseSeconds, options.reserved ?? [], options.seal ?? (await localAuditSeal(dataDir)));
  }

  /**
   * A connection of the pool for one transaction. pg leaves a checked-out
   * client without an 'error' listener: a server that goes away between two
   * queries would emit an unhandled 'error' and end the process. The lost
   * connection shows as the next query's rejection instead (a fault of the
   * environment: the intake pauses), and the client is destroyed on release.
   */
  private async checkout(): Promise<pg.PoolClient & { lost?: Error }> {
    const db: pg.PoolClient & { lost?: Error } = await this.pool.connect().catch((err: unknown) => {
      throw this.fault(err);
    });
    if (db.listenerCount('error') === 0) db.on('error', (err: Error) => (db.lost = err));
    return db;
  }

  private query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(prepared(sql, params)).catch((err: unknown) => {
      throw this.fault(err);
    });
  }

  /** When this process last found the database unreachable (ms). */
  private unreachableAt = 0;

  /** `unreachable`, noting when the database was out of this process's sight. */
  private fault(err: unknown): unknown {
    const out = unreachable(err);
    if (out instanceof MailbotError && out.code === 'STORE_UNREACHABLE') this.unreachableAt = Date.now();
    return out;
  }

  /** Whether others' silence means they are gone: only once this process has seen the database for a whole lease. */
  private judgesSilence(): boolean {
    return Date.now() - this.unreachableAt > this.leaseSeconds * 1000;
  }

  async read<T>(fn: (tx: ReadTx) => Promise<T>): Promise<T> {
    const db = await this.checkout();
    try {
      await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const value = await fn(new PgTx(db, this.node, this.reserved, false, this.seal));
      await db.query('COMMIT');
      return value;
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw this.fault(err);
    } finally {
      db.release(db.lost);
    }
  }

  /** Transactions waiting for a lane, and the lanes (connections committing a group) in use. */
  private waiting: GroupJob[] = [];
  private lanes = 0;

  /**
   * Group commit, as the embedded store does: the transactions that arrive
   * while the lane is committing wait, and go together in one database
   * transaction (one BEGIN, one extension of the audit chain, one COMMIT)
   * on the next free lane. A group that fails is rolled back whole and its
   * transactions run again one by one, so that an error reaches only the
   * transaction that made it and the others commit as if alone (the job of
   * a transaction may run more than once, as after a serialization failure).
   */
  transact<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.nextGroup();
    });
  }

  private nextGroup(): void {
    if (this.lanes >= COMMIT_LANES || this.waiting.length === 0) return;
    this.lanes++;
    void (async () => {
      // The transactions started in the same turn join this group.
      await new Promise((resolve) => setImmediate(resolve));
      const jobs = this.waiting.splice(0, MAX_GROUP);
      try {
        if (jobs.length > 1 && (await this.commitGroup(jobs))) return;
        for (const job of jobs) await this.commitAlone(job.fn).then(job.resolve, job.reject);
      } finally {
        this.lanes--;
        this.nextGroup();
      }
    })();
  }

  /**
   * Several transactions in one: true when they all committed together (or
   * were all told that the commit's outcome is unknown), false when nothing
   * was committed and each is to run alone.
   */
  private async commitGroup(jobs: readonly GroupJob[]): Promise<boolean> {
    let db: pg.PoolClient & { lost?: Error };
    try {
      db = await this.checkout();
    } catch {
      return false; // each is tried alone, and fails alone
    }
    let ran: { values: unknown[]; stagings: Staging[] };
    try {
      ran = await this.runToCommit(db, jobs.map((j) => j.fn));
    } catch {
      await db.query('ROLLBACK').catch(() => undefined);
      db.release(db.lost);
      return false;
    }
    try {
      await db.query('COMMIT');
    } catch (err) {
      // The COMMIT was sent: it may have happened. Running the jobs again could do them twice, so
      // each is told, as a transaction alone would be.
      db.release(db.lost);
      const fault = constraintError(err) ?? this.fault(err);
      for (const job of jobs) job.reject(fault);
      return true;
    }
    await this.afterCommit(db, ran.stagings);
    jobs.forEach((job, i) => job.resolve(ran.values[i]));
    return true;
  }

  /**
   * BEGIN, then the transactions' functions one after the other on `db`,
   * then their files, counters and audit lines in one flush: everything up
   * to the COMMIT, which the caller sends. Returns each function's value
   * and the stagings to discard once committed.
   */
  private async runToCommit(db: pg.PoolClient, fns: readonly ((tx: Tx) => Promise<unknown>)[]): Promise<{ values: unknown[]; stagings: Staging[] }> {
    await db.query('BEGIN');
    const values: unknown[] = [];
    let first: PgTx | undefined;
    for (const fn of fns) {
      const tx = new PgTx(db, this.node, this.reserved, true, this.seal);
      values.push(await fn(tx));
      if (first) first.absorb(tx);
      else first = tx;
    }
    const stagings = first ? await first.flush() : [];
    failpoint('postgres-before-commit');
    return { values, stagings };
  }

  /** After a COMMIT: the connection goes back, and the local staging copies go (the files are in the database now). */
  private async afterCommit(db: pg.PoolClient & { lost?: Error }, stagings: readonly Staging[]): Promise<void> {
    db.release(db.lost);
    failpoint('postgres-after-commit');
    for (const s of stagings) await s.discard().catch(() => undefined);
  }

  private async commitAlone<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const db = await this.checkout();
      try {
        const ran = await this.runToCommit(db, [fn]);
        await db.query('COMMIT');
        await this.afterCommit(db, ran.stagings);
        return ran.values[0] as T;
      } catch (err) {
        await db.query('ROLLBACK').catch(() => undefined);
        db.release(db.lost);
        const code = (err as { code?: string }).code ?? '';
        if (RETRYABLE.has(code) && attempt < 5) continue;
        throw constraintError(err) ?? this.fault(err);
      }
    }
  }

  /** One transaction with the raw connection: for `mailbot migrate`, which copies a whole store. */
  async bulk<T>(fn: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    const db = await this.checkout();
    try {
      await db.query('BEGIN');
      const value = await fn(db);
      await db.query('COMMIT');
      return value;
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      db.release(db.lost);
    }
  }

  readonly files: FileStore = {
    // A queued reply's message stays in memory until the commit copies it into the database (staging.ts).
    stage: () => Promise.resolve(new PgStaging(this.dataDir)),
    read: async (name) => {
      const row = (await this.query<{ content: Buffer }>('SELECT content FROM files WHERE name = $1', [checkStoredName(name)])).rows[0];
      if (!row) throw new MailbotError('NOT_FOUND', `stored file ${name} not found`);
      return row.content;
    },
    exists: async (name) => (await this.query('SELECT 1 FROM files WHERE name = $1', [checkStoredName(name)])).rows.length > 0,
    size: async (name) => (await this.query<{ size: number }>('SELECT octet_length(content) AS size FROM files WHERE name = $1', [checkStoredName(name)])).rows[0]?.size,
    localPath: () => undefined,
  };

  readonly mail = {
    claim: async (key: string, mail: MailKey): Promise<MailClaim> => {
      // An attempt still open (its daemon died with it) is counted as a crash: a fact for the operator, never the mail's error.
      // (The columns solo and solo_crash stay for daemons of an earlier version during a rolling upgrade; nothing reads them.)
      const claimed = await this.query<{ attempts: number; errors: number; crashes: number; first_seen_at: Date; error: string | null }>(
        `INSERT INTO ledger (key, state, node, attempts, first_seen_at, updated_at, entry, in_attempt)
         VALUES ($1, 'claimed', $2, 1, now(), now(), $4, true)
         ON CONFLICT (key) DO UPDATE SET node = EXCLUDED.node, attempts = ledger.attempts + 1, updated_at = now(),
             crashes = ledger.crashes + (CASE WHEN ledger.in_attempt THEN 1 ELSE 0 END),
             in_attempt = true
           WHERE ledger.state = 'claimed' AND (ledger.node = EXCLUDED.node OR ledger.node IS NULL OR NOT EXISTS (
             SELECT 1 FROM nodes n WHERE n.node = ledger.node AND n.heartbeat_at > now() - make_interval(secs => $3)))
         RETURNING attempts, errors, crashes, first_seen_at, error`,
        [key, this.node, this.leaseSeconds, { ...mail }],
      );
      const row = claimed.rows[0];
      if (row) return { status: 'claimed', attempts: row.attempts, errors: row.errors, crashes: row.crashes, firstSeenAt: row.first_seen_at.toISOString(), ...(row.error !== null ? { error: row.error } : {}) };
      // Handled and not moved yet: its move belongs to the daemon that handled it while that one
      // beats. Two daemons moving one mail at the same instant can leave two copies of it in the
      // folder (each server session copies, then expunges).
      const known = (
        await this.query<{ state: string; folder: string | null; message_id: string | null; others: boolean }>(
          `SELECT state, folder, message_id, (state = 'handled' AND node IS NOT NULL AND node <> $2 AND EXISTS (
             SELECT 1 FROM nodes n WHERE n.node = ledger.node AND n.heartbeat_at > now() - make_interval(secs => $3))) AS others
           FROM ledger WHERE key = $1`,
          [key, this.node, this.leaseSeconds],
        )
      ).rows[0];
      if (known && known.state !== 'claimed' && known.folder && !known.others) return { status: 'handled', folder: known.folder, ...(known.message_id ? { messageId: known.message_id } : {}) };
      return { status: 'taken' };
    },
    failed: async (key: string, error: string): Promise<void> => {
      await this.query('UPDATE ledger SET error = $2, errors = errors + 1, in_attempt = false, updated_at = now() WHERE key = $1', [key, error]);
    },
    defer: async (key: string): Promise<void> => {
      // No owner: any daemon may claim it at a later round, and this attempt is not counted.
      await this.query("UPDATE ledger SET attempts = greatest(attempts - 1, 0), node = NULL, in_attempt = false, updated_at = now() WHERE key = $1 AND node = $2 AND state = 'claimed'", [key, this.node]);
    },
    unfinished: async (): Promise<string[]> => (await this.query<{ key: string }>("SELECT key FROM ledger WHERE state = 'claimed' AND node = $1 AND in_attempt ORDER BY first_seen_at", [this.node])).rows.map((r) => r.key),
  };

  readonly outbox = {
    takeDue: async (now: Date, limit: number): Promise<OutboxEntry[]> => {
      const rows = await this.query<{ entry: OutboxEntry }>(
        `UPDATE outbox SET taken_by = $1, taken_until = now() + make_interval(secs => $4)
         WHERE id IN (SELECT id FROM outbox WHERE state = 'queued' AND next_attempt_at <= $2 AND (taken_by IS NULL OR ${takerGone('$1', '$5', '$6')})
                      ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING entry`,
        [this.taker, now, limit, SEND_LEASE_SECONDS, this.leaseSeconds, this.judgesSilence()],
      );
      return rows.rows.map((r) => r.entry).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    release: async (ids: readonly string[]): Promise<void> => {
      if (ids.length > 0) await this.query('UPDATE outbox SET taken_by = NULL, taken_until = NULL WHERE id = ANY($1) AND taken_by = $2', [ids, this.taker]);
    },
    // One statement, committed at once: the row leaves the queue whatever the commit queue holds.
    accepted: async (id: string): Promise<void> => {
      await this.query("UPDATE outbox SET state = 'accepted' WHERE id = $1 AND state = 'queued'", [id]);
    },
    acceptedUnrecorded: async (): Promise<OutboxEntry[]> => {
      const rows = await this.query<{ entry: OutboxEntry }>(`SELECT entry FROM outbox WHERE state = 'accepted' AND ${takerGone('$1', '$2', '$3')} ORDER BY created_at`, [this.taker, this.leaseSeconds, this.judgesSilence()]);
      return rows.rows.map((r) => r.entry);
    },
  };

  async check(): Promise<void> {
    const behind = await this.query<{ client_id: string; series: string; max: number; last: number | null }>(
      'SELECT i.client_id, i.series, max(i.seq) AS max, s.last FROM invoices i LEFT JOIN series s ON s.client_id = i.client_id AND s.series_key = i.series WHERE i.series IS NOT NULL GROUP BY i.client_id, i.series, s.last HAVING max(i.seq) > coalesce(s.last, 0)',
    );
    const r = behind.rows[0];
    if (r) throw new MailbotError('STORE_INVALID', `series ${r.series} of ${r.client_id} is at ${r.last ?? 0} but the register holds invoice ${r.max}: the database does not match its history`);
  }

  async stats(): Promise<StoreStats> {
    const one = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) => (await this.query<T>(sql, params)).rows;
    const [counters, clients, inHand, outbox, open, setAside] = await Promise.all([
      one<{ name: string; value: number }>('SELECT name, value FROM counters'),
      one<{ n: number }>('SELECT count(*)::int AS n FROM clients'),
      one<{ n: number }>("SELECT count(*)::int AS n FROM ledger WHERE state = 'handled'"),
      one<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM outbox GROUP BY state'),
      one<{ n: number }>('SELECT count(*)::int AS n FROM requests WHERE status = ANY($1)', [OPEN_STATUSES]),
      one<{ key: string; error: string; at: Date }>('SELECT key, error, at FROM set_aside ORDER BY at'),
    ]);
    const c = Object.fromEntries(counters.map((r) => [r.name, r.value]));
    const outcomes: Record<string, number> = {};
    for (const [k, v] of Object.entries(c)) if (k.startsWith('outcome:')) outcomes[k.slice(8)] = v;
    const byState = Object.fromEntries(outbox.map((r) => [r.state, r.n]));
    return {
      clients: clients[0]?.n ?? 0,
      batches: c.batches ?? 0,
      invoices: c.invoices ?? 0,
      inHand: inHand[0]?.n ?? 0,
      outcomes,
      outbox: { queued: byState.queued ?? 0, failed: byState.failed ?? 0, sent: c.repliesSent ?? 0 },
      requestsOpen: open[0]?.n ?? 0,
      setAside: setAside.map((r) => ({ key: r.key, error: r.error, at: r.at.toISOString() })),
    };
  }

  /** Entries after `seq`, filtered by the database where it can, then as `mailbot log` filters. */
  private async auditPage(filter: AuditFilter, after: number, limit: number): Promise<{ seq: number; entry: AuditEntry }[]> {
    const rows = await this.query<{ seq: number; entry: AuditEntry }>(
      `SELECT seq, entry FROM audit WHERE seq > $1 AND ($2::timestamptz IS NULL OR at >= $2) AND ($3::text[] IS NULL OR action = ANY($3))
         AND ($4::text IS NULL OR client_id = $4) ORDER BY seq LIMIT $5`,
      [after, filter.since !== undefined ? new Date(filter.since) : null, filter.actions?.length ? filter.actions : null, filter.clientId ?? null, limit],
    );
    return rows.rows;
  }

  async historyBefore(kind: 'ledger' | 'audit', before: string): Promise<{ count: number; oldest?: string; newest?: string }> {
    const sql =
      kind === 'ledger'
        ? "SELECT count(*)::int AS count, min(updated_at) AS oldest, max(updated_at) AS newest FROM ledger WHERE state = 'moved' AND updated_at < $1"
        : // The trail is dropped from its start only (tx.ts): up to its first recent line.
          'SELECT count(*)::int AS count, min(at) AS oldest, max(at) AS newest FROM audit WHERE seq < coalesce((SELECT min(seq) FROM audit WHERE at >= $1), 9223372036854775807)';
    const row = (await this.query<{ count: number; oldest: Date | null; newest: Date | null }>(sql, [before])).rows[0];
    return { count: row?.count ?? 0, ...(row?.oldest ? { oldest: row.oldest.toISOString() } : {}), ...(row?.newest ? { newest: row.newest.toISOString() } : {}) };
  }

  async auditHead(): Promise<ChainHead> {
    const row = (await this.query<{ seq: number; mac: string }>('SELECT seq, mac FROM audit_chain WHERE id = 1')).rows[0];
    return row ?? EMPTY_HEAD;
  }

  async *auditEntries(filter: AuditFilter): AsyncIterable<AuditEntry> {
    let after = 0;
    for (;;) {
      const page = await this.auditPage(filter, after, 1000);
      for (const r of page) if (auditMatches(r.entry, filter)) yield r.entry;
      const last = page.at(-1);
      if (!last) return;
      after = last.seq;
    }
  }

  auditLines(cursor?: string): AsyncIterable<AuditLine> {
    // A purge deletes rows but never renumbers them: a cursor stays good.
    return this.auditPages('forward', cursor === undefined ? 0 : Number(cursor), 1000);
  }

  async *auditLinesBackward(cursor?: string): AsyncIterable<BackwardAuditLine> {
    // The forward reader takes the rows after a seq: a line is read first from the seq before its own.
    for await (const line of this.auditPages('backward', cursor === undefined ? Number.MAX_SAFE_INTEGER : Number(cursor), 200)) {
      yield { ...line, forward: String(Number(line.cursor) - 1) };
    }
  }

  /** The trail's rows past `from` (after it going forward, before it going back), a page at a time, each with its seq as cursor. */
  private async *auditPages(way: 'forward' | 'backward', from: number, page: number): AsyncIterable<AuditLine> {
    const sql = way === 'forward' ? 'SELECT seq, entry::text AS text FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2' : 'SELECT seq, entry::text AS text FROM audit WHERE seq < $1 ORDER BY seq DESC LIMIT $2';
    let at = from;
    for (;;) {
      const rows = (await this.pool.query<{ seq: string | number; text: string }>(prepared(sql, [at, page]))).rows;
      for (const r of rows) {
        at = Number(r.seq);
        yield { text: r.text, cursor: String(at) };
      }
      if (rows.length < page) return;
    }
  }

  async auditSince(filter: AuditFilter, cursor?: string): Promise<{ entries: AuditEntry[]; cursor: string }> {
    if (cursor === undefined) {
      const end = (await this.query<{ seq: number | null }>('SELECT max(seq) AS seq FROM audit')).rows[0]?.seq ?? 0;
      return { entries: [], cursor: String(end) };
    }
    const page = await this.auditPage({ ...filter, since: undefined }, cursor === 'start' ? 0 : Number(cursor), 1000);
    return { entries: page.filter((r) => auditMatches(r.entry, filter)).map((r) => r.entry), cursor: String(page.at(-1)?.seq ?? (cursor === 'start' ? 0 : cursor)) };
  }

  /** The daemon's status, and its heartbeat: while it beats, its claims are its own. */
  async reportStatus(status: DaemonStatus): Promise<void> {
    this.lastStatus = { ...status, node: this.node };
    // A local copy too: while the database is away, `mailbot status` still tells what this daemon is doing.
    await writePrivateFile(join(this.dataDir, 'status.json'), JSON.stringify(this.lastStatus, null, 2), this.dataDir).catch(() => undefined);
    await this.beat();
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => void this.beat().catch(() => undefined), Math.max(1000, (this.leaseSeconds * 1000) / 4));
      this.heartbeat.unref();
    }
  }

  private async beat(): Promise<void> {
    const s = this.lastStatus;
    if (!s) return;
    await this.query('INSERT INTO nodes (node, pid, heartbeat_at, status) VALUES ($1, $2, now(), $3) ON CONFLICT (node) DO UPDATE SET pid = EXCLUDED.pid, heartbeat_at = now(), status = EXCLUDED.status', [this.node, s.pid, { ...s, taker: this.taker }]);
  }

  async daemons(): Promise<DaemonStatus[]> {
    const rows = await this.query<{ status: DaemonStatus; heartbeat_at: Date }>('SELECT status, heartbeat_at FROM nodes ORDER BY node');
    return rows.rows.map((r) => ({ ...r.status, updatedAt: r.heartbeat_at.toISOString() }));
  }

  /** Stop beating and close the pool; closing again is a no-op. */
  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.ended ??= this.pool.end();
    await this.ended;
  }

  private ended?: Promise<void>;
}
