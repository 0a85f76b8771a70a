/**
 * A new rights request: recognised, given a reference, answered with a code
 * sent to the From address (never a Reply-To), in the language the request
 * was written in. Nothing is carried out before the proofs come back.
 *
 * A rectification lists in its code mail exactly the changes a confirmation
 * will apply. A key change (an email address, the IBAN) also sends a code to
 * each new address (it must prove it receives mail) and asks another address
 * of the record, or failing one the operator, for a second proof. A later
 * mail of the same kind joins the open request: new codes for everyone, and
 * a code mail that lists the union of the changes, saying so.
 */
import { classifyRequest, fieldLines, type RightKind } from '../../../gdpr/classify.js';
import { patchFromFields, planFromPatch, unionPatch, type RectificationPlan } from '../../../gdpr/rectification.js';
import { addCalendarMonths, newCode, type Party, type RightsRequest, type StoredCode } from '../../../gdpr/requests.js';
import { T } from '../../../gdpr/texts.js';
import { studioContact } from '../../../config/schema.js';
import { CODE_MAIL_KIND } from '../../code-mails.js';
import { newMessageId, type ReplyDraft } from '../../compose.js';
import { detectLanguage, type Lang } from '../../language.js';
import { notice } from '../../notices.js';
import type { HandlerResult, MailContext } from '../types.js';

interface Mailing {
  drafts: ReplyDraft[];
  messageIds: string[];
}

function send(m: Mailing, draft: ReplyDraft, botAddress: string): void {
  const id = newMessageId(botAddress);
  m.drafts.push({ ...draft, messageId: id });
  m.messageIds.push(id);
}

