/** Values across a thread boundary (work/pack.ts): amounts arrive exact, as Decimals, whatever their digits. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dec } from '../../src/core/money.js';
import { pack, unpack } from '../../src/work/pack.js';

describe('packing values for a worker thread', () => {
  it('sends every Decimal as its exact text, through structured clone, and makes it a Decimal again', () => {
    const value = {
      unitPrice: new Dec('0.1').plus('0.2'),
      tiny: new Dec('1e-30'),
      big: new Dec('123456789012345678901234567890.125'),
      negative: new Dec('-0.005'),
      lines: [{ quantity: new Dec('2.5'), note: 'x', date: new Date('2026-11-26T00:00:00Z') }],
      places: new Map([['FA', { seq: 3, total: new Dec('9.99') }]]),
      bytes: new Uint8Array([1, 2, 3]),
      absent: undefined,
      nothing: null,
    };
    const across = structuredClone(pack(value));
    const back = unpack<typeof value>(across);
    assert.ok(back.unitPrice instanceof Dec);
    assert.equal(back.unitPrice.toString(), '0.3');
    assert.equal(back.tiny.toString(), new Dec('1e-30').toString());
    assert.equal(back.big.toFixed(3), '123456789012345678901234567890.125');
    assert.equal(back.negative.toFixed(3), '-0.005');
    assert.equal(back.lines[0]?.quantity.times(2).toString(), '5');
    assert.ok(back.lines[0]?.date instanceof Date);
    assert.equal(back.places.get('FA')?.total.toString(), '9.99');
    assert.deepEqual([...back.bytes], [1, 2, 3]);
    assert.equal(back.nothing, null);
    // Without packing, a Decimal cannot cross at all.
    assert.throws(() => structuredClone(value.unitPrice), /could not be cloned/);
  });

  it('leaves an object that merely looks like a packed Decimal among others alone', () => {
    const back = unpack<{ a: { $dec: string; other: number } }>(structuredClone(pack({ a: { $dec: '1', other: 2 } })));
    assert.deepEqual(back.a, { $dec: '1', other: 2 });
  });
});
