/**
 * Text → records: the common form split directly (split.ts) into a record
 * table (table.ts), the rest with csv-parse in streaming mode. Each record
 * carries the physical line it starts on: a quoted line break makes records
 * and lines differ, and the client must find the line we name in their
 * editor.
 *
 * The shape limits (shape.ts) bound memory whatever the bytes: the records
 * the splitter reads are measured as it reads them, and what csv-parse is
 * to read is measured by checkShape before it runs. A file that breaks one
 * gets that limit, at its first line, as its only answer.
 */
import { parse, type CsvError } from 'csv-parse';
import { decodeCsvBytes, detectDelimiter, type Delimiter, type Encoding } from './decode.js';
import type { CsvIssue } from './issues.js';
import { checkShape, type ShapeLimits } from './shape.js';
import { SPLIT_DONE, SPLIT_TOO_MANY_COLUMNS, splitRecords } from './split.js';
import { RecordTable, type RawRecord } from './table.js';

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
  // The row limit at 20 columns (real files have 10 to 15). The record table keeps 8 bytes per value
  // (16 MB at the limit, off the heap); csv-parse, for the part of a file it reads, keeps a string per
  // value: 2,000,000 two-character values take ~95 MB of the 192 MB heap once read (33 columns of them
  // fill 10 MB and take ~130 MB, too close to the cap beside the rest of the process).
  maxCells: 2_000_000,
};

export interface ReadResult {
  encoding?: Encoding;
  delimiter?: Delimiter;
  header: RawRecord | null;
  /** The records after the header, blank ones left out. */
  records: RecordTable;
  issues: CsvIssue[];
}

const fileIssue = (code: CsvIssue['code'], line = 0, params?: Record<string, string>): CsvIssue => ({
  code,
  severity: 'error',
  line,
  ...(params ? { params } : {}),
});

export async function readCsv(bytes: Uint8Array, limits: CsvLimits = DEFAULT_LIMITS): Promise<ReadResult> {
  const empty = (issue: CsvIssue): ReadResult => ({ header: null, records: new RecordTable(''), issues: [issue] });
  if (bytes.byteLength > limits.maxBytes) {
    return empty(fileIssue('FILE_TOO_LARGE', 0, { limit: `${Math.round(limits.maxBytes / 1024 / 1024)} MB` }));
  }
  const sniffed = decodeCsvBytes(bytes);
  if (sniffed.kind === 'empty') return empty(fileIssue('FILE_EMPTY'));
  if (sniffed.kind === 'binary') return empty(fileIssue('FILE_BINARY'));
  // Each line where the bytes go wrong, so the sender knows which to fix (none found: the file as a whole).
  if (sniffed.kind === 'mixed' || sniffed.kind === 'undecodable') {
    const code = sniffed.kind === 'mixed' ? 'FILE_MIXED_ENCODING' : 'FILE_ENCODING_UNKNOWN';
    return { header: null, records: new RecordTable(''), issues: (sniffed.lines.length > 0 ? sniffed.lines : [0]).map((line) => fileIssue(code, line)) };
  }
  if (sniffed.kind === 'spreadsheet') return empty(fileIssue('FILE_SPREADSHEET', 0, { format: sniffed.format }));

  // Lines end in "\n" or "\r\n", which the splitter reads alike; a lone "\r" (old Mac files) anywhere: every
  // line break becomes "\n", inside quotes too. (The text is not rewritten otherwise: a string of a megabyte costs.)
  let text = hasLoneCr(sniffed.text) ? sniffed.text.replace(/\r\n?/g, '\n') : sniffed.text;
  // "sep=;" on the first line tells Excel the separator: it is taken, and the line left empty (lines keep their numbers).
  const sep = /^sep=([;,\t|])\r?\n/i.exec(text);
  if (sep) text = `\n${text.slice(sep[0].length)}`;
  const delimiter = (sep?.[1] as Delimiter | undefined) ?? detectDelimiter(text);
  // Physical lines are counted here rather than by csv-parse's `info`: with one
  // record delimiter ("\n") and empty lines kept, a record starts one line after
  // the previous one ended, and spans as many lines as its values hold "\n".
  const issues: CsvIssue[] = [];
  const records = new RecordTable(text);
  let header = null as RawRecord | null;
  let nextLine = 1;
  let cells = 0;
  /** Set once the file has too many rows: the rest is only measured. */
  let full = false;
  /** The shape limit the file breaks (shape.ts), which is then the only answer. */
  let shape = undefined as CsvIssue | undefined;
  const refuse = (code: CsvIssue['code'], line: number, limit: number): false => {
    shape = fileIssue(code, line, { limit: String(limit) });
    return false;
  };
  /**
   * Settles the record just read (pending in `records`), spanning
   * `innerBreaks` more lines and `length` characters (-1: from csv-parse,
   * measured before it ran); false to stop reading.
   */
  const take = (innerBreaks: number, length: number): boolean => {
    const line = nextLine;
    nextLine = line + innerBreaks + 1;
    // Empty lines, and ";;;;" rows spreadsheets leave behind.
    const blank = records.pendingBlank();
    // The limits checkShape measures, here on what the splitter has read, in the same order.
    if (length >= 0) {
      if (!blank && !header) {
        if (length > limits.maxHeaderChars) return refuse('FILE_HEADER_TOO_LONG', line, limits.maxHeaderChars);
      } else if (length > limits.maxLineChars) return refuse('FILE_LINE_TOO_LONG', line, limits.maxLineChars);
      else if (!blank && (cells += records.pendingCount()) > limits.maxCells) return refuse('FILE_TOO_MANY_CELLS', line, limits.maxCells);
    }
    if (blank || full) records.dropPending();
    else if (!header) {
      header = { line, fields: records.pendingValues() };
      records.dropPending();
    } else if (records.length >= limits.maxRows) {
      records.dropPending();
      issues.push(fileIssue('FILE_TOO_MANY_ROWS', line, { limit: String(limits.maxRows) }));
      full = true;
      // Read on, only to measure: a shape limit broken further down is the answer, as for any file.
      return length >= 0;
    } else records.keepPending(line);
    return true;
  };
  // csv-parse allocates per value: what it is to read is measured first, from where the splitter stopped.
  const beforeRest = (rest: string): boolean => {
    const found = checkShape(rest, delimiter, limits, { from: { line: nextLine, headerSeen: header !== null, cells } });
    if (found) shape = fileIssue(found.code, found.line, found.params);
    return !found && !full;
  };
  const end = await eachRecord(records, delimiter, limits.maxColumns, take, beforeRest);
  if (end === 'too-many-columns') refuse('FILE_TOO_MANY_COLUMNS', nextLine, limits.maxColumns);
  if (shape) return { encoding: sniffed.encoding, delimiter, header: null, records: new RecordTable(''), issues: [shape] };
  if (end && end !== 'too-many-columns') issues.push(fileIssue('FILE_MALFORMED', nextLine, { reason: end.code ?? 'CSV_ERROR' }));
  if (!header) issues.push(fileIssue('FILE_EMPTY'));
  else if (records.length === 0 && issues.length === 0) issues.push(fileIssue('FILE_HEADER_ONLY', header.line));
  return { encoding: sniffed.encoding, delimiter, header, records, issues };
}

