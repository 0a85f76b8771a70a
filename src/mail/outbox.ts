/**
 * The persisted outbox. A reply is written to data/queue/<id>.eml and listed
 * in the store before any attempt to send it; it is sent with backoff while
 * the SMTP server is down, and a copy goes to the Sent folder. An entry
 * leaves the store only after the server accepted it (the audit trail says
 * "reply-sent"), so a crash can at worst send a reply twice, never lose it
 * (invariant 3).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AuditTrail } from '../audit/trail.js';
import type { Store } from '../store/db.js';
import { writePrivateFile } from '../store/files.js';
import type { ComposedMail } from './compose.js';
import type { MailSource } from './source.js';
import type { OutboxEntry } from './state.js';
import type { MailTransport } from './transport.js';

const QUEUE_DIR = 'queue';
const MAX_BACKOFF_MS = 10 * 60_000;
/** Replies sent at the same time; the SMTP transport pools as many connections. */
export const SENDERS = 4;

export function backoffMs(attempts: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}

/** Write the raw reply beside the store; the entry is added to the store by the caller's commit. */
export async function stageReply(dataDir: string, mail: ComposedMail, meta: { kind: string; inReplyTo?: string; clientId?: string }, now = new Date()): Promise<OutboxEntry> {
  const id = randomUUID();
  const file = join(QUEUE_DIR, `${id}.eml`);
  await writePrivateFile(join(dataDir, file), mail.raw);
  return {
    id,
    createdAt: now.toISOString(),
    messageId: mail.messageId,
    envelope: mail.envelope,
    file,
    state: 'queued',
    attempts: 0,
    nextAttemptAt: now.toISOString(),
    kind: meta.kind,
    ...(meta.inReplyTo ? { inReplyTo: meta.inReplyTo } : {}),
    ...(meta.clientId ? { clientId: meta.clientId } : {}),
  };
}

export class Outbox {
  private flushing?: Promise<void>;

  constructor(
    private readonly store: Store,
    private readonly transport: MailTransport,
    private readonly source: MailSource | undefined,
    private readonly audit: AuditTrail,
    private readonly log: Logger,
  ) {}

  /** Send what is due. Concurrent calls share one run. */
  flush(): Promise<void> {
    this.flushing ??= this.run().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async run(): Promise<void> {
    const now = Date.now();
    const due = this.store.data.outbox.filter((e) => e.state === 'queued' && Date.parse(e.nextAttemptAt) <= now);
    // A few at a time, as many as the SMTP pool has connections; the first failure stops the round.
    let down = false;
    const worker = async () => {
      for (let entry = due.shift(); entry && !down; entry = due.shift()) {
        if (!(await this.sendOne(entry))) down = true;
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, worker));
  }

  /** false when the server refused or could not be reached. */
  private async sendOne(entry: OutboxEntry): Promise<boolean> {
    const path = join(this.store.dataDir, entry.file);
    let raw: Buffer;
    try {
      raw = await readFile(path);
    } catch {
      this.log.error({ id: entry.id }, 'queued reply file missing');
      return true;
    }
    try {
      await this.transport.send(raw, entry.envelope);
    } catch (err) {
      const attempts = entry.attempts + 1;
      const message = err instanceof Error ? err.message : String(err);
      await this.store.update((d) => {
        const e = d.outbox.find((x) => x.id === entry.id);
        if (e) Object.assign(e, { attempts, lastError: message.slice(0, 200), nextAttemptAt: new Date(Date.now() + backoffMs(attempts)).toISOString() });
      });
      await this.audit.record({ action: 'reply-failed', outcome: 'failed', messageId: entry.messageId, ...(entry.clientId ? { clientId: entry.clientId } : {}), details: { attempts, kind: entry.kind } });
      this.log.warn({ id: entry.id, attempts, err: message }, 'reply not sent; will retry');
      return false; // the server is down: the others would fail the same way
    }
    // The copy in Sent comes before the record, so that one write says both; a crash in
    // between sends the reply again, which invariant 3 allows, and never loses it.
    let savedToSent = false;
    if (this.source) {
      try {
        await this.source.saveSent(raw);
        savedToSent = true;
      } catch (err) {
        this.log.warn({ id: entry.id, err: err instanceof Error ? err.message : String(err) }, 'could not copy the reply to the Sent folder');
      }
    }
    await this.store.update((d) => {
      d.outbox = d.outbox.filter((x) => x.id !== entry.id);
    });
    await this.audit.record({ action: 'reply-sent', outcome: 'ok', messageId: entry.messageId, ...(entry.clientId ? { clientId: entry.clientId } : {}), details: { kind: entry.kind, attempts: entry.attempts + 1, savedToSent } });
    await unlink(join(this.store.dataDir, entry.file)).catch(() => undefined);
    return true;
  }

  /** Queue files no entry refers to come from a commit that never happened: remove them. */
  static async removeOrphans(store: Store): Promise<number> {
    const dir = join(store.dataDir, QUEUE_DIR);
    if (!existsSync(dir)) return 0;
    const known = new Set(store.data.outbox.map((e) => e.file.split('/').pop()));
    let removed = 0;
    for (const name of await readdir(dir)) {
      if (name.endsWith('.eml') && !known.has(name)) {
        await unlink(join(dir, name));
        removed++;
      }
    }
    return removed;
  }
}
