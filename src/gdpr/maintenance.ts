/**
 * The daily round of rights requests: unconfirmed requests whose code
 * expired are closed as such, and the operator gets a digest of the open
 * ones due within seven days or overdue (Art. 12(3) deadlines).
 */
import type { AuditTrail } from '../audit/trail.js';
import type { Config } from '../config/schema.js';
import type { ReplyDraft } from '../mail/compose.js';
import type { Store } from '../store/db.js';
import { daysLeft, OPEN_STATUSES } from './requests.js';
import { frame } from './texts.js';

export async function expireRequests(store: Store, audit: AuditTrail, now: Date): Promise<string[]> {
  const expired = store.data.requests.filter((r) => r.status === 'awaiting-confirmation' && r.code && Date.parse(r.code.expiresAt) < now.getTime()).map((r) => r.ref);
  if (expired.length === 0) return [];
  await store.update((d) => {
    for (const r of d.requests) {
      if (expired.includes(r.ref)) Object.assign(r, { status: 'expired', closedAt: now.toISOString(), code: undefined, outcome: 'not confirmed in time' });
    }
  });
  for (const ref of expired) await audit.record({ action: 'gdpr-expired', outcome: 'info', details: { ref } });
  return expired;
}

export function digest(store: Store, config: Config, now: Date): ReplyDraft | null {
  if (!config.operatorAddress) return null;
  const open = store.data.requests.filter((r) => OPEN_STATUSES.includes(r.status));
  const urgent = open.filter((r) => daysLeft(r, now) <= 7).sort((a, b) => daysLeft(a, now) - daysLeft(b, now));
  if (urgent.length === 0) return null;
  const items = urgent.map((r) => {
    const left = daysLeft(r, now);
    return `${r.ref} — ${r.kind} — ${r.status} — ${left < 0 ? `EN RETARD de ${-left} j` : `${left} j restant(s)`} (échéance ${(r.extendedDueAt ?? r.dueAt).slice(0, 10)})`;
  });
  return {
    kind: 'operator-digest',
    template: 'gdpr-message',
    lang: 'fr',
    to: config.operatorAddress,
    data: { ...frame('fr'), subject: `Demandes RGPD : ${urgent.length} à traiter sous 7 jours ou en retard`, paragraphs: [`${open.length} demande(s) ouverte(s). À traiter en priorité :`, 'Détails : mailbot requests'], items },
  };
}
