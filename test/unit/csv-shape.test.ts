/** The shape limits of a CSV (columns, line lengths, values per file), checked before csv-parse allocates per value. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { describeIssue } from '../../src/csv/messages.js';
import { DEFAULT_LIMITS, readCsv, type CsvLimits } from '../../src/csv/read.js';
import { detectDelimiter } from '../../src/csv/decode.js';
import { checkShape } from '../../src/csv/shape.js';
import { seededRandom } from '../helpers/random.js';

const header = 'invoice_ref;buyer_name;buyer_siren;buyer_address;buyer_postcode;buyer_city;description;quantity;unit_price;vat_rate';
const row = (ref: string) => `${ref};Client SAS;123456790;1 rue;75001;Paris;Conseil;1;10;20`;
const MB = 1024 * 1024;

/** readCsv, with the heap it grew by while refusing (the file's bytes are made before). */
async function measured(bytes: Buffer, limits: CsvLimits = DEFAULT_LIMITS) {
  const before = process.memoryUsage().heapUsed;
  const read = await readCsv(bytes, limits);
  return { read, grewMB: (process.memoryUsage().heapUsed - before) / MB };
}

const codes = (read: Awaited<ReturnType<typeof readCsv>>) => read.issues.map((i) => [i.code, i.line]);

