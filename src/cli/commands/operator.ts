/**
 * The operator's commands: `mailbot log` reads the audit trail (what the bot
 * did with each mail and reply), `mailbot status` the daemon's state and the
 * store's counters, `mailbot check-config` validates the configuration and
 * tries the logins. `log` streams the trail and `status` reads counters:
 * both run in constant memory however long the history is.
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { AuditSeal } from '../../audit/chain.js';
import type { AuditEntry } from '../../audit/entry.js';
import type { Config } from '../../config/schema.js';
import { UsageError } from '../../core/errors.js';
import type { Store } from '../../store/port.js';
import { AUDIT_ACTIONS } from '../../audit/entry.js';
import { auditMatcher, bracketed, detailsText, parseActions, shortRef, type AuditQuery } from '../../audit/query.js';
import { resolveDataDir } from '../../store/files.js';
import { DOC_FILE } from '../../store/embedded/store.js';
import { withStore, type GlobalOptions } from '../context.js';
import { printable, wrap } from '../table.js';
import { parseSince } from '../../operator/since.js';


interface LogFilters {
  since?: string;
  action?: string;
  client?: string;
  from?: string;
  message?: string;
  request?: string;
  json?: boolean;
  follow?: boolean;
  verify?: boolean;
  head?: string;
  sealLegacy?: boolean;
}

function row(e: AuditEntry): string[] {
  // The mail: its key in the mailbox when the line has one, else its Message-ID, shortened (--json gives them whole).
  const mail = shortRef(e.mailKey ?? e.messageId);
  return [e.time.replace('T', ' ').slice(0, 19), e.action, e.outcome, e.clientId ?? '', mail, detailsText(e)].map(printable);
}

const HEADER = ['time (UTC)', 'action', 'outcome', 'client', 'mail', 'details'];
const WIDTHS = [19, 31, 8, 16, 24, 0];

/** One line per entry, as it comes: the table's columns have fixed widths, so nothing is held. */
function line(cells: string[]): string {
  return cells.map((c, i) => (WIDTHS[i] ? c.padEnd(WIDTHS[i] ?? 0) : c)).join('  ').trimEnd();
}

/** "SEQ:MAC" as the daily digest gives it ("1234:k1:ab…"). */
function parseHead(value: string): { seq: number; mac: string } {
  const m = /^(\d+):(\S+)$/.exec(value.trim());
  if (!m?.[1] || !m[2]) throw new UsageError(`--head: "${value}" is not SEQ:MAC as the daily digest gives it`);
  return { seq: Number(m[1]), mac: m[2] };
}

/** The key that seals the trail, as the configuration names it (or the data directory's own). */
async function sealOf(store: Store, config: Config): Promise<AuditSeal> {
  const { auditKey } = await import('../../config/secrets.js');
  const { key, keyId } = await auditKey(store.dataDir, config);
  return { key, keyId };
}

