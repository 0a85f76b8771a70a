/**
 * Inodes a process keeps for its next staged replies. Creating a file or a
 * folder is the costly part of staging a small reply (a new inode, and its
 * removal journaled once the reply is shredded), far more than writing its
 * few kilobytes. So a staging folder emptied by its promotion is kept, and
 * renamed to the next staging's id; the file of a sent reply, once zeroed,
 * is renamed into such a folder as a spare instead of being unlinked (and
 * not flushed: files.ts, shredFile, says why), and the next reply is written
 * over it and cut to its length.
 *
 * A spare holds only zeros, under a name no stored file can have (a leading
 * dot): promotion leaves it where it is. A folder kept here is one of this
 * process's staging folders like any other: a killed process leaves it to
 * the next, which shreds it as the orphan it is. Closing the store removes
 * what is kept.
 */
import { renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { shredTree } from '../files.js';

export const SPARE_PREFIX = '.spare-';

export const isSpare = (entry: string): boolean => entry.startsWith(SPARE_PREFIX);

/** A reply is a few kilobytes; a file bigger than this (a batch's PDF) is unlinked as before. */
export const SPARE_MAX_BYTES = 64 * 1024;

interface FreeFolder {
  root: string;
  spares: string[];
}

export class SparePool {
  private readonly free: FreeFolder[] = [];
  /** Staging folders this process made or handed out: only those come back here. */
  private readonly mine = new Set<string>();
  private counter = 0;

  /**
   * A daemon answering a burst has a few hundred replies queued: when they
   * are sent, their files wait here for the next ones. The kept folders
   * hold at most maxSpares (of SPARE_MAX_BYTES at most); the stagings in
   * progress carry the few left in the folder each took.
   */
  constructor(
    private readonly maxFolders = 64,
    private readonly maxSpares = 512,
  ) {}

  /**
   * A folder for a new staging at `root`: a kept one renamed there, with the
   * names of the spares in it; undefined when none is kept (the caller makes it).
   */
  takeFolder(root: string): string[] | undefined {
    for (let f = this.free.pop(); f; f = this.free.pop()) {
      try {
        renameSync(f.root, root);
      } catch {
        continue; // gone (a failed close, an operator's clean-up): the next, or a new folder
      }
      this.mine.add(root);
      return f.spares;
    }
    return undefined;
  }

  /** A staging folder this process made itself. */
  made(root: string): void {
    this.mine.add(root);
  }

  /**
   * A staging folder whose files were put in place, holding nothing but
   * these spares (promote checks). true: kept for the next staging; false:
   * the caller removes it.
   */
  giveFolder(root: string, spares: string[]): boolean {
    if (!this.mine.delete(root) || this.free.length >= this.maxFolders) return false;
    this.free.push({ root, spares });
    return true;
  }

  /** A staging folder discarded (its commit failed): it is shredded whole, never kept. */
  forget(root: string): void {
    this.mine.delete(root);
  }

  /**
   * Where a shredded small file may be renamed, in a kept folder, instead of
   * being unlinked; undefined when there is no room. The place is taken at
   * once: the caller renames into it before anything else runs.
   */
  spareSlot(bytes: number): string | undefined {
    if (bytes > SPARE_MAX_BYTES || this.keptSpares() >= this.maxSpares) return undefined;
    // Spread over the kept folders: each next staging should find one in the folder it takes.
    const f = this.free.reduce<FreeFolder | undefined>((best, x) => (best && best.spares.length <= x.spares.length ? best : x), undefined);
    if (!f) return undefined;
    const name = `${SPARE_PREFIX}${++this.counter}`;
    f.spares.push(name);
    return join(f.root, name);
  }

  /** A spare named by spareSlot that could not be made (the rename failed). */
  unslot(path: string): void {
    const f = this.free.find((x) => x.root === dirname(path));
    if (f) f.spares = f.spares.filter((s) => s !== basename(path));
  }

  /** Remove every kept folder and its spares (the store closes). */
  async drain(): Promise<void> {
    for (let f = this.free.pop(); f; f = this.free.pop()) await shredTree(f.root);
  }

  private keptSpares(): number {
    return this.free.reduce((n, f) => n + f.spares.length, 0);
  }
}
