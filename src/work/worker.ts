/**
 * A worker thread of the pool (pool.ts): it runs one task at a time, by
 * name, and answers with its value or its error. Between tasks it keeps
 * only caches: the parsed fonts, the shaped words (facturx/pdfa/font.ts, at
 * most 8,000 words per font, names and designations among them) and the
 * compressed font objects of at most 64 glyph sets per font, in memory only.
 */
import { getPriority, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { MailbotError } from '../core/errors.js';
import { failpoint } from '../core/failpoints.js';
import { TASKS, type TaskName } from './tasks.js';

interface Request {
  id: number;
  task: TaskName;
  args: unknown;
}

/** An error as it crosses back: its stable code and message, enough to be the mail's recorded error. */
export interface WireError {
  name: string;
  code: string;
  message: string;
  details: Record<string, unknown>;
}

function wireError(err: unknown): WireError {
  if (err instanceof MailbotError) return { name: err.name, code: err.code, message: err.message, details: { ...err.details } };
  const e = err instanceof Error ? err : new Error(String(err));
  // A system error (EMFILE, ENOMEM…) keeps its code: the pool's side tells a fault of the machine from the mail's.
  const systemCode = (e as { code?: unknown }).code;
  return { name: e.name, code: 'WORK_FAILED', message: e.message, details: { ...(typeof systemCode === 'string' ? { systemCode } : {}), stack: (e.stack ?? '').split('\n').slice(0, 8).join('\n') } };
}

const port = parentPort;
if (!port) throw new Error('work/worker.ts runs as a worker thread only');

/**
 * Heavy work yields the CPU to the main thread: on a machine whose cores
 * are all drawing, the event loop must still read a server's answer the
 * moment it comes (a 250 read late is a reply sent twice after a kill) and
 * beat its lease. On Linux, a nice value set with pid 0 applies to the
 * calling thread only; elsewhere it would apply to the whole process, so
 * it is not set there.
 */
const NICER_BY = 10;
if (process.platform === 'linux') {
  try {
    setPriority(0, Math.min(19, getPriority(0) + NICER_BY));
  } catch {
    // A platform that refuses it: the worker runs at the process's priority.
  }
}

port.on('message', (req: Request) => {
  void (async () => {
    try {
      const run = TASKS[req.task] as (args: unknown) => Promise<{ value: unknown; transfer: ArrayBuffer[] }>;
      const { value, transfer } = await run(req.args);
      port.postMessage({ id: req.id, ok: true, value }, transfer);
    } catch (err) {
      const error = wireError(err);
      try {
        port.postMessage({ id: req.id, ok: false, error });
      } catch {
        port.postMessage({ id: req.id, ok: false, error: { ...error, details: {} } });
      }
    }
  })();
});
failpoint('worker-start');
port.postMessage({ ready: true });
