/**
 * Private files: everything the bot writes is readable by its own user only
 * (0600 files, 0700 folders it creates), and nothing under the data
 * directory is opened through a symbolic link (invariant 12): files are
 * opened with O_NOFOLLOW, and folders are checked with lstat, so a planted
 * link is refused and reported rather than written through, read or zeroed.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fdatasync, fstatSync, ftruncateSync, linkSync, lstatSync, openSync, readdirSync, readFile, readSync, renameSync, rmdirSync, unlinkSync, write as writeCallback, writeSync, type BigIntStats, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { MailbotError } from '../core/errors.js';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;
const { O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_RDWR, O_WRONLY } = constants;
/** The zeros written over a file's own blocks reach the disk; its size is the same, so no other metadata needs flushing. */
const fdatasyncFd = promisify(fdatasync);
const readFd = promisify(readFile) as (fd: number) => Promise<Buffer>;
const writeFd = promisify(writeCallback);

/**
 * Existing files up to this size (a reply, the store's document) are read
 * and overwritten with synchronous calls: on a local disk each takes
 * microseconds, less than a round trip through the thread pool, which the
 * daemon would otherwise make several times per mail. Creating a file stays
 * asynchronous: allocating an inode can take most of a millisecond (ext4
 * looks past recently deleted inodes), which the event loop must not wait
 * for. Bigger files and flushes to the disk (fsync) stay asynchronous too.
 */
export const SMALL_FILE_BYTES = 256 * 1024;

/** openSync, refusing a symbolic link (O_NOFOLLOW). */
export function openNoFollowSync(path: string, flags: number, mode?: number): number {
  try {
    return openSync(path, flags | O_NOFOLLOW, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw symlinkRefused(path);
    throw err;
  }
}

/** Write every byte of `data` at `position` of an open descriptor (writeSync may write less than asked). */
export function writeAllSync(fd: number, data: Uint8Array, position = 0): void {
  for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at, position + at);
}

/** The data directory: --data, else $MAILBOT_DATA, else ./data. */
export function resolveDataDir(option?: string): string {
  return resolve(option ?? process.env.MAILBOT_DATA ?? 'data');
}

export function symlinkRefused(path: string): MailbotError {
  return new MailbotError('SYMLINK_REFUSED', `${path} is a symbolic link: the bot never follows links in its data directory; remove it`, { path });
}

/** Folders this process already checked: a hot path (one reply per mail) skips the syscalls. */
const privateDirs = new Set<string>();

/** Set once the process umask is 077 (the command does it first): mkdir with 0700 then needs no chmod. */
let umaskPrivate = false;

export function setPrivateUmask(): void {
  process.umask(0o077);
  umaskPrivate = true;
}

/**
 * Make a folder (and its parents) if missing: a folder the bot creates is
 * 0700. A folder that exists keeps its mode (it may be the operator's, such
 * as the system's temporary folder given as --out). Below `root` (the data
 * directory), every existing component must be a real folder, not a link:
 * the operator may place the data directory itself behind a link, but
 * nothing inside it is followed.
 */
