/**
 * The daemon: watches the source, takes each mail through the pipeline,
 * runs the recurring jobs of the registry (jobs/registry.ts) and reports its
 * status for `mailbot status`. New mail is noticed by push (IDLE, or the
 * Maildir watcher); the poll job is the safety net that also catches what
 * arrived while disconnected. SIGTERM/SIGINT let the mails in hand finish,
 * then it stops.
 */
import { hostname } from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { auditEntry, type AuditTrail } from '../audit/trail.js';
import type { Config } from '../config/schema.js';
import { errorMessage } from '../core/errors.js';
import { JOBS } from '../jobs/registry.js';
import type { JobContext, RecurringJob } from '../jobs/types.js';
import { ledgerKey, type DaemonStatus, type Store } from '../store/port.js';
import { identityOf, type ReplyDraft } from './compose.js';
import { mailStager } from './standalone.js';
import { TokenSource } from '../platform/token.js';
import { ByteBudget } from '../core/budget.js';
import { Outbox, queueReplies } from './outbox.js';
import { sweepLeftovers } from '../store/leftovers.js';
import { describeFault, faultBackoffMs, faultName, isEnvironmentFault } from './faults.js';
import { probeDataDir } from '../store/health.js';
import type { PendingMove, Pipeline } from './pipeline.js';
import type { MailRef, MailSource } from './source.js';
import type { Templates } from './templates.js';
import type { MailTransport } from './transport.js';

/** Handled mails are moved in groups of this many (one MOVE per folder). */
const MOVE_CHUNK = 50;
/** Mails handled at the same time. */
const MAILS_IN_FLIGHT = 8;

