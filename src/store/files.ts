/**
 * Private files: everything the bot writes is readable by its own user only
 * (0600 files, 0700 folders), whatever the process umask says.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** The data directory: --data, else $MAILBOT_DATA, else ./data. */
export function resolveDataDir(option?: string): string {
  return resolve(option ?? process.env.MAILBOT_DATA ?? 'data');
}

/** Folders this process already made private: a hot path (one reply file per mail) skips the syscalls. */
const privateDirs = new Set<string>();

export async function ensurePrivateDir(dir: string): Promise<void> {
  if (privateDirs.has(dir) && existsSync(dir)) return;
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  await chmod(dir, DIR_MODE);
  privateDirs.add(dir);
}

/**
 * Write through a temporary file and rename, so a reader never sees half a
 * file and a crashed process leaves the old file or the new one, never a mix.
 * No fsync: the guarantees hold for a process killed at any point (the page
 * cache survives it); power loss is left to the filesystem's ordering.
 */
export async function writePrivateFile(path: string, data: Uint8Array | string): Promise<void> {
  await ensurePrivateDir(dirname(path));
  const tmp = join(dirname(path), `.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'w', FILE_MODE);
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

export async function removeTree(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
