/**
 * A pool of worker threads for the heavy, pure steps of a batch (tasks.ts):
 * CSV reading and validation, computation, XML, self-check, PDF. The main
 * thread keeps the I/O, the store and the mail protocols, so a loaded batch
 * never delays a lease beat or a reply, and a batch's invoices are drawn on
 * every core.
 *
 * Each worker has its own heap with a hard cap (resourceLimits). A task that
 * exhausts it, throws or outlives its time is that task's error, returned to
 * its caller with a stable code (invariant 23: only an error observed while
 * a mail's own work ran is charged to the mail); the worker is replaced and
 * the next task runs on a fresh one. A worker that cannot start (before it
 * says it is ready) fails its task with WORK_UNAVAILABLE: a fault of the
 * environment, charged to no mail (mail/faults.ts). Workers start, all of them, at the first
 * task and are reused; an idle pool does not keep the process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import { MailbotError, SelfCheckError } from '../core/errors.js';
import type { TaskArgs, TaskName, TaskValue } from './tasks.js';
import type { WireError } from './worker.js';

/** Where the heavy steps run: threads of a pool, or the calling thread (inline.ts). */
export interface Work {
  /** How many tasks may usefully run at once. */
  readonly parallelism: number;
  run<N extends TaskName>(task: N, args: TaskArgs<N>, transfer?: ArrayBuffer[]): Promise<TaskValue<N>>;
  close(): Promise<void>;
}

export interface PoolOptions {
  /** Worker threads; by default one per core. */
  threads?: number;
  /** Cap of each worker's heap (V8 old generation), in MB. */
  memoryMb: number;
  /** A task still running after this long is stopped and fails. */
  taskSeconds: number;
  /** Told when a worker is lost and replaced (its task already failed with the cause). */
  onWorkerLost?: (err: MailbotError) => void;
}

/** One worker per core, at most eight: beyond, the main thread's I/O is the limit. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

interface Job {
  id: number;
  task: TaskName;
  args: unknown;
  transfer: ArrayBuffer[];
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

interface Slot {
  worker: Worker;
  /** The worker said it is ready: a loss before that is the environment's, not the task's. */
  ready: boolean;
  job?: Job;
  timer?: NodeJS.Timeout;
  /** Set once the worker died or was stopped: its task failed with this, the slot is replaced. */
  lost?: MailbotError;
}

/** A task's error made again on this side of the thread boundary, with its code. */
function revive(e: WireError): MailbotError {
  if (e.code === 'SELF_CHECK_FAILED') return new SelfCheckError(typeof e.details.invoiceRef === 'string' ? e.details.invoiceRef : '', (e.details.violations as string[] | undefined) ?? []);
  const err = new MailbotError(e.code, e.message, e.details);
  err.name = e.name;
  return err;
}

/**
 * Each worker's heap: `memoryMb` of old generation, and a young generation of
 * 16 MB (32 MB drew ~7 % faster in npm run bench but took the 1,000-invoice
 * batch past 300 MB RSS). Exported for the bench, which measures work under
 * the same limits.
 */
export function workerLimits(memoryMb: number): ResourceLimits {
  return { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 };
}

/** The worker's entry: compiled JavaScript beside this file, or the TypeScript source through tsx. */
function startWorker(resourceLimits: ResourceLimits): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);
  // Compiled, a worker needs no flag of the process (its heap is capped by resourceLimits), nor a loader it may have.
  if (!fromSource) return new Worker(entry, { resourceLimits, execArgv: [] });
  // A worker does not inherit a loader registered at run time (bin/mailbot.js does so from source): it registers its own.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, resourceLimits });
}