export async function openRequest(ctx: MailContext): Promise<HandlerResult> {
  const { message: m, config, now } = ctx;
  const from = m.from?.address ?? '';
  // Before anyone is verified, the answer is in the language of the request itself.
  const lang: Lang = detectLanguage(m);
  const c = classifyRequest(m.subject, m.text);
  if (!c || c.kind === 'unspecified') {
    return { outcome: 'gdpr-rights-listed', folder: 'processed', reply: notice(from, lang, T.rightsSubject(lang), T.rightsBody(lang), T.rightsItems(lang), undefined, 'gdpr-rights'), audit: [{ action: 'routed', outcome: 'ok', details: { handler: 'gdpr', kind: 'unspecified' } }] };
  }
  const kind: RightKind = c.kind;
  const hours = config.gdpr.codeValidityHours;
  const seen = await ctx.store.read(async (tx) => ({
    joined: await tx.requests.openFor(from, kind),
    ref: await tx.requests.nextRef(now.getUTCFullYear()),
    client: await tx.clients.byEmail(from),
  }));
  const joined = seen.joined;
  const ref = joined?.ref ?? seen.ref;
  const requesterCode = newCode(hours, now);
  const mailing: Mailing = { drafts: [], messageIds: [] };

  // A rectification of a client's record: the exact changes, and who else must prove what.
  let plan: RectificationPlan | undefined;
  let parties: Party[] = [];
  if (kind === 'rectification' && seen.client) {
    const asked = patchFromFields(fieldLines(m.text));
    const patch = joined?.patch ? unionPatch(joined.patch, asked.patch) : asked.patch;
    plan = planFromPatch(seen.client, patch, [...new Set([...(joined?.unknownFields ?? []), ...asked.unknown])], now);
    if (plan.error) {
      return {
        outcome: 'gdpr-rectification-refused',
        folder: 'processed',
        reply: notice(from, lang, T.resultSubject(lang, ref), [lang === 'fr' ? `La rectification demandée ne peut pas être faite : ${plan.error}.` : `The rectification asked for cannot be made: ${plan.error}.`], [], joined?.ref),
        audit: [{ action: 'gdpr-refused', outcome: 'refused', details: { ref: joined?.ref ?? '', kind, reason: 'invalid-values' } }],
      };
    }
    // An address of another client, of the bot or of the operator is never given to this one (invariant 16):
    // refused now, before any code goes to it.
    const reserved = [config.botAddress, config.operatorAddress].filter(Boolean).map((a) => a?.toLowerCase());
    const clientId = seen.client.id;
    const taken = await ctx.store.read(async (tx) => {
      for (const a of plan?.newAddresses ?? []) if (reserved.includes(a) || ((await tx.clients.byEmail(a))?.id ?? clientId) !== clientId) return a;
      return undefined;
    });
    if (taken) {
      return {
        outcome: 'gdpr-rectification-refused',
        folder: 'processed',
        reply: notice(from, lang, T.resultSubject(lang, ref), [lang === 'fr' ? `La rectification demandée ne peut pas être faite : l'adresse ${taken} ne peut pas être inscrite sur cette fiche.` : `The rectification asked for cannot be made: the address ${taken} cannot be put on this record.`], [], joined?.ref),
        audit: [{ action: 'gdpr-refused', outcome: 'refused', details: { ref: joined?.ref ?? '', kind, reason: 'address not available' } }],
      };
    }
    if (plan.keyChange) parties = keyChangeParties(plan, seen.client.emails, from, hours, now, ref, lang, mailing, config.botAddress);
  }

  const body = [...(joined ? T.joined(lang) : []), ...T.codeBody(lang, kind, requesterCode.code, hours)];
  const items = plan ? [...plan.changes.map(T.change), ...plan.unknown.map((u) => (lang === 'fr' ? `${u} : champ non reconnu, ne sera pas modifié` : `${u}: unknown field, will not be changed`))] : [];
  const paragraphs = plan && plan.changes.length > 0 ? [...body, ...T.changesIntro(lang)] : body;
  const after = plan?.keyChange ? T.keyChangeNote(lang, parties.some((p) => p.role === 'record-address') ? 'record-address' : 'operator', Boolean(config.operatorAddress), studioContact(config)) : [];
  const codeMail = notice(from, lang, T.codeSubject(lang, ref), paragraphs, items, ref, CODE_MAIL_KIND);
  // Below the list of changes: what else the change needs, and that the list joins two requests.
  codeMail.data.paragraphsAfter = [...after, ...(joined && plan ? T.joinedChanges(lang) : [])];
  const reply = { ...codeMail, messageId: newMessageId(config.botAddress) };
  const operatorApproval = plan?.keyChange && !parties.some((p) => p.role === 'record-address') && config.operatorAddress;
  if (operatorApproval) send(mailing, notice(config.operatorAddress ?? '', 'fr', `[${ref}] Changement de fiche à approuver`, [`La demande ${ref} change l'adresse e-mail ou l'IBAN d'une fiche client qui n'a pas d'autre adresse pour le confirmer. Après vérification (par téléphone, par exemple), approuvez-la avec : mailbot requests approve ${ref}`], plan?.changes.map(T.change) ?? [], ref, 'gdpr-approval-needed'), config.botAddress);

  const fields: Partial<RightsRequest> = {
    code: requesterCode.stored,
    status: 'awaiting-confirmation',
    codeMessageIds: [...(joined?.codeMessageIds ?? []), reply.messageId, ...mailing.messageIds],
    ...(plan ? { patch: plan.patch, changes: plan.changes, unknownFields: plan.unknown, keyChange: plan.keyChange, parties } : {}),
    requesterConfirmedAt: undefined,
    approvedBy: undefined,
    hintSent: undefined,
  };
  const sender = ctx.audit.hash(from);
  if (joined) {
    return {
      outcome: 'gdpr-joined',
      folder: 'processed',
      reply,
      notify: mailing.drafts,
      commit: (tx) => tx.requests.update(joined.ref, { ...fields, messageIds: [...joined.messageIds, ...(m.messageRef ? [m.messageRef] : [])] }),
      audit: [{ action: 'gdpr-request', outcome: 'info', sender, details: { ref, kind, joined: true, trust: ctx.trust.status, keyChange: Boolean(plan?.keyChange) } }],
    };
  }
  const received = now.toISOString();
  return {
    outcome: 'gdpr-code-sent',
    folder: 'processed',
    reply,
    notify: mailing.drafts,
    // The code mail names the reference; the commit takes it, or fails and the mail is handled again.
    commit: (tx) => tx.requests.open({ ref, kind, requester: from, lang, receivedAt: received, dueAt: addCalendarMonths(received, 1), messageIds: m.messageRef ? [m.messageRef] : [], ...fields } as RightsRequest),
    audit: [{ action: 'gdpr-request', outcome: 'info', sender, details: { ref, kind, trust: ctx.trust.status, keyChange: Boolean(plan?.keyChange) } }],
  };
}

/**
 * The proofs a key change needs besides the requester's: each new address
 * gets a code (ownership), and every other address already on the record
 * gets one to approve (any one suffices). With no other address, the
 * operator approves (`mailbot requests approve`).
 */
function keyChangeParties(plan: RectificationPlan, recordEmails: readonly string[], requester: string, hours: number, now: Date, ref: string, lang: Lang, mailing: Mailing, botAddress: string): Party[] {
  const parties: Party[] = [];
  const code = (): { code: string; stored: StoredCode } => newCode(hours, now);
  for (const address of plan.newAddresses) {
    const c = code();
    parties.push({ address, role: 'new-address', code: c.stored });
    send(mailing, notice(address, lang, T.newAddressSubject(lang, ref), T.newAddressBody(lang, c.code, hours), [], ref, CODE_MAIL_KIND), botAddress);
  }
  for (const address of recordEmails.filter((e) => e !== requester)) {
    const c = code();
    parties.push({ address, role: 'record-address', code: c.stored });
    send(mailing, notice(address, lang, T.approvalSubject(lang, ref), T.approvalBody(lang, requester, c.code, hours), plan.changes.map(T.change), ref, CODE_MAIL_KIND), botAddress);
  }
  return parties;
}
