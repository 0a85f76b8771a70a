/**
 * The records of a CSV text in its common form, without a parser per
 * character: a line without a quote is split on its delimiter, and a quoted
 * value (RFC 4180 §2: quoted from its first character, `""` for a quote,
 * closed before a delimiter or a line's end) is read by a small loop.
 * Anything else, a quote inside an unquoted value, text after a closing
 * quote or a quote never closed, is left to csv-parse from the start of that
 * record: `splitRecords` says where, and read.ts hands the rest over. With
 * the options read.ts gives csv-parse (one delimiter character, "\n" ends a
 * record, `""` escapes, relaxed column count, empty lines kept), a record
 * does not depend on the ones before it, so both parts together read the
 * file exactly as csv-parse alone would (checked by test/unit/csv-split).
 *
 * Values are not cut here: each goes to the record table as offsets
 * (table.ts).
 */

import { indexOrEnd } from '../core/text.js';
import type { RecordTable } from './table.js';

const QUOTE = 34; // "
const LF = 10;
const CR = 13;

/** splitRecords' answer when the text was read to its end, or `onRecord` stopped it. */
export const SPLIT_DONE = -1;
/** splitRecords' answer when a record has more values than allowed: it stops there, the record pending and cut short. */
export const SPLIT_TOO_MANY_COLUMNS = -2;

/**
 * Adds each record's values to `table` as its pending record and calls
 * `onRecord` with the line breaks inside it (quoted ones) and its length
 * (from its first character to the line break that ends it), in order,
 * until it returns false. Returns SPLIT_DONE, SPLIT_TOO_MANY_COLUMNS (a
 * record with more than `maxColumns` values: a header of 900,000 columns
 * is not read to its end), or the offset of the first record this reader
 * leaves to csv-parse (its values already added are left pending, for the
 * caller to drop). The text's line breaks are "\n" or "\r\n", read
 * alike: a "\r" directly before a "\n" belongs to the line break, and a
 * value is read without it ("\r\n" inside a quoted value is read "\n"), as
 * csv-parse reads the text with every "\r\n" made "\n" (read.ts normalises
 * a text with a lone "\r").
 */
export function splitRecords(text: string, delimiter: string, table: RecordTable, maxColumns: number, onRecord: (innerBreaks: number, length: number) => boolean): number {
  const delim = delimiter.charCodeAt(0);
  const end = text.length;
  // The first quote at or after the current record's start (the text's end when there is none).
  let nextQuote = indexOrEnd(text, '"', 0);
  // Likewise the next delimiter at or after the current value: kept, so a file without delimiters is not searched to its end on every line.
  let nextDelim = indexOrEnd(text, delimiter, 0);
  let start = 0;
  while (start < end) {
    let lineEnd = indexOrEnd(text, '\n', start);
    if (nextQuote >= lineEnd) {
      const stop = contentEnd(text, start, lineEnd);
      let from = start;
      let values = 1;
      if (nextDelim < from) nextDelim = indexOrEnd(text, delimiter, from);
      while (nextDelim < stop) {
        if (++values > maxColumns) return SPLIT_TOO_MANY_COLUMNS;
        table.addValue(from, nextDelim, false);
        from = nextDelim + 1;
        nextDelim = indexOrEnd(text, delimiter, from);
      }
      table.addValue(from, stop, false);
      if (!onRecord(0, stop - start)) return SPLIT_DONE;
      start = lineEnd + 1;
      continue;
    }
    // A record with a quote: value by value.
    let breaks = 0;
    /** Line breaks inside the record written "\r\n": one character each once read. */
    let wideBreaks = 0;
    let values = 0;
    let pos = start;
    for (;;) {
      if (++values > maxColumns) return SPLIT_TOO_MANY_COLUMNS;
      if (text.charCodeAt(pos) === QUOTE) {
        let escaped = false;
        let from = pos + 1;
        let closed = -1;
        for (let q = text.indexOf('"', from); q !== -1; q = text.indexOf('"', from)) {
          if (text.charCodeAt(q + 1) === QUOTE) {
            escaped = true;
            from = q + 2;
            continue;
          }
          closed = q;
          break;
        }
        const after = text.charCodeAt(closed + 1);
        // Never closed, or closed before anything but a delimiter, a line's end or the text's end.
        if (closed === -1 || (closed + 1 < end && after !== delim && after !== LF && after !== CR)) return start;
        // A quoted line break carries the record past the line it started on.
        if (closed > lineEnd) {
          escaped = true; // its "\r\n", if so written, is read "\n"
          for (let b = lineEnd; b !== -1 && b < closed; b = text.indexOf('\n', b + 1)) {
            breaks++;
            if (text.charCodeAt(b - 1) === CR) wideBreaks++;
          }
          lineEnd = indexOrEnd(text, '\n', closed);
        }
        table.addValue(pos + 1, closed, escaped);
        pos = closed + 1;
        // The next quote, at or past where the value after this one starts.
        nextQuote = indexOrEnd(text, '"', pos);
      } else {
        // An unquoted value runs to the next delimiter or the line's end; a quote inside it is csv-parse's case.
        if (nextDelim < pos) nextDelim = indexOrEnd(text, delimiter, pos);
        const stop = nextDelim < lineEnd ? nextDelim : contentEnd(text, pos, lineEnd);
        if (nextQuote < stop) return start;
        table.addValue(pos, stop, false);
        pos = stop;
      }
      if (pos < end && text.charCodeAt(pos) === delim) {
        pos++;
        continue;
      }
      break;
    }
    if (!onRecord(breaks, pos - start - wideBreaks)) return SPLIT_DONE;
    // Past the line break: "\n", or "\r\n".
    start = text.charCodeAt(pos) === CR ? pos + 2 : pos + 1;
    if (nextQuote < start) nextQuote = indexOrEnd(text, '"', start);
  }
  return SPLIT_DONE;
}

/** Where the content from `from` ends before the line break at `lineEnd`: before its "\r" when it is written "\r\n". */
function contentEnd(text: string, from: number, lineEnd: number): number {
  return lineEnd > from && text.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd;
}
