/**
 * A mail that answers a rights request: a proof from one of its parties
 * (the requester, a new address, another address of the record).
 *
 * - One code per mail: several code-shaped tokens count as a wrong try.
 * - Wrong tries are counted per sending address over a rolling day, in the
 *   store, whatever the request: opening or joining one never resets them.
 *   Past the budget, nothing is answered (a forged sender cannot turn the
 *   bot into a mail bomb aimed at the real address).
 * - For access and portability (the data goes only to the verified
 *   mailbox), the code may be anywhere in the reply, the quoted code mail
 *   included. For anything that changes a record, it must be in the reply's
 *   own text: "I never asked for this" above the quoted code mail confirms
 *   nothing, and gets one short answer on how to confirm, then silence.
 */
import { ownText } from '../../../gdpr/classify.js';
import { checkCode, codeCandidates, DAY_MS, MAX_WRONG_TRIES, WRONG_CODES_PER_DAY, type Party, type RightsRequest } from '../../../gdpr/requests.js';
import { T } from '../../../gdpr/texts.js';
import type { Tx } from '../../../store/port.js';
import { notice } from '../../notices.js';
import type { HandlerResult, MailContext } from '../types.js';
import { carryOut } from './carry-out.js';

/** Kinds whose confirmation changes a record: the code must be in the reply's own text. */
const CHANGES = new Set(['rectification', 'erasure', 'restriction', 'restriction-lift', 'objection']);

export type Who = { role: 'requester' } | { role: 'party'; party: Party };

/** Every proof the request needs is in. */
export function proven(req: RightsRequest): boolean {
  if (!req.requesterConfirmedAt) return false;
  if ((req.parties ?? []).some((p) => p.role === 'new-address' && !p.confirmedAt)) return false;
  return !req.keyChange || Boolean(req.approvedBy);
}

/** The proofs still missing, in the request's language. */
export function waitingFor(req: RightsRequest): string[] {
  const lang = req.lang;
  const out: string[] = [];
  if (!req.requesterConfirmedAt) out.push(T.waitingRequester(lang));
  for (const p of req.parties ?? []) if (p.role === 'new-address' && !p.confirmedAt) out.push(T.waitingNewAddress(lang, p.address));
  if (req.keyChange && !req.approvedBy) out.push(T.waitingSecond(lang, (req.parties ?? []).some((p) => p.role === 'record-address') ? 'record-address' : 'operator'));
  return out;
}

/** The request with this party's proof in (its code used once). */
function withProof(req: RightsRequest, who: Who, sender: string, at: string): RightsRequest {
  if (who.role === 'requester') return { ...req, requesterConfirmedAt: at, code: undefined, status: 'confirmed' };
  const parties = (req.parties ?? []).map((p) => (p.address === sender ? { ...p, confirmedAt: at, code: undefined } : p));
  return { ...req, parties, ...(who.party.role === 'record-address' && !req.approvedBy ? { approvedBy: { by: 'record-address' as const, address: sender, at } } : {}) };
}

function proofFields(r: RightsRequest): Partial<RightsRequest> {
  return { status: r.status, code: r.code, parties: r.parties, requesterConfirmedAt: r.requesterConfirmedAt, approvedBy: r.approvedBy };
}

