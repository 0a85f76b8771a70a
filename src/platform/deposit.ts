/**
 * One pass over the deposit queue (what the daemon's `platform` job and
 * `mailbot platform sync` run): take the due entries under a lease, deposit
 * each invoice's Factur-X PDF (XP Z12-013 `POST /v1/flows`, `flowSyntax`
 * Factur-X, `flowProfile` CIUS, `processingRule` B2B, its SHA-256), record
 * the flow id in a commit of its own.
 *
 * At least once, never twice: the attempt is counted before any request,
 * and an entry tried before is first searched for by its `trackingId`, so
 * a deposit the platform took just before a crash (its 202 never recorded)
 * is found, not sent again. 429 and 503 come back after `Retry-After`;
 * other failures on the way back off; a refusal (another 4xx) is final and
 * reported, until `mailbot platform resubmit` after the cause is fixed.
 */
import { createHash } from 'node:crypto';
import { batchFile } from '../batch/run.js';
import type { ClientRecord } from '../clients/record.js';
import { errorMessage } from '../core/errors.js';
import { failpoint } from '../core/failpoints.js';
import type { Store } from '../store/port.js';
import { FlowClient } from './flows.js';
import { PlatformError } from './http.js';
import type { PlatformFlow } from './records.js';
import type { TokenSource } from './token.js';

export interface DepositOptions {
  tokens: TokenSource;
  now?: () => Date;
  /** Entries taken per pass (memory stays flat whatever the queue's length). */
  limit?: number;
  /** Deposits in flight at once. */
  concurrency?: number;
  /** How long an attempt holds its entry before another process may take it. */
  leaseMs?: number;
}

export interface DepositReport {
  deposited: number;
  found: number;
  retried: number;
  failed: number;
}

/** Backoff after the n-th failed attempt: 30 s, 1 min, 2 min… up to an hour. */
export function backoffMs(attempts: number): number {
  return Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempts - 1));
}

export async function runDeposits(store: Store, opts: DepositOptions): Promise<DepositReport> {
  const clock = opts.now ?? (() => new Date());
  const limit = opts.limit ?? 200;
  const leaseMs = opts.leaseMs ?? 300_000;
  const report: DepositReport = { deposited: 0, found: 0, retried: 0, failed: 0 };
  for (;;) {
    const startedAt = clock();
    const at = startedAt.toISOString();
    // The lease and the attempt's count in one commit, before any request leaves.
    const taken = await store.transact(async (tx) => {
      const due = await tx.platform.due(at, limit);
      const clients = new Map<string, ClientRecord | undefined>();
      const out: { flow: PlatformFlow; triedBefore: boolean; client: ClientRecord | undefined }[] = [];
      for (const f of due) {
        if (!clients.has(f.clientId)) clients.set(f.clientId, await tx.clients.get(f.clientId));
        const leased = await tx.platform.update(f.clientId, f.number, { attempts: f.attempts + 1, leaseUntil: new Date(startedAt.getTime() + leaseMs).toISOString() }, at);
        out.push({ flow: leased, triedBefore: f.attempts > 0, client: clients.get(f.clientId) });
      }
      return out;
    });
    if (taken.length === 0) return report;
    let next = 0;
    const lane = async () => {
      while (next < taken.length) {
        const item = taken[next++];
        if (item) await depositOne(store, opts.tokens, item.flow, item.client, item.triedBefore, clock, report);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, lane));
    if (taken.length < limit) return report;
  }
}

async function depositOne(store: Store, tokens: TokenSource, flow: PlatformFlow, client: ClientRecord | undefined, triedBefore: boolean, clock: () => Date, report: DepositReport): Promise<void> {
  const { clientId, number } = flow;
  const platform = client?.platform;
  try {
    if (!platform || platform.mode !== 'deposit') {
      // Deposit mode was turned off since: the invoice waits, it is not dropped.
      await store.transact((tx) => tx.platform.update(clientId, number, { nextAttemptAt: new Date(clock().getTime() + 3_600_000).toISOString(), lastError: 'the seller’s platform is not in deposit mode', clear: ['leaseUntil'] }, clock().toISOString()));
      return;
    }
    const api = new FlowClient(platform, tokens);
    let result: { flowId: string; submittedAt?: string } | undefined;
    if (triedBefore) {
      // An earlier attempt may have been taken by the platform and its answer lost: look before sending again.
      const syntax = flow.kind === 'payment' ? 'CDAR' : 'Factur-X';
      const earlier = (await api.search({ trackingId: flow.trackingId }, 10)).find((f) => f.trackingId === flow.trackingId && (f.flowSyntax === undefined || f.flowSyntax === syntax));
      if (earlier) {
        result = { flowId: earlier.flowId, ...(earlier.submittedAt ? { submittedAt: earlier.submittedAt } : {}) };
        report.found += 1;
      }
    }
    if (!result && flow.kind === 'payment' && flow.payment) {
      // A payment declaration: its CDAR status message (status 212), staged when it was declared.
      const xml = await store.files.read(flow.payment.file).catch(() => undefined);
      if (!xml) throw new PlatformError('refused', `the status message of ${number} is missing`);
      const sha256 = createHash('sha256').update(xml).digest('hex');
      result = await api.deposit({ trackingId: flow.trackingId, name: `${number.replace(/[^A-Za-z0-9._-]/g, '-')}.xml`, processingRule: 'B2B', flowSyntax: 'CDAR', sha256 }, xml, 'application/xml');
      report.deposited += 1;
    }
    if (!result) {
      const pdf = await store.files.read(batchFile(flow.batchId, flow.pdfFile)).catch(() => undefined);
      if (!pdf) throw new PlatformError('refused', `the PDF of ${number} is no longer kept here (retention); deposit it by hand`);
      const sha256 = createHash('sha256').update(pdf).digest('hex');
      result = await api.deposit({ trackingId: flow.trackingId, name: flow.pdfFile, processingRule: 'B2B', flowSyntax: 'Factur-X', flowProfile: 'CIUS', sha256 }, pdf, 'application/pdf');
      report.deposited += 1;
    }
    failpoint('platform-deposited', number);
    const deposited = result;
    const at = clock().toISOString();
    await store.transact(async (tx) => {
      await tx.platform.update(clientId, number, { state: 'deposited', flowId: deposited.flowId, ...(deposited.submittedAt ? { submittedAt: deposited.submittedAt } : {}), ack: { status: 'Pending', at }, clear: ['leaseUntil', 'lastError'] }, at);
      tx.audit({ time: at, action: 'platform-deposited', outcome: 'ok', clientId, details: { number, flowId: deposited.flowId.slice(0, 64) } });
    });
  } catch (err) {
    const at = clock();
    const message = errorMessage(err).slice(0, 300);
    const final = err instanceof PlatformError && err.failure === 'refused';
    if (final) report.failed += 1;
    else report.retried += 1;
    const wait = err instanceof PlatformError && err.retryAfterMs !== undefined ? err.retryAfterMs : backoffMs(flow.attempts);
    await store.transact(async (tx) => {
      await tx.platform.update(clientId, number, final ? { state: 'failed', lastError: message, clear: ['leaseUntil'] } : { nextAttemptAt: new Date(at.getTime() + wait).toISOString(), lastError: message, clear: ['leaseUntil'] }, at.toISOString());
      if (final) tx.audit({ time: at.toISOString(), action: 'platform-deposit-failed', outcome: 'failed', clientId, details: { number, error: message.slice(0, 120) } });
    });
  }
}
