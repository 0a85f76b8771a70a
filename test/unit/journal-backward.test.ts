/** Reading a journal from its end (the console's pages): the same lines as forward, newest first, across chunk edges. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readLines, readLinesBackward } from '../../src/store/embedded/journal.js';
import { tempDir } from '../helpers/tools.js';

const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('journal read backward', () => {
  it('gives every line of a range newest first, with its offset and length, whatever the lines\' sizes', async () => {
    const dir = tempDir();
    try {
      // Lines from 1 byte to twice the 64 KB chunk, and multi-byte characters across a chunk edge.
      const lines = ['a', '', 'é'.repeat(40_000), 'x'.repeat(140_000), '{"seq":5}', '€'.repeat(21_845), 'last'];
      const text = lines.map((l) => `${l}\n`).join('');
      writeFileSync(join(dir.path, 'j.jsonl'), text);
      const size = Buffer.byteLength(text);
      const forward = await collect(readLines(dir.path, 'j.jsonl', 0, size));
      const backward = await collect(readLinesBackward(dir.path, 'j.jsonl', 0, size));
      assert.deepEqual(backward, [...forward].reverse());
      assert.deepEqual(backward.map((l) => l.text), [...lines].reverse());
      // From the middle: the lines before a line's own start, as a page's cursor asks.
      const third = forward[3];
      assert.ok(third);
      assert.deepEqual((await collect(readLinesBackward(dir.path, 'j.jsonl', 0, third.offset))).map((l) => l.text), lines.slice(0, 3).reverse());
      assert.deepEqual(await collect(readLinesBackward(dir.path, 'j.jsonl', 0, 0)), []);
      assert.deepEqual(await collect(readLinesBackward(dir.path, 'missing.jsonl', 0, 10)), []);
    } finally {
      dir.cleanup();
    }
  });
});
