/**
 * The approved platforms from the command line:
 * - `mailbot platform sync [--json]`: one pass of the deposit queue and one
 *   lifecycle poll now (what the daemon's `platform` job does);
 * - `mailbot platform check [--client ID]`: each seller's healthcheck and
 *   token, without sending anything;
 * - `mailbot platform resubmit NUMBER [--client ID]`: a deposit refused for
 *   good queued again once its cause is fixed (audited);
 * - `mailbot invoices [--client ID] [--status S] [--json]`: the register's
 *   invoices with their `platform` object (flowId, ack, status, updatedAt).
 */
import type { Command } from 'commander';
import { auditEntry } from '../../audit/trail.js';
import { MailbotError, UsageError } from '../../core/errors.js';
import { mailStager } from '../../mail/standalone.js';
import { Templates } from '../../mail/templates.js';
import { runDeposits } from '../../platform/deposit.js';
import { readFile } from 'node:fs/promises';
import { describeIssue } from '../../csv/messages.js';
import { checkPlatform } from '../../platform/check.js';
import { declarePayments } from '../../platform/payments.js';
import { pollLifecycle } from '../../platform/lifecycle.js';
import type { PlatformFlow } from '../../platform/records.js';
import { isLifecycleStatus, statusLabel } from '../../platform/statuses.js';
import { TokenSource } from '../../platform/token.js';
import { operatorActor } from '../actor.js';
import { withStore, type GlobalOptions } from '../context.js';
import { table } from '../table.js';

/** The `platform` object of an invoice, as `invoices --json` prints it. */
export function platformView(f: PlatformFlow | undefined) {
  if (!f) return null;
  return {
    state: f.state,
    ...(f.flowId ? { flowId: f.flowId } : {}),
    ...(f.ack ? { ack: f.ack.status, ...(f.ack.details ? { ackDetails: f.ack.details } : {}) } : {}),
    ...(f.status ? { status: f.status.code, statusLabel: isLifecycleStatus(f.status.code) ? statusLabel(f.status.code, 'en') : '', ...(f.status.reasonCode ? { reasonCode: f.status.reasonCode } : {}), ...(f.status.reason ? { reason: f.status.reason } : {}) } : {}),
    attempts: f.attempts,
    ...(f.lastError ? { lastError: f.lastError } : {}),
    updatedAt: f.updatedAt,
  };
}

function matches(f: PlatformFlow | undefined, status: string | undefined): boolean {
  if (status === undefined) return true;
  if (/^\d{3}$/.test(status)) return f?.status?.code === Number(status);
  if (['queued', 'deposited', 'failed'].includes(status)) return f?.state === status;
  if (['Pending', 'Ok', 'Error'].includes(status)) return f?.ack?.status === status;
  if (status === 'none') return f === undefined;
  throw new UsageError(`--status: a lifecycle code (200 to 213), queued, deposited, failed, Pending, Ok, Error or none; not "${status}"`);
}

