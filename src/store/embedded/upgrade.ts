/**
 * From the first format (everything, history included, in mailbot.json) to
 * the current one: batches move to batches.jsonl, lists become keyed
 * collections, the counters of `mailbot status` are computed once from the
 * history. Runs under the store lock; the write of the new document is the
 * commit, so an interrupted upgrade simply runs again. No copy of the old
 * document is kept: it would hold personal data past every retention.
 */
import { readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchRecord } from '../../batch/types.js';
import { readPrivateFile, shredTree, writePrivateFile } from '../files.js';
import type { LedgerEntry } from '../records.js';
import { emptyDoc, parseDoc, type Doc, type JournalPointer } from './doc.js';
import { readLines, writeLines } from './journal.js';

/** A journal file of the first format: committed up to its last complete line. */
async function adoptJournal(dataDir: string, file: string, onLine: (text: string) => void): Promise<JournalPointer> {
  const st = await stat(join(dataDir, file)).catch(() => null);
  if (!st) return { file, length: 0 };
  let length = 0;
  for await (const line of readLines(dataDir, file, 0, st.size)) {
    onLine(line.text);
    length = line.offset + line.length;
  }
  return { file, length };
}

export async function upgradeLegacy(dataDir: string, docPath: string): Promise<void> {
  const text = (await readPrivateFile(docPath)).toString('utf8');
  const parsed = parseDoc(docPath, text);
  if (!('upgradeFrom' in parsed)) return;
  const legacy = parsed.data;
  const doc: Doc = emptyDoc();
  for (const c of legacy.clients) doc.clients[c.id] = c;
  doc.series = legacy.sequences;
  for (const r of legacy.requests) {
    doc.requests[r.ref] = r;
    const [, year, seq] = /^RGPD-(\d{4})-(\d+)$/.exec(r.ref) ?? [];
    if (year && seq) doc.requestSeq[year] = Math.max(doc.requestSeq[year] ?? 0, Number(seq));
  }
  for (const [key, e] of Object.entries(legacy.ledger)) doc.ledger[key] = e;
  for (const o of legacy.outbox) doc.outbox[o.id] = o;
  const count = (name: string, by = 1) => (doc.counters[name] = (doc.counters[name] ?? 0) + by);

  const batches = legacy.batches as BatchRecord[];
  const length = await writeLines(dataDir, 'batches.jsonl', 0, batches.map((b) => JSON.stringify(b)));
  doc.journals.batches = { file: 'batches.jsonl', length };
  count('batches', batches.length);
  count('invoices', batches.reduce((n, b) => n + b.invoices.length, 0));
  for (const e of Object.values(legacy.ledger)) count(`outcome:${e.outcome ?? 'unknown'}`);
  doc.journals.ledger = await adoptJournal(dataDir, 'ledger.jsonl', (line) => {
    const e = JSON.parse(line) as LedgerEntry;
    count(`outcome:${e.outcome ?? 'unknown'}`);
    if (e.outcome === 'set-aside') doc.setAside[`${e.mailbox}|${e.uidValidity}|${e.uid}`] = { key: `${e.mailbox}|${e.uidValidity}|${e.uid}`, error: e.error ?? '', at: e.updatedAt };
  });
  doc.journals.audit = await adoptJournal(dataDir, 'audit.log', (line) => {
    if (line.includes('"action":"reply-sent"')) count('repliesSent');
  });

  // Staging folders of the first format: completed if their batch committed, shredded otherwise.
  const committed = new Set(batches.map((b) => b.id));
  const dir = join(dataDir, 'batches');
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith('.staging-')) continue;
    const id = name.slice('.staging-'.length);
    if (committed.has(id)) await rename(join(dir, name), join(dir, id)).catch(() => undefined);
    else await shredTree(join(dir, name));
  }

  await writePrivateFile(docPath, JSON.stringify(doc), dataDir);
}
