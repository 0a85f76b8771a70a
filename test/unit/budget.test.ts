/** The byte budget that bounds memory: what fits goes together, what does not waits, one too big goes alone. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteBudget } from '../../src/core/budget.js';

const settled = () => new Promise((r) => setImmediate(r));

describe('ByteBudget', () => {
  it('lets pieces that fit go together and makes the next wait until enough is given back', async () => {
    const budget = new ByteBudget(100);
    const a = await budget.take(60);
    const b = await budget.take(40);
    let third = false;
    const c = budget.take(10).then((release) => ((third = true), release));
    await settled();
    assert.equal(third, false, 'the budget is full: the third waits');
    a();
    a(); // giving back twice counts once
    assert.equal((await c, third), true);
    let fourth = false;
    void budget.take(60).then(() => (fourth = true));
    await settled();
    assert.equal(fourth, false, '40 + 10 held: 60 more does not fit, even after a double release');
    b();
    await settled();
    assert.equal(fourth, true);
  });

  it('lets a piece bigger than the whole budget go, alone', async () => {
    const budget = new ByteBudget(100);
    const small = await budget.take(10);
    let big = false;
    const pending = budget.take(500).then((release) => ((big = true), release));
    await settled();
    assert.equal(big, false, 'it waits until nothing else is held');
    small();
    const release = await pending;
    assert.equal(big, true);
    let after = false;
    void budget.take(1).then(() => (after = true));
    await settled();
    assert.equal(after, false, 'nothing goes beside it');
    release();
    await settled();
    assert.equal(after, true);
  });
});
