/**
 * `mailbot migrate --to postgres`: copy an embedded store into an empty
 * PostgreSQL database, in one transaction (a failure leaves the database as
 * empty as it was), then check the copy through the store port on both
 * sides: the same counts, and the same checksum of the invoice register.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MailbotError } from '../core/errors.js';
import type { EmbeddedStore } from './embedded/store.js';
import type { Store } from './port.js';
import type { PostgresStore } from './postgres/store.js';

export interface MigrationReport {
  clients: number;
  batches: number;
  invoices: number;
  files: number;
  requests: number;
  outbox: number;
  mails: number;
  auditEntries: number;
  registerSha256: string;
}

/** What both sides must agree on: counts, and a SHA-256 of the register (seller, number, issue date, total, batch). */
export async function registerDigest(store: Store): Promise<{ clients: number; batches: number; invoices: number; requests: number; outbox: number; sha256: string }> {
  return store.read(async (tx) => {
    const clients = await tx.clients.list();
    const lines: string[] = [];
    let batches = 0;
    for (const c of clients) {
      for (const b of await tx.batches.ofClient(c.id)) {
        batches++;
        for (const i of b.invoices) lines.push([c.id, i.number, i.issueDate, i.totalInclVat, b.id].join('|'));
      }
    }
    lines.sort();
    return {
      clients: clients.length,
      batches,
      invoices: lines.length,
      requests: (await tx.requests.list()).length,
      outbox: (await tx.outbox.list()).length,
      sha256: createHash('sha256').update(lines.join('\n')).digest('hex'),
    };
  });
}

/** A database named without its credentials, for messages and the fence: "host:port/database". */
export function targetName(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return `${host}${u.port ? `:${u.port}` : ''}${u.pathname || '/'}`;
  } catch {
    return 'PostgreSQL';
  }
}

