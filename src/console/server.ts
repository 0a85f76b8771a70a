/**
 * The operator's console: a fastify app on loopback (or behind TLS when the
 * configuration gives a certificate), reading through the store port and
 * acting through the same services as the CLI (operator/actions.ts).
 *
 * Plugins, each for one concern: security headers and a strict CSP
 * (helmet), cookies, CSRF tokens on every POST (csrf-protection, the secret
 * in a signed, HttpOnly, SameSite=Strict cookie), rate limits (tighter on
 * login), form bodies. A request's Host must name this console (no DNS
 * rebinding); every page but the login needs a session.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Handlebars from 'handlebars';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type preHandlerHookHandler } from 'fastify';
import type { AuditSeal } from '../audit/chain.js';
import type { AuditTrail } from '../audit/trail.js';
import type { Config } from '../config/schema.js';
import { MailbotError } from '../core/errors.js';
import type { MailboxAccess } from '../retention/run.js';
import type { Store } from '../store/port.js';
import { ConsoleAuth, type Session } from './auth.js';
import { pickLang, STRINGS, type ConsoleLang } from './i18n.js';
import { registerActions } from './routes/actions.js';
import { registerPages } from './routes/pages.js';
import { CONSOLE_TEMPLATES, ConsoleViews, type PageFrame } from './view.js';

export const SESSION_COOKIE = 'mailbot_session';

export interface ConsoleDeps {
  store: Store;
  config: Config;
  dataDir: string;
  trail: AuditTrail;
  seal: AuditSeal;
  auth: ConsoleAuth;
  /** The mailbox, opened when a page first needs it (the Sent copies, the folders' dry run); undefined when it cannot be reached. */
  mailbox?: () => Promise<MailboxAccess | undefined>;
  /** Served over HTTPS: cookies are then Secure. */
  tls?: { key: Buffer; cert: Buffer };
}

declare module 'fastify' {
  interface FastifyRequest {
    session?: Session;
    lang: ConsoleLang;
  }
}

/** What each route needs to answer a page. */
export interface PageContext {
  deps: ConsoleDeps;
  views: ConsoleViews;
  frame(req: FastifyRequest, reply: FastifyReply, active: string): PageFrame;
  /** The audit actor of this session: "operator:console" and the session's keyed hash. */
  actor(req: FastifyRequest): { actor: string; actorId: string };
}

export async function buildConsole(deps: ConsoleDeps, opts: { allowedHosts?: readonly string[] } = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, ...(deps.tls ? { https: deps.tls } : {}) });
  const views = new ConsoleViews();
  const css = readFileSync(join(CONSOLE_TEMPLATES, 'console.css'));
  const secure = Boolean(deps.tls);

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], styleSrc: ["'self'"], imgSrc: ["'self'"], formAction: ["'self'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
    },
    hsts: secure,
    crossOriginEmbedderPolicy: false,
  });
  await app.register(cookie, { secret: randomBytes(32).toString('hex') });
  await app.register(csrf, { cookieKey: 'mailbot_csrf', cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', path: '/', secure } });
  await app.register(formbody);
  await app.register(rateLimit, { max: 600, timeWindow: '1 minute' });

  app.decorateRequest('lang', 'fr');
  app.addHook('onRequest', async (req, reply) => {
    // A page asked for under another name than this console's is refused: no DNS rebinding onto loopback.
    const host = (req.headers.host ?? '').toLowerCase();
    if (opts.allowedHosts && !opts.allowedHosts.includes(host)) return reply.code(421).type('text/plain').send('misdirected request');
    req.lang = pickLang((req.query as { lang?: unknown } | undefined)?.lang, req.headers['accept-language']);
    if (req.url.startsWith('/login') || req.url === '/static/console.css') return;
    const session = deps.auth.session(req.cookies[SESSION_COOKIE]);
    if (!session) return reply.code(401).type('text/html; charset=utf-8').send(plainPage(req.lang, STRINGS[req.lang].login.needed));
    req.session = session;
  });

  app.get('/static/console.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(css));

  app.get<{ Querystring: { token?: string } }>(
    '/login',
    { schema: { querystring: { type: 'object', properties: { token: { type: 'string', maxLength: 64 }, lang: { type: 'string' } } } }, config: { rateLimit: { max: 10, timeWindow: '1 minute' } } },
    async (req, reply) => {
      const session = deps.auth.redeem(req.query.token ?? '');
      if (!session) return reply.code(403).type('text/html; charset=utf-8').send(plainPage(req.lang, STRINGS[req.lang].login.expired));
      const { auditEntry } = await import('../audit/trail.js');
      await deps.store.transact((tx) => Promise.resolve(tx.audit(auditEntry({ action: 'console-login', outcome: 'ok', actor: 'operator:console', actorId: deps.trail.hash(`session:${session.id}`) }))));
      reply.setCookie(SESSION_COOKIE, session.id, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: Math.floor(deps.auth.sessionTtlMs / 1000) });
      return reply.redirect('/', 303);
    },
  );

  const ctx: PageContext = {
    deps,
    views,
    frame: (req, reply, active) => {
      const q = req.query as Record<string, unknown>;
      const flash = typeof q.done === 'string' ? { ok: true, text: q.done } : typeof q.refused === 'string' ? { ok: false, text: q.refused } : undefined;
      const keep = new URLSearchParams(Object.entries(q).filter(([k, v]) => typeof v === 'string' && !['lang', 'done', 'refused'].includes(k)) as [string, string][]).toString();
      return { lang: req.lang, path: req.url.split('?')[0] ?? '/', query: keep ? `${keep}&` : '', csrf: reply.generateCsrf(), active, ...(flash ? { flash } : {}) };
    },
    actor: (req) => ({ actor: 'operator:console', actorId: deps.trail.hash(`session:${req.session?.id ?? ''}`) }),
  };
  registerPages(app, ctx);
  registerActions(app, ctx);

  app.post('/logout', { preHandler: csrfCheck(app), schema: { body: { type: 'object', properties: { _csrf: { type: 'string', maxLength: 200 } } } } }, async (req, reply) => {
    deps.auth.end(req.session?.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });

  app.setErrorHandler(async (err: Error & { statusCode?: number; code?: string }, req, reply) => {
    // A value the operator typed that the product refuses (a misspelt action, a bad date) is theirs to read.
    const refused = err instanceof MailbotError;
    const status = refused ? 400 : err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    const text = status === 500 ? 'internal error' : err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET' ? 'CSRF token missing or invalid' : err.message;
    return reply.code(status).type('text/html; charset=utf-8').send(plainPage(req.lang, text));
  });
  return app;
}

/** The CSRF check as a route hook: after the body is parsed, since the form carries the token. */
export function csrfCheck(app: FastifyInstance): preHandlerHookHandler {
  return (req, reply, done) => app.csrfProtection.call(app, req, reply, done);
}

const escapeHtml = (s: string) => Handlebars.escapeExpression(s);

/** A page for the moments without a session: the message only. */
function plainPage(lang: ConsoleLang, text: string): string {
  return `<!DOCTYPE html><html lang="${lang}"><head><meta charset="utf-8"><title>${escapeHtml(STRINGS[lang].title)}</title><link rel="stylesheet" href="/static/console.css"></head><body><main><h1>${escapeHtml(STRINGS[lang].title)}</h1><p>${escapeHtml(text)}</p></main></body></html>`;
}
