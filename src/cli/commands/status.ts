/**
 * `mailbot status`: the daemons' state, the store's counters, the mails set
 * aside and the replies that failed, and the faults of the environment now:
 * a data directory that is read-only or full, a store that cannot be
 * reached (then what the daemon last wrote in the data directory is shown).
 * It reads counters, never the history: constant memory whatever its size.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { configWarnings } from '../../config/warnings.js';
import { errorMessage } from '../../core/errors.js';
import { describeFault, isEnvironmentFault } from '../../mail/faults.js';
import { processAlive } from '../../store/embedded/staging.js';
import { readPrivateFile } from '../../store/files.js';
import { environmentFaults, liveDaemons, type FaultLine } from '../../operator/status.js';
import type { DaemonStatus } from '../../store/port.js';
import { commandConfig, withStore, type GlobalOptions } from '../context.js';
import { CARRIES_INVOICES } from './outbox.js';
import { printable } from '../table.js';
import { shellQuote } from '../../core/shell.js';


export function registerStatusCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('status')
    .description('daemon state, last poll, counts of mails, replies, batches and requests, mails set aside, faults of the environment')
    .option('--json', 'JSON output')
    .action(async (f: { json?: boolean }) => {
      const { dataDir, config } = await commandConfig(globals());
      // A valid configuration that still leaves the operator unwarned of something (config/warnings.ts).
      const warnings = configWarnings(config);
      const faults: FaultLine[] = await environmentFaults(dataDir, []);
      try {
        await withStore(globals(), async (store) => {
          const [stats, daemons, failed, platform] = await Promise.all([store.stats(), store.daemons(), store.read(async (tx) => (await tx.outbox.list()).filter((e) => e.state === 'failed')), store.read((tx) => tx.platform.summary())]);
          const live = liveDaemons(store, daemons);
          for (const d of live) if (d.fault) faults.push({ cause: d.fault.cause, since: d.fault.since, seenBy: `daemon ${d.pid} on ${d.node}` });
          const summary = {
            backend: store.backend,
            daemon: live.length > 0 ? live.map((d) => `${d.fault ? 'paused' : 'running'} (pid ${d.pid} on ${d.node})`).join('; ') : 'not running',
            daemons,
            faults,
            warnings,
            ...stats,
            failedReplies: failed.map((e) => ({ id: e.id, kind: e.kind, carriesInvoices: CARRIES_INVOICES.has(e.kind), createdAt: e.createdAt, error: e.lastError ?? '' })),
            platform,
          };
          if (f.json) return void console.log(JSON.stringify(summary, null, 2));
          console.log(`daemon      ${summary.daemon}`);
          for (const d of live) console.log(`mailbox     ${d.source} — ${d.connection}; last poll ${d.lastPollAt ?? 'never'}; last mail ${d.lastMailAt ?? 'never'}`);
          printFaults(faults);
          for (const w of warnings) console.log(`warning     ${w}`);
          console.log(`store       ${store.backend}; ${stats.clients} client(s), ${stats.batches} batch(es), ${stats.invoices} invoice(s)`);
          console.log(`mails       ${stats.inHand} in hand; ${describeOutcomes(stats.outcomes)}`);
          console.log(`outbox      ${stats.outbox.queued} queued, ${stats.outbox.failed} failed, ${stats.outbox.sent} sent`);
          console.log(`requests    ${stats.requestsOpen} open (mailbot requests)`);
          // The approved platforms: what waits to be deposited, since when, and the last thing that went wrong.
          console.log(`platform    ${platform.queued} deposit(s) waiting${platform.oldestQueuedAt ? ` since ${platform.oldestQueuedAt.slice(0, 16)}` : ''}, ${platform.failed} refused for good${platform.failed > 0 ? ' (mailbot invoices --status failed)' : ''}`);
          if (platform.lastError) console.log(`            last error: ${platform.lastError.clientId} ${platform.lastError.number} at ${platform.lastError.at.slice(0, 16)}: ${printable(platform.lastError.error)}`);
          for (const s of stats.setAside) console.log(`set aside   ${printable(s.key)}: ${printable(s.error)} (mailbot retry ${shellQuote(printable(s.key))})`);
          for (const r of summary.failedReplies) console.log(`failed      reply ${r.id} (${r.kind}${r.carriesInvoices ? ', carries issued invoices' : ''}, ${r.createdAt.slice(0, 10)}): ${printable(r.error)} (mailbot resend ${r.id})`);
        });
      } catch (err) {
        if (!isEnvironmentFault(err)) throw err;
        // The store is away (or its disk refused): what this data directory's daemon last said of itself, and the fault.
        const local = await lastLocalStatus(dataDir);
        faults.push({ cause: `${describeFault(err)}: ${errorMessage(err)}`, seenBy: 'this command' });
        if (local?.fault) faults.push({ cause: local.fault.cause, since: local.fault.since, seenBy: `daemon ${local.pid} on ${local.node}` });
        const alive = local && processAlive(local.pid, Date.parse(local.startedAt)) && local.connection !== 'stopped';
        const daemon = alive ? `${local.fault ? 'paused' : 'running'} (pid ${local.pid} on ${local.node})` : 'not running';
        if (f.json) console.log(JSON.stringify({ backend: 'unreachable', daemon, daemons: local ? [local] : [], faults }, null, 2));
        else {
          console.log(`daemon      ${daemon}`);
          if (alive) console.log(`mailbox     ${local.source} — ${local.connection}; last poll ${local.lastPollAt ?? 'never'}; last mail ${local.lastMailAt ?? 'never'}`);
          printFaults(faults);
        }
        process.exitCode = 2;
      }
    });
}

/** "12 handled: 7 help sent, 3 invoices issued, 2 ignored (auto-reply)": the most frequent first. */
export function describeOutcomes(outcomes: Readonly<Record<string, number>>): string {
  const list = Object.entries(outcomes).filter(([, n]) => n > 0).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  if (list.length === 0) return 'none handled yet';
  const total = list.reduce((sum, [, n]) => sum + n, 0);
  const label = (k: string) => {
    const [head, ...why] = k.split(':');
    return `${(head ?? k).replaceAll('-', ' ')}${why.length > 0 ? ` (${why.join(':')})` : ''}`;
  };
  return `${total} handled: ${list.map(([k, n]) => `${n} ${printable(label(k))}`).join(', ')}`;
}

function printFaults(faults: readonly FaultLine[]): void {
  for (const x of faults) console.log(`fault       ${printable(x.cause)}${x.since ? ` since ${x.since}` : ''} (seen by ${x.seenBy})`);
}

/** The status a daemon of this data directory wrote last (every backend keeps this local copy). */
async function lastLocalStatus(dataDir: string): Promise<DaemonStatus | undefined> {
  const text = await readPrivateFile(join(dataDir, 'status.json')).catch(() => null);
  if (!text) return undefined;
  try {
    return JSON.parse(text.toString('utf8')) as DaemonStatus;
  } catch {
    return undefined;
  }
}
