/**
 * One mail's way through: claim → parse → guard → route → handle → one
 * commit (what the handler wants written, the queued replies, the ledger
 * entry with the outcome, the audit lines) → move → ledger "moved".
 *
 * The claim counts the attempt before any work (store.mail.claim), so a
 * mail that failed with an error of its own twice is set aside with that
 * error instead of blocking the mails behind it (invariant 4); a process
 * that died with the mail in hand counts nothing against it (invariant 23). The ledger
 * entry is committed with everything the mail caused, and the mail is moved
 * only after it (invariants 1, 2). A commit refused because another batch
 * of the same seller took numbers meanwhile is handled again.
 */
import type { Logger } from 'pino';
import { auditEntry, type AuditInput, type AuditTrail } from '../audit/trail.js';
import { isRetryableConflict } from '../batch/run.js';
import type { Config } from '../config/schema.js';
import { errorMessage, MailbotError } from '../core/errors.js';
import { failpoint } from '../core/failpoints.js';
import { ledgerKey, type OutboxEntry, type Staging, type Store, type Tx } from '../store/port.js';
import { clientIp, senderTrust, type TrustVerdict } from './authresults.js';
import { cappedResult, CODE_MAIL_WINDOW_MS, codeMailKey, codeMailRecipients } from './code-mails.js';
import { composeReply, identityOf } from './compose.js';
import { guard } from './guard.js';
import type { FolderRole, HandlerResult, MailContext, MailHandler } from './handlers/types.js';
import { detectLanguage } from './language.js';
import { isEnvironmentFault } from './faults.js';
import { notice } from './notices.js';
import { setAside as setAsideMail } from './set-aside.js';
import { queueReplies, stageNotices, stageReply } from './outbox.js';
import { parseMessage, type ParsedMessage } from './parse.js';
import type { MailRef, MailSource } from './source.js';
import type { Templates } from './templates.js';
import type { Work } from '../work/pool.js';

export const MAX_ATTEMPTS = 2;
const HOUR = 3_600_000;
const UNKNOWN_REPLIES = 'replies-to-unknown-senders';

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
  /** Where the heavy steps of a mail run (work/pool.ts). */
  work: Work;
  log: Logger;
  /** Told of a fault of the environment (a full disk, the store unreachable): the daemon pauses. */
  onFault?: (err: unknown) => void;
}

interface Attempt {
  attempts: number;
  firstSeenAt: string;
}

export class Pipeline {
  /** Resolves when every mail started before the next one has finished or proved not exclusive. */
  private order: Promise<void> = Promise.resolve();
  /**
   * Places taken in a rate window by mails still in hand: the store counts
   * a mail at its commit, and the mails handled together must not all read
   * the same count.
   */
  private readonly held = new Map<string, number>();

  /** Take a place in `key`'s window if `recent` plus those in hand stay under `limit`; returns its release. */
  private take(key: string, recent: number, limit: number, releases: (() => void)[]): boolean {
    const inHand = this.held.get(key) ?? 0;
    if (recent + inHand >= limit) return false;
    this.held.set(key, inHand + 1);
    releases.push(() => {
      const n = (this.held.get(key) ?? 1) - 1;
      if (n <= 0) this.held.delete(key);
      else this.held.set(key, n);
    });
    return true;
  }

  constructor(private readonly deps: PipelineDeps) {}

  private folder(role: FolderRole): string {
    return this.deps.config.folders[role];
  }

