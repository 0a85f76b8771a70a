/**
 * What the bot looks up in the batch journal, kept in memory: where each
 * batch's line is, which file hash each seller already sent (invariant 8),
 * which sellers name a buyer's address, and the highest number of each
 * series. Built once by streaming the journal, then kept up to date line by
 * line as commits add to it, so a lookup never reads the whole history.
 */
import type { BatchRecord } from '../../batch/types.js';
import { normaliseAddress } from '../invariants.js';

export interface LineRef {
  offset: number;
  length: number;
}

export class BatchIndex {
  /** The journal file indexed, and how far. */
  file = '';
  indexedTo = 0;
  readonly byId = new Map<string, LineRef>();
  readonly byFile = new Map<string, string>();
  readonly byClient = new Map<string, string[]>();
  readonly buyers = new Map<string, Set<string>>();
  /** `${clientId}\0${seriesKey}` → the highest sequence number recorded in a batch. */
  readonly maxSeq = new Map<string, number>();
  /** Batches with something left for the retention to remove, and their date. */
  readonly unminimized = new Map<string, string>();
  /** `${clientId}\0${number}` → the batches holding that number or referring to it (BG-3): the register's facts. */
  readonly byNumber = new Map<string, Set<string>>();
  /** Every batch: its seller and date (the register's retention). */
  readonly committed = new Map<string, { clientId: string; committedAt: string }>();
  invoices = 0;

  reset(file: string): void {
    this.file = file;
    this.indexedTo = 0;
    this.byId.clear();
    this.byFile.clear();
    this.byClient.clear();
    this.buyers.clear();
    this.maxSeq.clear();
    this.byNumber.clear();
    this.unminimized.clear();
    this.committed.clear();
    this.invoices = 0;
  }

  add(b: BatchRecord, at: LineRef): void {
    this.byId.set(b.id, at);
    this.committed.set(b.id, { clientId: b.clientId, committedAt: b.committedAt });
    this.byFile.set(fileKey(b.clientId, b.fileSha256), b.id);
    // Each seller's batches in the order of their date, then id (the PostgreSQL store's order): a batch
    // recorded after a later-dated one (a migration, a clock set back) takes its place from the end.
    const list = this.byClient.get(b.clientId);
    if (!list) this.byClient.set(b.clientId, [b.id]);
    else {
      const key = (id: string) => `${this.committed.get(id)?.committedAt ?? ''}\u0000${id}`;
      const mine = key(b.id);
      let i = list.length;
      while (i > 0 && key(list[i - 1] ?? '') > mine) i--;
      list.splice(i, 0, b.id);
    }
    for (const inv of b.invoices) {
      if (inv.buyerEmail) {
        const email = normaliseAddress(inv.buyerEmail);
        const sellers = this.buyers.get(email) ?? new Set<string>();
        sellers.add(b.clientId);
        this.buyers.set(email, sellers);
      }
      for (const n of [inv.number, ...(inv.preceding ?? []).map((p) => p.number)]) {
        const k = fileKey(b.clientId, n);
        const ids = this.byNumber.get(k);
        if (ids) ids.add(b.id);
        else this.byNumber.set(k, new Set([b.id]));
      }
      if (inv.series !== undefined && inv.seq !== undefined) {
        const k = `${b.clientId}\0${inv.series}`;
        if ((this.maxSeq.get(k) ?? 0) < inv.seq) this.maxSeq.set(k, inv.seq);
      }
    }
    this.invoices += b.invoices.length;
    if (b.minimizedAt) this.unminimized.delete(b.id);
    else this.unminimized.set(b.id, b.committedAt);
  }
}

export function fileKey(clientId: string, sha256: string): string {
  return `${clientId}\0${sha256}`;
}
