/**
 * A CSV file's records as offsets into its text. A record's values are not
 * cut out when the file is read: each is a start and an end in the text,
 * kept in typed arrays, and becomes a string only when it is asked for.
 *
 * Why: every record of a file lives until its last invoice is built. As
 * strings in arrays, 10,000 lines are some 100,000 small objects that each
 * young-generation collection copies while the rest of the file is read;
 * here they are a few arrays of numbers the collector does not walk. The
 * values a check or a draft reads are cut then, and die young.
 *
 * Records csv-parse reads (the forms split.ts leaves to it) arrive as
 * strings and are kept as such.
 */
import { isTrimSpace } from '../core/text.js';

/** One record with its values, for readers that want them all at once (the header, the payments file). */
export interface RawRecord {
  line: number;
  fields: string[];
}

/** A growable list of 32-bit integers. */
class IntList {
  data: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
}

export class RecordTable {
  /** Per value: where it starts and ends in the text; a negative start (−start − 1) marks a quoted value to read with `""` as `"` and "\r\n" as "\n". */
  private readonly starts = new IntList(4096);
  private readonly ends = new IntList(4096);
  /** Per record: its physical line, its first value's index (−k − 1 for the k-th record csv-parse gave), its value count. */
  private readonly lines = new IntList(256);
  private readonly firsts = new IntList(256);
  private readonly counts = new IntList(256);
  private readonly parsed: string[][] = [];
  /** Values of the record being read, not yet kept or dropped: from this index on, or csv-parse's. */
  private pendingFrom = 0;
  private pendingParsed: string[] | undefined;

  constructor(readonly text: string) {}

  get length(): number {
    return this.lines.length;
  }

  // ---- Filled by the reader (read.ts, split.ts) ----

  /** A value of the record being read: text[start, end), with `""` to read as `"` and "\r\n" as "\n" when `escaped`. */
  addValue(start: number, end: number, escaped: boolean): void {
    this.starts.push(escaped ? -start - 1 : start);
    this.ends.push(end);
  }

  /** A record csv-parse read, as the record being read. */
  setPendingParsed(values: string[]): void {
    this.pendingParsed = values;
  }

  /** The values of the record being read. */
  pendingValues(): string[] {
    if (this.pendingParsed) return this.pendingParsed;
    const out: string[] = [];
    for (let j = this.pendingFrom; j < this.starts.length; j++) out.push(this.cut(j));
    return out;
  }

  /** How many values the record being read has. */
  pendingCount(): number {
    return this.pendingParsed ? this.pendingParsed.length : this.starts.length - this.pendingFrom;
  }

  /** Whether every value of the record being read is blank (String.prototype.trim would empty it). */
  pendingBlank(): boolean {
    if (this.pendingParsed) return this.pendingParsed.every((v) => v.trim() === '');
    const text = this.text;
    for (let j = this.pendingFrom; j < this.starts.length; j++) {
      const s = this.starts.data[j] ?? 0;
      const end = this.ends.data[j] ?? 0;
      for (let i = s < 0 ? -s - 1 : s; i < end; i++) if (!isTrimSpace(text.charCodeAt(i))) return false;
    }
    return true;
  }

  /** Keeps the record being read, found on `line`. */
  keepPending(line: number): void {
    this.lines.push(line);
    if (this.pendingParsed) {
      this.parsed.push(this.pendingParsed);
      this.firsts.push(-this.parsed.length);
      this.counts.push(this.pendingParsed.length);
      this.pendingParsed = undefined;
      return;
    }
    this.firsts.push(this.pendingFrom);
    this.counts.push(this.starts.length - this.pendingFrom);
    this.pendingFrom = this.starts.length;
  }

  /** Forgets the record being read (blank, the header, or one csv-parse reads again). */
  dropPending(): void {
    this.pendingParsed = undefined;
    this.starts.length = this.pendingFrom;
    this.ends.length = this.pendingFrom;
  }

  // ---- Read by the checks (rows.ts) ----

  line(r: number): number {
    return this.lines.data[r] ?? 0;
  }

  /** How many values record `r` has. */
  width(r: number): number {
    return this.counts.data[r] ?? 0;
  }

  /** Value `p` of record `r`, as written (untrimmed); '' past the record's end. */
  value(r: number, p: number): string {
    if (p >= (this.counts.data[r] ?? 0)) return '';
    const first = this.firsts.data[r] ?? 0;
    return first < 0 ? (this.parsed[-first - 1]?.[p] ?? '') : this.cut(first + p);
  }

  /** An upper bound of value `p`'s length without cutting it: its span in the text (or its length, from csv-parse). */
  span(r: number, p: number): number {
    if (p >= (this.counts.data[r] ?? 0)) return 0;
    const first = this.firsts.data[r] ?? 0;
    if (first < 0) return this.parsed[-first - 1]?.[p]?.length ?? 0;
    const s = this.starts.data[first + p] ?? 0;
    return (this.ends.data[first + p] ?? 0) - (s < 0 ? -s - 1 : s);
  }

  /**
   * Record `r`'s text from its first value to its last: every character of
   * its values, and only delimiters and quotes besides (values joined by a
   * space, from csv-parse). For a check over the whole record at once.
   */
  recordText(r: number): string {
    const n = this.counts.data[r] ?? 0;
    const first = this.firsts.data[r] ?? 0;
    if (first < 0) return (this.parsed[-first - 1] ?? []).join(' ');
    if (n === 0) return '';
    const s = this.starts.data[first] ?? 0;
    return this.text.slice(s < 0 ? -s - 1 : s, this.ends.data[first + n - 1] ?? 0);
  }

  /** Record `r` with all its values. */
  at(r: number): RawRecord | undefined {
    if (r < 0 || r >= this.length) return undefined;
    const fields: string[] = [];
    for (let p = 0; p < this.width(r); p++) fields.push(this.value(r, p));
    return { line: this.line(r), fields };
  }

  *[Symbol.iterator](): Iterator<RawRecord> {
    for (let r = 0; r < this.length; r++) yield this.at(r) as RawRecord;
  }

  private cut(j: number): string {
    const s = this.starts.data[j] ?? 0;
    const end = this.ends.data[j] ?? 0;
    if (s >= 0) return this.text.slice(s, end);
    const value = this.text.slice(-s - 1, end).replaceAll('""', '"');
    return value.includes('\r') ? value.replaceAll('\r\n', '\n') : value;
  }
}
