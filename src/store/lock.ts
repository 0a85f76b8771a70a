/**
 * One daemon per data directory. The lock is the kernel's: an exclusive
 * flock on `mailbot.lock` (see flock.ts). Of several processes trying at
 * once, the kernel lets exactly one have it, and it drops it when that
 * process ends, kill -9 included: a lock is never stale, so nothing decides
 * that it is and takes it over (the step where two processes could both
 * win).
 *
 * The file's text says who holds it (pid, start time, purpose), for the
 * operator and for the message that refuses a second daemon. A holder
 * writes it once locked and removes the file when it lets go, while still
 * locked; a process that opened the file before that removal and then gets
 * its lock finds the name no longer leads to it, and starts again.
 *
 * A file naming a running process that holds no kernel lock is a lock taken
 * by an earlier version (by the file alone): that process is still running,
 * so the directory is refused. Judged by pid and start time, as that version
 * did: a dead process's pid now used by another program is not it.
 */
import { closeSync, constants, fstatSync, ftruncateSync, readSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { MailbotError } from '../core/errors.js';
import { PROCESS_STARTED, processAlive } from './embedded/staging.js';
import { ensurePrivateDir, FILE_MODE, openNoFollowSync, writeAllSync } from './files.js';
import { lockExclusive } from './flock.js';

export interface DataLock {
  release(): Promise<void>;
}

interface Holder {
  pid?: number;
  /** When the holder started (ms since the epoch): a process that has its pid but started later is not it. */
  started?: number;
  purpose?: string;
}

const LOCK_FILE = 'mailbot.lock';

/** Tries when the file keeps being removed between our open and our lock (holders coming and going). */
const ATTEMPTS = 5;

export async function acquireDataLock(dataDir: string, purpose: string): Promise<DataLock> {
  await ensurePrivateDir(dataDir);
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    // Open for writing: on NFS an exclusive lock needs it.
    const fd = openNoFollowSync(path, constants.O_RDWR | constants.O_CREAT, FILE_MODE);
    let kept = false;
    try {
      if (!(await lockExclusive(fd))) throw refusal(dataDir, await readHolder(path));
      if (!namesFile(path, fd)) continue;
      const previous = parseHolder(readText(fd));
      if (previous?.pid && previous.pid !== process.pid && processAlive(previous.pid, typeof previous.started === 'number' ? previous.started : undefined)) {
        throw refusal(dataDir, previous);
      }
      writeHolder(fd, { pid: process.pid, started: PROCESS_STARTED, purpose, since: new Date().toISOString() });
      kept = true;
      let released = false;
      return {
        release: () => {
          // Once only: a second close could close a descriptor the process has reused since.
          if (!released) release(path, fd);
          released = true;
          return Promise.resolve();
        },
      };
    } finally {
      if (!kept) closeSync(fd);
    }
  }
  throw new MailbotError('DATA_LOCKED', `could not lock ${dataDir}: its lock file kept changing; try again`);
}

function refusal(dataDir: string, holder: Holder | null): MailbotError {
  const who = holder?.pid ? `process ${holder.pid} (${holder.purpose ?? 'unknown'})` : 'another process';
  return new MailbotError('DATA_LOCKED', `the data directory ${dataDir} is in use by ${who}; stop it or use another --data directory`, holder?.pid ? { pid: holder.pid } : {});
}

/** Remove the file (still locked, and only if the name still leads to our file), then let the kernel lock go. */
function release(path: string, fd: number): void {
  try {
    if (namesFile(path, fd)) unlinkSync(path);
  } catch {
    // Already gone: nothing names a holder.
  } finally {
    closeSync(fd);
  }
}

/** Whether `path` is the file open on `fd` (a holder may have removed it since we opened it). */
function namesFile(path: string, fd: number): boolean {
  try {
    const open = fstatSync(fd);
    const named = statSync(path);
    return open.ino === named.ino && open.dev === named.dev && open.nlink > 0;
  } catch {
    return false;
  }
}

const MAX_TEXT = 4096;

function readText(fd: number): string {
  const buf = Buffer.alloc(MAX_TEXT);
  const n = readSync(fd, buf, 0, MAX_TEXT, 0);
  return buf.subarray(0, n).toString('utf8');
}

function parseHolder(text: string): Holder | null {
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * Written over the old text in one write, padded with spaces JSON ignores,
 * then cut to length: a reader sees the old text or the new, never an empty
 * file between the two.
 */
function writeHolder(fd: number, holder: Holder & { since: string }): void {
  const text = JSON.stringify(holder);
  const old = fstatSync(fd).size;
  writeAllSync(fd, Buffer.from(text.padEnd(old, ' ')), 0);
  ftruncateSync(fd, Buffer.byteLength(text));
}

/** The holder named in the file, for the refusal message; read again once if caught mid-write. */
async function readHolder(path: string): Promise<Holder | null> {
  for (let tries = 0; ; tries++) {
    const text = readPath(path);
    const holder = text === undefined ? null : parseHolder(text);
    if (holder || text === undefined || tries >= 1) return holder;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function readPath(path: string): string | undefined {
  try {
    const fd = openNoFollowSync(path, constants.O_RDONLY);
    try {
      return readText(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}
