/**
 * Anything no other handler takes: a short note on what this address does.
 * No personal data in it. A mail that answers one of the bot's own mails
 * ("Merci !") gets none: the note was sent already, and an auto-responder
 * that marks nothing would otherwise answer it back, forever.
 */
import { isBotMessageId } from '../guard.js';
import type { MailHandler } from './types.js';

export const helpHandler: MailHandler = {
  name: 'help',
  accepts: () => true,
  async handle(ctx) {
    const to = ctx.message.from?.address ?? '';
    const m = ctx.message;
    if ([m.inReplyTo, ...m.references].some((id) => isBotMessageId(id, ctx.config.botAddress, true))) {
      return Promise.resolve({
        outcome: 'help-not-repeated',
        folder: 'processed' as const,
        ...(ctx.client ? { clientId: ctx.client.id } : {}),
        audit: [{ action: 'routed' as const, outcome: 'ok' as const, details: { handler: 'help', reply: 'none: it answers a mail of the bot' } }],
      });
    }
    return Promise.resolve({
      outcome: 'help-sent',
      folder: 'processed' as const,
      reply: { kind: 'help', template: 'help', lang: ctx.lang, data: {}, to },
      ...(ctx.client ? { clientId: ctx.client.id } : {}),
      audit: [{ action: 'routed' as const, outcome: 'ok' as const, details: { handler: 'help' } }],
    });
  },
};
