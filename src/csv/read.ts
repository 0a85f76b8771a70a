/**
 * Text → records: the common form split directly (split.ts), the rest with
 * csv-parse in streaming mode. Each record carries the physical line it
 * starts on: a quoted line break makes records and lines differ, and the
 * client must find the line we name in their editor.
 */
import { parse, type CsvError } from 'csv-parse';
import { decodeCsvBytes, detectDelimiter, type Delimiter, type Encoding } from './decode.js';
import type { CsvIssue } from './issues.js';
import { checkShape, type ShapeLimits } from './shape.js';
import { splitRecords } from './split.js';

export interface CsvLimits extends ShapeLimits {
  maxBytes: number;
  maxFieldChars: number;
  maxRows: number;
  /**
   * How far past the processing date an issue date (BT-2) may be. Numbering
   * is chronological, so one invoice dated 31/12/2099 would otherwise
   * freeze the seller's series until then.
   */
  maxFutureIssueDays: number;
}
export const DEFAULT_LIMITS: CsvLimits = {
  maxBytes: 10 * 1024 * 1024,
  maxFieldChars: 1000,
  maxRows: 100_000,
  maxFutureIssueDays: 7,
  // The contract has 33 columns and a spreadsheet adds a few of its own: 200 leaves room for any real export.
  maxColumns: 200,
  // 200 titles of 80 characters; the longest alias is under 50.
  maxHeaderChars: 16 * 1024,
  // 33 values of 1,000 characters (FIELD_TOO_LONG past that), quoted, their quotes doubled.
  maxLineChars: 64 * 1024,
  // The row limit at 20 columns (real files have 10 to 15): csv-parse keeps a string per value, and
  // 2,000,000 two-character values take ~95 MB of the 192 MB heap once read (33 columns of them
  // fill 10 MB and take ~130 MB, too close to the cap beside the rest of the process).
  maxCells: 2_000_000,
};

export interface RawRecord {
  line: number;
  fields: string[];
}

export interface ReadResult {
  encoding?: Encoding;
  delimiter?: Delimiter;
  header: RawRecord | null;
  records: RawRecord[];
  issues: CsvIssue[];
}

const fileIssue = (code: CsvIssue['code'], line = 0, params?: Record<string, string>): CsvIssue => ({
  code,
  severity: 'error',
  line,
  ...(params ? { params } : {}),
});