  /**
   * Move mails whose outcome is recorded, folder by folder in one command each,
   * then note them moved in one commit. A crash before the note only means the
   * move is done again: the ledger says where each mail goes.
   */
  async moveAll(source: MailSource, pending: readonly PendingMove[]): Promise<void> {
    const byFolder = new Map<string, PendingMove[]>();
    for (const p of pending) byFolder.set(p.folder, [...(byFolder.get(p.folder) ?? []), p]);
    for (const [folder, list] of byFolder) {
      await source.moveMany(list.map((p) => p.ref), folder);
      const now = new Date();
      await this.deps.store.transact(async (tx) => {
        await tx.ledger.moved(list.map((p) => p.key), now.toISOString());
        for (const p of list) tx.audit(auditEntry({ action: 'moved', outcome: 'ok', mailKey: p.key, ...(p.messageId ? { messageId: p.messageId } : {}), details: { folder } }, now));
      });
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

  /**
   * Mails whose attempt could not be undone while the store was unreachable:
   * left open, the next claim would count it as a crash of that mail.
   */
  private readonly undeferred = new Set<string>();

  /**
   * Undo an attempt the environment stopped (it is not counted); when the
   * store cannot take it now, it is undone before the mail is claimed again.
   * Only then, never beside a new attempt of the same mail: undone during
   * one, it would take that attempt's claim away.
   */
  private async undoAttempt(key: string): Promise<boolean> {
    try {
      await this.deps.store.mail.defer(key);
      this.undeferred.delete(key);
      return true;
    } catch {
      this.undeferred.add(key);
      return false;
    }
  }

  private async processInOrder(source: MailSource, ref: MailRef, before: Promise<void>, release: () => void): Promise<PendingMove | null> {
    const { store, audit } = this.deps;
    const key = ledgerKey(ref.key);
    if (this.undeferred.has(key) && !(await this.undoAttempt(key))) {
      this.deps.onFault?.(new MailbotError('STORE_UNREACHABLE', 'the store cannot undo an attempt the last outage stopped'));
      return null;
    }
    let claim;
    try {
      claim = await store.mail.claim(key, ref.key);
    } catch (err) {
      if (!isEnvironmentFault(err)) throw err;
      // The claim may have been written before the connection was lost: undone too, or the next one counts it as a crash.
      this.undeferred.add(key);
      this.deps.onFault?.(err);
      return null;
    }
    if (claim.status === 'taken') return null;
    if (claim.status === 'handled') {
      // Handled before (the move did not happen, or the server shows it again): only the move is left.
      return { ref, key, folder: claim.folder, ...(claim.messageId ? { messageId: claim.messageId } : {}) };
    }
    // Invariant 23: only an error observed while this mail's own work ran counts against it (a worker out of
    // memory is one: work/pool.ts). A process that died with the mail in hand (kill -9, a power cut, the OOM
    // killer) is no evidence against it: it is simply handled again.
    if (claim.errors >= MAX_ATTEMPTS) return this.setAside(source, ref, key, claim, claim.error ?? 'the handler failed twice on this mail');
    if (claim.crashes > 0) this.deps.log.warn({ key, crashes: claim.crashes }, 'mail in hand when a process stopped; handled again (a process death is not the mail\'s error)');
    const trail: AuditInput[] = [];
    const releases: (() => void)[] = [];
    try {
      for (let round = 1; ; round++) {
        try {
          return await this.handle(source, ref, key, before, release, claim, trail, releases);
        } catch (err) {
          if (!isRetryableConflict(err) || round >= 3) throw err;
          trail.length = 0;
          for (const r of releases.splice(0)) r();
        }
      }
    } catch (err) {
      if (isEnvironmentFault(err)) {
        // The disk, the store: not the mail's fault. It is not counted, and waits in the inbox.
        await this.undoAttempt(key);
        this.deps.onFault?.(err);
        return null;
      }
      if (isRetryableConflict(err)) {
        // Another writer (a daemon sharing the store) committed numbers of the same seller before each of
        // this mail's tries: contention, not the mail's error (invariant 23). Uncounted, the mail waits in
        // the inbox for the next round; each loss means the other writer went forward, so it gets its turn.
        await this.undoAttempt(key);
        this.deps.log.warn({ key, err: audit.redact(errorMessage(err)) }, 'another writer committed meanwhile, three times; the mail is left for the next round, uncounted');
        return null;
      }
      if (err instanceof MailbotError && err.code === 'MAIL_NOT_CLAIMED') {
        // Another daemon took the mail over (this one looked gone: it beat too late) or handled it
        // meanwhile: nothing of this attempt was committed, and it is nobody's error. The mail is
        // the other daemon's now; this one lets it go, uncounted.
        this.deps.log.info({ key }, 'mail taken over by another daemon while in hand; left to it');
        return null;
      }
      const message = audit.redact(errorMessage(err));
      this.deps.log.error({ key, err: message }, 'mail handling failed; it will be retried once, then set aside');
      await store.mail.failed(key, message.slice(0, 500)).catch(() => undefined);
      await store
        .transact((tx) => {
          for (const a of trail) tx.audit(auditEntry(a));
          tx.audit(auditEntry({ action: 'error', outcome: 'failed', mailKey: key, details: { error: message.slice(0, 200) } }));
          return Promise.resolve();
        })
        .catch(() => undefined);
      return null;
    } finally {
      for (const r of releases) r();
    }
  }

  private async setAside(source: MailSource, ref: MailRef, key: string, claim: Attempt, why: string): Promise<PendingMove> {
    const folder = await setAsideMail(this.deps, source, ref, key, { attempts: claim.attempts - 1, firstSeenAt: claim.firstSeenAt }, why);
    this.deps.log.error({ key, attempts: claim.attempts - 1, err: this.deps.audit.redact(why) }, 'mail set aside');
    return { ref, key, folder };
  }

  /** A place among this hour's replies to senders who are no client, or false when they reached their cap. */
  private async placeForUnknown(releases: (() => void)[]): Promise<boolean> {
    const now = Date.now();
    const recent = await this.deps.store.read((tx) => tx.rate.recent(UNKNOWN_REPLIES, HOUR, now));
    return this.take(UNKNOWN_REPLIES, recent, this.deps.config.limits.repliesToUnknownPerHour, releases);
  }

  /**
   * Places for the code mails a result would send because of a mail our
   * server did not authenticate, one per address (code-mails.ts); or the
   * keyed hash of the first address whose day is full. The store counts them
   * at the commit, which checks again (another daemon may have mailed that
   * address meanwhile).
   */
  private async placesForCodeMails(result: HandlerResult, releases: (() => void)[]): Promise<{ keys: string[] } | { full: string }> {
    const { store, audit, config } = this.deps;
    const keys: string[] = [];
    for (const address of codeMailRecipients(result)) {
      const hash = audit.hash(address);
      const key = codeMailKey(hash);
      const recent = await store.read((tx) => tx.rate.recent(key, CODE_MAIL_WINDOW_MS, Date.now()));
      if (!this.take(key, recent, config.limits.unverifiedCodeMailsPerAddressPerDay, releases)) return { full: hash };
      keys.push(key);
    }
    return { keys };
  }

  /**
   * Leave a client's mail in the inbox for a later round, the attempt not
   * counted; the operator hears of it once an hour per client.
   */
  private async defer(key: string, clientId: string, trail: AuditInput[], now: Date): Promise<null> {
    const { store, config, templates } = this.deps;
    await store.mail.defer(key);
    const tell = config.operatorAddress
      ? [notice(config.operatorAddress, 'fr', `Courriers du client ${clientId} mis en attente`, [`Le client ${clientId} a envoyé plus de ${config.limits.mailsPerSenderPerHour} courriers en une heure. Les suivants restent dans la boîte de réception et seront traités à mesure que la limite le permet (limits.mailsPerSenderPerHour).`], [], undefined, 'operator-notice')]
      : [];
    const staged = tell.length > 0 ? await stageNotices(store, identityOf(config), templates, tell) : undefined;
    try {
      await store.transact(async (tx) => {
        for (const a of trail) tx.audit(auditEntry(a, now));
        tx.audit(auditEntry({ action: 'deferred', outcome: 'info', mailKey: key, clientId, details: { reason: 'rate-limit' } }, now));
        if (staged && (await tx.rate.hit(`deferral-notice:${clientId}`, HOUR, 1, now.getTime()))) await queueReplies(tx, staged.staging, staged.entries);
      });
    } finally {
      // Adopted, the staging is gone already; not adopted (this hour's notice went earlier), it goes now.
      await staged?.staging.discard();
    }
    return null;
  }

  private async handle(source: MailSource, ref: MailRef, key: string, before: Promise<void>, release: () => void, attempt: Attempt, trail: AuditInput[], releases: (() => void)[]): Promise<PendingMove | null> {
    const { store, config, audit } = this.deps;
    const raw = await source.fetch(ref);
    const parsed = await parseMessage(raw, config.limits);
    if (!parsed.ok) {
      trail.push({ action: 'received', outcome: 'refused', mailKey: key, details: { reason: 'unparseable' } });
      return this.finish(ref, key, attempt, undefined, { outcome: 'unparseable', folder: 'rejected', audit: [] }, trail);
    }
    const message = parsed.message;
    failpoint('handle', message.subject);
    // A Message-ID can carry personal data (<jane.doe+0612345678@…>): the trail and the ledger keep its keyed hash.
    if (message.messageId) message.messageRef = audit.hash(message.messageId);
    const from = message.from?.address;
    const ip = clientIp(message.headers.get('received') ?? []);
    const now = new Date();
    const senderKey = from ? `sender:${audit.hash(from)}` : undefined;
    const seen = await store.read(async (tx) => ({
      client: from ? await tx.clients.byEmail(from) : undefined,
      recent: senderKey ? await tx.rate.recent(senderKey, HOUR, now.getTime()) : 0,
    }));
    const client = seen.client;
    // A client who objected (GDPR Art. 21) is no longer traced by address and IP in the audit
    // trail, the one processing here that rests on legitimate interest, unless the operator
    // recorded compelling grounds.
    const traced = !client?.objection || Boolean(client.objection.compellingGrounds);
    trail.push({
      action: 'received',
      outcome: 'info',
      mailKey: key,
      ...(message.messageRef ? { messageId: message.messageRef } : {}),
      // The client whose address sent it, named from the first line of the mail's story (`mailbot log --client`).
      ...(client ? { clientId: client.id } : {}),
      ...(from && traced ? { sender: audit.hash(from) } : {}),
      ...(ip && traced ? { ip: audit.hash(ip) } : {}),
      details: { bytes: raw.length, attachments: message.attachments.length },
    });

    const guarded = guard(message, config.botAddress);
    if (guarded) {
      return this.finish(ref, key, attempt, message, { outcome: `ignored:${guarded}`, folder: 'ignored', audit: [{ action: 'guarded', outcome: 'ignored', details: { reason: guarded } }] }, trail);
    }
    // A stranger over the hourly limit is filed away; a client's mail is never dropped (below).
    if (!client && senderKey && !this.take(senderKey, seen.recent, config.limits.mailsPerSenderPerHour, releases)) {
      return this.finish(ref, key, attempt, message, { outcome: 'ignored:rate-limited', folder: 'ignored', audit: [{ action: 'rate-limited', outcome: 'ignored' }] }, trail);
    }
    const lang = detectLanguage(message, client?.language);
    if (message.oversize) {
      const l = config.limits;
      const reason = { message: { fr: 'le message est trop volumineux', en: 'the message is too large' }, 'attachment-count': { fr: 'il contient trop de pièces jointes', en: 'it has too many attachments' }, 'attachment-size': { fr: 'une pièce jointe est trop volumineuse', en: 'an attachment is too large' } }[message.oversize][lang];
      return this.finish(ref, key, attempt, message, {
        outcome: `too-large:${message.oversize}`,
        folder: 'rejected',
        reply: { kind: 'too-large', template: 'too-large', lang, to: from ?? '', data: { reason, messageMb: Math.round(l.messageBytes / 1048576), maxAttachments: l.attachments, attachmentMb: Math.round(l.attachmentBytes / 1048576) } },
        audit: [{ action: 'routed', outcome: 'refused', details: { reason: message.oversize } }],
      }, trail, { senderKey, unknownSender: !client, releases });
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
      work: this.deps.work,
      now,
    };
    let handler: MailHandler | undefined;
    for (const h of this.deps.handlers) {
      if (await h.accepts(ctx)) {
        handler = h;
        break;
      }
    }
    if (!handler) throw new Error('no handler accepts this mail');
    trail.push({ action: 'routed', outcome: 'info', mailKey: key, ...(message.messageRef ? { messageId: message.messageRef } : {}), ...(client ? { clientId: client.id } : {}), details: { handler: handler.name } });
    if (!handler.exclusive) release(); // mails behind this one need not wait for it
    else await before;
    // A mail that claims a client's address but fails our server's check counts on a quota of its own:
    // forged mails must not use up the client's hour. Over it, such a mail is filed away, not kept waiting.
    const quotaKey = client && from && ctx.trust.status === 'fail' ? `unverified:${audit.hash(from)}` : senderKey;
    if (client && quotaKey && quotaKey !== senderKey) {
      const recent = await store.read((tx) => tx.rate.recent(quotaKey, HOUR, Date.now()));
      if (!this.take(quotaKey, recent, config.limits.mailsPerSenderPerHour, releases)) {
        return this.finish(ref, key, attempt, message, { outcome: 'ignored:rate-limited', folder: 'ignored', clientId: client.id, audit: [{ action: 'rate-limited', outcome: 'ignored', details: { unverified: true } }] }, trail);
      }
    } else if (client && senderKey) {
      // A client over the hourly limit: the mail waits in the inbox until the window allows it,
      // counted in arrival order (after the wait above, for the batches).
      const recent = await store.read((tx) => tx.rate.recent(senderKey, HOUR, Date.now()));
      if (!this.take(senderKey, recent, config.limits.mailsPerSenderPerHour, releases)) return this.defer(key, client.id, trail, now);
    }
    return this.finish(ref, key, attempt, message, await handler.handle(ctx), trail, { senderKey: quotaKey, unknownSender: !client, releases, trust: ctx.trust });
  }

  /** Commit the outcome, what the handler wants written and the queued replies, together; the move comes after. */
  private async finish(ref: MailRef, key: string, attempt: Attempt, message: ParsedMessage | undefined, outcome: HandlerResult, trail: readonly AuditInput[], sender: { senderKey?: string | undefined; unknownSender?: boolean; releases?: (() => void)[]; trust?: TrustVerdict } = {}): Promise<PendingMove> {
    const { store, config, templates } = this.deps;
    const { senderKey } = sender;
    // Code mails caused by a mail our server did not authenticate: a few a day per address, then the mail is filed away.
    const unverified = sender.trust?.status === 'fail' ? sender.trust : undefined;
    const codeMails = unverified ? await this.placesForCodeMails(outcome, sender.releases ?? []) : { keys: [] };
    let handled = outcome;
    if ('full' in codeMails) {
      await outcome.scratch?.discard();
      await outcome.abort?.();
      handled = cappedResult(outcome, codeMails.full, config.limits.unverifiedCodeMailsPerAddressPerDay, unverified?.reason ?? '');
    }
    const capped = sender.unknownSender && handled.reply ? !(await this.placeForUnknown(sender.releases ?? [])) : false;
    const result: HandlerResult = capped ? { ...handled, reply: undefined, audit: [...handled.audit, { action: 'reply-withheld', outcome: 'refused', details: { reason: 'replies-to-unknown-senders-per-hour' } }] } : handled;
    const folder = this.folder(result.folder);
    const ids = { mailKey: key, ...(message?.messageRef ? { messageId: message.messageRef } : {}) };
    const me = identityOf(config);
    const replies = result.reply && result.reply.to !== '' ? [result.reply, ...(result.moreReplies ?? [])] : [];
    const drafts = [...replies.map((draft) => ({ draft, original: message })), ...(result.notify ?? []).map((draft) => ({ draft, original: undefined }))];
    let staging: Staging | undefined;
    try {
      const entries: OutboxEntry[] = [];
      if (drafts.length > 0) {
        staging = await store.files.stage();
        for (const { draft, original } of drafts) {
          const into = staging;
          entries.push(await stageReply(into, (out) => composeReply(original, draft, me, templates, out), { kind: draft.kind, ...(original ? { inReplyTo: key } : {}), ...(result.clientId ? { clientId: result.clientId } : {}) }));
        }
      }
      await result.scratch?.discard();
      const now = new Date();
      await store.transact(async (tx: Tx) => {
        // The trail tells the mail's story in order: received and routed, what was done, then the replies queued.
        for (const a of trail) tx.audit(auditEntry(a, now));
        await result.commit?.(tx, { messageIds: entries.map((e) => e.messageId) });
        if (senderKey) await tx.rate.hit(senderKey, HOUR, config.limits.mailsPerSenderPerHour, now.getTime());
        if (sender.unknownSender && result.reply) await tx.rate.hit(UNKNOWN_REPLIES, HOUR, config.limits.repliesToUnknownPerHour, now.getTime());
        for (const k of 'keys' in codeMails ? codeMails.keys : []) {
          // Full at the commit: another daemon mailed this address meanwhile. Handled again, the mail finds the day full.
          if (!(await tx.rate.hit(k, CODE_MAIL_WINDOW_MS, config.limits.unverifiedCodeMailsPerAddressPerDay, now.getTime()))) throw new MailbotError('STORE_CONFLICT', 'the daily code mails of an address were counted by another transaction');
        }
        await tx.ledger.record({
          ...ref.key,
          state: 'handled',
          attempts: attempt.attempts,
          outcome: result.outcome,
          folder,
          firstSeenAt: attempt.firstSeenAt,
          updatedAt: now.toISOString(),
          ...(message?.messageRef ? { messageId: message.messageRef } : {}),
          ...(result.clientId ? { clientId: result.clientId } : {}),
        });
        for (const a of result.audit) tx.audit(auditEntry({ ...a, ...ids }, now));
        if (staging) await queueReplies(tx, staging, entries, ids);
      });
    } catch (err) {
      await result.abort?.();
      await staging?.discard();
      await result.scratch?.discard();
      throw err;
    }
    this.deps.log.info({ key, outcome: result.outcome, folder }, 'mail handled');
    return { ref, key, folder, ...(message?.messageRef ? { messageId: message.messageRef } : {}) };
  }
}
