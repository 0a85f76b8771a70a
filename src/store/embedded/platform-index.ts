/**
 * The platform records of the embedded store (platform/records.ts), kept in
 * an append-only journal (`platform.jsonl`): each line is a record as a
 * commit left it, or its removal. The document only points to the committed
 * length, so a commit costs the lines it adds, never a rewrite of every
 * record; the index below folds the journal into the latest record per
 * invoice, built once per process by streaming it, then by tail.
 */
import type { PlatformFlow } from '../../platform/records.js';

export interface PlatformLine {
  /** flowKey(clientId, number) */
  k: string;
  /** The record as committed; absent when it was removed. */
  r?: PlatformFlow;
}

export class PlatformIndex {
  file = '';
  indexedTo = 0;
  readonly records = new Map<string, PlatformFlow>();

  reset(file: string): void {
    this.file = file;
    this.indexedTo = 0;
    this.records.clear();
  }

  apply(text: string): void {
    const line = JSON.parse(text) as PlatformLine;
    if (line.r) this.records.set(line.k, line.r);
    else this.records.delete(line.k);
  }
}
