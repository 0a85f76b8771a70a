/**
 * The operator's commands: `mailbot log` reads the audit trail (what the bot
 * did with each mail and reply), `mailbot status` the daemon's state, and
 * `mailbot check-config` validates the configuration and tries the logins.
 */
import { existsSync, readFileSync, statSync, watchFile } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { AuditEntry } from '../../audit/trail.js';
import { loadConfig } from '../../config/load.js';
import type { DaemonStatus } from '../../mail/daemon.js';
import { readLedgerArchive } from '../../mail/state.js';
import { ImapSource } from '../../mail/imap.js';
import { buildSourceAndTransport, createLogger } from '../../mail/runtime.js';
import { openStore, type GlobalOptions } from '../context.js';
import { table } from '../table.js';

interface LogFilters {
  since?: string;
  action?: string;
  client?: string;
  message?: string;
  json?: boolean;
  follow?: boolean;
}

/** "2h", "3d", "30m" or an ISO date. */
export function parseSince(value: string, now = Date.now()): number {
  const rel = /^(\d+)\s*([mhdw])$/.exec(value.trim());
  if (rel) return now - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[rel[2] as 'm' | 'h' | 'd' | 'w'];
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new Error(`--since: "${value}" is neither a duration (30m, 2h, 7d) nor a date (2026-11-01)`);
  return t;
}

function matches(e: AuditEntry, f: LogFilters, since: number): boolean {
  if (Date.parse(e.time) < since) return false;
  if (f.action && !f.action.split(',').includes(e.action)) return false;
  if (f.client && e.clientId !== f.client) return false;
  if (f.message && e.messageId !== f.message && e.mailKey !== f.message && !(e.messageId ?? '').includes(f.message)) return false;
  return true;
}

function row(e: AuditEntry): string[] {
  const details = Object.entries(e.details ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  return [e.time.replace('T', ' ').slice(0, 19), e.action, e.outcome, e.clientId ?? '', e.messageId ?? e.mailKey ?? '', details];
}

function parseLines(text: string): AuditEntry[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as AuditEntry];
      } catch {
        return [];
      }
    });
}