/** How long a worker may take to load its modules and fonts before it is taken as unable to start. */
const WORKER_START_SECONDS = 60;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class WorkerPool implements Work {
  readonly parallelism: number;
  private readonly slots: (Slot | undefined)[];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: PoolOptions) {
    this.parallelism = Math.max(1, options.threads ?? defaultThreads());
    this.slots = Array.from({ length: this.parallelism }, () => undefined);
  }

  run<N extends TaskName>(task: N, args: TaskArgs<N>, transfer: ArrayBuffer[] = []): Promise<TaskValue<N>> {
    if (this.closed) return Promise.reject(new MailbotError('WORK_POOL_CLOSED', 'the worker pool is closed'));
    return new Promise<TaskValue<N>>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, args, transfer, resolve: resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every worker; tasks still queued or running fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new MailbotError('WORK_POOL_CLOSED', 'the worker pool closed before the task ran'));
    await Promise.all(
      this.slots.map(async (slot, i) => {
        this.slots[i] = undefined;
        if (!slot) return;
        clearTimeout(slot.timer);
        // Marked lost first: the exit that terminate() causes is no worker lost.
        slot.lost = new MailbotError('WORK_POOL_CLOSED', 'the worker pool closed while the task ran');
        slot.job?.reject(slot.lost);
        slot.job = undefined;
        await slot.worker.terminate();
      }),
    );
  }

  /**
   * Hands queued tasks to idle workers. Never throws: it runs from event listeners, where a throw would end the process.
   * With work to do, every slot gets its worker: the ones without a task yet start (load their modules) while the
   * first tasks run, so that a batch's drawing, which follows its reading, finds them ready.
   */
  private dispatch(): void {
    if (this.queue.length === 0) return;
    for (let i = 0; i < this.slots.length && this.queue.length > 0; i++) {
      let slot = this.slots[i];
      if (!slot) {
        try {
          slot = this.slots[i] = this.spawn(i);
        } catch (err) {
          // No worker can be made (a broken install, no memory): the queued tasks fail, a fault of the environment.
          const cause = new MailbotError('WORK_UNAVAILABLE', `a worker thread cannot start: ${message(err)}`);
          for (const job of this.queue.splice(0)) job.reject(cause);
          return;
        }
      }
      if (slot.job) continue;
      const job = this.queue.shift();
      if (!job) break;
      const taken = slot;
      taken.job = job;
      taken.worker.ref(); // a task in flight keeps the process alive; an idle worker does not
      // The task's time runs from when its worker is ready: starting a worker is not the task's doing.
      this.arm(i, taken);
      try {
        taken.worker.postMessage({ id: job.id, task: job.task, args: job.args }, job.transfer);
      } catch (err) {
        // Arguments that cannot cross (a value structured clone refuses): that task's error; the worker stays.
        clearTimeout(taken.timer);
        taken.job = undefined;
        taken.worker.unref();
        job.reject(new MailbotError('WORK_FAILED', `the ${job.task} task's arguments cannot be sent to a worker: ${message(err)}`));
      }
    }
    for (let i = 0; i < this.slots.length; i++) {
      if (this.slots[i]) continue;
      try {
        this.slots[i] = this.spawn(i);
      } catch {
        return; // the next task that finds no worker fails with the cause
      }
    }
  }

  /**
   * The clock of the slot's task: the task's time limit once the worker is
   * ready; before, the time a worker may take to start, past which it is
   * the environment that fails.
   */
  private arm(i: number, slot: Slot): void {
    clearTimeout(slot.timer);
    const job = slot.job;
    if (!job) return;
    slot.timer = slot.ready
      ? setTimeout(() => this.lose(i, slot, new MailbotError('WORK_TIMEOUT', `the ${job.task} task ran longer than ${this.options.taskSeconds} s and was stopped`)), this.options.taskSeconds * 1000)
      : setTimeout(() => this.lose(i, slot, new MailbotError('WORK_UNAVAILABLE', `a worker thread did not start within ${WORKER_START_SECONDS} s`)), WORKER_START_SECONDS * 1000);
  }

  private spawn(i: number): Slot {
    const worker = startWorker(workerLimits(this.options.memoryMb));
    worker.unref();
    const slot: Slot = { worker, ready: false };
    worker.on('message', (msg: { id?: number; ready?: boolean; ok?: boolean; value?: unknown; error?: WireError }) => {
      if (msg.ready) {
        slot.ready = true;
        this.arm(i, slot);
        return;
      }
      const job = slot.job;
      if (msg.id === undefined || !job || msg.id !== job.id) return;
      clearTimeout(slot.timer);
      slot.job = undefined;
      worker.unref();
      if (msg.ok) job.resolve(msg.value);
      else job.reject(revive(msg.error ?? { name: 'Error', code: 'WORK_FAILED', message: 'the task failed', details: {} }));
      this.dispatch();
    });
    worker.on('error', (err: Error & { code?: string }) => {
      const lost = !slot.ready
        ? new MailbotError('WORK_UNAVAILABLE', `a worker thread failed to start: ${err.message}`)
        : err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new MailbotError('WORKER_OUT_OF_MEMORY', `the ${slot.job?.task ?? 'worker'} task needed more than the worker's ${this.options.memoryMb} MB of memory`)
          : new MailbotError('WORKER_FAILED', `the worker thread failed: ${err.message}`);
      this.lose(i, slot, lost);
    });
    // An answer that cannot be read back: that task's error, and a fresh worker next time.
    worker.on('messageerror', (err) => this.lose(i, slot, new MailbotError('WORKER_FAILED', `a worker's answer cannot be read: ${err.message}`)));
    worker.on('exit', (code) => this.lose(i, slot, slot.ready ? new MailbotError('WORKER_EXITED', `the worker thread exited (code ${code})`) : new MailbotError('WORK_UNAVAILABLE', `a worker thread exited before it was ready (code ${code})`)));
    return slot;
  }

  /** The worker of slot `i` is gone or is stopped: its task fails with the cause, a fresh worker takes the slot. */
  private lose(i: number, slot: Slot, cause: MailbotError): void {
    if (slot.lost) return;
    slot.lost = cause;
    clearTimeout(slot.timer);
    const job = slot.job;
    slot.job = undefined;
    if (this.slots[i] === slot) this.slots[i] = undefined;
    void slot.worker.terminate();
    if (job) {
      job.reject(cause);
      this.options.onWorkerLost?.(cause);
    }
    if (!this.closed) this.dispatch();
  }
}

/** The pool as the configuration sets it; a lost worker is logged (its task already failed with the cause). */
export function workerPool(config: Pick<Config, 'work'>, log?: { warn(obj: object, msg: string): void }): WorkerPool {
  return new WorkerPool({
    ...(config.work.threads ? { threads: config.work.threads } : {}),
    memoryMb: config.work.workerMemoryMb,
    taskSeconds: config.work.taskSeconds,
    onWorkerLost: (err) => log?.warn({ code: err.code, err: err.message }, 'a worker thread was lost and replaced; its task failed'),
  });
}

/** Runs the tasks on the calling thread: for one-off commands and tests of the pure steps. */
export class InlineWork implements Work {
  readonly parallelism = 1;

  async run<N extends TaskName>(task: N, args: TaskArgs<N>): Promise<TaskValue<N>> {
    const { TASKS } = await import('./tasks.js');
    const fn = TASKS[task] as (a: unknown) => Promise<{ value: unknown }>;
    return (await fn(args)).value as TaskValue<N>;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
