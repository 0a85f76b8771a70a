/**
 * One mail's way through: ledger → parse → guard → route → handle → one
 * store write (batches, queued reply, outcome) → move → ledger "moved".
 *
 * Each attempt is counted in a journal before handling (mail/attempts.ts),
 * so a mail that crashed the handler (or the process) twice is set aside
 * with its error instead of blocking the mails behind it (invariant 4). The
 * ledger entry with the outcome is written in the same store write as the
 * batches and the reply, and a mail is moved only after it (invariants 1, 2).
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AuditTrail } from '../audit/trail.js';
import { clientForEmail } from '../clients/service.js';
import type { Config } from '../config/schema.js';
import { errorMessage } from '../core/errors.js';
import type { Store } from '../store/db.js';
import { clientIp, senderTrust } from './authresults.js';
import { composeReply } from './compose.js';
import { guard, RateLimiter } from './guard.js';
import type { FolderRole, HandlerResult, MailContext, MailHandler } from './handlers/types.js';
import { detectLanguage } from './language.js';
import { stageReply } from './outbox.js';
import { parseMessage, type ParsedMessage } from './parse.js';
import type { MailRef, MailSource } from './source.js';
import type { AttemptJournal } from './attempts.js';
import { archiveLedger, ledgerKey } from './state.js';
import type { Templates } from './templates.js';

export const MAX_ATTEMPTS = 2;

/** A mail whose outcome is recorded and that waits to be moved to its folder. */
export interface PendingMove {
  ref: MailRef;
  key: string;
  folder: string;
  messageId?: string;
}

export interface PipelineDeps {
  store: Store;
  config: Config;
  audit: AuditTrail;
  templates: Templates;
  handlers: readonly MailHandler[];
  log: Logger;
  attempts: AttemptJournal;
}

export class Pipeline {
  private readonly rate: RateLimiter;
  /** Resolves when every mail started before the next one has finished or proved not exclusive. */
  private order: Promise<void> = Promise.resolve();

  constructor(private readonly deps: PipelineDeps) {
    this.rate = new RateLimiter(deps.config.limits.mailsPerSenderPerHour);
  }

  private folder(role: FolderRole): string {
    return this.deps.config.folders[role];
  }

  /**
   * Move mails whose outcome is recorded, folder by folder in one command each,
   * then note them moved in one write. A crash before the note only means the
   * move is done again: the ledger says where each mail goes.
   */
  async moveAll(source: MailSource, pending: readonly PendingMove[]): Promise<void> {
    const byFolder = new Map<string, PendingMove[]>();
    for (const p of pending) byFolder.set(p.folder, [...(byFolder.get(p.folder) ?? []), p]);
    for (const [folder, list] of byFolder) {
      await source.moveMany(list.map((p) => p.ref), folder);
      // A moved mail is done: its entry leaves the store for the append-only ledger archive,
      // so the store stays small however many mails go by (UIDs are never reused in a UIDVALIDITY).
      const now = new Date().toISOString();
      const done = list.flatMap((p) => {
        const e = this.deps.store.data.ledger[p.key];
        return e ? [{ ...e, state: 'moved' as const, updatedAt: now }] : [];
      });
      await archiveLedger(this.deps.store.dataDir, done);
      await this.deps.store.update((d) => {
        for (const p of list) delete d.ledger[p.key];
      });
      await this.deps.attempts.done(list.map((p) => p.key));
      for (const p of list) await this.deps.audit.record({ action: 'moved', outcome: 'ok', mailKey: p.key, ...(p.messageId ? { messageId: p.messageId } : {}), details: { folder } });
    }
  }

