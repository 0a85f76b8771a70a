/**
 * `mailbot retention`: the dry run (what a purge would remove, changing
 * nothing), the purge by hand (the store's part, then the mail folders),
 * and the policy document written from the same settings.
 */
import { UsageError } from '../../core/errors.js';
import { chmod, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { RetentionReport } from '../../retention/run.js';
import { resolveDataDir } from '../../store/files.js';
import { withStore, type GlobalOptions } from '../context.js';
import { table } from '../table.js';

function parseAt(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(at.getTime())) throw new UsageError(`--at: "${value}" is not a date (YYYY-MM-DD or an ISO instant)`);
  return at;
}

const mb = (n?: number) => (n === undefined ? '' : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);
const day = (d?: string) => d?.slice(0, 10) ?? '';

function print(report: RetentionReport, json: boolean): void {
  if (json) return void console.log(JSON.stringify(report, null, 2));
  console.log(`${report.dryRun ? 'would be purged' : 'purged'} at ${report.at} (everything from "kept from" on stays):`);
  console.log(table(['category', 'count', 'unit', 'size', 'oldest', 'newest', 'kept from', 'error'], report.categories.map((c) => [c.category, String(c.count), c.unit, mb(c.bytes), day(c.oldest), day(c.newest), day(c.keptFrom), c.error ?? ''])));
}

export function registerRetentionCommand(program: Command, globals: () => GlobalOptions): void {
  const retention = program
    .command('retention')
    .description('the retention policy: what goes and when (--dry-run), the purge by hand (run), the policy document (policy)')
    .option('--dry-run', 'list what a purge would remove, per category, with counts, sizes and dates; change nothing')
    .option('--at <date>', 'with --dry-run: as if run at this date (YYYY-MM-DD)')
    .option('--json', 'JSON output')
    .option('--config <file>', 'configuration file (default $MAILBOT_CONFIG or DATA/config.json)')
    .action(async (f: { dryRun?: boolean; at?: string; json?: boolean; config?: string }) => {
      if (!f.dryRun) throw new UsageError('say what to do: mailbot retention --dry-run, mailbot retention run, or mailbot retention policy');
      const at = parseAt(f.at);
      const { planRetention } = await import('../../retention/run.js');
      const { buildSourceAndTransport, createLogger } = await import('../../mail/runtime.js');
      const report = await withStore(
        globals(),
        async (store, config) => {
          const { source, transport } = buildSourceAndTransport(resolveDataDir(globals().data), config, createLogger());
          try {
            // The dry run counts the mail folders too when the mailbox answers; it never writes there.
            const opened = await source.open({ deadlineMs: 15_000 }).then(() => true, () => false);
            const report = await planRetention(store, config, at, opened ? { source, transport } : undefined);
            if (!opened) report.categories.push({ category: 'mailbox:*', keptFrom: report.categories[0]?.keptFrom ?? '', count: 0, unit: 'mails', error: 'the mailbox could not be reached: its folders are not counted' });
            return report;
          } finally {
            transport.close();
            await source.close().catch(() => undefined);
          }
        },
        f.config,
      );
      print(report, Boolean(f.json));
    });

  retention
    .command('run')
    .description('purge now what the policy says must go, then the mail folders; one audit line with the counts')
    .option('--json', 'JSON output')
    .option('--config <file>', 'configuration file (default $MAILBOT_CONFIG or DATA/config.json)')
    .action(async (own: { json?: boolean; config?: string }) => {
      // --json and --config may be read by the parent command too (commander): take either.
      const f = { ...retention.opts<{ json?: boolean; config?: string }>(), ...own };
      const { runRetention, mailboxLines } = await import('../../retention/run.js');
      const { runTasks } = await import('../../jobs/tasks.js');
      const { auditTrailFor } = await import('../../audit/trail.js');
      const { buildSourceAndTransport, createLogger } = await import('../../mail/runtime.js');
      const report = await withStore(
        globals(),
        async (store, config) => {
          const log = createLogger();
          const audit = await auditTrailFor(store, config);
          const { operatorActor } = await import('../actor.js');
          const report = await runRetention(store, config, new Date(), (s) => audit.hash(s), await operatorActor(store, config));
          const { source, transport } = buildSourceAndTransport(resolveDataDir(globals().data), config, log);
          try {
            await source.open({ deadlineMs: 30_000 });
            for (const r of (await runTasks(store, source, transport, log)).filter((x) => x.task.reason === 'retention')) {
              const keptFrom = r.task.purge.before ?? '';
              report.categories.push(...mailboxLines(keptFrom, r.folders));
              if (r.error) report.categories.push({ category: 'mailbox:*', keptFrom, count: 0, unit: 'mails', error: `${r.error}; the daemon tries again at its next round` });
            }
          } catch (err) {
            report.categories.push({ category: 'mailbox:*', keptFrom: '', count: 0, unit: 'mails', error: `the mailbox could not be reached (${err instanceof Error ? err.message : String(err)}): the daemon purges it at its next round` });
          } finally {
            transport.close();
            await source.close().catch(() => undefined);
          }
          return report;
        },
        f.config,
      );
      print(report, Boolean(f.json));
      if (report.categories.some((c) => c.error)) process.exitCode = 1;
    });

  retention
    .command('policy')
    .description('write the "Politique de conservation des données" from the live settings')
    .option('--lang <lang>', 'fr or en', 'fr')
    .option('--format <format>', 'md or html', 'md')
    .option('--out <file>', 'write to this file instead of the standard output')
    .option('--config <file>', 'configuration file (default $MAILBOT_CONFIG or DATA/config.json)')
    .action(async (own: { lang: string; format: string; out?: string; config?: string }) => {
      const f = { ...retention.opts<{ config?: string }>(), ...own };
      if (f.lang !== 'fr' && f.lang !== 'en') throw new UsageError(`--lang: "${f.lang}" is not fr or en`);
      if (f.format !== 'md' && f.format !== 'html') throw new UsageError(`--format: "${f.format}" is not md or html`);
      const { commandConfig } = await import('../context.js');
      const { retentionPolicy, policyWarnings } = await import('../../retention/policy.js');
      const { config } = await commandConfig(globals(), f.config);
      const text = retentionPolicy(config, { lang: f.lang, format: f.format });
      // What the document leaves to defaults: said on stderr, so the operator fills it in before publishing.
      for (const w of policyWarnings(config)) console.error(`warning: ${w}`);
      // The policy is for the studio's clients to read: world-readable, whatever the process umask (private for data files).
      if (f.out) {
        await writeFile(f.out, text, { mode: 0o644 });
        await chmod(f.out, 0o644);
      }
      else process.stdout.write(text);
    });
}