/** What `take` is told of each record: the line breaks inside it, and its length in the text (-1 from csv-parse). */
export type TakeRecord = (innerBreaks: number, length: number) => boolean;

/**
 * Each record of the table's text into the table, in order, as its pending
 * record, then to `take`, until `take` returns false. The common form is
 * split directly (split.ts); from the first record it leaves, csv-parse
 * reads the rest, so the records are csv-parse's in every case, once
 * `beforeRest` has seen that rest and agreed. How the reading ended: read
 * to its end or stopped (undefined), a record with more than `maxColumns`
 * values (left pending), or csv-parse's error.
 */
export async function eachRecord(
  table: RecordTable,
  delimiter: Delimiter,
  maxColumns: number,
  take: TakeRecord,
  beforeRest: (rest: string) => boolean = () => true,
): Promise<CsvError | 'too-many-columns' | undefined> {
  const handover = splitRecords(table.text, delimiter, table, maxColumns, take);
  if (handover === SPLIT_DONE) return undefined;
  if (handover === SPLIT_TOO_MANY_COLUMNS) return 'too-many-columns';
  table.dropPending();
  // One record delimiter for csv-parse: "\r\n" becomes "\n", inside quotes too.
  const rest = table.text.slice(handover).replaceAll('\r\n', '\n');
  return beforeRest(rest) ? parseRest(table, rest, delimiter, take) : undefined;
}

/** csv-parse, streaming, over `text`: each record to `table` and `take` until it says stop; its first error, if any. */
async function parseRest(table: RecordTable, text: string, delimiter: Delimiter, take: TakeRecord): Promise<CsvError | undefined> {
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
      let breaks = 0;
      for (const f of fields) if (f.includes('\n')) breaks += countLf(f);
      table.setPendingParsed(fields);
      if (!take(breaks, -1)) {
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

/** Whether some "\r" in the text is not followed by "\n". */
function hasLoneCr(text: string): boolean {
  for (let i = text.indexOf('\r'); i !== -1; i = text.indexOf('\r', i + 1)) if (text.charCodeAt(i + 1) !== 10) return true;
  return false;
}

function countLf(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

const CHUNK = 64 * 1024;
