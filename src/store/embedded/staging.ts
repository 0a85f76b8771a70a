/**
 * Staged files: written to a private folder of the process before the
 * commit (.staging/<pid>.<started>-<id>/, under their stored names), then
 * promoted to their place by renames after it. A folder whose process died is promoted
 * if its commit happened (the document lists it as pending) and shredded
 * otherwise. Folders and reply files are reused when a process can (see
 * spares.ts).
 */
import { randomUUID } from 'node:crypto';
import { closeSync, constants, ftruncateSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MailbotError } from '../../core/errors.js';
import { DIR_MODE, ensurePrivateDir, FILE_MODE, lstatOrNull, moveInto, openNoFollowSync, shredTree, SMALL_FILE_BYTES, writeAllSync } from '../files.js';
import type { Staging } from '../port.js';
import { isSpare, type SparePool } from './spares.js';

export const STAGING_DIR = '.staging';

/**
 * When this process started (ms since the epoch). With the pid, it tells
 * this process from an earlier one that had the same pid, such as a
 * container's PID 1 after a restart: that one's work is a dead process's
 * work, not ours. Staging ids begin with `<pid>.<started>-`.
 */
export const PROCESS_STARTED = Math.round(performance.timeOrigin);

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** A stored file's name: relative, plain segments, never ".." nor absolute. */
export function checkStoredName(name: string): string {
  const parts = name.split('/');
  if (parts.length === 0 || parts.length > 4 || !parts.every((p) => SEGMENT.test(p) && p !== '..')) {
    throw new MailbotError('BAD_FILE_NAME', `"${name}" is not a stored file name`);
  }
  return name;
}

export class LocalStaging implements Staging {
  readonly names: string[] = [];

  private constructor(
    readonly root: string,
    readonly id: string,
    /** Zeroed files in the folder, to be written over (spares.ts). */
    private readonly spares: string[],
    private readonly pool: SparePool | undefined,
  ) {}

  static async create(dataDir: string, pool?: SparePool): Promise<LocalStaging> {
    const id = `${process.pid}.${PROCESS_STARTED}-${randomUUID()}`;
    const root = join(dataDir, STAGING_DIR, id);
    // The id is new: its folder is made, not looked for (ensurePrivateDir checks the parents once per process).
    await ensurePrivateDir(join(dataDir, STAGING_DIR), dataDir);
    const kept = pool?.takeFolder(root);
    if (kept) return new LocalStaging(root, id, kept, pool);
    await mkdir(root, { mode: DIR_MODE });
    pool?.made(root);
    return new LocalStaging(root, id, [], pool);
  }

  /**
   * Written in place, as `pipe` does: the folder is this process's own and
   * nothing reads a staged file before its commit, so no temporary file and
   * rename are needed (a spare is written over, then cut to length).
   */
  async write(name: string, data: Uint8Array | string): Promise<void> {
    const path = this.path(name);
    const spare = this.reuseSpare(path);
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (spare && bytes.byteLength <= SMALL_FILE_BYTES) {
      // A spare is an existing file: a small write over it is a few system calls of microseconds
      // each, cheaper made at once than as trips through the thread pool (files.ts, SMALL_FILE_BYTES).
      const fd = openNoFollowSync(path, constants.O_WRONLY | constants.O_CREAT, FILE_MODE);
      try {
        writeAllSync(fd, bytes);
        ftruncateSync(fd, bytes.byteLength);
      } finally {
        closeSync(fd);
      }
    } else {
      const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, FILE_MODE);
      try {
        await handle.write(bytes);
        await handle.truncate(bytes.byteLength);
      } finally {
        await handle.close();
      }
    }
    if (!this.names.includes(name)) this.names.push(name);
  }

  read(name: string): Promise<Buffer> {
    return readFile(this.path(name));
  }

  async pipe(name: string, from: NodeJS.ReadableStream): Promise<number> {
    const path = this.path(name);
    this.reuseSpare(path);
    // Not truncated on opening: a spare is written over, then cut to length (no block freed and taken again).
    const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, FILE_MODE);
    let bytes = 0;
    // Streams give small chunks (a mail composer, a line at a time): written 64 KB at a time.
    let held: Buffer[] = [];
    let heldBytes = 0;
    const flush = async () => {
      if (heldBytes === 0) return;
      await handle.write(held.length === 1 ? (held[0] ?? Buffer.alloc(0)) : Buffer.concat(held, heldBytes));
      held = [];
      heldBytes = 0;
    };
    try {
      for await (const chunk of from) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        held.push(buf);
        heldBytes += buf.length;
        bytes += buf.length;
        if (heldBytes >= 65_536) await flush();
      }
      await flush();
      await handle.truncate(bytes);
    } finally {
      await handle.close();
    }
    if (!this.names.includes(name)) this.names.push(name);
    return bytes;
  }

  /** A spare of the folder becomes the file at `path`: true when it did (none, or gone: the file is to be made). */
  private reuseSpare(path: string): boolean {
    if (this.spares.length === 0 || lstatOrNull(path)) return false; // never renamed over a staged file: its bytes would not be zeroed
    const spare = this.spares.pop() ?? '';
    try {
      renameSync(join(this.root, spare), path);
      return true;
    } catch {
      return false; // a new file then
    }
  }

  /** Staged files lie flat in the staging folder ("/" written "~"): no folder to make per file. */
  path(name: string): string {
    return join(this.root, checkStoredName(name).replaceAll('/', '~'));
  }

  async discard(): Promise<void> {
    this.pool?.forget(this.root);
    await shredTree(this.root);
  }
}

