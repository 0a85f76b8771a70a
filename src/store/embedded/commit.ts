/**
 * The journal half of an embedded commit: rewrites first (an erasure
 * changes recorded batches or drops ledger entries: the journal is copied to
 * a new file with the change, and the old one is shredded after the
 * commit), then the new lines, each at its journal's committed length. The
 * caller then writes the document that points to the new lengths: until it
 * does, none of this is visible.
 */
import { registerOnly, type BatchRecord } from '../../batch/types.js';
import type { LedgerEntry } from '../records.js';
import type { Doc, JournalPointer } from './doc.js';
import { readLines, writeLines } from './journal.js';
import type { TxOutput } from './tx.js';

export interface JournalCommit {
  doc: Doc;
  /** Where each new batch line went, for the index. */
  batchLines: { batch: BatchRecord; offset: number; length: number }[];
  rewroteBatches: boolean;
  /** Journal files replaced by a rewrite: shredded after the commit. */
  retired: string[];
}

/** Copy a journal to a new file through `map` (null drops the line); returns the new pointer. */
async function rewrite(dataDir: string, from: JournalPointer, file: string, map: (text: string) => string | null): Promise<JournalPointer> {
  const kept: string[] = [];
  let length = 0;
  for await (const line of readLines(dataDir, from.file, 0, from.length)) {
    const out = map(line.text);
    if (out === null) continue;
    kept.push(out);
    if (kept.length >= 1000) {
      length = await writeLines(dataDir, file, length, kept.splice(0));
    }
  }
  length = await writeLines(dataDir, file, length, kept);
  return { file, length };
}

export async function commitJournals(dataDir: string, doc: Doc, outs: readonly TxOutput[]): Promise<JournalCommit> {
  const journals = { ...doc.journals };
  const retired: string[] = [];
  let rewroteBatches = false;

  const amendments = outs.flatMap((o) => o.amendments);
  if (amendments.length > 0) {
    const next = await rewrite(dataDir, journals.batches, `batches.${doc.commit}.jsonl`, (text) => {
      let b = JSON.parse(text) as BatchRecord;
      for (const a of amendments) {
        if (!a.ids.includes(b.id)) continue;
        if (a.filesRemoved) b = { ...b, filesRemoved: [...new Set([...(b.filesRemoved ?? []), ...a.filesRemoved])] };
        if (a.minimizedAt) b = registerOnly(b, a.minimizedAt);
      }
      return JSON.stringify(b);
    });
    retired.push(journals.batches.file);
    journals.batches = next;
    rewroteBatches = true;
  }

  const forget = new Set(outs.flatMap((o) => o.forgetClients));
  if (forget.size > 0) {
    const next = await rewrite(dataDir, journals.ledger, `ledger.${doc.commit}.jsonl`, (text) => {
      const clientId = (JSON.parse(text) as LedgerEntry).clientId;
      return clientId !== undefined && forget.has(clientId) ? null : text;
    });
    retired.push(journals.ledger.file);
    journals.ledger = next;
  }

  const batchLines: JournalCommit['batchLines'] = [];
  const batchTexts: string[] = [];
  let at = journals.batches.length;
  for (const b of outs.flatMap((o) => o.batches)) {
    const text = JSON.stringify(b);
    const length = Buffer.byteLength(text) + 1;
    batchLines.push({ batch: b, offset: at, length });
    batchTexts.push(text);
    at += length;
  }
  journals.batches = { ...journals.batches, length: await writeLines(dataDir, journals.batches.file, journals.batches.length, batchTexts) };
  const moved = outs.flatMap((o) => o.moved).map((e) => JSON.stringify(e));
  journals.ledger = { ...journals.ledger, length: await writeLines(dataDir, journals.ledger.file, journals.ledger.length, moved) };
  const audit = outs.flatMap((o) => o.audit).map((e) => JSON.stringify(e));
  journals.audit = { ...journals.audit, length: await writeLines(dataDir, journals.audit.file, journals.audit.length, audit) };

  const pid = process.pid;
  return {
    doc: { ...doc, journals, pending: { ...doc.pending, shred: [...doc.pending.shred, ...retired.map((name) => ({ pid, name }))] } },
    batchLines,
    rewroteBatches,
    retired,
  };
}
