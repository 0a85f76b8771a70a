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
 */

import { indexOrEnd } from '../core/text.js';

const QUOTE = 34; // "
const LF = 10;

/**
 * Calls `onRecord` with each record's values, in order, until it returns
 * false; returns the offset of the first record this reader leaves to
 * csv-parse, or -1 when the whole text was read (or `onRecord` stopped it).
 * The text's line breaks are "\n" alone (read.ts normalises them).
 */
export function splitRecords(text: string, delimiter: string, onRecord: (fields: string[]) => boolean): number {
  const delim = delimiter.charCodeAt(0);
  const end = text.length;
  // The first quote at or after the current record's start (the text's end when there is none).
  let nextQuote = indexOrEnd(text, '"', 0);
  let start = 0;
  while (start < end) {
    let lineEnd = indexOrEnd(text, '\n', start);
    if (nextQuote >= lineEnd) {
      if (!onRecord(text.slice(start, lineEnd).split(delimiter))) return -1;
      start = lineEnd + 1;
      continue;
    }
    // A record with a quote: value by value.
    const fields: string[] = [];
    let pos = start;
    for (;;) {
      if (text.charCodeAt(pos) === QUOTE) {
        let value = '';
        let from = pos + 1;
        let closed = -1;
        for (let q = text.indexOf('"', from); q !== -1; q = text.indexOf('"', from)) {
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          closed = q;
          break;
        }
        const after = text.charCodeAt(closed + 1);
        // Never closed, or closed before anything but a delimiter, a line's end or the text's end.
        if (closed === -1 || (closed + 1 < end && after !== delim && after !== LF)) return start;
        fields.push(value + text.slice(from, closed));
        pos = closed + 1;
        // The next quote, at or past where the value after this one starts.
        nextQuote = indexOrEnd(text, '"', pos);
        // A quoted line break may have carried the record past the line it started on.
        if (lineEnd < pos) lineEnd = indexOrEnd(text, '\n', pos);
      } else {
        // An unquoted value runs to the next delimiter or the line's end; a quote inside it is csv-parse's case.
        let stop = text.indexOf(delimiter, pos);
        if (stop === -1 || stop > lineEnd) stop = lineEnd;
        if (nextQuote < stop) return start;
        fields.push(text.slice(pos, stop));
        pos = stop;
      }
      if (pos < end && text.charCodeAt(pos) === delim) {
        pos++;
        continue;
      }
      break;
    }
    if (!onRecord(fields)) return -1;
    start = pos + 1;
    if (nextQuote < start) nextQuote = indexOrEnd(text, '"', start);
  }
  return -1;
}