export function registerPlatformCommands(program: Command, globals: () => GlobalOptions): void {
  const platform = program.command('platform').description('the approved platforms: deposits and lifecycle of the invoices (AFNOR XP Z12-013)');

  platform
    .command('sync')
    .description('deposit what waits and read the platforms’ new statuses now (what the daemon does every platform.pollSeconds)')
    .option('--json', 'JSON output')
    .action(async (f: { json?: boolean }) => {
      const report = await withStore(globals(), async (store, config) => {
        const tokens = new TokenSource();
        const deposits = await runDeposits(store, { tokens, concurrency: config.platform.concurrency, leaseMs: config.platform.leaseSeconds * 1000 });
        const lifecycle = await pollLifecycle(store, { tokens, stageMail: mailStager(store, config, new Templates()) });
        return { deposits, lifecycle };
      });
      if (f.json) return void console.log(JSON.stringify(report, null, 2));
      const d = report.deposits;
      const l = report.lifecycle;
      console.log(`deposits: ${d.deposited} deposited, ${d.found} found already deposited, ${d.retried} to try again, ${d.failed} refused for good`);
      console.log(`lifecycle: ${l.clients} seller(s), ${l.flows} flow(s) read, ${l.acks} acknowledgement(s), ${l.statuses} status(es), ${l.alerts} alert(s) mailed`);
      for (const e of l.errors) console.log(`  ${e.clientId}: ${e.error}`);
      if (l.alerts > 0) console.log('alerts are queued: the daemon sends them (or mailbot outbox lists them)');
    });

  platform
    .command('check')
    .description('call each seller’s platform healthcheck and token endpoint, sending no invoice')
    .option('--client <id>', 'one seller')
    .action(async (f: { client?: string }) => {
      const clients = await withStore(globals(), (store) => store.read((tx) => tx.clients.list()));
      const chosen = clients.filter((c) => c.platform && (!f.client || c.id === f.client));
      if (chosen.length === 0) throw new UsageError(f.client ? `client "${f.client}" has no platform in its record` : 'no client has a platform in its record');
      let failed = 0;
      for (const c of chosen) {
        const r = await checkPlatform(c);
        if (!r) continue;
        if (!r.ok) failed += 1;
        console.log(`${c.id}: ${r.message}`);
      }
      if (failed > 0) process.exitCode = 1;
    });

  platform
    .command('resubmit <number>')
    .description('queue again a deposit the platform refused for good, once its cause is fixed (audited)')
    .option('--client <id>', 'the seller (needed when two sellers have this number)')
    .action(async (number: string, f: { client?: string }) => {
      const flow = await withStore(globals(), async (store, config) => {
        const actor = await operatorActor(store, config);
        const at = new Date().toISOString();
        return store.transact(async (tx) => {
          const failed = (await tx.platform.list({ state: 'failed', ...(f.client ? { clientId: f.client } : {}) })).filter((x) => x.number === number);
          if (failed.length === 0) throw new MailbotError('NOT_FOUND', `no deposit refused for good with number ${number} (mailbot invoices --status failed lists them)`);
          if (failed.length > 1) throw new UsageError(`several sellers have a refused deposit ${number}: give --client`);
          const one = failed[0] as PlatformFlow;
          const next = await tx.platform.update(one.clientId, one.number, { state: 'queued', nextAttemptAt: at, clear: ['lastError', 'leaseUntil'] }, at);
          tx.audit(auditEntry({ action: 'platform-resubmitted', outcome: 'ok', ...actor, clientId: one.clientId, details: { number } }));
          return next;
        });
      });
      console.log(`${flow.clientId} ${flow.number}: queued again; the next platform pass deposits it (mailbot platform sync does it now)`);
    });

  program
    .command('payments <file>')
    .description('declare payments received (CSV: invoice number, date, amount incl. VAT): each becomes a status 212 deposited on the seller’s platform')
    .requiredOption('--client <id>', 'the seller')
    .option('--json', 'JSON output')
    .option('--lang <lang>', 'fr | en (default: the client’s language)')
    .action(async (file: string, f: { client: string; json?: boolean; lang?: string }) => {
      const bytes = await readFile(file);
      const { result, lang } = await withStore(globals(), async (store) => {
        const client = await store.read((tx) => tx.clients.get(f.client));
        if (!client) throw new MailbotError('NOT_FOUND', `client "${f.client}" not found`);
        if (client.platform?.mode !== 'deposit') throw new UsageError(`client "${f.client}" has no platform in deposit mode: payments are declared where its invoices were deposited`);
        return { result: await declarePayments(store, client, bytes, new Date()), lang: (f.lang ?? client.language) === 'en' ? 'en' as const : 'fr' as const };
      });
      if (f.json) return void console.log(JSON.stringify(result, null, 2));
      for (const d of result.declared) console.log(`${d.invoice}: ${d.amount} ${d.currency} received on ${d.date}, declared (${d.key}); deposited at the next platform pass`);
      for (const e of result.issues) console.log(describeIssue(e, lang));
      if (result.issues.some((e) => e.severity === 'error')) process.exitCode = 1;
    });

  program
    .command('invoices')
    .description('the invoices of the register with their platform state, acknowledgement and lifecycle status')
    .option('--client <id>', 'one seller')
    .option('--status <s>', 'a lifecycle code (200…213), queued, deposited, failed, Pending, Ok, Error, or none')
    .option('--json', 'JSON output')
    .action(async (f: { client?: string; status?: string; json?: boolean }) => {
      matches(undefined, f.status); // an unknown status is refused before the store is opened
      const rows = await withStore(globals(), (store) =>
        store.read(async (tx) => {
          const clients = f.client ? [f.client] : (await tx.clients.list()).map((c) => c.id);
          const out = [];
          for (const clientId of clients) {
            const all = await tx.platform.list({ clientId });
            const flows = new Map(all.filter((x) => x.kind !== 'payment').map((x) => [x.number, x]));
            // Payment declarations (status 212) belong to their invoice.
            const payments = new Map<string, PlatformFlow[]>();
            for (const p of all) if (p.kind === 'payment' && p.payment) payments.set(p.payment.invoice, [...(payments.get(p.payment.invoice) ?? []), p]);
            for (const b of await tx.batches.ofClient(clientId)) {
              for (const i of b.invoices) {
                const p = flows.get(i.number);
                if (!matches(p, f.status)) continue;
                const declared = (payments.get(i.number) ?? []).map((d) => ({ date: d.payment?.date, amount: d.payment?.amount, state: d.state, ...(d.flowId ? { flowId: d.flowId } : {}), ...(d.lastError ? { lastError: d.lastError } : {}) }));
                out.push({ clientId, number: i.number, documentType: i.documentType ?? '380', issueDate: i.issueDate, totalInclVat: i.totalInclVat, currency: i.currency, platform: platformView(p), ...(declared.length > 0 ? { payments: declared } : {}) });
              }
            }
          }
          return out;
        }),
      );
      if (f.json) return void console.log(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return void console.log('no invoice');
      console.log(
        table(
          ['client', 'number', 'type', 'date', 'total', 'platform', 'status', 'updated'],
          rows.map((r) => [r.clientId, r.number, r.documentType, r.issueDate, `${r.totalInclVat} ${r.currency}`, r.platform ? `${r.platform.state}${r.platform.ack ? ` (${r.platform.ack})` : ''}` : '—', r.platform?.status ? `${r.platform.status} ${r.platform.statusLabel}` : '', r.platform?.updatedAt.slice(0, 16) ?? '']),
          ['l', 'l', 'l', 'l', 'r'],
        ),
      );
    });
}
