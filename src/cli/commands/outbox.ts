/**
 * The replies waiting or refused: `mailbot outbox [--failed]` lists them
 * with their cause, `mailbot resend ID|--all-failed` queues a refused reply
 * again once its cause is fixed (a full mailbox, a relay that refused), and
 * `mailbot dismiss ID` drops one for good, its message shredded. A refused
 * reply may carry invoices that were numbered: it stays listed (status, the
 * daily digest) until it is resent or dismissed. Each change is one commit
 * with its audit line, naming the operator.
 */
import type { Command } from 'commander';
import { auditEntry } from '../../audit/trail.js';
import { MailbotError, UsageError } from '../../core/errors.js';
import type { OutboxEntry } from '../../store/port.js';
import { operatorActor } from '../actor.js';
import { resendReplies } from '../../operator/actions.js';
import { withStore, type GlobalOptions } from '../context.js';
import { printable, table } from '../table.js';

/** Replies that carry a batch's invoices: refused, the client has not received documents that were issued. */
export const CARRIES_INVOICES = new Set(['batch-result', 'batch-result-part']);

function view(e: OutboxEntry) {
  return { id: e.id, state: e.state, kind: e.kind, carriesInvoices: CARRIES_INVOICES.has(e.kind), createdAt: e.createdAt, attempts: e.attempts, nextAttemptAt: e.nextAttemptAt, ...(e.clientId ? { clientId: e.clientId } : {}), error: e.lastError ?? '' };
}

export function registerOutboxCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('outbox')
    .description('the replies queued or refused by the mail server, with their cause')
    .option('--failed', 'only the replies refused for good (resend or dismiss them)')
    .option('--json', 'JSON output')
    .action(async (f: { failed?: boolean; json?: boolean }) => {
      const entries = await withStore(globals(), (store) => store.read(async (tx) => (await tx.outbox.list()).filter((e) => !f.failed || e.state === 'failed')));
      const rows = entries.map(view);
      if (f.json) return void console.log(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return void console.log(f.failed ? 'no reply refused' : 'the outbox is empty');
      console.log(table(['id', 'state', 'kind', 'client', 'created', 'tries', 'cause'], rows.map((r) => [r.id, r.state, `${r.kind}${r.carriesInvoices ? ' (invoices)' : ''}`, r.clientId ?? '', r.createdAt.slice(0, 16), String(r.attempts), printable(r.error)])));
    });

  program
    .command('resend [id]')
    .description('queue a reply refused by the mail server again, once its cause is fixed (audited)')
    .option('--all-failed', 'every reply refused for good')
    .action(async (id: string | undefined, f: { allFailed?: boolean }) => {
      if (Boolean(id) === Boolean(f.allFailed)) throw new UsageError('name one reply (mailbot outbox --failed lists them) or give --all-failed');
      const resent = await withStore(globals(), async (store, config) => {
        const ids = id ? [id] : (await store.read((tx) => tx.outbox.list())).filter((e) => e.state === 'failed').map((e) => e.id);
        return resendReplies(store, await operatorActor(store, config), ids);
      });
      if (resent.length === 0) console.log('no reply refused: nothing to resend');
      for (const e of resent) console.log(`${e.id}: queued again (${e.kind}); the daemon sends it at its next round`);
    });

  program
    .command('dismiss <id>')
    .description('drop a reply refused by the mail server for good: its message is shredded (audited)')
    .action(async (id: string) => {
      const e = await withStore(globals(), async (store, config) => {
        const actor = await operatorActor(store, config);
        return store.transact(async (tx) => {
          const entry = (await tx.outbox.list()).find((x) => x.id === id);
          if (entry?.state !== 'failed') throw new MailbotError('NOT_FOUND', `no failed reply ${id} (mailbot outbox --failed lists them)`);
          await tx.outbox.cancel(id);
          tx.audit(auditEntry({ action: 'reply-dismissed', outcome: 'ok', ...actor, messageId: entry.messageId, ...(entry.clientId ? { clientId: entry.clientId } : {}), details: { kind: entry.kind, carriedInvoices: CARRIES_INVOICES.has(entry.kind) } }));
          return entry;
        });
      });
      console.log(`${e.id}: dismissed; its message is shredded`);
    });
}