export async function readCsv(bytes: Uint8Array, limits: CsvLimits = DEFAULT_LIMITS): Promise<ReadResult> {
  const empty = (issue: CsvIssue): ReadResult => ({ header: null, records: [], issues: [issue] });
  if (bytes.byteLength > limits.maxBytes) {
    return empty(fileIssue('FILE_TOO_LARGE', 0, { limit: `${Math.round(limits.maxBytes / 1024 / 1024)} MB` }));
  }
  const sniffed = decodeCsvBytes(bytes);
  if (sniffed.kind === 'empty') return empty(fileIssue('FILE_EMPTY'));
  if (sniffed.kind === 'binary') return empty(fileIssue('FILE_BINARY'));
  // Each line where the bytes go wrong, so the sender knows which to fix (none found: the file as a whole).
  if (sniffed.kind === 'mixed' || sniffed.kind === 'undecodable') {
    const code = sniffed.kind === 'mixed' ? 'FILE_MIXED_ENCODING' : 'FILE_ENCODING_UNKNOWN';
    return { header: null, records: [], issues: (sniffed.lines.length > 0 ? sniffed.lines : [0]).map((line) => fileIssue(code, line)) };
  }
  if (sniffed.kind === 'spreadsheet') return empty(fileIssue('FILE_SPREADSHEET', 0, { format: sniffed.format }));

  // One record delimiter for csv-parse: CRLF and lone CR become LF, inside quotes too.
  let text = sniffed.text.replace(/\r\n?/g, '\n');
  // "sep=;" on the first line tells Excel the separator: it is taken, and the line left empty (lines keep their numbers).
  const sep = /^sep=([;,\t|])\n/i.exec(text);
  if (sep) text = `\n${text.slice(sep[0].length)}`;
  const delimiter = (sep?.[1] as Delimiter | undefined) ?? detectDelimiter(text);
  // Before csv-parse, which allocates per value: memory is bounded by these limits, not by the bytes alone.
  const shape = checkShape(text, delimiter, limits);
  if (shape) return { encoding: sniffed.encoding, delimiter, header: null, records: [], issues: [fileIssue(shape.code, shape.line, shape.params)] };
  // Physical lines are counted here rather than by csv-parse's `info`: with one
  // record delimiter ("\n") and empty lines kept, a record starts one line after
  // the previous one ended, and spans as many lines as its values hold "\n".
  const issues: CsvIssue[] = [];
  const records: RawRecord[] = [];
  let header = null as RawRecord | null;
  let nextLine = 1;
  let stopped = false;
  // Short values repeat down a file (references, dates, units, rates, quantities; a buyer's details on every
  // line of many exports): each record keeps one shared string for them, so a 10 MB file holds each once
  // and the collector has less to copy while the rest of the file is read.
  const interned = new Map<string, string>();
  const intern = (f: string): string => {
    const known = interned.get(f);
    if (known !== undefined) return known;
    if (interned.size >= 50_000) interned.clear();
    interned.set(f, f);
    return f;
  };
  /** Takes one record's values; false once the file has too many rows. */
  const take = (fields: string[]): boolean => {
    const line = nextLine;
    let inner = 0;
    let blank = true;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i] ?? '';
      if (f.includes('\n')) inner += countLf(f);
      if (blank && f.trim() !== '') blank = false;
      if (f.length > 0 && f.length <= INTERNED_CHARS) fields[i] = intern(f);
    }
    nextLine = line + inner + 1;
    if (blank) return true; // empty lines, and ";;;;" rows spreadsheets leave behind
    const rec: RawRecord = { line, fields };
    if (!header) {
      header = rec;
    } else if (records.length >= limits.maxRows) {
      issues.push(fileIssue('FILE_TOO_MANY_ROWS', rec.line, { limit: String(limits.maxRows) }));
      stopped = true;
    } else {
      records.push(rec);
    }
    return !stopped;
  };
  const malformed = await eachRecord(text, delimiter, take);
  if (malformed) issues.push(fileIssue('FILE_MALFORMED', nextLine, { reason: malformed.code ?? 'CSV_ERROR' }));
  if (!header) issues.push(fileIssue('FILE_EMPTY'));
  else if (records.length === 0 && issues.length === 0) issues.push(fileIssue('FILE_HEADER_ONLY', header.line));
  return { encoding: sniffed.encoding, delimiter, header, records, issues };
}

/**
 * Each record of `text` to `take`, in order, until it returns false; the
 * error that ended the reading early, if any. The common form is split
 * directly (split.ts); from the first record it leaves, csv-parse reads the
 * rest, so the records are csv-parse's in every case.
 */
export async function eachRecord(text: string, delimiter: Delimiter, take: (fields: string[]) => boolean): Promise<CsvError | undefined> {
  const handover = splitRecords(text, delimiter, take);
  return handover === -1 ? undefined : parseRest(text.slice(handover), delimiter, take);
}

/** csv-parse, streaming, over `text`: each record to `take` until it says stop; its first error, if any. */
async function parseRest(text: string, delimiter: Delimiter, take: (fields: string[]) => boolean): Promise<CsvError | undefined> {
  const parser = parse({
    delimiter,
    record_delimiter: '\n',
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
    bom: false,
  });
  let stopped = false;
  return new Promise<CsvError | undefined>((resolve) => {
    parser.on('data', (fields: string[]) => {
      if (stopped) return;
      if (!take(fields)) {
        stopped = true;
        parser.destroy();
        resolve(undefined);
      }
    });
    parser.on('error', (err: CsvError) => resolve(stopped ? undefined : err));
    parser.on('end', () => resolve(undefined));
    // Fed in 64 KiB slices: csv-parse streams, so memory stays flat on large files.
    for (let i = 0; i < text.length && !stopped; i += CHUNK) parser.write(text.slice(i, i + CHUNK));
    if (!stopped) parser.end();
  });
}

function countLf(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

const CHUNK = 64 * 1024;
const INTERNED_CHARS = 24;
