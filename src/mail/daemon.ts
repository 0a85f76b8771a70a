/**
 * The daemon: watches the source, takes each mail through the pipeline one
 * at a time, sends the outbox, and writes its status for `mailbot status`.
 * New mail is noticed by push (IDLE, or the Maildir watcher); a node-cron
 * poll is the safety net that also catches what arrived while disconnected.
 * SIGTERM/SIGINT let the current mail finish, then stop.
 */
import { join } from 'node:path';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { AuditTrail } from '../audit/trail.js';
import { recoverStaging } from '../batch/run.js';
import type { Config } from '../config/schema.js';
import { errorMessage } from '../core/errors.js';
import type { Store } from '../store/db.js';
import { writePrivateFile } from '../store/files.js';
import { digest, expireRequests } from '../gdpr/maintenance.js';
import { composeReply } from './compose.js';
import { Outbox, stageReply } from './outbox.js';
import type { Templates } from './templates.js';
import type { PendingMove, Pipeline } from './pipeline.js';

/** Handled mails are moved in groups of this many (one MOVE per folder). */
const MOVE_CHUNK = 50;
/** Mails handled at the same time. */
const MAILS_IN_FLIGHT = 8;
import type { MailSource } from './source.js';
import type { MailTransport } from './transport.js';

export interface DaemonStatus {
  pid: number;
  startedAt: string;
  source: string;
  transport: string;
  connection: string;
  lastPollAt?: string;
  lastMailAt?: string;
  updatedAt: string;
}

export class Daemon {
  private running?: Promise<void>;
  private again = false;
  private stopping = false;
  private cronTask?: ScheduledTask;
  private digestTask?: ScheduledTask;
  private outboxTimer?: NodeJS.Timeout;
  private readonly outbox: Outbox;
  private readonly status: DaemonStatus;

  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly source: MailSource,
    private readonly transport: MailTransport,
    private readonly pipeline: Pipeline,
    private readonly audit: AuditTrail,
    private readonly log: Logger,
    private readonly templates: Templates,
  ) {
    this.outbox = new Outbox(store, transport, source, audit, log);
    const now = new Date().toISOString();
    this.status = { pid: process.pid, startedAt: now, source: source.description, transport: transport.name, connection: 'starting', updatedAt: now };
  }

  async start(): Promise<void> {
    const recovered = await recoverStaging(this.store);
    const orphans = await Outbox.removeOrphans(this.store);
    if (recovered.completed + recovered.discarded + orphans > 0) this.log.info({ ...recovered, orphanReplies: orphans }, 'recovered after an interrupted run');
    await this.audit.touch();
    await this.audit.record({ action: 'daemon-started', outcome: 'info', details: { source: this.source.name, transport: this.transport.name } });
    this.source.onActivity(() => this.kick());
    await this.source.open();
    this.cronTask = cron.schedule(this.config.pollCron, () => this.kick(), { noOverlap: true });
    this.digestTask = cron.schedule(this.config.gdpr.digestCron, () => void this.maintenance(true), { noOverlap: true });
    this.outboxTimer = setInterval(() => void this.sendOutbox(), 2_000);
    this.kick();
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
      try {
        const refs = await this.source.list();
        this.status.lastPollAt = new Date().toISOString();
        let pending: PendingMove[] = [];
        const queue = [...refs];
        // A few mails in flight: each waits on the servers more than on the CPU. Mails are
        // independent; invoice batches take a lock of their own (handlers/invoice.ts).
        const worker = async () => {
          for (let ref = queue.shift(); ref && !this.stopping; ref = queue.shift()) {
            const move = await this.pipeline.process(this.source, ref);
            if (move) pending.push(move);
            this.status.lastMailAt = new Date().toISOString();
            void this.sendOutbox(); // replies leave while the next mails are read
            if (pending.length >= MOVE_CHUNK) {
              const chunk = pending;
              pending = [];
              await this.pipeline.moveAll(this.source, chunk);
            }
          }
        };
        try {
          await Promise.all(Array.from({ length: MAILS_IN_FLIGHT }, worker));
        } finally {
          await this.pipeline.moveAll(this.source, pending);
        }
      } catch (err) {
        this.log.warn({ err: errorMessage(err) }, 'mailbox poll failed; will retry');
      }
      await this.maintenance(false);
      void this.sendOutbox(); // replies go out while the next round reads the mailbox
      await this.writeStatus();
    } while (this.again && !this.stopping);
  }

  /** Close rights requests whose code expired; with `withDigest`, mail the operator the deadlines. */
  async maintenance(withDigest: boolean): Promise<void> {
    try {
      const now = new Date();
      await expireRequests(this.store, this.audit, now);
      const draft = withDigest ? digest(this.store, this.config, now) : null;
      if (!draft) return;
      const mail = await composeReply(undefined, draft, { botAddress: this.config.botAddress, botName: this.config.botName }, this.templates);
      const entry = await stageReply(this.store.dataDir, mail, { kind: draft.kind });
      await this.store.update((d) => {
        d.outbox.push(entry);
      });
      await this.audit.record({ action: 'digest-sent', outcome: 'ok', details: { kind: draft.kind } });
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'rights requests maintenance failed');
    }
  }

  private async sendOutbox(): Promise<void> {
    try {
      await this.outbox.flush();
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'outbox flush failed');
    }
  }

  private async writeStatus(): Promise<void> {
    if (!this.stopping) this.status.connection = this.source.state();
    this.status.updatedAt = new Date().toISOString();
    await writePrivateFile(join(this.store.dataDir, 'status.json'), JSON.stringify(this.status, null, 2)).catch(() => undefined);
  }

  /** Finish the current mail, then close everything. */
  async stop(): Promise<void> {
    this.stopping = true;
    void this.cronTask?.stop();
    void this.digestTask?.stop();
    if (this.outboxTimer) clearInterval(this.outboxTimer);
    while (this.running) await this.running;
    await this.outbox.flush().catch(() => undefined);
    this.status.connection = 'stopped';
    await this.writeStatus();
    await this.source.close();
    this.transport.close();
    await this.audit.record({ action: 'daemon-stopped', outcome: 'info' });
    await this.audit.close();
  }
}