export function registerOperatorCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('log')
    .description('read the audit trail: every mail, batch and reply')
    .option('--since <when>', 'only entries after this (30m, 2h, 7d, or a date)')
    .option('--action <list>', 'only these actions, comma-separated (e.g. reply-sent,reply-failed)')
    .option('--client <id>', 'only entries about this client')
    .option('--message <id>', 'only entries about this Message-ID or mail key')
    .option('--json', 'JSON lines instead of a table')
    .option('--follow', 'keep printing new entries')
    .action(async (f: LogFilters) => {
      const store = await openStore(globals());
      const path = join(store.dataDir, 'audit.log');
      const since = f.since ? parseSince(f.since) : 0;
      const print = (entries: AuditEntry[], withHeader: boolean) => {
        const shown = entries.filter((e) => matches(e, f, since));
        if (f.json) for (const e of shown) console.log(JSON.stringify(e));
        else if (shown.length > 0 || withHeader) {
          const t = table(['time (UTC)', 'action', 'outcome', 'client', 'message', 'details'], shown.map(row));
          console.log(withHeader ? t : t.split('\n').slice(2).join('\n'));
        }
      };
      const text = existsSync(path) ? await readFile(path, 'utf8') : '';
      print(parseLines(text), true);
      if (!f.follow) return;
      let offset = Buffer.byteLength(text);
      await new Promise<void>(() => {
        watchFile(path, { interval: 500 }, () => {
          void (async () => {
            const size = statSync(path).size;
            if (size <= offset) return;
            const handle = await open(path, 'r');
            const buf = Buffer.alloc(size - offset);
            await handle.read(buf, 0, buf.length, offset);
            await handle.close();
            offset = size;
            print(parseLines(buf.toString('utf8')), false);
          })();
        });
      });
    });

  program
    .command('status')
    .description('daemon state, last poll, ledger and outbox counts')
    .option('--json', 'JSON output')
    .action(async (f: { json?: boolean }) => {
      const store = await openStore(globals());
      const statusFile = join(store.dataDir, 'status.json');
      const daemon = existsSync(statusFile) ? (JSON.parse(readFileSync(statusFile, 'utf8')) as DaemonStatus) : undefined;
      const lockFile = join(store.dataDir, 'mailbot.lock');
      const lock = existsSync(lockFile) ? (JSON.parse(readFileSync(lockFile, 'utf8')) as { pid: number; purpose: string }) : undefined;
      let running = false;
      if (lock) {
        try {
          process.kill(lock.pid, 0);
          running = true;
        } catch {
          running = false;
        }
      }
      const ledger = [...readLedgerArchive(store.dataDir), ...Object.values(store.data.ledger)];
      const auditPath = join(store.dataDir, 'audit.log');
      const sent = existsSync(auditPath) ? parseLines(readFileSync(auditPath, 'utf8')).filter((e) => e.action === 'reply-sent').length : 0;
      const count = <T>(list: T[], pick: (x: T) => string) => list.reduce<Record<string, number>>((acc, x) => ({ ...acc, [pick(x)]: (acc[pick(x)] ?? 0) + 1 }), {});
      const summary = {
        daemon: running ? `running (pid ${lock?.pid}, ${lock?.purpose})` : 'not running',
        connection: daemon?.connection ?? 'unknown',
        source: daemon?.source ?? '',
        lastPollAt: daemon?.lastPollAt ?? null,
        lastMailAt: daemon?.lastMailAt ?? null,
        ledger: count(ledger, (e) => e.state),
        outcomes: count(ledger, (e) => e.outcome ?? 'pending'),
        setAside: ledger.filter((e) => e.outcome === 'set-aside').map((e) => ({ key: `${e.mailbox}|${e.uidValidity}|${e.uid}`, error: e.error ?? '' })),
        outbox: { queued: store.data.outbox.length, sent },
        clients: store.data.clients.length,
        batches: store.data.batches.length,
      };
      if (f.json) return void console.log(JSON.stringify(summary, null, 2));
      console.log(`daemon      ${summary.daemon}`);
      console.log(`mailbox     ${summary.source} — ${summary.connection}`);
      console.log(`last poll   ${summary.lastPollAt ?? 'never'}; last mail ${summary.lastMailAt ?? 'never'}`);
      console.log(`ledger      ${JSON.stringify(summary.ledger)}  outcomes ${JSON.stringify(summary.outcomes)}`);
      console.log(`outbox      ${JSON.stringify(summary.outbox)}`);
      console.log(`clients     ${summary.clients}; batches ${summary.batches}`);
      for (const s of summary.setAside) console.log(`set aside   ${s.key}: ${s.error}`);
    });

  program
    .command('check-config')
    .description('validate the configuration and try the IMAP and SMTP logins')
    .option('--config <file>', 'configuration file (default $MAILBOT_CONFIG or DATA/config.json)')
    .action(async (f: { config?: string }) => {
      const store = await openStore(globals());
      const config = await loadConfig(store.dataDir, f.config);
      console.log('configuration: valid');
      if (!config.imap) {
        console.log(`mailbox: embedded Maildir ${join(store.dataDir, 'mailbox')} (no IMAP configured)`);
        console.log(`replies: written to ${join(store.dataDir, 'outbox')} (no SMTP configured)`);
        return;
      }
      const log = createLogger();
      const { source, transport } = buildSourceAndTransport(store, config, log);
      let failed = false;
      try {
        console.log(`IMAP: ok, ${await (source as ImapSource).checkLogin()}`);
      } catch (err) {
        failed = true;
        console.log(`IMAP: FAILED to log in to ${config.imap.host}:${config.imap.port} as ${config.imap.auth.user}: ${err instanceof Error ? err.message : String(err)}`);
      }
      try {
        await transport.verify();
        console.log(`SMTP: ok (${config.smtp?.host}:${config.smtp?.port})`);
      } catch (err) {
        failed = true;
        console.log(`SMTP: FAILED (${config.smtp?.host}:${config.smtp?.port}): ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        transport.close();
      }
      if (failed) process.exitCode = 2;
    });
}
