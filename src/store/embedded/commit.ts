/**
 * The journal half of an embedded commit: rewrites first (an erasure
 * changes recorded batches or drops ledger entries: the journal is copied to
 * a new file with the change, and the old one is shredded after the
 * commit), then the new lines, each at its journal's committed length. The
 * caller then writes the document that points to the new lengths: until it
 * does, none of this is visible.
 */
import { checkpointEntry, EMPTY_HEAD, GENESIS, sealEntries, type AuditSeal, type ChainHead } from '../../audit/chain.js';
import type { AuditEntry } from '../../audit/entry.js';
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

/**
 * The audit trail without its lines older than `cutoff` (only the run at its
 * start: the trail is in commit order), in a new file, and the checkpoint
 * that anchors the first line kept; undefined when no line is that old.
 */
async function pruneAudit(dataDir: string, from: JournalPointer, file: string, cutoff: string, head: ChainHead): Promise<{ pointer: JournalPointer; checkpoint: AuditEntry } | undefined> {
  for await (const line of readLines(dataDir, from.file, 0, from.length)) {
    if ((JSON.parse(line.text) as AuditEntry).time >= cutoff) return undefined;
    break;
  }
  if (from.length === 0) return undefined;
  let dropping = true;
  let dropped = 0;
  let anchor = GENESIS;
  let firstKept: number | undefined;
  const pointer = await rewrite(dataDir, from, file, (text) => {
    if (!dropping && firstKept !== undefined) return text;
    const e = JSON.parse(text) as AuditEntry;
    if (dropping && e.time < cutoff) {
      dropped += 1;
      if (e.mac) anchor = e.mac;
      return null;
    }
    dropping = false;
    if (typeof e.seq === 'number') firstKept ??= e.seq;
    return text;
  });
  return { pointer, checkpoint: checkpointEntry(new Date().toISOString(), firstKept ?? head.seq + 1, anchor, dropped, cutoff) };
}

export async function commitJournals(dataDir: string, doc: Doc, outs: readonly TxOutput[], seal: AuditSeal): Promise<JournalCommit> {
  const journals = { ...doc.journals };
  const retired: string[] = [];
  let rewroteBatches = false;

  const amendments = outs.flatMap((o) => o.amendments);
  if (amendments.length > 0) {
    const next = await rewrite(dataDir, journals.batches, `batches.${doc.commit}.jsonl`, (text) => {
      let b = JSON.parse(text) as BatchRecord;
      for (const a of amendments) {
        if (!a.ids.includes(b.id)) continue;
        if (a.drop) return null;
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
  const ledgerCutoff = outs.reduce<string | undefined>((c, o) => (o.ledgerPrune && (!c || o.ledgerPrune > c) ? o.ledgerPrune : c), undefined);
  if (forget.size > 0 || ledgerCutoff) {
    const next = await rewrite(dataDir, journals.ledger, `ledger.${doc.commit}.jsonl`, (text) => {
      const e = JSON.parse(text) as LedgerEntry;
      if (ledgerCutoff && e.updatedAt < ledgerCutoff) return null;
      return e.clientId !== undefined && forget.has(e.clientId) ? null : text;
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
  // The platform records written, each as committed (or its removal): platform-index.ts folds them.
  const platformLines = outs.flatMap((o) => o.platform).map((w) => JSON.stringify(w.record ? { k: w.key, r: w.record } : { k: w.key }));
  const platformPtr = journals.platform ?? { file: 'platform.jsonl', length: 0 };
  if (platformLines.length > 0 || journals.platform) journals.platform = { ...platformPtr, length: await writeLines(dataDir, platformPtr.file, platformPtr.length, platformLines) };
  const moved = outs.flatMap((o) => o.moved).map((e) => JSON.stringify(e));
  journals.ledger = { ...journals.ledger, length: await writeLines(dataDir, journals.ledger.file, journals.ledger.length, moved) };
  let audit = outs.flatMap((o) => o.audit);
  const head = doc.auditHead ?? EMPTY_HEAD;
  const cutoff = outs.reduce<string | undefined>((c, o) => (o.auditPrune && (!c || o.auditPrune > c) ? o.auditPrune : c), undefined);
  if (cutoff) {
    const pruned = await pruneAudit(dataDir, journals.audit, `audit.${doc.commit}.log`, cutoff, head);
    if (pruned) {
      retired.push(journals.audit.file);
      journals.audit = pruned.pointer;
      audit = [pruned.checkpoint, ...audit];
    }
  }
  const chained = sealEntries(seal, head, audit);
  journals.audit = { ...journals.audit, length: await writeLines(dataDir, journals.audit.file, journals.audit.length, chained.sealed.map((e) => JSON.stringify(e))) };

  const pid = process.pid;
  return {
    doc: { ...doc, journals, auditHead: chained.head, pending: { ...doc.pending, shred: [...doc.pending.shred, ...retired.map((name) => ({ pid, name }))] } },
    batchLines,
    rewroteBatches,
    retired,
  };
}
