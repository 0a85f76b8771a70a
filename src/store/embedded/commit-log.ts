/**
 * The embedded store's commit log (data/commits.log): what each commit
 * changed in the document, a line per commit, appended after the journal
 * lines it points to. Writing that line is the commit; the document
 * (mailbot.json) is rewritten whole only at a checkpoint, so a commit costs
 * what it changed, not the size of the state.
 *
 * A line is `<md5 of the JSON, 32 hex>` + the JSON of a {@link DocDelta} +
 * newline; its commit number is the one after the line before it (the
 * first after the document's). A reader applies the lines in order and
 * stops at the first that is not whole (a writer killed in its append, or
 * lines being zeroed by a checkpoint): what it gets is always a state some
 * commit made. The next writer, under the commit lock, writes over such a
 * tail.
 *
 * A checkpoint writes the whole document (files.ts, replaceKeepingInode:
 * the version it replaces is zeroed), then zeroes the log and cuts it to
 * nothing, in that order: a process killed in between leaves lines the
 * document already holds, which readers skip by their numbers. A reader
 * that read the document before a checkpoint and the log after it sees a
 * gap in the numbers and reads both again.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, ftruncateSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { openWritableSync, writeAllSync } from '../files.js';
import { openJournal, writeAt } from './journal.js';
import type { Doc } from './doc.js';
import type { Collections } from './tx.js';

export const LOG_FILE = 'commits.log';

/** The parts of the document a commit replaces whole (small). */
type Whole = Pick<Doc, 'journals' | 'pending'> & { auditHead?: Doc['auditHead'] };

/** What one commit changed: entries set and removed per collection, and the small parts whole. */
export interface DocDelta {
  /** The commit number this line makes. */
  c: number;
  set: Partial<Record<Collections, Record<string, unknown>>>;
  del: Partial<Record<Collections, string[]>>;
  whole: Whole;
}

/** The log as read: the document with every whole line applied, and where the next line goes. */
export interface LoggedState {
  doc: Doc;
  /** Bytes of whole lines (the next commit is written here). */
  length: number;
  /** Lines applied. */
  lines: number;
}

const HASH = 32;

export function deltaLine(delta: DocDelta): Buffer {
  const json = JSON.stringify(delta);
  return Buffer.from(`${createHash('md5').update(json).digest('hex')}${json}\n`, 'utf8');
}

/** Apply one commit's changes to a document the caller owns (changed in place). */
export function applyDelta(doc: Doc, d: DocDelta): void {
  const target = doc as unknown as Record<Collections, Record<string, unknown>>;
  for (const [name, entries] of Object.entries(d.set) as [Collections, Record<string, unknown>][]) Object.assign(target[name], entries);
  for (const [name, keys] of Object.entries(d.del) as [Collections, string[]][]) for (const k of keys) delete target[name][k];
  doc.commit = d.c;
  doc.journals = d.whole.journals;
  doc.pending = d.whole.pending;
  if (d.whole.auditHead) doc.auditHead = d.whole.auditHead;
}

/** A log line's delta, or undefined if the line is not whole (cut, zeroed, or not what its hash says). */
function parseLine(text: string): DocDelta | undefined {
  if (text.length <= HASH) return undefined;
  const json = text.slice(HASH);
  if (createHash('md5').update(json).digest('hex') !== text.slice(0, HASH)) return undefined;
  try {
    const d = JSON.parse(json) as DocDelta;
    return typeof d.c === 'number' && d.set && d.del && d.whole ? d : undefined;
  } catch {
    return undefined;
  }
}

/** The log's bytes, or none (no log yet). */
async function readLog(dataDir: string): Promise<Buffer> {
  const handle = await openJournal(dataDir, LOG_FILE);
  if (!handle) return Buffer.alloc(0);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Thrown when the log does not follow the document read: a checkpoint ran in between; read both again. */
export class LogGap extends Error {}

/**
 * The document `doc` (just parsed: changed in place) with the log's whole
 * lines applied. Lines the document already holds are skipped.
 */
export async function applyLog(dataDir: string, doc: Doc): Promise<LoggedState> {
  const bytes = await readLog(dataDir);
  let at = 0;
  let lines = 0;
  for (let nl = bytes.indexOf(10); nl !== -1; nl = bytes.indexOf(10, at)) {
    const d = parseLine(bytes.toString('utf8', at, nl));
    if (!d) {
      damagedBefore(bytes, nl + 1, doc.commit);
      break;
    }
    if (d.c > doc.commit) {
      if (d.c !== doc.commit + 1) throw new LogGap(`commit ${d.c} follows ${doc.commit}`);
      applyDelta(doc, d);
      lines += 1;
    }
    at = nl + 1;
  }
  return { doc, length: at, lines };
}

/**
 * A line that is not whole ends the log only if no commit the document lacks
 * comes after it: a writer killed in its append leaves its line last, and a
 * checkpoint zeroes lines the document already holds. A whole newer line
 * after a damaged one is damage (or a checkpoint that began after the
 * document was read): the next writer must not write over it.
 */
function damagedBefore(bytes: Buffer, from: number, commit: number): void {
  let at = from;
  for (let nl = bytes.indexOf(10, at); nl !== -1; nl = bytes.indexOf(10, at)) {
    const d = parseLine(bytes.toString('utf8', at, nl));
    if (d && d.c > commit) throw new LogGap(`a damaged line comes before commit ${d.c}`);
    at = nl + 1;
  }
}

/** Append a commit's line at `length` (anything after it, a cut line, goes); returns the new length and the log's stamp. */
export async function appendCommit(dataDir: string, length: number, line: Buffer): Promise<{ length: number; stat: BigIntStats }> {
  return { length: length + line.length, stat: await writeAt(dataDir, LOG_FILE, length, line) };
}

/** After a checkpoint: the log's lines are overwritten with zeros, then cut (only the document holds the state). */
export async function clearLog(dataDir: string): Promise<BigIntStats> {
  const fd = await openWritableSync(join(dataDir, LOG_FILE), dataDir);
  try {
    const size = fstatSync(fd).size;
    if (size > 0) {
      writeAllSync(fd, Buffer.alloc(size), 0);
      ftruncateSync(fd, 0);
    }
    return fstatSync(fd, { bigint: true });
  } finally {
    closeSync(fd);
  }
}
