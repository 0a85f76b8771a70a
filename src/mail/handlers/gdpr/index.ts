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
 */
import { classifyRequest } from '../../../gdpr/classify.js';
import { REF_PATTERN, type RightsRequest } from '../../../gdpr/requests.js';
import { normaliseAddress } from '../../../store/invariants.js';
import type { MailContext, MailHandler } from '../types.js';
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

export const gdprHandler: MailHandler = {
  name: 'gdpr',
  // Requests change records that batches also use: one at a time, in order, like invoices.
  exclusive: true,

  async accepts(ctx) {
    return (await answering(ctx)) !== undefined || classifyRequest(ctx.message.subject, ctx.message.text) !== null;
  },

  async handle(ctx) {
    const found = await answering(ctx);
    return found ? confirmRequest(ctx, found.req, found.who) : openRequest(ctx);
  },
};
