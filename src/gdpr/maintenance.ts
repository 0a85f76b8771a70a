/**
 * The recurring rounds of rights requests: unconfirmed requests whose code
 * expired are closed as such, and the operator gets a digest of the open
 * ones due within seven days or overdue (Art. 12(3) deadlines).
 */
import { auditEntry } from '../audit/trail.js';
import type { Config } from '../config/schema.js';
import { displayDate, displayDateTime } from '../core/format.js';
import type { ReplyDraft } from '../mail/compose.js';
import type { ReadTx, Store } from '../store/port.js';
import { daysLeft, OPEN_STATUSES, type RightsRequest } from './requests.js';
import { frame } from './texts.js';

/**
 * A request whose codes expired before the proofs it needs came back. One
 * that waits only for the operator's approval does not expire: the
 * operator has until its deadline.
 */
function lapsed(r: RightsRequest, now: Date): boolean {
  if (!OPEN_STATUSES.includes(r.status)) return false;
  const pending = [r.requesterConfirmedAt ? undefined : r.code, ...(r.parties ?? []).filter((p) => p.role === 'new-address' && !p.confirmedAt).map((p) => p.code)];
  const recordApproval = r.keyChange && !r.approvedBy && (r.parties ?? []).some((p) => p.role === 'record-address');
  if (recordApproval) pending.push(...(r.parties ?? []).filter((p) => p.role === 'record-address').map((p) => p.code));
  const codes = pending.filter((c): c is NonNullable<typeof c> => c !== undefined);
  return codes.length > 0 && codes.every((c) => Date.parse(c.expiresAt) < now.getTime());
}

export async function expireRequests(store: Store, now: Date): Promise<string[]> {
  const expiredNow = (list: Awaited<ReturnType<ReadTx['requests']['list']>>) => list.filter((r) => lapsed(r, now)).map((r) => r.ref);
  if (expiredNow(await store.read((tx) => tx.requests.list({ open: true }))).length === 0) return [];
  return store.transact(async (tx) => {
    const open = await tx.requests.list({ open: true });
    const expired = expiredNow(open);
    for (const ref of expired) {
      const parties = open.find((r) => r.ref === ref)?.parties?.map(({ code: _c, ...p }) => p);
      await tx.requests.update(ref, { status: 'expired', closedAt: now.toISOString(), code: undefined, outcome: 'not confirmed in time', ...(parties ? { parties } : {}) });
      tx.audit(auditEntry({ action: 'gdpr-expired', outcome: 'info', details: { ref } }, now));
    }
    return expired;
  });
}

/**
 * The operator's daily mail: the rights requests due within seven days or
 * overdue, and the audit trail's chain head (kept in the operator's
 * mailbox, outside the server, it lets `mailbot log --verify --head` prove
 * later that no line up to it was edited or removed).
 */
export async function digest(store: Store, config: Config, now: Date): Promise<ReplyDraft | null> {
  if (!config.operatorAddress) return null;
  const open = await store.read((tx) => tx.requests.list({ open: true }));
  const head = await store.auditHead();
  const urgent = open.filter((r) => daysLeft(r, now) <= 7).sort((a, b) => daysLeft(a, now) - daysLeft(b, now));
  const items = urgent.map((r) => {
    const left = daysLeft(r, now);
    return `${r.ref} — ${r.kind} — ${r.status} — ${left < 0 ? `EN RETARD de ${-left} j` : `${left} j restant(s)`} (échéance ${displayDate(r.extendedDueAt ?? r.dueAt, 'fr')})`;
  });
  // Replies the mail server refused for good stay listed until the operator resends or dismisses them.
  const refused = (await store.read((tx) => tx.outbox.list())).filter((e) => e.state === 'failed');
  const refusedLines = refused.map((e) => `Réponse refusée ${e.id} (${e.kind}${e.kind.startsWith('batch-result') ? ', porte des factures émises' : ''}${e.clientId ? `, client ${e.clientId}` : ''}) : ${e.lastError ?? ''} — mailbot resend ${e.id}, ou mailbot dismiss ${e.id}`);
  const chain = `Tête de la chaîne du journal d'audit au ${displayDateTime(now, 'fr')} : ${head.seq}:${head.mac}. Conservez ce message : « mailbot log --verify --head ${head.seq}:${head.mac} » prouvera plus tard que rien n'a été modifié ni retiré jusqu'à cette ligne.`;
  return {
    kind: 'operator-digest',
    template: 'gdpr-message',
    lang: 'fr',
    to: config.operatorAddress,
    data: {
      ...frame('fr'),
      subject: urgent.length > 0 ? `Demandes RGPD : ${urgent.length} à traiter sous 7 jours ou en retard` : 'Rapport quotidien : aucune demande RGPD urgente',
      paragraphs: [
        urgent.length > 0 ? `${open.length} demande(s) ouverte(s). À traiter en priorité :` : `${open.length} demande(s) ouverte(s), aucune à échéance sous 7 jours.`,
        'Détails : mailbot requests',
        ...(refused.length > 0 ? [`${refused.length} réponse(s) refusée(s) par le serveur d'envoi, en attente d'un renvoi (mailbot outbox --failed) : voir la liste.`] : []),
        chain,
      ],
      items: [...items, ...refusedLines],
    },
  };
}
