/**
 * Temporary files a killed process leaves behind: a file written aside
 * before its rename (`.<pid>.<random>.tmp`, see files.ts) in the data
 * directory, the queue, the outbox or a mail folder, and a Maildir
 * delivery stopped in its `tmp/` folder. They may hold a reply or a mail,
 * so they are shredded at the next start, once their writer is known to be
 * gone (maildir(5): a `tmp/` file older than 36 hours is gone too).
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from './embedded/staging.js';
import { shredFile } from './files.js';

const ASIDE = /^\.(\d+)\.[0-9a-f]{12}\.tmp$/;
const DELIVERY = /P(\d+)\./;
const MAILDIR_TMP_MS = 36 * 3_600_000;

/** The writer `pid` is gone: not running, or the pid is now a process that started after the file was last written. */
const writerGone = (pid: number, mtimeMs: number): boolean => !processAlive(pid, mtimeMs);

async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [] as string[]);
}

/** The folders where such files can be: fixed places, and each Maildir folder under mailbox/. */
async function places(dataDir: string): Promise<{ asides: string[]; maildirTmp: string[] }> {
  const asides = [dataDir, join(dataDir, 'queue'), join(dataDir, 'outbox'), join(dataDir, 'secrets'), join(dataDir, 'mailbox')];
  const maildirTmp = [join(dataDir, 'mailbox', 'tmp')];
  for (const name of await names(join(dataDir, 'mailbox'))) {
    if (!name.startsWith('.') || ASIDE.test(name)) continue;
    const folder = join(dataDir, 'mailbox', name);
    if (!(await lstat(folder).catch(() => null))?.isDirectory()) continue;
    asides.push(folder);
    maildirTmp.push(join(folder, 'tmp'));
  }
  return { asides, maildirTmp };
}

/** Shred what dead writers left; returns how many files went. */
export async function sweepLeftovers(dataDir: string, now = Date.now()): Promise<number> {
  const { asides, maildirTmp } = await places(dataDir);
  let removed = 0;
  const shred = async (path: string) => {
    if (await shredFile(path).catch(() => false)) removed++;
  };
  for (const dir of asides) {
    for (const name of await names(dir)) {
      const m = ASIDE.exec(name);
      if (!m) continue;
      const st = await lstat(join(dir, name)).catch(() => null);
      if (st && writerGone(Number(m[1]), st.mtimeMs)) await shred(join(dir, name));
    }
  }
  for (const dir of maildirTmp) {
    for (const name of await names(dir)) {
      const path = join(dir, name);
      const st = await lstat(path).catch(() => null);
      if (!st?.isFile()) continue;
      // A delivery's own name (…P<pid>…), or a file written aside before it (.<pid>.<random>.tmp).
      const writer = ASIDE.exec(name) ?? DELIVERY.exec(name);
      const dead = writer ? writerGone(Number(writer[1]), st.mtimeMs) : false;
      if (dead || now - st.mtimeMs > MAILDIR_TMP_MS) await shred(path);
    }
  }
  return removed;
}
