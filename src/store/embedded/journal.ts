/**
 * An append-only journal of JSON lines (batches, moved mails, the audit
 * trail). Lines are written at the committed length, then the store's
 * document records the new length: until that document is written, the
 * lines do not exist for any reader, and the next writer overwrites them.
 * So a transaction's journal lines and its state change commit together, and
 * a process killed in between leaves nothing half-done behind.
 *
 * Readers stream the journal up to the committed length, a chunk at a time:
 * memory stays flat however long the history is.
 */
import { closeSync, fstatSync, ftruncateSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { openNoFollow, openWritableSync, writeAllSync } from '../files.js';

export interface JournalLine {
  text: string;
  offset: number;
  length: number;
}

/** Write `lines` (each a JSON text without newline) at `committed`; returns the new committed length. */
export async function writeLines(dataDir: string, file: string, committed: number, lines: readonly string[]): Promise<number> {
  if (lines.length === 0) return committed;
  const buf = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
  await writeAt(dataDir, file, committed, buf);
  return committed + buf.length;
}

/** Write `buf` at `committed`, cutting whatever lies beyond it; returns the file's stat after. */
export async function writeAt(dataDir: string, file: string, committed: number, buf: Buffer): Promise<BigIntStats> {
  const fd = await openWritableSync(join(dataDir, file), dataDir);
  try {
    writeAllSync(fd, buf, committed);
    // Whatever an interrupted writer left beyond the committed length goes.
    ftruncateSync(fd, committed + buf.length);
    return fstatSync(fd, { bigint: true });
  } finally {
    closeSync(fd);
  }
}

/** A journal opened to be read; none yet (a new store) reads as empty. */
export function openJournal(dataDir: string, file: string) {
  return openNoFollow(join(dataDir, file)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
}

/** The lines between two offsets, in order, read in chunks. */
export async function* readLines(dataDir: string, file: string, from: number, to: number): AsyncGenerator<JournalLine> {
  if (to <= from) return;
  const handle = await openJournal(dataDir, file);
  if (!handle) return;
  // The stream owns the handle and closes it when it ends or is destroyed.
  const stream = handle.createReadStream({ start: from, end: to - 1, highWaterMark: 1 << 16 });
  let carry: Buffer = Buffer.alloc(0);
  let offset = from;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      let nl = buf.indexOf(10);
      while (nl !== -1) {
        const text = buf.toString('utf8', 0, nl);
        yield { text, offset, length: nl + 1 };
        offset += nl + 1;
        buf = buf.subarray(nl + 1);
        nl = buf.indexOf(10);
      }
      carry = Buffer.from(buf);
    }
  } finally {
    stream.destroy();
  }
}

/**
 * The lines between `from` and `to`, newest first (the console lists the
 * trail from its end): read back in 64 KB chunks, so memory stays constant
 * however long the journal is.
 */
export async function* readLinesBackward(dataDir: string, file: string, from: number, to: number): AsyncGenerator<JournalLine> {
  if (to <= from) return;
  const handle = await openJournal(dataDir, file);
  if (!handle) return;
  try {
    const CHUNK = 1 << 16;
    let end = to; // the bytes [pos, end) not yet cut into lines: `carry` holds [pos + read, end)
    let carry: Buffer = Buffer.alloc(0);
    let pos = to;
    while (pos > from) {
      const start = Math.max(from, pos - CHUNK);
      const chunk = Buffer.alloc(pos - start);
      await handle.read(chunk, 0, chunk.length, start);
      pos = start;
      let buf = carry.length > 0 ? Buffer.concat([chunk, carry]) : chunk;
      // The last byte of the range is a line's newline: every line ends at one.
      let nl = buf.lastIndexOf(10, buf.length - 2);
      while (nl !== -1) {
        const lineStart = pos + nl + 1;
        yield { text: buf.toString('utf8', nl + 1, end - pos - 1), offset: lineStart, length: end - lineStart };
        end = lineStart;
        buf = buf.subarray(0, nl + 1);
        nl = buf.lastIndexOf(10, buf.length - 2);
      }
      carry = Buffer.from(buf);
    }
    if (end > from && carry.length > 0) yield { text: carry.toString('utf8', 0, end - from - 1), offset: from, length: end - from };
  } finally {
    await handle.close();
  }
}

/** One line at a known place (an index entry points to it). */
export async function readLineAt(dataDir: string, file: string, offset: number, length: number): Promise<string> {
  const handle = await openNoFollow(join(dataDir, file));
  try {
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, offset);
    return buf.toString('utf8').replace(/\n$/, '');
  } finally {
    await handle.close();
  }
}
