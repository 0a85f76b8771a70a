/** Wiring: configuration and store → source, transport, pipeline, daemon. */
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { auditTrailFor, type AuditTrail } from '../audit/trail.js';
import type { Config } from '../config/schema.js';
import type { Store } from '../store/port.js';
import { Daemon } from './daemon.js';
import { gdprHandler } from './handlers/gdpr/index.js';
import { helpHandler } from './handlers/help.js';
import { invoiceHandler } from './handlers/invoice.js';
import { paymentReplyHandler } from './handlers/payment-reply.js';
import type { MailHandler } from './handlers/types.js';
import { ImapSource } from './imap.js';
import { MaildirSource } from './maildir.js';
import { OAuthTokens } from './oauth.js';
import { Pipeline } from './pipeline.js';
import type { MailSource } from './source.js';
import { Templates } from './templates.js';
import { FolderTransport, SmtpTransport, type MailTransport } from './transport.js';
import { workerPool, type Work } from '../work/pool.js';

/** Handlers in order: the first that accepts a mail handles it; help takes the rest. */
// A rights request goes before a batch in the same mail (handlers/gdpr/index.ts says why).
export const HANDLERS: readonly MailHandler[] = [gdprHandler, invoiceHandler, paymentReplyHandler, helpHandler];

export interface Runtime {
  audit: AuditTrail;
  source: MailSource;
  transport: MailTransport;
  daemon: Daemon;
  log: Logger;
  embedded: boolean;
  /** The worker threads; the daemon's stop closes them. */
  work: Work;
}

export function createLogger(): Logger {
  // Operational logs (not the audit trail) go to stderr as JSON lines.
  return pino({ level: process.env.MAILBOT_LOG_LEVEL ?? 'info', base: { pid: process.pid } }, pino.destination(2));
}

export function buildSourceAndTransport(dataDir: string, config: Config, log: Logger, env: NodeJS.ProcessEnv = process.env): { source: MailSource; transport: MailTransport } {
  const source = config.imap
    ? new ImapSource(config.imap, env, log, config.imap.auth.type === 'oauth2' ? new OAuthTokens(config.imap.auth, dataDir, env) : undefined)
    : new MaildirSource(join(dataDir, 'mailbox'));
  const smtpAuth = config.smtp?.auth;
  const transport = config.smtp
    ? new SmtpTransport(config.smtp, env, smtpAuth?.type === 'oauth2' ? new OAuthTokens(smtpAuth, dataDir, env) : undefined)
    : new FolderTransport(join(dataDir, 'outbox'));
  return { source, transport };
}

export async function buildRuntime(store: Store, config: Config, options: { log?: Logger } = {}): Promise<Runtime> {
  const log = options.log ?? createLogger();
  const audit = await auditTrailFor(store, config);
  const { source, transport } = buildSourceAndTransport(store.dataDir, config, log);
  const templates = new Templates();
  // The pipeline tells the daemon of a fault of the environment; the daemon owns the pipeline.
  const faults: { to?: Daemon } = {};
  const work = workerPool(config, log);
  const pipeline = new Pipeline({ store, config, audit, templates, handlers: HANDLERS, work, log, onFault: (err) => faults.to?.fault(err) });
  const daemon = new Daemon(store, config, source, transport, pipeline, audit, log, templates);
  faults.to = daemon;
  return { audit, source, transport, daemon, log, embedded: !config.imap, work };
}
