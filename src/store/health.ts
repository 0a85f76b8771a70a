/**
 * Whether the data directory can take a write now: a read-only volume or a
 * full disk is a fault of the environment that `mailbot status` shows, and
 * that the daemon checks before it says a disk fault is over.
 */
import { randomBytes } from 'node:crypto';
import { open, statfs, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Below this much free space a commit (a batch's PDFs, a journal line) may fail half way: the disk is called full. */
export const MIN_FREE_BYTES = 16 * 1024 * 1024;

export interface DataDirFault {
  /** The system's code: EROFS, ENOSPC, EACCES, EIO… */
  code: string;
  /** Bytes free for this user, when the volume could be asked. */
  freeBytes?: number;
}

/** Writes, flushes and removes a small private file; then asks the volume how much is free. */
export async function probeDataDir(dataDir: string): Promise<DataDirFault | undefined> {
  const path = join(dataDir, `.probe.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    // 'wx': a new file, never one planted there (nor a link followed).
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.write(Buffer.alloc(4096));
      await handle.sync();
    } finally {
      await handle.close();
      await unlink(path).catch(() => undefined);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { code: typeof code === 'string' ? code : 'EIO' };
  }
  const fs = await statfs(dataDir).catch(() => undefined);
  if (fs) {
    const freeBytes = Number(fs.bavail) * Number(fs.bsize);
    if (freeBytes < MIN_FREE_BYTES) return { code: 'ENOSPC', freeBytes };
  }
  return undefined;
}
