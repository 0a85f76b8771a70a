/**
 * The file-system calls the commit lock (proper-lockfile) makes, done
 * synchronously: making, looking at, touching and removing the lock's
 * folder are each one quick call on a local directory (files.ts,
 * SMALL_FILE_BYTES), and a busy daemon takes the lock for most of its
 * commits. Through the thread pool, each one cost a round trip to it. The
 * callbacks still run on a later tick, as proper-lockfile expects.
 */
import { mkdirSync, realpathSync, rmdirSync, statSync, utimesSync, type Stats } from 'node:fs';

type Done<T = void> = (err: NodeJS.ErrnoException | null, value?: T) => void;

function later<T>(done: Done<T>, call: () => T): void {
  let value: T;
  try {
    value = call();
  } catch (err) {
    process.nextTick(done, err);
    return;
  }
  process.nextTick(done, null, value);
}

/** proper-lockfile's `fs` option: one instance (it caches the file system's mtime precision on it). */
export const lockFs = {
  realpath: (path: string, done: Done<string>) => later(done, () => realpathSync(path)),
  mkdir: (path: string, done: Done) => later(done, () => void mkdirSync(path)),
  rmdir: (path: string, done: Done) => later(done, () => rmdirSync(path)),
  rmdirSync: (path: string) => rmdirSync(path),
  stat: (path: string, done: Done<Stats>) => later(done, () => statSync(path)),
  utimes: (path: string, atime: Date, mtime: Date, done: Done) => later(done, () => utimesSync(path, atime, mtime)),
};
