/** The daemon's recurring jobs, in one list: adding one is adding an entry here. */
import { digest, expireRequests } from '../gdpr/maintenance.js';
import { liftDueRestrictions } from '../gdpr/restriction.js';
import { runDeposits } from '../platform/deposit.js';
import { pollLifecycle, sendDigests } from '../platform/lifecycle.js';
import { runRetention } from '../retention/run.js';
import { runTasks } from './tasks.js';
import type { RecurringJob } from './types.js';

/** The safety net under IDLE: a look at the mailbox on `pollCron`. */
const poll: RecurringJob = {
  name: 'poll',
  schedule: (config) => ({ cron: config.pollCron }),
  run: (ctx) => {
    ctx.pollMailbox();
    return Promise.resolve();
  },
};

/** Replies leave as soon as they are queued; this catches retries that came due. */
const outbox: RecurringJob = {
  name: 'outbox',
  schedule: () => ({ everyMs: 2_000 }),
  run: (ctx) => ctx.sendOutbox(),
};

/** Unconfirmed rights requests whose code expired are closed. */
const requestExpiry: RecurringJob = {
  name: 'request-expiry',
  schedule: (config) => ({ cron: config.gdpr.digestCron }),
  afterEachRound: true,
  run: async (ctx) => {
    await expireRequests(ctx.store, ctx.now);
  },
};

/** Restrictions whose lift the operator scheduled, once the person's notice period is over (Art. 18(3)). */
const restrictionLift: RecurringJob = {
  name: 'restriction-lift',
  schedule: (config) => ({ cron: config.pollCron }),
  afterEachRound: true,
  run: async (ctx) => {
    const lifted = await liftDueRestrictions(ctx.store, ctx.now);
    if (lifted.length > 0) ctx.log.info({ clients: lifted }, 'restrictions lifted after their notice');
  },
};

/** Every morning, the operator gets the rights requests due within seven days or overdue. */
const requestDigest: RecurringJob = {
  name: 'request-digest',
  schedule: (config) => ({ cron: config.gdpr.digestCron }),
  run: async (ctx) => {
    const draft = await digest(ctx.store, ctx.config, ctx.now);
    if (draft) await ctx.queueMail(draft, { action: 'digest-sent', details: { kind: draft.kind } });
  },
};

/** Mailbox work decided by commits (an erasure's purge of the person's mails). */
const tasks: RecurringJob = {
  name: 'tasks',
  schedule: (config) => ({ cron: config.pollCron }),
  afterEachRound: true,
  run: async (ctx) => {
    await runTasks(ctx.store, ctx.source, ctx.transport, ctx.log);
  },
};

/**
 * Every night, what the retention policy says must go: the store's part in
 * one commit with its audit line, the mail folders by a task that the
 * `tasks` job runs after the next round.
 */
const retention: RecurringJob = {
  name: 'retention',
  schedule: (config) => ({ cron: config.retention.cron }),
  run: async (ctx) => {
    const report = await runRetention(ctx.store, ctx.config, ctx.now, (s) => ctx.audit.hash(s));
    ctx.log.info({ purged: Object.fromEntries(report.categories.filter((c) => c.count > 0).map((c) => [c.category, c.count])) }, 'retention purge done');
  },
};

/**
 * The approved platforms: the deposit queue, then each seller's lifecycle
 * (platform/deposit.ts, platform/lifecycle.ts). A platform down or slow
 * delays only this job; mail, invoicing and requests go on.
 */
const platform: RecurringJob = {
  name: 'platform',
  schedule: (config) => ({ everyMs: config.platform.pollSeconds * 1000 }),
  run: async (ctx) => {
    const deposits = await runDeposits(ctx.store, { tokens: ctx.platformTokens, concurrency: ctx.config.platform.concurrency, leaseMs: ctx.config.platform.leaseSeconds * 1000 });
    const lifecycle = await pollLifecycle(ctx.store, { tokens: ctx.platformTokens, stageMail: ctx.stageMail });
    if (deposits.deposited + deposits.found + deposits.failed + lifecycle.statuses + lifecycle.acks > 0 || lifecycle.errors.length > 0) {
      ctx.log.info({ deposits, lifecycle: { ...lifecycle, errors: lifecycle.errors.length } }, 'platform pass');
    }
    for (const e of lifecycle.errors) ctx.log.warn({ client: e.clientId, err: e.error }, 'platform lifecycle poll failed; it runs again at its next time');
    if (lifecycle.alerts > 0) await ctx.sendOutbox();
  },
};

/** Once a day, the statuses that needed no action, per seller who wants them. */
const platformDigest: RecurringJob = {
  name: 'platform-digest',
  schedule: (config) => ({ cron: config.platform.digestCron }),
  run: async (ctx) => {
    if ((await sendDigests(ctx.store, { stageMail: ctx.stageMail })) > 0) await ctx.sendOutbox();
  },
};

export const JOBS: readonly RecurringJob[] = [poll, outbox, requestExpiry, restrictionLift, requestDigest, retention, tasks, platform, platformDigest];
