/**
 * Recurring work, registered like the mail handlers: each job says when it
 * runs (from the configuration) and what it does; the daemon schedules every
 * job of the list the same way, each run in its own try/catch, never two
 * runs of one job at once.
 */
import type { Logger } from 'pino';
import type { AuditTrail } from '../audit/trail.js';
import type { Config } from '../config/schema.js';
import type { ReplyDraft } from '../mail/compose.js';
import type { MailSource } from '../mail/source.js';
import type { MailStager } from '../mail/standalone.js';
import type { MailTransport } from '../mail/transport.js';
import type { TokenSource } from '../platform/token.js';
import type { Store } from '../store/port.js';

export interface JobContext {
  store: Store;
  config: Config;
  audit: AuditTrail;
  log: Logger;
  now: Date;
  source: MailSource;
  transport: MailTransport;
  /** Look at the mailbox now. */
  pollMailbox(): void;
  /** Send what is due in the outbox. */
  sendOutbox(): Promise<void>;
  /** Queue a mail that answers no mail (a digest, a notice), with its audit line, in one commit. */
  queueMail(draft: ReplyDraft, audit: { action: 'digest-sent'; details?: Record<string, string | number> }): Promise<void>;
  /** Compose a mail into a staging area, for a job that queues it in the commit of what it reports. */
  stageMail: MailStager;
  /** The approved platforms' tokens, kept in memory for the daemon's life. */
  platformTokens: TokenSource;
}

export type JobSchedule = { cron: string } | { everyMs: number };

export interface RecurringJob {
  readonly name: string;
  schedule(config: Config): JobSchedule;
  /** Also run after each round of the mailbox. */
  readonly afterEachRound?: boolean;
  run(ctx: JobContext): Promise<void>;
}
