/**
 * For the data lock race tests, a process that stays up and takes the
 * daemon lock when told, so that many trials race without paying Node's
 * start each time.
 *
 * `lock-racer.ts race`: each line on stdin ({"trial","dataDir","holdMs","log"})
 * is one attempt: take the lock, append {"ev":"held"} to the shared log,
 * work for holdMs, append {"ev":"released"}, release; or append
 * {"ev":"refused"}. The log is appended to (O_APPEND), so the kernel orders
 * its lines: two holders at once show as two "held" in a row. Prints "done"
 * after each attempt.
 *
 * `lock-racer.ts hold <dataDir>`: wait for a line on stdin, take the lock,
 * print "held", and keep it until killed.
 */
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { acquireDataLock } from '../../src/store/lock.js';

interface Attempt {
  trial: number;
  dataDir: string;
  holdMs: number;
  log: string;
}

const [mode = 'race', holdDir = ''] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin });

const note = (log: string, trial: number, ev: string, extra: Record<string, unknown> = {}) =>
  appendFileSync(log, `${JSON.stringify({ trial, pid: process.pid, ev, t: performance.timeOrigin + performance.now(), ...extra })}\n`);

if (mode === 'hold') {
  for await (const _ of lines) {
    await acquireDataLock(holdDir, 'holder');
    process.stdout.write('held\n');
    setInterval(() => undefined, 60_000);
    break;
  }
} else {
  for await (const line of lines) {
    const { trial, dataDir, holdMs, log } = JSON.parse(line) as Attempt;
    try {
      const lock = await acquireDataLock(dataDir, 'race');
      note(log, trial, 'held');
      await new Promise((r) => setTimeout(r, holdMs));
      note(log, trial, 'released');
      await lock.release();
    } catch (err) {
      const code = (err as { code?: string }).code;
      note(log, trial, code === 'DATA_LOCKED' ? 'refused' : 'error', { code, message: (err as Error).message });
    }
    process.stdout.write('done\n');
  }
}
