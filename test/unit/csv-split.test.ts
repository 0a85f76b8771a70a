import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, type CsvError } from 'csv-parse';
import { eachRecord } from '../../src/csv/read.js';
import { splitRecords } from '../../src/csv/split.js';
import type { Delimiter } from '../../src/csv/decode.js';
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

async function ours(text: string, delimiter: Delimiter): Promise<{ records: string[][]; error?: string }> {
  const records: string[][] = [];
  const err = await eachRecord(text, delimiter, (r) => (records.push(r), true));
  return { records, ...(err ? { error: err.code } : {}) };
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
    ];
    for (const [text, delimiter] of cases) assert.deepEqual(await ours(text, delimiter), await csvParse(text, delimiter), JSON.stringify(text));
  });

  it('are csv-parse’s records for 20,000 random texts of quotes, delimiters and line breaks', async () => {
    const alphabet = ['a', 'b', 'é', ' ', ';', ',', '"', '"', '\n', '""'];
    const next = random(20261205);
    for (let n = 0; n < 20_000; n++) {
      const length = Math.floor(next() * 24);
      let text = '';
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
      const delimiter: Delimiter = next() < 0.5 ? ';' : ',';
      assert.deepEqual(await ours(text, delimiter), await csvParse(text, delimiter), `case ${n}: ${JSON.stringify(text)} with ${delimiter}`);
    }
  });

  it('leave to csv-parse only the records they cannot split, from the first of them', () => {
    const seen: string[][] = [];
    const text = 'a;b\n"q";"r"\nok;fine\nab"c;d\nlater;row\n';
    const handover = splitRecords(text, ';', (r) => (seen.push(r), true));
    assert.deepEqual(seen, [['a', 'b'], ['q', 'r'], ['ok', 'fine']]);
    assert.equal(text.slice(handover), 'ab"c;d\nlater;row\n');
  });

  it('stop when told to', () => {
    const seen: string[][] = [];
    assert.equal(splitRecords('1\n2\n3\n', ';', (r) => (seen.push(r), seen.length < 2)), -1);
    assert.deepEqual(seen, [['1'], ['2']]);
  });
});