export function registerOperatorCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('log')
    .description('read the audit trail: every mail, batch and reply')
    .option('--since <when>', 'only entries after this (30m, 2h, 7d, or a date)')
    .option('--action <list>', 'only these actions, comma-separated (e.g. reply-sent,reply-failed; listed below)')
    .option('--client <id>', "only this client's mails, replies, batches and requests")
    .option('--from <address>', 'only mails from this address and what followed them (the trail keeps it as a keyed hash)')
    .option('--request <ref>', 'only this rights request: its lines and the mails that made, confirmed or answered it')
    .option('--message <id>', 'only this mail: its Message-ID (with or without <>), its mail key, or the #hash the table shows')
    .option('--json', 'JSON lines instead of a table')
    .option('--follow', 'keep printing new entries')
    .option('--verify', 'check the hash chain of the whole trail and name the first line edited, removed or moved (exit 1 if any)')
    .option('--head <seq:mac>', 'with --verify: also check a head kept outside (the daily digest gives it)')
    .option('--seal-legacy', 'seal, once, the lines written before the chain began (an older version), after checking them: --verify then accepts exactly those lines')
    .addHelpText('after', `\nActions:\n${wrap(AUDIT_ACTIONS.join(', '), 76, '  ')}`)
    .action(async (f: LogFilters) => {
      if (f.verify || f.sealLegacy) {
        const known = f.head ? parseHead(f.head) : undefined;
        return withStore(globals(), async (store, config) => {
          const { verifyCommand, sealLegacyCommand } = await import('./audit-log.js');
          if (f.sealLegacy) return sealLegacyCommand(store, await sealOf(store, config), Boolean(f.json));
          return verifyCommand(store, await sealOf(store, config), Boolean(f.json), known);
        });
      }
      const query: AuditQuery = {
        ...(f.since ? { since: parseSince(f.since) } : {}),
        ...(f.action ? { actions: parseActions(f.action) } : {}),
        ...(f.client ? { clientId: f.client } : {}),
        ...(f.message ? { message: f.message } : {}),
        ...(f.request ? { ref: f.request } : {}),
      };
      await withStore(globals(), async (store, config) => {
        const { auditTrailFor } = await import('../../audit/trail.js');
        const trail = f.message || f.from ? await auditTrailFor(store, config) : undefined;
        // The trail keeps a received mail's Message-ID and a sender's address as keyed hashes: ask for those.
        if (f.message && trail) query.messageRef = trail.hash(bracketed(f.message));
        if (f.from && trail) query.sender = trail.hash(f.from);
        // An erased or closed client's lines stay in the trail under its id: a name not in the records is said, not refused.
        if (f.client && !(await store.read((tx) => tx.clients.get(f.client ?? '')))) console.error(`mailbot: no client "${f.client}" in the records (mailbot client list); showing the lines that name it`);
        const matcher = auditMatcher(query);
        if (f.client) {
          const id = f.client;
          matcher.requestRefs((await store.read((tx) => tx.requests.list({}))).filter((r) => r.clientIds?.includes(id)).map((r) => r.ref));
        }
        // Only what the key sealed is shown (audit-log.ts says why the whole trail is checked first).
        const { listCommand } = await import('./audit-log.js');
        let header = !f.json;
        const print = (e: AuditEntry) => {
          if (header) console.log(line(HEADER));
          header = false;
          console.log(f.json ? JSON.stringify(e) : line(row(e)));
        };
        await listCommand(store, await sealOf(store, config), matcher, Boolean(f.follow), print);
        if (header && process.exitCode !== 1) console.log(line(HEADER));
      });
    });

  program
    .command('check-config')
    .description('validate the configuration and try the IMAP and SMTP logins')
    .option('--config <file>', 'configuration file (default $MAILBOT_CONFIG or DATA/config.json)')
    .action(async (f: { config?: string }) => {
      const { loadConfig } = await import('../../config/load.js');
      const dataDir = resolveDataDir(globals().data);
      const config = await loadConfig(dataDir, f.config);
      console.log('configuration: valid');
      const { configWarnings } = await import('../../config/warnings.js');
      for (const w of configWarnings(config)) console.log(`warning: ${w}`);
      // Each seller's approved platform: its token and healthcheck, nothing sent.
      const { checkPlatform } = await import('../../platform/check.js');
      let platformFailed = false;
      // Only a store that exists is read: checking a configuration never creates a store (nor its audit key).
      const hasStore = config.store.type === 'postgres' || existsSync(join(dataDir, DOC_FILE));
      const clients = hasStore ? await withStore(globals(), (store) => store.read((tx) => tx.clients.list())).catch(() => []) : [];
      for (const c of clients) {
        const r = await checkPlatform(c);
        if (!r) continue;
        platformFailed ||= !r.ok;
        console.log(`platform of ${c.id}: ${r.ok ? r.message : `FAILED: ${r.message}`}`);
      }
      if (platformFailed) process.exitCode = 2;
      if (!config.imap) {
        console.log(`mailbox: embedded Maildir ${join(dataDir, 'mailbox')} (no IMAP configured)`);
        console.log(`replies: written to ${join(dataDir, 'outbox')} (no SMTP configured)`);
        return;
      }
      const { buildSourceAndTransport, createLogger } = await import('../../mail/runtime.js');
      const { source, transport } = buildSourceAndTransport(dataDir, config, createLogger());
      let failed = false;
      try {
        console.log(`IMAP: ok, ${await (source as import('../../mail/imap.js').ImapSource).checkLogin()}`);
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

/** `mailbot retry KEY`: a mail set aside goes back to the inbox, once its cause is fixed. */
export function registerRetryCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('retry <key>')
    .description('put a mail set aside back in the inbox (after fixing its cause); `mailbot status` lists them')
    .option('--config <file>', 'configuration file (default $MAILBOT_CONFIG or DATA/config.json)')
    .action(async (key: string, f: { config?: string }) => {
      const { loadConfig } = await import('../../config/load.js');
      const dataDir = resolveDataDir(globals().data);
      const config = await loadConfig(dataDir, f.config);
      await withStore(
        globals(),
        async (store) => {
          const { retryMail } = await import('../../operator/actions.js');
          const { operatorActor } = await import('../actor.js');
          await retryMail(store, config, dataDir, await operatorActor(store, config), key);
        },
        f.config,
      );
      console.log(`${key}: back in the inbox; the daemon handles it at its next round`);
    });
}
