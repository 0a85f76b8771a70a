/**
 * The persisted outbox. A reply's raw message is staged and queued in the
 * same commit as what it answers; it is sent with backoff while the SMTP
 * server is down, and a copy goes to the Sent folder. An entry leaves the
 * store only after the server accepted it (the audit trail says
 * "reply-sent", in that same commit, right after the server's answer), so a
 * crash can at worst send a reply twice, never lose it (invariant 3). A reply
 * the server refuses for good is kept, failed, for the operator to resend or
 * dismiss (`mailbot outbox`, `resend`, `dismiss`).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ByteBudget } from '../core/budget.js';
import { auditEntry } from '../audit/trail.js';
import { errorMessage } from '../core/errors.js';
import { isEnvironmentFault } from './faults.js';
import type { OutboxEntry, Staging, Store, Tx } from '../store/port.js';
import { composeReply, type ComposedMail, type Identity, type ReplyDraft } from './compose.js';
import { notice } from './notices.js';
import type { MailSource } from './source.js';
import type { Templates } from './templates.js';
import type { MailTransport } from './transport.js';

const MAX_BACKOFF_MS = 10 * 60_000;
/** Replies sent at the same time; the SMTP transport pools as many connections. */
export const SENDERS = 4;

export function backoffMs(attempts: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}

/** Compose a reply into the staging; the entry it returns is queued by the caller's commit (with `queueReplies`). */
export async function stageReply(staging: Staging, compose: (out: { staging: Staging; file: string }) => Promise<ComposedMail>, meta: { kind: string; inReplyTo?: string; clientId?: string }, now = new Date()): Promise<OutboxEntry> {
  const id = randomUUID();
  const file = `queue/${id}.eml`;
  const mail = await compose({ staging, file });
  return {
    id,
    createdAt: now.toISOString(),
    messageId: mail.messageId,
    envelope: mail.envelope,
    file,
    bytes: mail.bytes,
    state: 'queued',
    attempts: 0,
    nextAttemptAt: now.toISOString(),
    kind: meta.kind,
    ...(meta.inReplyTo ? { inReplyTo: meta.inReplyTo } : {}),
    ...(meta.clientId ? { clientId: meta.clientId } : {}),
  };
}

/** In a transaction: adopt the staged messages and queue their entries, each with its audit line. */
export async function queueReplies(tx: Tx, staging: Staging, entries: readonly OutboxEntry[], ids: { mailKey?: string; messageId?: string } = {}): Promise<void> {
  if (entries.length === 0) return;
  tx.files.adopt(staging);
  for (const e of entries) {
    await tx.outbox.queue(e);
    // The line names the mail answered (messageId) and the reply itself (our own Message-ID).
    tx.audit(auditEntry({ action: 'reply-queued', outcome: 'ok', ...ids, ...(e.clientId ? { clientId: e.clientId } : {}), details: { kind: e.kind, reply: e.messageId } }));
  }
}

/** What the outbox needs besides the store and the transport: to compose the operator's notice, and to hash addresses. */
export interface OutboxContext {
  me: Identity;
  templates: Templates;
  operatorAddress?: string | undefined;
  redact(text: string): string;
  hash(identity: string): string;
}