export async function ensurePrivateDir(dir: string, root?: string): Promise<void> {
  if (privateDirs.has(dir) && existsSync(dir)) return;
  const inside = root !== undefined && dir.startsWith(`${root}/`);
  const st = await (inside ? lstat(dir) : stat(dir)).catch(() => null);
  if (st) {
    if (st.isSymbolicLink()) throw symlinkRefused(dir);
    if (!st.isDirectory()) throw new MailbotError('NOT_A_FOLDER', `${dir} exists and is not a folder`, { path: dir });
  } else {
    const parent = dirname(dir);
    if (parent !== dir) await ensurePrivateDir(parent, root);
    await mkdir(dir, { mode: DIR_MODE }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    if (!umaskPrivate) await chmod(dir, DIR_MODE);
  }
  // Staging folders live for one commit: remembering them would only grow the set.
  if (!dir.includes('/.staging/')) privateDirs.add(dir);
}

/** Open an existing file for reading, refusing a symbolic link. */
export async function openNoFollow(path: string, write = false) {
  try {
    return await open(path, (write ? O_RDWR : O_RDONLY) | O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw symlinkRefused(path);
    throw err;
  }
}

/**
 * A descriptor to write an existing file with synchronous calls (see
 * SMALL_FILE_BYTES); a missing one is created first through the thread pool
 * (openForWriting), the only slow step, once.
 */
export async function openWritableSync(path: string, root?: string): Promise<number> {
  try {
    return openNoFollowSync(path, O_RDWR);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await (await openForWriting(path, root)).close();
  return openNoFollowSync(path, O_RDWR);
}

/** Open (or create, 0600) a file to write at chosen offsets, refusing a symbolic link. */
export async function openForWriting(path: string, root?: string) {
  await ensurePrivateDir(dirname(path), root);
  try {
    return await open(path, O_RDWR | O_CREAT | O_NOFOLLOW, FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw symlinkRefused(path);
    throw err;
  }
}

export async function readPrivateFile(path: string): Promise<Buffer> {
  const fd = openNoFollowSync(path, O_RDONLY);
  try {
    const size = fstatSync(fd).size;
    // A big file is read through the thread pool, from the descriptor already open.
    if (size > SMALL_FILE_BYTES) return await readFd(fd);
    const buf = Buffer.allocUnsafe(size);
    let at = 0;
    for (let n = 1; at < size && n > 0; at += n) n = readSync(fd, buf, at, size - at, null);
    return at === size ? buf : buf.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/** The same, synchronously: for small files read at start (the store document). */
export function isSymlinkSync(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Write through a new temporary file and rename, so a reader never sees half
 * a file and a killed process leaves the old file or the new one, never a
 * mix. The rename replaces a planted link itself, never its target. No
 * fsync: the guarantees hold for a process killed at any point (the page
 * cache survives it); power loss is left to the filesystem's ordering.
 */
export async function writePrivateFile(path: string, data: Uint8Array | string | readonly Uint8Array[], root?: string, options: { folderExists?: boolean } = {}): Promise<void> {
  // A caller that made the folder itself (a staging folder) spares the look at it.
  if (!options.folderExists) await ensurePrivateDir(dirname(path), root);
  const tmp = join(dirname(path), `.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, FILE_MODE);
  try {
    // Parts are written one after the other: a big message is never copied into one more buffer.
    if (Array.isArray(data)) for (const part of data as readonly Uint8Array[]) await handle.write(part);
    else await handle.writeFile(data as Uint8Array | string);
  } catch (err) {
    await handle.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  await rename(tmp, path);
}

/**
 * Replace a small file that changes at every commit (the store's document)
 * as atomically as writePrivateFile, without allocating an inode each time:
 * the content goes into a spare file, the current file is kept by a hard
 * link as the next spare, and the rename of the spare over the file is the
 * one atomic step; the version replaced is then overwritten with zeros.
 * A reader in another process may have that version open when it is
 * zeroed or rewritten: it must check that what it read is whole (the store's
 * document carries its commit number at both ends). Returns what the new
 * version's inode looks like (the store's stamp of its own write).
 */
export async function replaceKeepingInode(path: string, data: string, root?: string): Promise<BigIntStats> {
  const spare = join(dirname(path), `.${basename(path)}.spare`);
  const next = join(dirname(path), `.${basename(path)}.next`);
  unlinkIfPresent(next); // a link an interrupted replace left: never written through
  let fd = await openWritableSync(spare, root);
  // Never write into the live file: the spare must be an inode of its own.
  const mine = fstatSync(fd);
  if (mine.nlink !== 1 || lstatOrNull(path)?.ino === mine.ino || !mine.isFile()) {
    closeSync(fd);
    unlinkSync(spare);
    fd = await openWritableSync(spare, root);
  }
  let written: BigIntStats;
  try {
    // Written over the zeros in place, then cut to length: no block is freed and allocated again.
    const bytes = Buffer.from(data, 'utf8');
    writeAllSync(fd, bytes);
    ftruncateSync(fd, bytes.length);
    written = fstatSync(fd, { bigint: true });
  } finally {
    closeSync(fd);
  }
  let kept = false;
  try {
    linkSync(path, next);
    kept = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  renameSync(spare, path);
  if (kept) {
    renameSync(next, spare);
    // The version it replaced is overwritten with zeros now: only the live file holds data.
    const old = openNoFollowSync(spare, O_WRONLY);
    try {
      writeAllSync(old, Buffer.alloc(fstatSync(old).size));
    } finally {
      closeSync(old);
    }
  }
  return written;
}

function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Somewhere a shredded small file may be kept, zeroed, for reuse instead of being unlinked (embedded/spares.ts). */
export interface SpareKeeper {
  /** Where to rename a zeroed file of `bytes`, or undefined: unlink it. */
  spareSlot(bytes: number): string | undefined;
  unslot(path: string): void;
}

/**
 * Overwrite a file's bytes with zeros, flush them, then unlink it, so its
 * content does not linger in the free blocks of a simple filesystem (see the
 * README on what this cannot guarantee on journaling or copy-on-write file
 * systems and SSDs). A small file with no other link may go to `keeper`
 * instead, zeroed all the same. false when there was no file.
 */
export async function shredFile(path: string, keeper?: SpareKeeper): Promise<boolean> {
  const st = lstatOrNull(path);
  if (!st) return false;
  if (st.isSymbolicLink()) throw symlinkRefused(path);
  if (!st.isFile()) return false;
  const fd = openNoFollowSync(path, O_RDWR);
  try {
    const chunk = Buffer.alloc(Math.min(st.size, 1 << 20));
    // A small file is zeroed with one quick call (SMALL_FILE_BYTES), a big one through the thread pool.
    const small = st.size <= SMALL_FILE_BYTES;
    for (let at = 0; at < st.size; at += chunk.length) {
      const n = Math.min(chunk.length, st.size - at);
      if (small) writeAllSync(fd, chunk.subarray(0, n), at);
      else await writeFd(fd, chunk, 0, n, at);
    }
    // A file kept as a spare keeps its blocks: its zeros reach the disk with the kernel's write-back
    // (or the next reply is written over them first), and a power cut before that leaves the spare,
    // like a killed process does, to the next process, which shreds it. Only a file about to be unlinked needs its zeros on
    // the disk first: unlinking frees its blocks with whatever the disk still holds in them.
    const spare = keeper && st.nlink === 1 ? keeper.spareSlot(st.size) : undefined;
    if (spare !== undefined) {
      try {
        renameSync(path, spare);
        return true;
      } catch {
        keeper?.unslot(spare);
      }
    }
    await fdatasyncFd(fd);
  } finally {
    closeSync(fd);
  }
  unlinkSync(path);
  return true;
}

/** Shred every file under a folder, then remove the folders. Links are unlinked, never followed. */
export async function shredTree(dir: string): Promise<number> {
  const st = lstatOrNull(dir);
  if (!st) return 0;
  if (!st.isDirectory()) {
    if (st.isSymbolicLink()) {
      unlinkSync(dir);
      return 0;
    }
    return (await shredFile(dir)) ? 1 : 0;
  }
  let count = 0;
  // Listing and removing folders are single quick calls: made synchronously (see SMALL_FILE_BYTES).
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) count += await shredTree(path);
    else if (entry.isSymbolicLink()) unlinkSync(path);
    else if (await shredFile(path)) count++;
  }
  try {
    rmdirSync(dir);
  } catch {
    await rm(dir, { recursive: true, force: true });
  }
  return count;
}

/** lstat, or null when there is nothing there. */
export function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

export async function removeTree(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

/** Rename, making the target's folder first; refuses to move onto or through a link. */
export async function moveInto(from: string, to: string, root?: string): Promise<void> {
  await ensurePrivateDir(dirname(to), root);
  if (isSymlinkSync(to)) throw symlinkRefused(to);
  renameSync(from, to);
}
