/**
 * The work outside the store that commits decided (a mailbox purge for an
 * erasure or the retention), done by whoever holds the mailbox: the daemon
 * after each round, `mailbot retention run` by hand. Each task is removed
 * in the commit that records what it did; a failed one is kept, with its
 * error, and tried again. With a shared store, daemons read different
 * mailboxes: each purges its own, and the task goes once every mailbox
 * whose daemon was alive in the last week has done it.
 */
import type { Logger } from 'pino';
import { auditEntry } from '../audit/trail.js';
import { errorMessage } from '../core/errors.js';
import type { MailSource } from '../mail/source.js';
import type { MailTransport } from '../mail/transport.js';
import type { FolderPurge } from '../mail/purge.js';
import type { Store, Task } from '../store/port.js';

/** What one task did: its folders' counts, or why it could not run. */
export interface TaskResult {
  task: Task;
  folders: FolderPurge[];
  error?: string;
}

/** A daemon silent this long no longer holds a task back (a mailbox taken out of service). */
const ALIVE_MS = 7 * 86_400_000;

export async function runTasks(store: Store, source: MailSource, transport: MailTransport, log: Logger): Promise<TaskResult[]> {
  const me = source.description;
  const tasks = (await store.read((tx) => tx.tasks.list())).filter((t) => !t.doneBy?.includes(me));
  if (tasks.length === 0) return [];
  const now = Date.now();
  const mailboxes = new Set([me, ...(await store.daemons()).filter((d) => now - Date.parse(d.updatedAt) < ALIVE_MS).map((d) => d.source)]);
  const results: TaskResult[] = [];
  for (const t of tasks) {
    try {
      const report = [...(await source.purge(t.purge, false)), ...(transport.purge ? await transport.purge(t.purge, false) : [])];
      const count = report.reduce((n, f) => n + f.count, 0);
      const failed = report.filter((f) => f.errors);
      const folders = report.filter((f) => f.count > 0).map((f) => `${f.folder}:${f.count}`).join(' ');
      await store.transact(async (tx) => {
        // What could not go stays in the task, tried again at the next round; what went is recorded now.
        if (failed.length > 0) await tx.tasks.failed(t.id, failed.map((f) => `${f.folder}: ${f.errors} left (${f.error ?? ''})`).join('; '));
        else {
          const current = (await tx.tasks.list()).find((x) => x.id === t.id);
          const done = new Set([...(current?.doneBy ?? []), me]);
          if ([...mailboxes].every((m) => done.has(m))) await tx.tasks.done(t.id);
          else await tx.tasks.doneIn(t.id, me);
        }
        tx.audit(auditEntry({ action: 'mails-purged', outcome: failed.length > 0 ? 'failed' : 'ok', details: { reason: t.reason, count, folders, ...(failed.length > 0 ? { left: failed.reduce((n, f) => n + (f.errors ?? 0), 0) } : {}) } }));
      });
      if (failed.length > 0) log.warn({ task: t.id, reason: t.reason, folders: failed.map((f) => f.folder) }, 'some mails could not be purged; the task is tried again at the next round');
      results.push({ task: t, folders: report });
    } catch (err) {
      log.warn({ task: t.id, reason: t.reason, err: errorMessage(err) }, 'mailbox task failed; it is tried again at the next round');
      await store.transact((tx) => tx.tasks.failed(t.id, errorMessage(err))).catch(() => undefined);
      results.push({ task: t, folders: [], error: errorMessage(err) });
    }
  }
  return results;
}
