/**
 * Lifting a restriction of processing the operator decided (GDPR Art. 18(3):
 * the person who obtained it is told before it is lifted). The command
 * schedules the lift `gdpr.restrictionLiftNoticeDays` ahead and mails the
 * notice in the same commit; the `restriction-lift` job lifts it when due,
 * with its audit line. Until then the restriction holds in full: no batch,
 * no purge (batch/issuing.ts, retention/collect.ts). A new restriction the
 * person confirms meanwhile replaces it, and with it the scheduled lift.
 */
import type { AuditActor } from '../audit/entry.js';
import { auditEntry } from '../audit/trail.js';
import type { ClientRecord } from '../clients/record.js';
import { MailbotError, NotFoundError } from '../core/errors.js';
import type { ReplyDraft } from '../mail/compose.js';
import { notice } from '../mail/notices.js';
import type { Store, Tx } from '../store/port.js';
import { DAY_MS } from './requests.js';
import { T } from './texts.js';

/** When a lift scheduled now takes effect. */
export function liftAtAfter(now: Date, noticeDays: number): string {
  return new Date(now.getTime() + noticeDays * DAY_MS).toISOString();
}

/** The record's restriction, if the operator may schedule its lift. */
function liftable(client: ClientRecord | undefined, id: string): NonNullable<ClientRecord['restricted']> {
  if (!client) throw new NotFoundError('client', id);
  if (!client.restricted) throw new MailbotError('NOT_RESTRICTED', `client ${id} is not under restriction`);
  if (client.restricted.liftAt) throw new MailbotError('LIFT_SCHEDULED', `the restriction of client ${id} is already to be lifted on ${client.restricted.liftAt.slice(0, 10)}`);
  return client.restricted;
}

/** The notices, one per address of the record, in the client's language; `contact` is the studio's address (config `studioContact`). */
export function liftNotices(client: ClientRecord, liftAt: string, contact: string): ReplyDraft[] {
  const restricted = liftable(client, client.id);
  return client.emails.map((to) => notice(to, client.language, T.liftNoticeSubject(client.language, restricted.ref), T.liftNotice(client.language, restricted.since, liftAt, contact), [], restricted.ref, 'gdpr-restriction-lift'));
}

/** Schedule the lift on the record as it is at the commit (the notices are queued with it by the caller). */
export async function scheduleLift(tx: Tx, id: string, liftAt: string, notices: number, by: AuditActor, now: Date): Promise<void> {
  const current = await tx.clients.get(id);
  const restricted = liftable(current, id);
  if (!current) return;
  await tx.clients.put({ ...current, restricted: { ...restricted, liftAt }, updatedAt: now.toISOString() });
  tx.audit(auditEntry({ action: 'gdpr-restriction-lift-scheduled', outcome: 'ok', clientId: id, details: { ref: restricted.ref, liftAt, notices }, ...by }, now));
}

/** Lift the restrictions whose notice period is over; returns the clients lifted. */
export async function liftDueRestrictions(store: Store, now: Date): Promise<string[]> {
  const due = (list: ClientRecord[]) => list.filter((c) => c.restricted?.liftAt && c.restricted.liftAt <= now.toISOString());
  if (due(await store.read((tx) => tx.clients.list())).length === 0) return [];
  return store.transact(async (tx) => {
    const lifted: string[] = [];
    for (const c of due(await tx.clients.list())) {
      const { restricted, ...rest } = c;
      await tx.clients.put({ ...rest, updatedAt: now.toISOString() });
      tx.audit(auditEntry({ action: 'gdpr-restriction-lifted', outcome: 'ok', clientId: c.id, details: { ref: restricted?.ref ?? '', scheduledFor: restricted?.liftAt ?? '' } }, now));
      lifted.push(c.id);
    }
    return lifted;
  });
}
