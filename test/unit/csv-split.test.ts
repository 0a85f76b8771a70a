import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, type CsvError } from 'csv-parse';
import { eachRecord } from '../../src/csv/read.js';
import { splitRecords } from '../../src/csv/split.js';
import type { Delimiter } from '../../src/csv/decode.js';
import { RecordTable } from '../../src/csv/table.js';
import { seededRandom as random } from '../helpers/random.js';

/** csv-parse alone, with the options read.ts gives it: the records it emits and the error it stops on. */
async function csvParse(text: string, delimiter: Delimiter): Promise<{ records: string[][]; error?: string }> {
  const records: string[][] = [];
  const parser = parse({ delimiter, record_delimiter: '\n', relax_column_count: true, relax_quotes: true, skip_empty_lines: false, bom: false });
  const error = await new Promise<string | undefined>((resolve) => {
    parser.on('data', (r: string[]) => records.push(r));
    parser.on('error', (err: CsvError) => resolve(err.code));
    parser.on('end', () => resolve(undefined));
    parser.end(text);
  });
  return { records, ...(error ? { error } : {}) };
}

/** The reader's records, each as the table gives back its values (blank ones too: read.ts drops them, not this). */
async function ours(text: string, delimiter: Delimiter): Promise<{ records: string[][]; error?: string }> {
  const table = new RecordTable(text);
  const err = await eachRecord(table, delimiter, Infinity, (breaks) => (table.keepPending(breaks), true));
  const records = [...table];
  // Each record is told the line breaks inside it (read.ts numbers the lines with them), here kept as its line.
  for (const r of records) assert.equal(r.line, r.fields.join('').split('\n').length - 1, JSON.stringify(text));
  assert.notEqual(err, 'too-many-columns');
  return { records: records.map((r) => r.fields), ...(err && err !== 'too-many-columns' ? { error: err.code } : {}) };
}

/** splitRecords alone: each record's values and inner line breaks, as `onRecord` sees them. */
function split(text: string, onRecord: (values: string[], breaks: number) => boolean): number {
  const table = new RecordTable(text);
  return splitRecords(text, ';', table, Infinity, (breaks) => {
    const values = table.pendingValues();
    table.dropPending();
    return onRecord(values, breaks);
  });
}


describe('CSV records split directly, csv-parse for the rest', () => {
  it('are csv-parse’s records for the forms real exports write', async () => {
    const cases: [string, Delimiter][] = [
      ['a;b;c\n1;2;3\n', ';'],
      ['a;b\n\n1;2\n;\n', ';'],
      ['ref,desc\nF1,"Conseil, audit"\nF2,"dit ""oui"""\n', ','],
      ['ref;desc\nF1;"deux\nlignes"\nF2;x', ';'],
      ['"ref"\t"desc"\n"F1"\t""\n', '\t'],
      ['a|b\n"x"|"y"|\n', '|'],
      ['a;b\n1;"never closed\n2;3\n', ';'],
      ['a;b\n1;ab"c\n2;"x"y\n3;4\n', ';'],
      ['a;b\n 1; "spaced quote"\n', ';'],
      ['', ';'],
      ['\n\n', ';'],
      ['"', ';'],
      ['a;"";"\n"', ';'],
      ['ref;desc\r\nF1;"deux\r\nlignes"\r\nF2;"une\nligne"\r\n;\r\n', ';'],
      ['a;b\r\n"x";\r\n"y"\r\n', ';'],
    ];
    for (const [text, delimiter] of cases) assert.deepEqual(await ours(text, delimiter), await csvParse(text.replaceAll('\r\n', '\n'), delimiter), JSON.stringify(text));
  });

  it('are csv-parse’s records for 20,000 random texts of quotes, delimiters and line breaks', async () => {
    // "\r\n" is read as "\n" is (a lone "\r" never reaches the splitter: read.ts rewrites such a text).
    const alphabet = ['a', 'b', 'é', ' ', ';', ',', '"', '"', '\n', '""', '\r\n'];
    const next = random(20261205);
    for (let n = 0; n < 20_000; n++) {
      const length = Math.floor(next() * 24);
      let text = '';
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
      const delimiter: Delimiter = next() < 0.5 ? ';' : ',';
      assert.deepEqual(await ours(text, delimiter), await csvParse(text.replaceAll('\r\n', '\n'), delimiter), `case ${n}: ${JSON.stringify(text)} with ${delimiter}`);
    }
  });

  it('leave to csv-parse only the records they cannot split, from the first of them', () => {
    const seen: string[][] = [];
    const text = 'a;b\n"q";"r"\nok;fine\nab"c;d\nlater;row\n';
    const handover = split(text, (r) => (seen.push(r), true));
    assert.deepEqual(seen, [['a', 'b'], ['q', 'r'], ['ok', 'fine']]);
    assert.equal(text.slice(handover), 'ab"c;d\nlater;row\n');
  });

  it('stop when told to', () => {
    const seen: string[][] = [];
    assert.equal(split('1\n2\n3\n', (r) => (seen.push(r), seen.length < 2)), -1);
    assert.deepEqual(seen, [['1'], ['2']]);
  });
});
