/**
 * An exclusive kernel lock (flock(2)) on an open file, with no native addon:
 * util-linux's flock(1), part of every Debian system, is handed the
 * descriptor and locks it. A flock lock belongs to the open file, which this
 * process shares with flock(1) and keeps after flock(1) exits, so the lock
 * stays with this process; the kernel drops it when the descriptor is closed
 * or the process ends, however it ends (kill -9 included). On NFS, Linux
 * turns it into a lock the server's other clients see (the descriptor must
 * be open for writing).
 */
import { spawn } from 'node:child_process';
import { MailbotError } from '../core/errors.js';

/** flock(1)'s exit status when the lock is held elsewhere (EX_TEMPFAIL), apart from its own failures. */
const HELD_ELSEWHERE = 75;

/** Lock `fd` exclusively without waiting: true when this process has it now, false when another holds it. */
export function lockExclusive(fd: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['--nonblock', '--exclusive', '--conflict-exit-code', String(HELD_ELSEWHERE), '3'], {
      stdio: ['ignore', 'ignore', 'pipe', fd],
    });
    let said = '';
    child.stderr?.on('data', (c: Buffer) => (said += c.toString()));
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'ENOENT'
          ? new MailbotError('DATA_LOCK_UNAVAILABLE', 'the flock command (util-linux) is needed to lock the data directory: install util-linux', { cause: err.code })
          : err,
      );
    });
    child.once('close', (status) => {
      if (status === 0) resolve(true);
      else if (status === HELD_ELSEWHERE) resolve(false);
      else reject(new MailbotError('DATA_LOCK_UNAVAILABLE', `flock could not lock the data directory (exit ${status}): ${said.trim()}`, { status }));
    });
  });
}
