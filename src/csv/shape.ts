/**
 * The shape of a CSV, checked on the decoded text before csv-parse runs.
 * csv-parse allocates a string per value and an array per record: a header
 * of 900,000 columns (7 MB, inside the byte limit) becomes 900,000 strings
 * before any code of ours sees it, and every later step works per column.
 * This scan counts separators and line breaks with `charCodeAt` and
 * allocates nothing, so a file is refused at the first line that breaks a
 * limit, whatever its size. readCsv runs it on the part of a file it leaves
 * to csv-parse; the records it splits itself it measures the same way as it
 * reads them (a line is blank, here and there, when String.prototype.trim
 * empties each of its values).
 *
 * Quotes are read as csv-parse reads them with `relax_quotes`: a quote opens
 * a quoted value only at the start of a value; inside, `""` is a quote, and
 * a quote followed by anything but a separator or a line end is kept and the
 * value goes on unquoted. Line breaks are "\n" only (readCsv normalises).
 */
import { indexOrEnd, isTrimSpace } from '../core/text.js';
import type { Delimiter } from './decode.js';
import type { CsvIssue } from './issues.js';

export interface ShapeLimits {
  /** Values on one line, the header included. */
  maxColumns: number;
  /** Characters of the header line. */
  maxHeaderChars: number;
  /** Characters of any other line (a quoted line break continues the line). */
  maxLineChars: number;
  /** Values on all non-blank lines together, the header excluded. */
  maxCells: number;
}

export type ShapeIssue = Pick<CsvIssue, 'code' | 'line'> & { params: { limit: string } };

const LF = 10;
const QUOTE = 34;

/** Where a text starts within its file, for a text that is the rest of one (read.ts measures the part csv-parse reads). */
export interface ShapeStart {
  /** The physical line the text starts on. */
  line: number;
  /** Whether the file's header came before. */
  headerSeen: boolean;
  /** Values counted before, on non-blank lines after the header. */
  cells: number;
}

export interface ShapeOptions {
  from?: ShapeStart;
  /** Reads every line character by character, never with indexOf (scanLine): the tests check that both readings agree. */
  byCharacter?: boolean;
}

/** The first limit the text breaks, or null. `text` uses "\n" as its only line break. */
export function checkShape(text: string, delimiter: Delimiter, limits: ShapeLimits, options: ShapeOptions = {}): ShapeIssue | null {
  const byCharacter = options.byCharacter === true;
  const sep = delimiter.charCodeAt(0);
  let line = options.from?.line ?? 1; // physical line of the current position
  let recordLine = line; // physical line the current record starts on
  let recordStart = 0;
  let fields = 1;
  let fieldEmpty = true;
  let quoting = false;
  let blank = true;
  let headerSeen = options.from?.headerSeen ?? false;
  let cells = options.from?.cells ?? 0;
  const issue = (code: CsvIssue['code'], at: number, limit: number): ShapeIssue => ({ code, line: at, params: { limit: String(limit) } });

  let nextQuote = -1;
  const scanned: LineScan = { fields: 1, blank: true, nextDelim: -1 };
  for (let i = 0; i <= text.length; i++) {
    if (i === recordStart && !byCharacter) {
      // The common line, with no quote or only quoted values that close on it, is measured with indexOf;
      // any other goes character by character below.
      if (nextQuote < i) nextQuote = indexOrEnd(text, '"', i);
      const lineEnd = indexOrEnd(text, '\n', i);
      if (scanLine(text, i, lineEnd, delimiter, nextQuote, limits.maxColumns, scanned)) {
        fields = scanned.fields;
        blank = scanned.blank;
        if (fields > limits.maxColumns) return issue('FILE_TOO_MANY_COLUMNS', recordLine, limits.maxColumns);
        // On to the line's end, which the branch for "\n" below closes as usual.
        i = lineEnd;
      }
    }
    // End of text ends the last record as a line break would.
    const c = i < text.length ? text.charCodeAt(i) : LF;
    if (quoting) {
      if (c === QUOTE) {
        const next = text.charCodeAt(i + 1);
        if (next === QUOTE) {
          i++;
          blank = false;
        } else {
          quoting = false;
          // csv-parse keeps a quote not followed by a separator or a line end, both quotes in the value, and reads on unquoted.
          if (!(Number.isNaN(next) || next === sep || next === LF)) fieldEmpty = blank = false;
        }
      } else {
        if (c === LF) line++;
        if (!isTrimSpace(c)) blank = false;
      }
    } else if (c === QUOTE && fieldEmpty) {
      quoting = true;
    } else if (c === sep) {
      if (++fields > limits.maxColumns) return issue('FILE_TOO_MANY_COLUMNS', recordLine, limits.maxColumns);
      fieldEmpty = true;
    } else if (c === LF) {
      // Scanning a long line to its end costs time, not memory: nothing is kept per character.
      const length = i - recordStart;
      if (!blank && !headerSeen) {
        if (length > limits.maxHeaderChars) return issue('FILE_HEADER_TOO_LONG', recordLine, limits.maxHeaderChars);
        headerSeen = true;
      } else if (length > limits.maxLineChars) {
        return issue('FILE_LINE_TOO_LONG', recordLine, limits.maxLineChars);
      } else if (!blank && (cells += fields) > limits.maxCells) {
        return issue('FILE_TOO_MANY_CELLS', recordLine, limits.maxCells);
      }
      line++;
      recordLine = line;
      recordStart = i + 1;
      fields = 1;
      fieldEmpty = true;
      blank = true;
    } else {
      fieldEmpty = false;
      // As readCsv skips records whose values are all blank (what String.prototype.trim removes).
      if (!isTrimSpace(c)) blank = false;
    }
  }
  return null;
}

