/** Anything no other handler takes: a short note on what this address does. No personal data in it. */
import type { MailHandler } from './types.js';

export const helpHandler: MailHandler = {
  name: 'help',
  accepts: () => true,
  async handle(ctx) {
    const to = ctx.message.from?.address ?? '';
    return Promise.resolve({
      outcome: 'help-sent',
      folder: 'processed' as const,
      reply: { kind: 'help', template: 'help', lang: ctx.lang, data: {}, to },
      ...(ctx.client ? { clientId: ctx.client.id } : {}),
      audit: [{ action: 'routed' as const, outcome: 'ok' as const, details: { handler: 'help' } }],
    });
  },
};
