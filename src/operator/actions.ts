/**
 * What the operator does to what waits: put a mail set aside back in the
 * inbox, queue a refused reply again, extend a rights request, approve a
 * change no other address can confirm. The CLI and the console call these
 * same functions; each checks the state it changes inside its commit and
 * writes one audit line naming the operator (`actor`): a command's account
 * or a console session, as keyed hashes.
 */
import type { AuditActor } from '../audit/entry.js';
import { auditEntry, auditTrailFor } from '../audit/trail.js';
import type { Config } from '../config/schema.js';
import { displayDate } from '../core/format.js';
import { MailbotError } from '../core/errors.js';
import { addCalendarMonths, OPEN_STATUSES, type RightsRequest } from '../gdpr/requests.js';
import { frame } from '../gdpr/texts.js';
import type { ReplyDraft } from '../mail/compose.js';
import type { OutboxEntry, Store, Tx } from '../store/port.js';

/** A finished request is not extended: its answer is given, or it closed (REQUEST_CLOSED). */
export function assertOpen(req: RightsRequest | undefined, ref: string): RightsRequest {
  if (!req) throw new MailbotError('NOT_FOUND', `no request ${ref}`);
  if (!OPEN_STATUSES.includes(req.status)) throw new MailbotError('REQUEST_CLOSED', `${ref} is ${req.status}${req.closedAt ? ` since ${req.closedAt.slice(0, 10)}` : ''}: there is no deadline left to extend`);
  return req;
}

/** Stage the mails, then run `write` and queue them in one transaction. */
export async function withNotices(store: Store, config: Config, drafts: ReplyDraft[], write: (tx: Tx, queued: { messageIds: string[] }) => Promise<void>): Promise<void> {
  const { stageNotices, queueReplies } = await import('../mail/outbox.js');
  const { Templates } = await import('../mail/templates.js');
  const { identityOf } = await import('../mail/compose.js');
  const { staging, entries } = await stageNotices(store, identityOf(config), new Templates(), drafts);
  try {
    await store.transact(async (tx) => {
      await write(tx, { messageIds: entries.map((e) => e.messageId) });
      await queueReplies(tx, staging, entries);
    });
  } catch (err) {
    await staging.discard();
    throw err;
  }
}

/** Art. 12(3): the deadline moves by one or two months (two at most in all), and the person is told why. Returns the new due date. */
export async function extendRequest(store: Store, config: Config, by: AuditActor, ref: string, months: number, reason: string): Promise<string> {
  if (![1, 2].includes(months)) throw new MailbotError('BAD_VALUE', 'months must be 1 or 2');
  if (reason.trim() === '') throw new MailbotError('BAD_VALUE', 'say why: the complexity or the number of requests');
  const req = assertOpen(await store.read((tx) => tx.requests.get(ref)), ref);
  const extendedDueAt = addCalendarMonths(req.dueAt, months);
  if (req.extendedDueAt && req.extendedDueAt >= extendedDueAt) throw new MailbotError('BAD_VALUE', `already extended to ${req.extendedDueAt.slice(0, 10)}; the law allows two months at most`);
  const fr = req.lang === 'fr';
  const draft: ReplyDraft = {
    kind: 'gdpr-extension',
    template: 'gdpr-message',
    lang: req.lang,
    to: req.requester,
    data: {
      ...frame(req.lang),
      subject: fr ? `[${ref}] Délai de réponse prolongé` : `[${ref}] Answer delayed`,
      paragraphs: fr
        ? [`Le délai de réponse à votre demande est prolongé jusqu'au ${displayDate(extendedDueAt, 'fr')} (RGPD art. 12(3)).`, `Motif : ${reason}`]
        : [`The time to answer your request is extended until ${displayDate(extendedDueAt, 'en')} (GDPR Art. 12(3)).`, `Reason: ${reason}`],
      items: [],
      reference: ref,
    },
  };
  await withNotices(store, config, [draft], async (tx) => {
    // Finished meanwhile: nothing is written and the mail is not queued.
    assertOpen(await tx.requests.get(ref), ref);
    await tx.requests.update(ref, { extendedDueAt, extensionReason: reason });
    tx.audit(auditEntry({ action: 'gdpr-extended', outcome: 'ok', details: { ref, months, until: extendedDueAt.slice(0, 10) }, ...by }));
  });
  return extendedDueAt;
}