export async function confirmRequest(ctx: MailContext, req: RightsRequest, who: Who): Promise<HandlerResult> {
  const { message: m, now } = ctx;
  const sender = m.from?.address ?? '';
  const lang = req.lang;
  const answer = (paragraphs: string[], kind = 'gdpr') => notice(sender, lang, T.resultSubject(lang, req.ref), paragraphs, [], req.ref, kind);
  const base = { folder: 'processed' as const };
  if (req.status === 'expired') {
    return { ...base, outcome: 'gdpr-code-expired', reply: answer(T.closedCode(lang, 'expired')), audit: [{ action: 'gdpr-expired', outcome: 'refused', details: { ref: req.ref } }] };
  }
  if (req.status !== 'awaiting-confirmation' && req.status !== 'confirmed') {
    return { ...base, outcome: 'gdpr-closed-request', audit: [{ action: 'routed', outcome: 'ignored', details: { ref: req.ref, status: req.status } }] };
  }
  const stored = who.role === 'requester' ? req.code : who.party.code;
  if (!stored) {
    // This party's proof is in already: say what is still awaited, once.
    return hintOnce(req, who, sender, answer(T.recorded(lang, waitingFor(req))), 'gdpr-already-confirmed');
  }

  const triesKey = `code-tries:${ctx.audit.hash(sender)}`;
  const used = await ctx.store.read((tx) => tx.rate.recent(triesKey, DAY_MS, now.getTime()));
  if (used >= WRONG_CODES_PER_DAY) {
    return { ...base, outcome: 'gdpr-code-budget-spent', audit: [{ action: 'gdpr-code-wrong', outcome: 'refused', details: { ref: req.ref, reason: 'daily budget spent' } }] };
  }
  const own = codeCandidates(`${m.subject}\n${ownText(m.text)}`);
  const candidates = own.length > 0 || CHANGES.has(req.kind) || who.role === 'party' ? own : codeCandidates(m.text);
  if (candidates.length === 0) return hintOnce(req, who, sender, answer(T.howToConfirm(lang)), 'gdpr-no-code');

  const check = candidates.length > 1 ? 'wrong' : checkCode(stored, candidates[0] ?? '', now);
  // A wrong code in a mail our server says does not come from this address: a forger's guess. It counts
  // against nobody (else forged mails would lock the person's request and spend their daily tries).
  if ((check === 'wrong' || check === 'none') && ctx.trust.status === 'fail') {
    return { folder: 'ignored' as const, outcome: 'gdpr-code-unverified', audit: [{ action: 'gdpr-code-wrong', outcome: 'ignored', details: { ref: req.ref, reason: 'sender not verified', trust: ctx.trust.reason } }] };
  }
  if (check === 'wrong' || check === 'none') {
    const tries = stored.wrongTries + 1;
    const locked = tries >= MAX_WRONG_TRIES;
    const spent = used + 1 >= WRONG_CODES_PER_DAY;
    const code = { ...stored, wrongTries: tries };
    const parties = (req.parties ?? []).map((p) => (p.address === sender && who.role === 'party' ? { ...p, code } : p));
    return {
      ...base,
      outcome: locked ? 'gdpr-code-locked' : 'gdpr-code-wrong',
      reply: answer(locked ? T.closedCode(lang, 'locked') : spent ? T.noMoreTries(lang) : [...(candidates.length > 1 ? [T.oneCode(lang)] : []), ...T.wrongCode(lang, Math.min(MAX_WRONG_TRIES - tries, WRONG_CODES_PER_DAY - used - 1))]),
      commit: async (tx) => {
        await tx.rate.hit(triesKey, DAY_MS, WRONG_CODES_PER_DAY, now.getTime());
        await tx.requests.update(req.ref, { ...(who.role === 'requester' ? { code } : { parties }), ...(locked ? { status: 'refused' as const, outcome: 'too many wrong codes', closedAt: now.toISOString() } : {}) });
      },
      audit: [{ action: 'gdpr-code-wrong', outcome: 'refused', details: { ref: req.ref, tries, candidates: candidates.length } }],
    };
  }
  if (check === 'expired' || check === 'locked') {
    return {
      ...base,
      outcome: `gdpr-code-${check}`,
      reply: answer(T.closedCode(lang, check)),
      commit: (tx) => tx.requests.update(req.ref, { status: check === 'expired' ? 'expired' : 'refused', closedAt: now.toISOString() }),
      audit: [{ action: check === 'expired' ? 'gdpr-expired' : 'gdpr-refused', outcome: 'refused', details: { ref: req.ref } }],
    };
  }

  // The code is right: this party's proof is in. Each code is used once.
  const next = withProof(req, who, sender, now.toISOString());
  const confirmed = { action: 'gdpr-confirmed' as const, outcome: 'ok' as const, details: { ref: req.ref, by: who.role === 'requester' ? 'requester' : who.party.role } };
  if (!proven(next)) {
    return { ...base, outcome: 'gdpr-proof-recorded', reply: answer(T.recorded(lang, waitingFor(next))), commit: (tx) => tx.requests.update(req.ref, proofFields(next)), audit: [confirmed] };
  }
  const done = await carryOut({ store: ctx.store, config: ctx.config, audit: ctx.audit }, next, now);
  const fromRequester = sender === req.requester;
  return {
    ...base,
    outcome: done.outcome,
    reply: fromRequester ? done.answer : answer(lang === 'fr' ? ['Merci : votre confirmation était la dernière attendue, la demande est exécutée.'] : ['Thank you: yours was the last confirmation awaited; the request is carried out.']),
    notify: [...(fromRequester ? [] : [done.answer]), ...done.notify],
    ...(done.scratch ? { scratch: done.scratch } : {}),
    commit: async (tx: Tx, queued) => {
      await tx.requests.update(req.ref, proofFields(next));
      await done.commit(tx, queued);
    },
    audit: [confirmed, ...done.audit],
  };
}

/** One short answer per address and request, then silence: never a loop. */
function hintOnce(req: RightsRequest, who: Who, sender: string, reply: HandlerResult['reply'], outcome: string): HandlerResult {
  const sent = who.role === 'requester' ? req.hintSent : who.party.hintSent;
  const audit: HandlerResult['audit'] = [{ action: 'routed', outcome: 'ignored', details: { ref: req.ref, reason: outcome } }];
  if (sent) return { outcome, folder: 'processed', audit };
  const mark = (tx: Tx) => tx.requests.update(req.ref, who.role === 'requester' ? { hintSent: true } : { parties: (req.parties ?? []).map((p) => (p.address === sender ? { ...p, hintSent: true } : p)) });
  return { outcome, folder: 'processed', ...(reply ? { reply } : {}), commit: mark, audit };
}