/**
 * Every file of a staging folder moves to its stored name under the data
 * directory; the folder is then removed, unless it holds nothing but spares
 * and `keep` takes it with them (spares.ts).
 */
export async function promote(dataDir: string, stagingRoot: string, keep?: (root: string, spares: string[]) => boolean): Promise<number> {
  const st = lstatOrNull(stagingRoot);
  if (!st?.isDirectory()) return 0; // promoted already
  let moved = 0;
  const spares: string[] = [];
  let leftOver = false;
  for (const entry of readdirSync(stagingRoot, { withFileTypes: true })) {
    if (entry.isFile() && isSpare(entry.name)) {
      spares.push(entry.name);
      continue;
    }
    // The scratch of a failed write, a planted link: never followed, shredded with the folder.
    if (!entry.isFile()) {
      leftOver = true;
      continue;
    }
    const name = checkStoredName(entry.name.replaceAll('~', '/'));
    // Files made only to be attached (scratch/) are not stored.
    if (name.startsWith('scratch/')) {
      leftOver = true;
      continue;
    }
    await moveInto(join(stagingRoot, entry.name), join(dataDir, name), dataDir);
    moved++;
  }
  if (leftOver || !keep?.(stagingRoot, spares)) await shredTree(stagingRoot);
  return moved;
}

/** Staging folders of this data directory: their id and owning process (`<pid>-` in ids of older versions). */
export async function stagingFolders(dataDir: string): Promise<{ id: string; pid: number; started?: number; root: string }[]> {
  const dir = join(dataDir, STAGING_DIR);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.map((id) => {
    const [pid = '', started] = (id.split('-')[0] ?? '').split('.');
    return { id, pid: Number(pid), ...(started !== undefined ? { started: Number(started) } : {}), root: join(dir, id) };
  });
}

/**
 * When process `pid` started (ms since the epoch), from Linux's
 * /proc/<pid>/stat (field 22, in USER_HZ ticks since boot, a fixed 100 per
 * second for user space) and the boot time in /proc/stat (whole seconds, so
 * up to a second early). Undefined where there is no /proc.
 */
export function processStartedAt(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    bootTime ??= Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]) * 1000;
    const at = bootTime + ticks * 10;
    return Number.isFinite(at) ? at : undefined;
  } catch {
    return undefined;
  }
}

let bootTime: number | undefined;

/** Clock rounding and small adjustments: a process started within this of `started` may be the one meant. */
const START_SLACK_MS = 5000;

/**
 * Whether the process known to run at `started` (its start, or any time it
 * was seen running, such as a file's mtime; ms since the epoch) still runs:
 * the process that has the pid now must have started by then. After a
 * reboot or a restart, a dead daemon's pid can belong to any other program,
 * or to this very process (a container's PID 1), which must not keep its
 * lock or its pending work forever.
 */
export function processAlive(pid: number, started?: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  // This process's own start is known exactly: no slack.
  if (pid === process.pid) return started === undefined || started >= PROCESS_STARTED;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (started === undefined || !Number.isFinite(started)) return true;
  const at = processStartedAt(pid);
  return at === undefined || at <= started + START_SLACK_MS;
}

/** Shred a staging folder whose process died without committing it. */
export async function discardOrphan(root: string): Promise<void> {
  await shredTree(root);
}
