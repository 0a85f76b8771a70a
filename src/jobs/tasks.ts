/**
 * The work outside the store that commits decided (a mailbox purge for an
 * erasure or the retention), done by whoever holds the mailbox: the daemon
 * after each round, `mailbot retention run` by hand. Each task is removed
 * in the commit that records what it did; a failed one is kept, with its
 * error, and tried again.
 */
import type { Logger } from 'pino';
import { auditEntry } from '../audit/trail.js';
import { errorMessage } from '../core/errors.js';
import type { MailSource } from '../mail/source.js';
import type { MailTransport } from '../mail/transport.js';
import type { Store } from '../store/port.js';

export async function runTasks(store: Store, source: MailSource, transport: MailTransport, log: Logger): Promise<number> {
  const tasks = await store.read((tx) => tx.tasks.list());
  let done = 0;
  for (const t of tasks) {
    try {
      const report = [...(await source.purge(t.purge, false)), ...(transport.purge ? await transport.purge(t.purge, false) : [])];
      const count = report.reduce((n, f) => n + f.count, 0);
      await store.transact(async (tx) => {
        await tx.tasks.done(t.id);
        tx.audit(auditEntry({ action: 'mails-purged', outcome: 'ok', details: { reason: t.reason, count, folders: report.filter((f) => f.count > 0).map((f) => `${f.folder}:${f.count}`).join(' ') } }));
      });
      done++;
    } catch (err) {
      log.warn({ task: t.id, reason: t.reason, err: errorMessage(err) }, 'mailbox task failed; it is tried again at the next round');
      await store.transact((tx) => tx.tasks.failed(t.id, errorMessage(err))).catch(() => undefined);
    }
  }
  return done;
}
