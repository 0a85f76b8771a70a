/**
 * GDPR rights requests by mail (Art. 12, 15–21). A request is recognised,
 * answered with a code sent to the From address (never a Reply-To), and
 * carried out only when every proof it needs has come back: nothing
 * personal leaves before, not even whether the address is known
 * (invariant 9).
 *
 * A mail answers a request when it names its reference [RGPD-…] or when
 * its In-Reply-To or References name one of the code mails the bot sent for
 * it (a mail client may have rewritten the subject), and only when it comes
 * from one of the request's parties.
 *
 * A rights request comes before a batch in the same mail (this handler is
 * ahead of the invoice handler): an erasure, a restriction or an objection
 * decides whether the data may be processed at all, so the CSVs beside it
 * are not processed. The answer says so and asks for them again, in a mail
 * of their own, once the request is settled; the mail itself stays in the
 * Processed folder. A mail about personal data that names no right, with
 * files, is a batch.
 */
import { classifyRequest } from '../../../gdpr/classify.js';
import { REF_PATTERN, type RightsRequest } from '../../../gdpr/requests.js';
import { normaliseAddress } from '../../../store/invariants.js';
import { classifyAttachments } from '../../attachments.js';
import type { HandlerResult, MailContext, MailHandler } from '../types.js';
import { confirmRequest, type Who } from './confirm.js';
import { openRequest } from './open.js';

/** The request this mail answers, and who the sender is to it. */
async function answering(ctx: MailContext): Promise<{ req: RightsRequest; who: Who } | undefined> {
  const m = ctx.message;
  const sender = normaliseAddress(m.from?.address ?? '');
  const ref = REF_PATTERN.exec(`${m.subject}\n${m.text}`)?.[0];
  const ids = new Set([...(m.inReplyTo ? [m.inReplyTo] : []), ...m.references].map((id) => id.trim()));
  const candidates = await ctx.store.read(async (tx) => {
    const byRef = ref ? await tx.requests.get(ref) : undefined;
    if (byRef) return [byRef];
    if (ids.size === 0) return [];
    return (await tx.requests.list({ requester: sender })).concat(await tx.requests.list({ open: true })).filter((r) => (r.codeMessageIds ?? []).some((id) => ids.has(id)));
  });
  for (const req of candidates) {
    if (req.requester === sender) return { req, who: { role: 'requester' } };
    const party = (req.parties ?? []).find((p) => p.address === sender);
    if (party) return { req, who: { role: 'party', party } };
  }
  return undefined;
}

/** The names of the invoicing files the mail carries (CSVs, ZIPs). */
function filesOf(ctx: MailContext): string[] {
  const { csvs, badZips } = classifyAttachments(ctx.message.attachments, ctx.config.limits);
  return [...new Set([...csvs.map((c) => c.filename), ...badZips])];
}

/** The answer to a request says the files beside it were not processed, and what to do with them. */
function filesSetAside(result: HandlerResult, files: string[], clientId: string | undefined): HandlerResult {
  const reply = result.reply;
  if (files.length === 0 || !reply || reply.template !== 'gdpr-message') return result;
  const list = files.join(', ');
  const note = reply.lang === 'fr'
    ? `Votre message contenait aussi des fichiers de facturation (${list}) : ils n'ont pas été traités, votre demande passant d'abord. Renvoyez-les dans un message séparé une fois la demande réglée.`
    : `Your message also carried invoicing files (${list}): they were not processed, as your request comes first. Send them again in a separate mail once the request is settled.`;
  const after = Array.isArray(reply.data.paragraphsAfter) ? (reply.data.paragraphsAfter as string[]) : [];
  return {
    ...result,
    reply: { ...reply, data: { ...reply.data, paragraphsAfter: [...after, note] } },
    audit: [...result.audit, { action: 'batch-rejected', outcome: 'refused', ...(clientId ? { clientId } : {}), details: { reason: 'rights-request-first', files: files.length } }],
  };
}

export const gdprHandler: MailHandler = {
  name: 'gdpr',
  // Requests change records that batches also use: one at a time, in order, like invoices.
  exclusive: true,

  async accepts(ctx) {
    const c = classifyRequest(ctx.message.subject, ctx.message.text);
    if (c && (c.kind !== 'unspecified' || filesOf(ctx).length === 0)) return true;
    return (await answering(ctx)) !== undefined;
  },

  async handle(ctx) {
    const found = await answering(ctx);
    const result = found ? await confirmRequest(ctx, found.req, found.who) : await openRequest(ctx);
    return filesSetAside(result, filesOf(ctx), ctx.client?.id);
  },
};