describe('CSV shape limits', () => {
  it('refuses a 900,000-column header of 7 MB at its 201st column, in both languages, with the heap bounded', async () => {
    const wide = `${header};${Array.from({ length: 900_000 }, (_, i) => `co${i}`).join(';')}`;
    const bytes = Buffer.from(`${wide}\n${row('A')}\n`);
    assert.ok(bytes.length > 7 * MB && bytes.length < DEFAULT_LIMITS.maxBytes, 'inside the byte limit');
    const { read, grewMB } = await measured(bytes);
    assert.deepEqual(codes(read), [['FILE_TOO_MANY_COLUMNS', 1]]);
    assert.equal(read.header, null);
    assert.equal(describeIssue(read.issues[0] as never, 'fr'), 'Ligne 1 : trop de valeurs sur cette ligne : au plus 200 colonnes. Vérifiez le séparateur, ou supprimez les colonnes vides en trop.');
    assert.equal(describeIssue(read.issues[0] as never, 'en'), 'Line 1: too many values on this line: at most 200 columns. Check the separator, or remove the extra empty columns.');
    // The decoded text of the file is all it holds (csv-parse would have made 900,000 strings: 220 MB of heap).
    assert.ok(grewMB < 2.5 * (bytes.length / MB), `heap grew by ${grewMB.toFixed(1)} MB`);
  });

  it('takes a header of 200 columns and refuses one of 201', async () => {
    const titles = (n: number) => [header, ...Array.from({ length: n - 10 }, (_, i) => `extra_${i}`)].join(';');
    const ok = await readCsv(Buffer.from(`${titles(200)}\n${row('A')}\n`));
    assert.deepEqual(ok.issues, []);
    assert.equal(ok.header?.fields.length, 200);
    const over = await readCsv(Buffer.from(`${titles(201)}\n${row('A')}\n`));
    assert.deepEqual(codes(over), [['FILE_TOO_MANY_COLUMNS', 1]]);
  });

  it('refuses a line of millions of separators after the header, naming its line, with the heap bounded', async () => {
    const bytes = Buffer.from(`${header}\n${row('A')}\n"Note\nsur deux lignes";${';'.repeat(8_000_000)}\n${row('B')}\n`);
    const { read, grewMB } = await measured(bytes);
    assert.deepEqual(codes(read), [['FILE_TOO_MANY_COLUMNS', 3]]);
    assert.ok(grewMB < 2.5 * (bytes.length / MB), `heap grew by ${grewMB.toFixed(1)} MB`);
    // Blank lines count too: csv-parse builds their values before they are skipped.
    const blank = await readCsv(Buffer.from(`${header}\n${row('A')}\n${';'.repeat(300)}\n`));
    assert.deepEqual(codes(blank), [['FILE_TOO_MANY_COLUMNS', 3]]);
  });

  it('refuses a header line over 16 KiB, and a line over 64 KiB such as one huge value, with the heap bounded', async () => {
    const long = [header, ...Array.from({ length: 150 }, (_, i) => `colonne ${i} ${'x'.repeat(120)}`)].join(';');
    const head = await readCsv(Buffer.from(`${long}\n${row('A')}\n`));
    assert.deepEqual(codes(head), [['FILE_HEADER_TOO_LONG', 1]]);
    assert.match(describeIssue(head.issues[0] as never, 'fr'), /ligne d’en-tête trop longue \(au plus 16\u202f384 caractères\)/);
    assert.match(describeIssue(head.issues[0] as never, 'en'), /header line too long \(at most 16,384 characters\)/);

    const bytes = Buffer.from(`${header}\n${row('A')}\n${row('B').replace('Conseil', `"${'x'.repeat(9 * MB)}"`)}\n`);
    const { read, grewMB } = await measured(bytes);
    assert.deepEqual(codes(read), [['FILE_LINE_TOO_LONG', 3]]);
    assert.match(describeIssue(read.issues[0] as never, 'fr'), /ligne trop longue \(au plus 65\u202f536 caractères\) : vérifiez qu’un guillemet/);
    assert.match(describeIssue(read.issues[0] as never, 'en'), /line too long \(at most 65,536 characters\): check that no quote/);
    assert.ok(grewMB < 2.5 * (bytes.length / MB), `heap grew by ${grewMB.toFixed(1)} MB`);
  });

  it('refuses more than 2,000,000 values in the file (the row limit at 20 columns), blank lines not counted', async () => {
    const titles = [header, ...Array.from({ length: 11 }, (_, i) => `extra_${i}`)].join(';');
    const line = `${row('A')}${';x'.repeat(11)}`;
    const rows = Math.floor(DEFAULT_LIMITS.maxCells / 21) + 1;
    const bytes = Buffer.from(`${titles}\n${`${line}\n`.repeat(rows)}`);
    const { read, grewMB } = await measured(bytes);
    assert.deepEqual(codes(read), [['FILE_TOO_MANY_CELLS', rows + 1]]);
    assert.equal(describeIssue(read.issues[0] as never, 'fr'), `Ligne ${rows + 1} : trop de valeurs dans le fichier : au plus 2\u202f000\u202f000 (lignes × colonnes). Supprimez les colonnes inutiles ou découpez le fichier.`);
    assert.match(describeIssue(read.issues[0] as never, 'en'), /too many values in the file: at most 2,000,000 \(rows × columns\)/);
    assert.ok(grewMB < 2.5 * (bytes.length / MB), `heap grew by ${grewMB.toFixed(1)} MB`);

    const limits = { ...DEFAULT_LIMITS, maxCells: 20 };
    assert.deepEqual((await readCsv(Buffer.from(`${header}\n${row('A')}\n;;;;\n${row('B')}\n`), limits)).issues, []);
    assert.deepEqual(codes(await readCsv(Buffer.from(`${header}\n${row('A')}\n${row('B')}\n${row('C')}\n`), limits)), [['FILE_TOO_MANY_CELLS', 4]]);
  });

  it('counts values as csv-parse splits them: quoted separators and line breaks, relaxed quotes', async () => {
    const limits = { ...DEFAULT_LIMITS, maxColumns: 3 };
    // Each line has three values for csv-parse with relax_quotes: separators inside quotes do not count;
    // a quote inside a value, or after a space, is a character; a value goes on unquoted after a closing quote.
    const lines = ['a;b;c', '"x;y";"1\n2";z', 'a"b;c;d', '"x"y;c;d', '"a""b;c";d;e', '"";"";""', ' "a;b";c'];
    for (const line of lines) {
      const text = `a;b;c\n${line}\n`;
      assert.deepEqual(parse(text, { delimiter: ';', relax_quotes: true, relax_column_count: true }).map((r: string[]) => r.length), [3, 3], line);
      assert.deepEqual((await readCsv(Buffer.from(text), limits)).issues.filter((i) => i.code.startsWith('FILE_TOO')), [], line);
      assert.deepEqual(codes(await readCsv(Buffer.from(`a;b;c\n${line};4\n`), limits)), [['FILE_TOO_MANY_COLUMNS', 2]], line);
    }
    // Lines keep their physical numbers across quoted line breaks.
    assert.deepEqual(codes(await readCsv(Buffer.from(`a;b;c\n"1\n2";b;c\nx;y;z;w\n`), limits)), [['FILE_TOO_MANY_COLUMNS', 4]]);
  });

  it('finds the same first limit broken whether it measures lines with indexOf or character by character', () => {
    // Texts of quotes, escaped quotes, separators, line breaks, spaces that blank lines are made of, and letters,
    // under small limits of every kind, so that each is broken somewhere: the common lines take the indexOf path.
    const random = seededRandom(20_261_205);
    const pieces = ['a', 'bc', ' ', '\u00a0', '\ufeff', ';', ',', ';;', '"', '""', '\n', '\n\n', 'x"y'];
    let broken = 0;
    for (let n = 0; n < 100_000; n++) {
      let text = '';
      const length = Math.floor(random() * 40);
      for (let i = 0; i < length; i++) text += pieces[Math.floor(random() * pieces.length)];
      const limits = { maxColumns: 1 + Math.floor(random() * 6), maxHeaderChars: Math.floor(random() * 16), maxLineChars: Math.floor(random() * 16), maxCells: Math.floor(random() * 24) };
      const delimiter = random() < 0.5 ? ';' : ',';
      const found = checkShape(text, delimiter, limits);
      assert.deepEqual(found, checkShape(text, delimiter, limits, { byCharacter: true }), JSON.stringify({ text, delimiter, limits }));
      if (found) broken++;
    }
    assert.ok(broken > 30_000 && broken < 90_000, `${broken} texts broke a limit`);
  });

  it('reading a file finds the limit checkShape finds in the whole text, where it splits records and where csv-parse reads them', async () => {
    // The reader measures the records it splits itself as it reads them, and leaves checkShape the part csv-parse
    // reads ('x"y' and unclosed quotes hand it over): both together must answer as checkShape over the whole file.
    const random = seededRandom(20_261_206);
    const pieces = ['a', 'bc', ' ', '\u00a0', '\u2003', ';', ',', ';;', '"', '""', '\n', '\n\n', '\r\n', 'x"y', '" "'];
    const counts = { broken: 0, handedOver: 0, tooManyRows: 0 };
    for (let n = 0; n < 20_000; n++) {
      let text = '';
      const length = Math.floor(random() * 40);
      for (let i = 0; i < length; i++) text += pieces[Math.floor(random() * pieces.length)];
      if (text.trim() === '') continue; // FILE_EMPTY, before any measure
      const shape = { maxColumns: 2 + Math.floor(random() * 8), maxHeaderChars: 4 + Math.floor(random() * 30), maxLineChars: 4 + Math.floor(random() * 30), maxCells: 4 + Math.floor(random() * 40) };
      const limits = { ...DEFAULT_LIMITS, ...shape, maxRows: 1 + Math.floor(random() * 3) };
      const read = await readCsv(Buffer.from(text), limits);
      // checkShape reads "\n" only; the reader reads "\r\n" alike.
      const expected = checkShape(text.replaceAll('\r\n', '\n'), detectDelimiter(text), shape);
      const context = JSON.stringify({ text, limits: { ...shape, maxRows: limits.maxRows } });
      if (expected) assert.deepEqual(read.issues, [{ code: expected.code, severity: 'error', line: expected.line, params: expected.params }], context);
      else assert.deepEqual(read.issues.filter((i) => /^FILE_(TOO_MANY_(COLUMNS|CELLS)|HEADER_TOO_LONG|LINE_TOO_LONG)$/.test(i.code)), [], context);
      if (expected) counts.broken++;
      if (text.includes('x"y')) counts.handedOver++;
      if (read.issues.some((i) => i.code === 'FILE_TOO_MANY_ROWS')) counts.tooManyRows++;
    }
    assert.ok(counts.broken > 5_000 && counts.broken < 18_000 && counts.handedOver > 2_000 && counts.tooManyRows > 500, JSON.stringify(counts));
  });
});