  /**
   * Handle one mail and record its outcome; returns the move still to do (see
   * moveAll). Mails run concurrently, except those of an exclusive handler:
   * they run one at a time and in the order `process` was called, so that
   * invoice batches are numbered in the order the mails arrived.
   */
  async process(source: MailSource, ref: MailRef): Promise<PendingMove | null> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const before = this.order;
    this.order = before.then(() => mine);
    try {
      return await this.processInOrder(source, ref, before, release);
    } finally {
      release();
    }
  }

  private async processInOrder(source: MailSource, ref: MailRef, before: Promise<void>, release: () => void): Promise<PendingMove | null> {
    const { store, audit, attempts } = this.deps;
    const key = ledgerKey(ref.key);
    const known = store.data.ledger[key];
    if (known?.folder) {
      // Handled before (the move did not happen, or the server shows it again): only the move is left.
      return { ref, key, folder: known.folder, ...(known.messageId ? { messageId: known.messageId } : {}) };
    }
    const tried = attempts.get(key);
    if (tried && tried.attempts >= MAX_ATTEMPTS) {
      const folder = this.folder('rejected');
      const error = tried.error ?? 'the handler stopped twice on this mail';
      const now = new Date().toISOString();
      await store.update((d) => {
        d.ledger[key] = { ...ref.key, state: 'handled', attempts: tried.attempts, outcome: 'set-aside', folder, error, firstSeenAt: tried.firstSeenAt, updatedAt: now };
      });
      await audit.record({ action: 'set-aside', outcome: 'failed', mailKey: key, details: { attempts: tried.attempts, error: error.slice(0, 200) } });
      this.deps.log.error({ key, attempts: tried.attempts }, 'mail set aside after repeated failures');
      return { ref, key, folder };
    }
    const attempt = await attempts.begin(key);
    try {
      return await this.handle(source, ref, key, before, release, attempt);
    } catch (err) {
      const message = errorMessage(err);
      this.deps.log.error({ key, err: message }, 'mail handling failed; it will be retried once, then set aside');
      await attempts.fail(key, message.slice(0, 500)).catch(() => undefined);
      await audit.record({ action: 'error', outcome: 'failed', mailKey: key, details: { error: message.slice(0, 200) } }).catch(() => undefined);
      return null;
    }
  }

  private async handle(source: MailSource, ref: MailRef, key: string, before: Promise<void>, release: () => void, attempt: { attempts: number; firstSeenAt: string }): Promise<PendingMove> {
    const { store, config, audit } = this.deps;
    const raw = await source.fetch(ref);
    const parsed = await parseMessage(raw, config.limits);
    if (!parsed.ok) {
      await audit.record({ action: 'received', outcome: 'refused', mailKey: key, details: { reason: 'unparseable' } });
      return this.finish(ref, key, attempt, undefined, { outcome: 'unparseable', folder: 'rejected', audit: [] });
    }
    const message = parsed.message;
    const from = message.from?.address;
    const ip = clientIp(message.headers.get('received') ?? []);
    const ids = { mailKey: key, ...(message.messageId ? { messageId: message.messageId } : {}) };
    // A client who objected (GDPR Art. 21) is no longer traced by address and IP in the audit
    // trail, the one processing here that rests on legitimate interest, unless the operator
    // recorded compelling grounds.
    const objecting = from ? clientForEmail(store, from)?.objection : undefined;
    const traced = !objecting || Boolean(objecting.compellingGrounds);
    await audit.record({
      action: 'received',
      outcome: 'info',
      ...ids,
      ...(from && traced ? { sender: audit.hash(from) } : {}),
      ...(ip && traced ? { ip: audit.hash(ip) } : {}),
      details: { bytes: raw.length, attachments: message.attachments.length },
    });

    const guarded = guard(message, config.botAddress);
    if (guarded) {
      return this.finish(ref, key, attempt, message, { outcome: `ignored:${guarded}`, folder: 'ignored', audit: [{ action: 'guarded', outcome: 'ignored', details: { reason: guarded } }] });
    }
    if (from && !this.rate.allow(from)) {
      return this.finish(ref, key, attempt, message, { outcome: 'ignored:rate-limited', folder: 'ignored', audit: [{ action: 'rate-limited', outcome: 'ignored' }] });
    }
    const client = from ? clientForEmail(store, from) : undefined;
    const lang = detectLanguage(message, client?.language);
    if (message.oversize) {
      const l = config.limits;
      const reason = { message: { fr: 'le message est trop volumineux', en: 'the message is too large' }, 'attachment-count': { fr: 'il contient trop de pièces jointes', en: 'it has too many attachments' }, 'attachment-size': { fr: 'une pièce jointe est trop volumineuse', en: 'an attachment is too large' } }[message.oversize][lang];
      return this.finish(ref, key, attempt, message, {
        outcome: `too-large:${message.oversize}`,
        folder: 'rejected',
        reply: { kind: 'too-large', template: 'too-large', lang, to: from ?? '', data: { reason, messageMb: Math.round(l.messageBytes / 1048576), maxAttachments: l.attachments, attachmentMb: Math.round(l.attachmentBytes / 1048576) } },
        audit: [{ action: 'routed', outcome: 'refused', details: { reason: message.oversize } }],
      });
    }
    const ctx: MailContext = {
      message,
      key,
      ...(client ? { client } : {}),
      trust: senderTrust(message.headers.get('authentication-results') ?? [], config.authservId, from ?? ''),
      lang,
      store,
      config,
      audit,
      now: new Date(),
    };
    const handler = this.deps.handlers.find((h) => h.accepts(ctx));
    if (!handler) throw new Error('no handler accepts this mail');
    await audit.record({ action: 'routed', outcome: 'info', ...ids, ...(client ? { clientId: client.id } : {}), details: { handler: handler.name } });
    if (!handler.exclusive) {
      release(); // mails behind this one need not wait for it
      return this.finish(ref, key, attempt, message, await handler.handle(ctx));
    }
    await before;
    return this.finish(ref, key, attempt, message, await handler.handle(ctx));
  }

  /** Record the outcome, the batches and the queued reply in one write; the move comes after. */
  private async finish(ref: MailRef, key: string, attempt: { attempts: number; firstSeenAt: string }, message: ParsedMessage | undefined, result: HandlerResult): Promise<PendingMove> {
    const { store, config, audit, templates } = this.deps;
    const folder = this.folder(result.folder);
    const ids = { mailKey: key, ...(message?.messageId ? { messageId: message.messageId } : {}) };
    const prepared = result.prepared ?? [];
    const queuedAll: Awaited<ReturnType<typeof stageReply>>[] = [];
    const me = { botAddress: config.botAddress, botName: config.botName };
    try {
      if (result.reply && result.reply.to !== '') {
        const mail = await composeReply(message, result.reply, me, templates);
        queuedAll.push(await stageReply(store.dataDir, mail, { kind: result.reply.kind, inReplyTo: key, ...(result.clientId ? { clientId: result.clientId } : {}) }));
      }
      for (const draft of result.notify ?? []) {
        const mail = await composeReply(undefined, draft, me, templates);
        queuedAll.push(await stageReply(store.dataDir, mail, { kind: draft.kind, ...(result.clientId ? { clientId: result.clientId } : {}) }));
      }
      await store.update((d) => {
        for (const p of prepared) p.apply?.(d);
        result.apply?.(d);
        d.outbox.push(...queuedAll);
        d.ledger[key] = {
          ...ref.key,
          state: 'handled',
          attempts: attempt.attempts,
          outcome: result.outcome,
          folder,
          firstSeenAt: attempt.firstSeenAt,
          updatedAt: new Date().toISOString(),
          ...(message?.messageId ? { messageId: message.messageId } : {}),
          ...(result.clientId ? { clientId: result.clientId } : {}),
        };
      });
    } catch (err) {
      for (const p of prepared) await p.abort();
      for (const q of queuedAll) await unlink(join(store.dataDir, q.file)).catch(() => undefined);
      throw err;
    }
    for (const p of prepared) await p.finish();
    for (const a of result.audit) await audit.record({ ...a, ...ids });
    for (const q of queuedAll) await audit.record({ action: 'reply-queued', outcome: 'ok', ...ids, ...(result.clientId ? { clientId: result.clientId } : {}), details: { kind: q.kind } });
    this.deps.log.info({ key, outcome: result.outcome, folder }, 'mail handled');
    return { ref, key, folder, ...(message?.messageId ? { messageId: message.messageId } : {}) };
  }
}
