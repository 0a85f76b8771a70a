/**
 * One writer per data directory. The lock file holds the owner's PID; a lock
 * whose process is gone is stale and taken over.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MailbotError } from '../core/errors.js';
import { FILE_MODE } from './files.js';

export interface DataLock {
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireDataLock(dataDir: string, purpose: string): Promise<DataLock> {
  const path = join(dataDir, 'mailbot.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', FILE_MODE);
      await handle.writeFile(JSON.stringify({ pid: process.pid, purpose, since: new Date().toISOString() }));
      await handle.close();
      return {
        release: async () => {
          await unlink(path).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder: { pid?: number; purpose?: string } = await readFile(path, 'utf8')
        .then((t) => JSON.parse(t) as { pid?: number; purpose?: string })
        .catch(() => ({}));
      if (holder.pid && alive(holder.pid) && holder.pid !== process.pid) {
        throw new MailbotError('DATA_LOCKED', `the data directory ${dataDir} is in use by process ${holder.pid} (${holder.purpose ?? 'unknown'}); stop it or use another --data directory`, { pid: holder.pid });
      }
      await unlink(path).catch(() => undefined); // stale: its process is gone
    }
  }
  throw new MailbotError('DATA_LOCKED', `could not lock ${dataDir}`);
}

export async function withDataLock<T>(dataDir: string, purpose: string, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireDataLock(dataDir, purpose);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