export class Daemon {
  private running?: Promise<void>;
  private again = false;
  private stopping = false;
  private readonly tasks: { stop(): void }[] = [];
  private readonly jobRuns = new Map<string, Promise<void>>();
  private readonly outbox: Outbox;
  private readonly status: DaemonStatus;
  private readonly platformTokens = new TokenSource();

  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly source: MailSource,
    private readonly transport: MailTransport,
    private readonly pipeline: Pipeline,
    private readonly audit: AuditTrail,
    private readonly log: Logger,
    private readonly templates: Templates,
    private readonly jobs: readonly RecurringJob[] = JOBS,
  ) {
    this.outbox = new Outbox(store, transport, source, log, { me: identityOf(config), templates, operatorAddress: config.operatorAddress, redact: (t) => audit.redact(t), hash: (a) => audit.hash(a) });
    const now = new Date().toISOString();
    this.status = { pid: process.pid, node: hostname(), startedAt: now, source: source.description, transport: transport.name, connection: 'starting', updatedAt: now };
  }

  async start(options: { connectDeadlineMs?: number } = {}): Promise<void> {
    // The first commit of the process also finishes what a killed one left (store recovery).
    await this.audit.record({ action: 'daemon-started', outcome: 'info', details: { source: this.source.name, transport: this.transport.name } });
    // Files a killed process wrote aside and never renamed may hold a reply or a mail: they go now.
    const swept = await sweepLeftovers(this.store.dataDir);
    if (swept > 0) this.log.info({ files: swept }, 'temporary files left by a stopped process shredded');
    this.source.onActivity(() => this.kick());
    await this.source.open(options.connectDeadlineMs !== undefined ? { deadlineMs: options.connectDeadlineMs } : {});
    // Said before the first mail: with a shared store, the status is also this daemon's heartbeat.
    await this.writeStatus();
    for (const job of this.jobs) {
      const when = job.schedule(this.config);
      // A job that also runs after each round waits for the round in progress: its work (a mailbox
      // purge) must see the mails that round moves, which its own after-round run does.
      const onTime = () => void (job.afterEachRound && this.running ? undefined : this.runJob(job));
      if ('cron' in when) {
        const task: ScheduledTask = cron.schedule(when.cron, onTime, { noOverlap: true });
        this.tasks.push({ stop: () => void task.stop() });
      } else {
        const timer = setInterval(onTime, when.everyMs);
        this.tasks.push({ stop: () => clearInterval(timer) });
      }
    }
    this.kick();
  }

  private jobContext(): JobContext {
    return {
      store: this.store,
      config: this.config,
      audit: this.audit,
      log: this.log,
      now: new Date(),
      source: this.source,
      transport: this.transport,
      pollMailbox: () => this.kick(),
      sendOutbox: () => this.sendOutbox(),
      queueMail: (draft, audit) => this.queueMail(draft, audit),
      stageMail: mailStager(this.store, this.config, this.templates),
      platformTokens: this.platformTokens,
    };
  }

  /** One run of a job at a time; a failure is logged and stops nothing else. */
  runJob(job: RecurringJob, options: { fresh?: boolean } = {}): Promise<void> {
    const running = this.jobRuns.get(job.name);
    // A fresh run starts after the one in progress, which may have begun before the last round's moves.
    if (running) return options.fresh ? running.then(() => this.runJob(job)) : running;
    const run = job
      .run(this.jobContext())
      .catch((err: unknown) => {
        // The store or the disk away: the episode is told once (fault), not by every job it stops.
        if (isEnvironmentFault(err)) this.fault(err);
        else this.log.warn({ job: job.name, err: errorMessage(err) }, 'recurring job failed; it runs again at its next time');
      })
      .finally(() => this.jobRuns.delete(job.name));
    this.jobRuns.set(job.name, run);
    return run;
  }

  private async queueMail(draft: ReplyDraft, audit: { action: 'digest-sent'; details?: Record<string, string | number> }): Promise<void> {
    const { staging, entry } = await mailStager(this.store, this.config, this.templates)(draft);
    try {
      await this.store.transact(async (tx) => {
        await queueReplies(tx, staging, [entry]);
        tx.audit(auditEntry({ action: audit.action, outcome: 'ok', ...(audit.details ? { details: audit.details } : {}) }));
      });
    } catch (err) {
      await staging.discard();
      throw err;
    }
  }

  /** Run the loop now, or once more after the current run. */
  kick(): void {
    if (this.stopping) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Process what is in the inbox until nothing new came in meanwhile. Resolves when idle. */
  async drain(): Promise<void> {
    this.kick();
    while (this.running) await this.running;
    await this.sendOutbox();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      if (this.faultUntil > Date.now()) break; // the environment is at fault: the timer kicks again
      try {
        await this.round();
        // A round the environment let through ends an episode even when no mail came (a disk fault: once a write works).
        const episode = this.status.fault;
        if (episode && this.faultUntil <= Date.now() && (episode.cause === 'store unreachable' || !(await probeDataDir(this.store.dataDir)))) this.healed();
      } catch (err) {
        this.log.warn({ err: errorMessage(err) }, 'mailbox poll failed; will retry');
      }
      for (const job of this.jobs) if (job.afterEachRound) await this.runJob(job, { fresh: true });
      void this.sendOutbox(); // replies go out while the next round reads the mailbox
      await this.writeStatus();
    } while (this.again && !this.stopping);
  }

  /**
   * One look at the inbox, a few mails at a time. Mails that were in hand
   * when the last process died come after the others, one at a time, the
   * moves of those before them done first: a death is never charged to a
   * mail (invariant 23), so they are handled again as any other, but if one
   * of them brings the process down again, no other mail was beside it
   * (invariant 17).
   */
  private async round(): Promise<void> {
    const refs = await this.source.list();
    try {
      await this.noteMovedElsewhere(refs);
    } catch (err) {
      // The store unreachable: the intake pauses like for any fault of the environment.
      if (!isEnvironmentFault(err)) throw err;
      this.fault(err);
      return;
    }
    this.status.lastPollAt = new Date().toISOString();
    const unfinished = this.unfinished ?? new Set(await this.store.mail.unfinished());
    this.unfinished = new Set();
    let pending: PendingMove[] = [];
    const flushMoves = async (force: boolean) => {
      if (!force && pending.length < MOVE_CHUNK) return;
      const chunk = pending;
      pending = [];
      await this.pipeline.moveAll(this.source, chunk);
    };
    const one = async (ref: MailRef): Promise<void> => {
      const result = await this.pipeline.process(this.source, ref);
      if (result) {
        pending.push(result);
        this.healed();
      }
      this.status.lastMailAt = new Date().toISOString();
      void this.sendOutbox(); // replies leave while the next mails are read
      await flushMoves(false);
    };
    const wasInHand = (r: MailRef) => unfinished.has(ledgerKey(r.key));
    const queue = refs.filter((r) => !wasInHand(r));
    try {
      // A few mails in flight: each waits on the servers more than on the CPU. Mails are
      // independent; invoice and rights-request mails keep their order (pipeline.ts).
      const budget = new ByteBudget(this.config.limits.inFlightBytes);
      const worker = async () => {
        for (let ref = queue.shift(); ref && !this.stopping && this.faultUntil <= Date.now(); ref = queue.shift()) {
          // Memory is bounded by design: the mails in hand never weigh more than the budget together.
          const release = await budget.take(ref.size ?? 0);
          await one(ref).finally(release);
        }
      };
      await Promise.all(Array.from({ length: MAILS_IN_FLIGHT }, worker));
      for (const ref of refs.filter(wasInHand)) {
        if (this.stopping || this.faultUntil > Date.now()) break;
        await flushMoves(true);
        await one(ref);
      }
    } finally {
      await flushMoves(true);
    }
  }

  /**
   * A mail handled and moved by a process killed before it committed the
   * move stays "in hand" in the ledger: it is no longer in the inbox, so no
   * round meets it again. Such entries of this mailbox are noted as moved.
   */
  private async noteMovedElsewhere(refs: readonly MailRef[]): Promise<void> {
    const mailbox = this.source.mailboxName;
    const listed = new Set(refs.map((r) => ledgerKey(r.key)));
    const gone = (await this.store.read((tx) => tx.ledger.handledIn(mailbox))).filter((k) => !listed.has(k));
    if (gone.length > 0) await this.store.transact((tx) => tx.ledger.moved(gone, new Date().toISOString()));
  }

  /** Mails the last process left in hand (read once, at the first round). */
  private unfinished?: Set<string>;
  private faultUntil = 0;
  private faults = 0;
  private faultTimer?: NodeJS.Timeout;

  /**
   * The environment failed (a full disk, the store unreachable): no new mail
   * is taken until the next try, after a growing delay. An episode is told
   * once, at error level, with its cause; its retries are logged at debug,
   * and the status says since when the intake is paused and why.
   */
  fault(err: unknown): void {
    if (this.faultUntil > Date.now()) return;
    this.faults++;
    const delay = faultBackoffMs(this.faults);
    this.faultUntil = Date.now() + delay;
    const cause = describeFault(err);
    const since = this.status.fault?.since ?? new Date().toISOString();
    this.status.fault = { code: faultName(err), cause, since };
    this.status.connection = `paused: ${cause} since ${since}`;
    const fields = { fault: faultName(err), retryInMs: delay, err: this.audit.redact(errorMessage(err)) };
    if (this.faults === 1) this.log.error(fields, `${cause}: not taking new mail until it works again`);
    else this.log.debug(fields, 'the environment still fails; trying again later');
    if (this.faultTimer) clearTimeout(this.faultTimer);
    this.faultTimer = setTimeout(() => this.kick(), delay);
    this.faultTimer.unref();
    // Said where the operator looks, even when the store cannot take it (status reads the local copy then).
    void this.writeStatus();
  }

  /** Called after a mail went through: the environment works again. */
  private healed(): void {
    if (this.faults === 0) return;
    this.log.info({ after: this.faults, since: this.status.fault?.since }, 'the environment works again: taking mail');
    this.faults = 0;
    delete this.status.fault;
  }

  private async sendOutbox(): Promise<void> {
    try {
      await this.outbox.flush();
    } catch (err) {
      if (isEnvironmentFault(err)) this.fault(err);
      else this.log.warn({ err: errorMessage(err) }, 'outbox flush failed');
    }
  }

  private async writeStatus(): Promise<void> {
    // Paused until a mail goes through again (healed), not only until the next try.
    if (!this.stopping) this.status.connection = this.status.fault ? `paused: ${this.status.fault.cause} since ${this.status.fault.since}` : this.source.state();
    this.status.updatedAt = new Date().toISOString();
    await this.store.reportStatus({ ...this.status }).catch(() => undefined);
  }

  /** Finish the mails in hand, then close everything. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.outbox.stop();
    if (this.faultTimer) clearTimeout(this.faultTimer);
    for (const t of this.tasks) t.stop();
    while (this.running) await this.running;
    await Promise.all(this.jobRuns.values());
    await this.outbox.flush().catch(() => undefined);
    this.status.connection = 'stopped';
    await this.writeStatus();
    await this.source.close();
    this.transport.close();
    await this.audit.record({ action: 'daemon-stopped', outcome: 'info' });
  }
}
