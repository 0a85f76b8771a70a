/**
 * The console's actions, where the CLI has them: retry a mail set aside,
 * send a refused reply again, extend a request, approve a change. Each is a
 * POST with its body schema and a CSRF token, calls the CLI's own service
 * (operator/actions.ts) and writes its audit line naming this session; the
 * answer is a redirect back, with what was done or why it was refused.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { MailbotError, errorMessage } from '../../core/errors.js';
import { approveRequest, extendRequest, resendReplies, retryMail } from '../../operator/actions.js';
import { csrfCheck, type PageContext } from '../server.js';

const field = { type: 'string', minLength: 1, maxLength: 300 } as const;
const csrfField = { _csrf: { type: 'string', maxLength: 200 } } as const;

export function registerActions(app: FastifyInstance, ctx: PageContext): void {
  const { store, config, dataDir } = ctx.deps;
  // The CSRF token is in the form body: checked once the body is parsed.
  const guard = { preHandler: csrfCheck(app) };

  /** Back to the page, with the outcome in its query: a refusal the store or a service gave is the operator's to read. */
  const back = async (reply: FastifyReply, to: string, act: () => Promise<string>) => {
    const sep = to.includes('?') ? '&' : '?';
    try {
      const said = await act();
      return reply.redirect(`${to}${sep}done=${encodeURIComponent(said)}`, 303);
    } catch (err) {
      if (!(err instanceof MailbotError)) throw err;
      return reply.redirect(`${to}${sep}refused=${encodeURIComponent(errorMessage(err))}`, 303);
    }
  };

  app.post<{ Body: { key: string } }>('/actions/retry', { ...guard, schema: { body: { type: 'object', required: ['key'], properties: { key: field, ...csrfField } } } }, async (req, reply) =>
    back(reply, '/', async () => {
      await retryMail(store, config, dataDir, ctx.actor(req), req.body.key);
      return `${req.body.key}: back in the inbox`;
    }),
  );

  app.post<{ Body: { id: string } }>('/actions/resend', { ...guard, schema: { body: { type: 'object', required: ['id'], properties: { id: field, ...csrfField } } } }, async (req, reply) =>
    back(reply, '/', async () => {
      const [e] = await resendReplies(store, ctx.actor(req), [req.body.id]);
      return `${e?.id ?? req.body.id}: queued again`;
    }),
  );

  app.post<{ Body: { ref: string; months: string; reason: string } }>(
    '/actions/extend',
    { ...guard, schema: { body: { type: 'object', required: ['ref', 'months', 'reason'], properties: { ref: field, months: { type: 'string', enum: ['1', '2'] }, reason: { type: 'string', minLength: 1, maxLength: 1000 }, ...csrfField } } } },
    async (req, reply) =>
      back(reply, '/requests', async () => {
        const until = await extendRequest(store, config, ctx.actor(req), req.body.ref, Number(req.body.months), req.body.reason);
        return `${req.body.ref}: due ${until.slice(0, 10)}`;
      }),
  );

  app.post<{ Body: { ref: string } }>('/actions/approve', { ...guard, schema: { body: { type: 'object', required: ['ref'], properties: { ref: field, ...csrfField } } } }, async (req, reply) =>
    back(reply, '/requests', () => approveRequest(store, config, ctx.actor(req), req.body.ref)),
  );
}