/** A 5xx answer of the SMTP server: refused for good (RFC 5321 §4.2.1), no retry. */
function permanent(err: unknown): number | undefined {
  const code = (err as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600 ? code : undefined;
}

/**
 * Bytes of replies read for sending at once: small replies go side by side,
 * a big one (up to replies.maxMessageBytes) goes alone, so memory does not
 * grow with the number of SMTP connections.
 */
export const SENDING_BYTES = 24 * 1024 * 1024;

/** Replies taken from the store at once (their `reply-sending` lines go in one commit). */
const BATCH = 200;

export class Outbox {
  private flushing?: Promise<void>;
  private readonly budget = new ByteBudget(SENDING_BYTES);

  constructor(
    private readonly store: Store,
    private readonly transport: MailTransport,
    private readonly source: MailSource | undefined,
    private readonly log: Logger,
    private readonly ctx: OutboxContext,
  ) {}

  /**
   * Send what is due. A call during a run shares it, and the run takes
   * another look once its batch is done: a reply queued meanwhile leaves then,
   * not at the next timer (jobs/registry.ts).
   */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = this.run().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private again = false;

  /** Batches one after the other while one was asked for, or the last was full, and the server takes them. */
  private async run(): Promise<void> {
    await this.recordLeftAccepted();
    for (;;) {
      this.again = false;
      const after = await this.batch();
      // The server down: the next try is the timer's, not at once.
      if (this.stopping || after === 'down' || (after === 'done' && !this.again)) return;
    }
  }

  /** Replies a failed batch took and could not give back (the store was away): given back first. */
  private unreleased: string[] = [];

  /** 'more' when the batch was full and the server took it: there may be more due now. */
  private async batch(): Promise<'more' | 'done' | 'down'> {
    if (this.unreleased.length > 0) {
      await this.store.outbox.release(this.unreleased);
      this.unreleased = [];
    }
    const due = await this.store.outbox.takeDue(new Date(), BATCH);
    if (due.length === 0) return 'done';
    const full = due.length === BATCH;
    // A reply taken is this process's for the send lease (outbox.takeDue never hands a process its
    // own): one not tried, or whose try ended without a known outcome (the store failed), is given
    // back when the batch ends, or it would wait out the lease.
    const open = new Set(due.map((e) => e.id));
    let down = false;
    let broken: { err: unknown } | undefined;
    const recording: Promise<void>[] = [];
    try {
      // Written ahead of the sending: a process killed after the server took a reply and before
      // its `reply-sent` commit still leaves the reply's line (and the reply goes again at the next
      // start, with the same Message-ID: at least once, never silently).
      await this.store.transact((tx) => {
        for (const e of due) tx.audit(auditEntry({ action: 'reply-sending', outcome: 'info', messageId: e.messageId, ...(e.clientId ? { clientId: e.clientId } : {}), details: { attempt: e.attempts + 1, kind: e.kind } }));
        return Promise.resolve();
      });
      // A few at a time, as many as the SMTP pool has connections; the first failure stops the round,
      // once the replies in hand are done.
      const worker = async () => {
        while (!down && !broken) {
          const entry = due.shift();
          if (!entry) return;
          try {
            const sent = await this.sendOne(entry, recording);
            open.delete(entry.id);
            if (!sent) down = true;
          } catch (err) {
            broken ??= { err };
          }
        }
      };
      await Promise.all(Array.from({ length: SENDERS }, worker));
    } finally {
      const left = [...open];
      if (left.length > 0) await this.store.outbox.release(left).catch(() => void this.unreleased.push(...left));
    }
    if (broken) {
      // Their records go on; one that fails is made by the next run (recordLeftAccepted), never an unhandled rejection.
      void Promise.allSettled(recording);
      throw broken.err;
    }
    const failed = (await Promise.allSettled(recording)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return down ? 'down' : full ? 'more' : 'done';
  }

  /**
   * false when the server refused or could not be reached. A reply the
   * server took is copied to Sent and recorded while the next one is sent
   * (into `recording`); its bytes stay counted until then.
   */
  private async sendOne(entry: OutboxEntry, recording: Promise<void>[]): Promise<boolean> {
    // Entries queued by an older version have no size: their file tells it.
    const bytes = entry.bytes ?? (await this.store.files.size(entry.file).catch(() => undefined)) ?? 0;
    const release = await this.budget.take(bytes);
    let outcome: boolean | { record: () => Promise<void> };
    try {
      outcome = await this.sendHeld(entry);
    } catch (err) {
      release();
      throw err;
    }
    if (typeof outcome === 'boolean') {
      release();
      return outcome;
    }
    recording.push(outcome.record().finally(release));
    return true;
  }

  private async sendHeld(entry: OutboxEntry): Promise<boolean | { record: () => Promise<void> }> {
    let raw: Buffer;
    try {
      raw = await this.store.files.read(entry.file);
    } catch (err) {
      this.log.error({ id: entry.id, err: this.ctx.redact(errorMessage(err)) }, 'queued reply file unreadable');
      await this.store.transact((tx) => tx.outbox.retry(entry.id, { attempts: entry.attempts + 1, nextAttemptAt: new Date(Date.now() + backoffMs(entry.attempts + 1)).toISOString(), lastError: 'message file unreadable' }));
      return true;
    }
    try {
      await this.transport.send(raw, entry.envelope);
    } catch (err) {
      const attempts = entry.attempts + 1;
      const message = this.ctx.redact(errorMessage(err)).slice(0, 300);
      const code = permanent(err);
      if (code !== undefined) {
        await this.failForGood(entry, code, message);
        return true; // the server answered: the other replies may go
      }
      await this.store.transact(async (tx) => {
        await tx.outbox.retry(entry.id, { attempts, lastError: message, nextAttemptAt: new Date(Date.now() + backoffMs(attempts)).toISOString() });
        tx.audit(auditEntry({ action: 'reply-failed', outcome: 'failed', messageId: entry.messageId, ...(entry.clientId ? { clientId: entry.clientId } : {}), details: { attempts, kind: entry.kind } }));
      });
      this.log.warn({ id: entry.id, attempts, err: message }, 'reply not sent; will retry');
      return false; // the server is down: the others would fail the same way
    }
    // The server has it: said at once, before anything can wait (the commit queue, the store), so a
    // kill from here on never sends it again. When even that cannot be written, recordSent keeps trying.
    await this.store.outbox.accepted(entry.id).catch((err: unknown) => this.log.warn({ id: entry.id, err: this.ctx.redact(errorMessage(err)) }, 'reply sent; its acceptance could not be written yet'));
    return { record: () => this.recordSent(entry, raw) };
  }

  /**
   * Replies the server took from a process that died before their sent
   * commit: recorded as sent now, with their copy in Sent, never sent again.
   */
  private async recordLeftAccepted(): Promise<void> {
    for (const entry of await this.store.outbox.acceptedUnrecorded()) {
      const raw = await this.store.files.read(entry.file).catch(() => undefined);
      await this.recordSent(entry, raw, { afterRestart: true });
    }
  }

  /**
   * The server said 250: that is recorded first, in its own commit, so that
   * the window in which a kill sends the reply twice is the SMTP transaction
   * itself (invariant 3). The copy in Sent follows, from the message still in
   * memory; a kill in between loses that copy, never the reply or its record.
   * While the store cannot take the record (an outage), it is tried again
   * here, and the reply stays ours: it is never offered to be sent again.
   */
  private async recordSent(entry: OutboxEntry, raw: Buffer | undefined, how: { afterRestart?: boolean } = {}): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store.transact(async (tx) => {
          await tx.outbox.sent(entry.id);
          tx.audit(auditEntry({ action: 'reply-sent', outcome: 'ok', messageId: entry.messageId, ...(entry.clientId ? { clientId: entry.clientId } : {}), details: { kind: entry.kind, attempts: entry.attempts + 1, ...(how.afterRestart ? { recordedAfterRestart: true } : {}) } }));
        });
        break;
      } catch (err) {
        if (!isEnvironmentFault(err) || this.stopping) throw err;
        if (attempt === 1) this.log.warn({ id: entry.id, err: this.ctx.redact(errorMessage(err)) }, 'reply sent; its record waits for the store');
        await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2_000)));
      }
    }
    if (!this.source || !raw) return;
    try {
      await this.source.saveSent(raw);
    } catch (err) {
      this.log.warn({ id: entry.id, err: this.ctx.redact(errorMessage(err)) }, 'could not copy the reply to the Sent folder');
    }
  }

  /** Stop waiting for the store to record replies already sent (the process is stopping). */
  private stopping = false;
  stop(): void {
    this.stopping = true;
  }

  /** Refused for good: marked failed, and the operator told (unless it is the operator's own notice). */
  private async failForGood(entry: OutboxEntry, code: number, message: string): Promise<void> {
    const operator = this.ctx.operatorAddress;
    const tell = operator && entry.kind !== 'operator-notice' && !entry.envelope.to.includes(operator);
    const staged = tell
      ? await stageNotices(this.store, this.ctx.me, this.ctx.templates, [
          notice(
            operator,
            'fr',
            `Réponse refusée par le serveur (${code})${entry.kind.startsWith('batch-result') ? ' : factures émises non remises' : ''}`,
            [
              `Le serveur d'envoi a refusé définitivement une réponse (${entry.kind}, ${entry.id})${entry.inReplyTo ? ` au courrier ${entry.inReplyTo}` : ''}${entry.clientId ? ` du client ${entry.clientId}` : ''} : ${message}`,
              ...(entry.kind.startsWith('batch-result') ? ['Elle porte des factures numérotées que le client n\'a pas reçues.'] : []),
              `Elle est conservée. Après correction de la cause : mailbot resend ${entry.id} (ou mailbot dismiss ${entry.id}). La liste : mailbot outbox --failed ; le rapport quotidien la rappelle jusque-là.`,
            ],
            [],
            undefined,
            'operator-notice',
          ),
        ])
      : undefined;
    try {
      await this.store.transact(async (tx) => {
        await tx.outbox.fail(entry.id, { error: message });
        tx.audit(auditEntry({ action: 'reply-failed', outcome: 'failed', messageId: entry.messageId, ...(entry.clientId ? { clientId: entry.clientId } : {}), details: { attempts: entry.attempts + 1, kind: entry.kind, permanent: true, code } }));
        if (staged) await queueReplies(tx, staged.staging, staged.entries);
      });
    } finally {
      await staged?.staging.discard();
    }
    this.log.error({ id: entry.id, code, err: message }, 'reply refused for good by the SMTP server; the operator is told');
  }
}

/**
 * Compose and stage mails that answer no mail (a notice, a digest); the
 * caller queues them with `queueReplies` in its own transaction and discards
 * the staging if that fails.
 */
export async function stageNotices(store: Store, me: Identity, templates: Templates, drafts: readonly ReplyDraft[], clientId?: string): Promise<{ staging: Staging; entries: OutboxEntry[] }> {
  const staging = await store.files.stage();
  try {
    const entries: OutboxEntry[] = [];
    for (const draft of drafts) entries.push(await stageReply(staging, (out) => composeReply(undefined, draft, me, templates, out), { kind: draft.kind, ...(clientId ? { clientId } : {}) }));
    return { staging, entries };
  } catch (err) {
    await staging.discard();
    throw err;
  }
}