/** The second proof of an address or IBAN change that no other address of the record can give; carried out once proven. */
export async function approveRequest(store: Store, config: Config, by: AuditActor, ref: string): Promise<string> {
  const { proven, waitingFor } = await import('../mail/handlers/gdpr/confirm.js');
  const { carryOut } = await import('../mail/handlers/gdpr/carry-out.js');
  const req = await store.read((tx) => tx.requests.get(ref));
  if (!req) throw new MailbotError('NOT_FOUND', `no request ${ref}`);
  if (!['awaiting-confirmation', 'confirmed'].includes(req.status)) throw new MailbotError('BAD_VALUE', `${ref} is ${req.status}: nothing to approve`);
  if (!req.keyChange) throw new MailbotError('BAD_VALUE', `${ref} changes no e-mail address or IBAN: the requester's code is its proof`);
  if (req.approvedBy) throw new MailbotError('BAD_VALUE', `${ref} was approved already (${req.approvedBy.by})`);
  const now = new Date();
  const next = { ...req, approvedBy: { by: 'operator' as const, at: now.toISOString() } };
  const approved = auditEntry({ action: 'gdpr-confirmed', outcome: 'ok', details: { ref, by: 'operator' }, ...by }, now);
  if (!proven(next)) {
    await store.transact(async (tx) => {
      await tx.requests.update(ref, { approvedBy: next.approvedBy });
      tx.audit(approved);
    });
    return `${ref}: approved; still waiting for ${waitingFor(next).join(', ')}`;
  }
  const done = await carryOut({ store, config, audit: await auditTrailFor(store, config) }, next, now);
  try {
    await withNotices(store, config, [done.answer, ...done.notify], async (tx, queued) => {
      await tx.requests.update(ref, { approvedBy: next.approvedBy });
      await done.commit(tx, queued);
      tx.audit(approved);
      for (const a of done.audit) tx.audit(auditEntry(a, now));
    });
  } finally {
    await done.scratch?.discard();
  }
  return `${ref}: approved and carried out (${done.outcome}); the answer and the notices leave with the daemon's next outbox round`;
}

/** Replies the mail server refused for good, queued again (the daemon sends them at its next round). */
export async function resendReplies(store: Store, by: AuditActor, ids: readonly string[]): Promise<OutboxEntry[]> {
  const at = new Date().toISOString();
  return store.transact(async (tx) => {
    const done: OutboxEntry[] = [];
    for (const one of ids) {
      const e = await tx.outbox.resend(one, at);
      tx.audit(auditEntry({ action: 'reply-requeued', outcome: 'ok', ...by, messageId: e.messageId, ...(e.clientId ? { clientId: e.clientId } : {}), details: { kind: e.kind, attempts: e.attempts } }));
      done.push(e);
    }
    return done;
  });
}

/** A mail set aside goes back to the inbox, once its cause is fixed; the daemon handles it at its next round. */
export async function retryMail(store: Store, config: Config, dataDir: string, by: AuditActor, key: string): Promise<void> {
  const entry = (await store.read((tx) => tx.ledger.setAside())).find((s) => s.key === key);
  if (!entry) throw new MailbotError('NOT_FOUND', `no mail set aside under ${key} (mailbot status lists them)`);
  const { buildSourceAndTransport, createLogger } = await import('../mail/runtime.js');
  const audit = await auditTrailFor(store, config);
  const { source, transport } = buildSourceAndTransport(dataDir, config, createLogger());
  transport.close();
  await source.open();
  try {
    const uid = key.split('|').pop() ?? '';
    const found = await source.restore(config.folders.rejected, { uid, ...(entry.messageId ? { messageRef: entry.messageId } : {}) }, (id) => audit.hash(id));
    if (!found) throw new MailbotError('NOT_FOUND', `the mail ${key} is no longer in ${config.folders.rejected}`);
    await store.transact(async (tx) => {
      await tx.ledger.unsetAside(key);
      tx.audit(auditEntry({ action: 'retried', outcome: 'ok', mailKey: key, ...by }));
    });
  } finally {
    await source.close();
  }
}