export async function migrateToPostgres(source: EmbeddedStore, target: PostgresStore, progress: (line: string) => void = () => undefined): Promise<MigrationReport> {
  const before = await registerDigest(target);
  if (before.clients + before.batches + before.requests + before.outbox > 0) {
    throw new MailbotError('MIGRATION_TARGET_NOT_EMPTY', `the PostgreSQL database already holds ${before.clients} client(s) and ${before.batches} batch(es): migrate into an empty database`);
  }
  const all = await source.exportAll();
  const doc = all.doc;
  const report: MigrationReport = { clients: 0, batches: 0, invoices: 0, files: 0, requests: 0, outbox: 0, mails: 0, auditEntries: 0, registerSha256: '' };
  const file = (name: string) => readFile(join(source.dataDir, name));
  await target.bulk(async (db) => {
    for (const c of Object.values(doc.clients)) {
      await db.query('INSERT INTO clients (id, record) VALUES ($1, $2)', [c.id, c]);
      if (c.emails.length > 0) await db.query('INSERT INTO client_emails (email, client_id) SELECT unnest($1::text[]), $2', [c.emails, c.id]);
      report.clients++;
    }
    for (const [clientId, series] of Object.entries(doc.series)) {
      for (const [key, s] of Object.entries(series)) await db.query('INSERT INTO series (client_id, series_key, last, last_issue_date) VALUES ($1, $2, $3, $4)', [clientId, key, s.last, s.lastIssueDate]);
    }
    for await (const b of all.batches) {
      await db.query('INSERT INTO batches (id, client_id, file_sha256, committed_at, record) VALUES ($1, $2, $3, $4, $5)', [b.id, b.clientId, b.fileSha256, b.committedAt, b]);
      const inv = b.invoices;
      await db.query(
        'INSERT INTO invoices (client_id, number, batch_id, series, seq, issue_date, total, buyer_email) SELECT $1, n, $2, s, q, d, t, e FROM unnest($3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[]) AS u(n, s, q, d, t, e)',
        [b.clientId, b.id, inv.map((i) => i.number), inv.map((i) => i.series ?? null), inv.map((i) => i.seq ?? null), inv.map((i) => i.issueDate), inv.map((i) => i.totalInclVat), inv.map((i) => i.buyerEmail ?? null)],
      );
      const names = [...inv.map((i) => i.pdfFile), b.reportFile, b.sourceFile].filter((f) => !(b.filesRemoved ?? []).includes(f));
      for (const f of names) {
        const name = `batches/${b.id}/${f}`;
        const content = await file(name).catch(() => null);
        if (!content) continue; // shredded since (erasure, retention)
        await db.query('INSERT INTO files (name, content) VALUES ($1, $2)', [name, content]);
        report.files++;
      }
      report.batches++;
      report.invoices += inv.length;
      if (report.batches % 500 === 0) progress(`${report.batches} batches copied`);
    }
    for (const r of Object.values(doc.requests)) {
      await db.query('INSERT INTO requests (ref, requester, kind, status, received_at, record) VALUES ($1, $2, $3, $4, $5, $6)', [r.ref, r.requester, r.kind, r.status, r.receivedAt, r]);
      report.requests++;
    }
    for (const [year, last] of Object.entries(doc.requestSeq)) await db.query('INSERT INTO request_seq (year, last) VALUES ($1, $2)', [Number(year), last]);
    for (const e of Object.values(doc.outbox)) {
      await db.query('INSERT INTO outbox (id, state, next_attempt_at, created_at, entry) VALUES ($1, $2, $3, $4, $5)', [e.id, e.state, e.nextAttemptAt, e.createdAt, e]);
      await db.query('INSERT INTO files (name, content) VALUES ($1, $2)', [e.file, await file(e.file)]);
      report.outbox++;
      report.files++;
    }
    const ledgerRow = (e: (typeof doc.ledger)[string]) => [`${e.mailbox}|${e.uidValidity}|${e.uid}`, e.state, e.attempts, e.error ?? null, e.outcome ?? null, e.folder ?? null, e.clientId ?? null, e.messageId ?? null, e.firstSeenAt, e.updatedAt, e];
    const insertLedger = 'INSERT INTO ledger (key, state, attempts, error, outcome, folder, client_id, message_id, first_seen_at, updated_at, entry) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (key) DO NOTHING';
    for (const e of Object.values(doc.ledger)) {
      await db.query(insertLedger, ledgerRow(e));
      report.mails++;
    }
    for await (const e of all.ledger) {
      await db.query(insertLedger, ledgerRow(e));
      report.mails++;
    }
    for (const s of Object.values(doc.setAside)) await db.query('INSERT INTO set_aside (key, error, at) VALUES ($1, $2, $3)', [s.key, s.error, s.at]);
    for (const [name, value] of Object.entries(doc.counters)) await db.query('INSERT INTO counters (name, value) VALUES ($1, $2)', [name, value]);
    // PostgreSQL keeps a window's hits in time order (migration 007).
    for (const [key, r] of Object.entries(doc.rates)) await db.query('INSERT INTO rates (key, window_ms, times) VALUES ($1, $2, $3)', [key, r.window, [...r.times].sort((a, b) => a - b)]);
    // The approved platform's records (deposits, acknowledgements, lifecycle statuses) and poll cursors.
    for (const f of await source.read((tx) => tx.platform.list())) {
      await db.query('INSERT INTO platform_flows (client_id, number, state, next_attempt_at, lease_until, flow_id, status, record) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [f.clientId, f.number, f.state, f.nextAttemptAt, f.leaseUntil ?? null, f.flowId ?? null, f.status?.code ?? null, f]);
    }
    for (const [clientId, at] of Object.entries(doc.platformCursors)) await db.query('INSERT INTO platform_cursors (client_id, updated_after) VALUES ($1, $2)', [clientId, at]);
    for await (const e of all.audit) {
      await db.query('INSERT INTO audit (at, action, client_id, entry) VALUES ($1, $2, $3, $4)', [e.time, e.action, e.clientId ?? null, e]);
      report.auditEntries++;
    }
    // The chain goes on from where the embedded trail stopped (the same key seals both).
    if (doc.auditHead) await db.query('UPDATE audit_chain SET seq = $1, mac = $2 WHERE id = 1', [doc.auditHead.seq, doc.auditHead.mac]);
  });
  const [from, to] = await Promise.all([registerDigest(source), registerDigest(target)]);
  for (const k of ['clients', 'batches', 'invoices', 'requests', 'outbox', 'sha256'] as const) {
    if (from[k] !== to[k]) throw new MailbotError('MIGRATION_MISMATCH', `the copy differs from the embedded store on ${k}: ${from[k]} there, ${to[k]} in PostgreSQL`);
  }
  report.registerSha256 = to.sha256;
  return report;
}
