/**
 * A worker thread of the pool (pool.ts): it runs one task at a time, by
 * name, and answers with its value or its error. Between tasks it keeps
 * only caches: the parsed fonts and the shaped words (facturx/fonts.ts, at
 * most 4,000 runs of text, names and designations among them, in memory
 * only).
 */
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