interface LineScan {
  /** Values on the line, counted up to one past the limit. */
  fields: number;
  blank: boolean;
  /**
   * The first delimiter at or after where it was last looked for, or the
   * text's length: kept from line to line, so a text without delimiters is
   * not searched to its end on every line (10 MB of them took 6 s).
   */
  nextDelim: number;
}

/**
 * One line from `from` to `lineEnd` whose values are unquoted or quoted and
 * closed before a delimiter or the line's end: its values counted and its
 * blankness, as the loop of checkShape finds them, into `out`; false, its
 * counts untouched, for any other line. `nextQuote`: the first quote at or
 * after `from`, or the text's length.
 */
function scanLine(text: string, from: number, lineEnd: number, delimiter: string, nextQuote: number, maxColumns: number, out: LineScan): boolean {
  const sep = delimiter.charCodeAt(0);
  let fields = 1;
  let blank = true;
  let quote = nextQuote;
  let pos = from;
  for (;;) {
    if (pos < lineEnd && text.charCodeAt(pos) === QUOTE) {
      // Quoted: "" is a quote; it, or any character trim keeps, makes the line not blank.
      let at = pos + 1;
      for (;;) {
        const q = text.indexOf('"', at);
        if (q === -1 || q >= lineEnd) return false;
        for (let b = at; b < q && blank; b++) if (!isTrimSpace(text.charCodeAt(b))) blank = false;
        at = q + 1;
        if (text.charCodeAt(at) !== QUOTE) break;
        // "" is a quote, in the value.
        blank = false;
        at++;
      }
      pos = at;
      if (pos < lineEnd && text.charCodeAt(pos) !== sep) return false;
      quote = indexOrEnd(text, '"', pos);
    } else {
      if (out.nextDelim < pos) out.nextDelim = indexOrEnd(text, delimiter, pos);
      const stop = out.nextDelim < lineEnd ? out.nextDelim : lineEnd;
      if (quote < stop) return false;
      for (let b = pos; b < stop && blank; b++) if (!isTrimSpace(text.charCodeAt(b))) blank = false;
      pos = stop;
    }
    if (pos >= lineEnd) break;
    // A delimiter: one more value.
    if (++fields > maxColumns) break;
    pos++;
  }
  out.fields = fields;
  out.blank = blank;
  return true;
}
