/**
 * One daemon per data directory. The lock file holds the owner's PID and
 * start time (a later process with the same PID, after a reboot, is not it); it is
 * created whole (written to a private temporary file, then hard-linked into
 * place, which fails if the lock exists), so no process ever reads a lock
 * half written. A lock whose process is gone is stale: it is removed only
 * after re-reading it under a rename, so two processes cannot both take it.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MailbotError } from '../core/errors.js';
import { PROCESS_STARTED, processAlive } from './embedded/staging.js';
import { ensurePrivateDir, FILE_MODE } from './files.js';

export interface DataLock {
  release(): Promise<void>;
}

interface Holder {
  pid?: number;
  /** When the holder started (ms since the epoch): a process that has its pid but started later is not it. */
  started?: number;
  purpose?: string;
  token?: string;
}

const readHolder = (path: string): Promise<Holder | null> =>
  readFile(path, 'utf8').then(
    (t) => JSON.parse(t) as Holder,
    () => null,
  );

export async function acquireDataLock(dataDir: string, purpose: string): Promise<DataLock> {
  await ensurePrivateDir(dataDir);
  const path = join(dataDir, 'mailbot.lock');
  const token = randomBytes(8).toString('hex');
  const tmp = join(dataDir, `.mailbot.lock.${process.pid}.${token}`);
  await writeFile(tmp, JSON.stringify({ pid: process.pid, started: PROCESS_STARTED, purpose, token, since: new Date().toISOString() }), { mode: FILE_MODE, flag: 'wx' });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(tmp, path);
        return {
          release: async () => {
            const holder = await readHolder(path);
            if (holder?.token === token) await unlink(path).catch(() => undefined);
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = await readHolder(path);
      if (holder?.pid && holder.pid !== process.pid && processAlive(holder.pid, typeof holder.started === 'number' ? holder.started : undefined)) {
        throw new MailbotError('DATA_LOCKED', `the data directory ${dataDir} is in use by process ${holder.pid} (${holder.purpose ?? 'unknown'}); stop it or use another --data directory`, { pid: holder.pid });
      }
      // Stale: take it aside by renaming (only one process can), check it is still the stale one, drop it.
      const aside = `${path}.stale.${token}`;
      if (await rename(path, aside).then(() => true, () => false)) {
        const moved = await readHolder(aside);
        // A live lock slipped in between our read and the rename: put it back (never over another).
        if (moved && moved.token !== holder?.token) await link(aside, path).catch(() => undefined);
        await unlink(aside).catch(() => undefined);
      }
    }
    throw new MailbotError('DATA_LOCKED', `could not lock ${dataDir}`);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}
