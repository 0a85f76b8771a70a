import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dec } from '../../src/core/money.js';
import { computeInvoice } from '../../src/invoice/compute.js';
import type { InvoiceDraft, LineDraft } from '../../src/invoice/model.js';
import { selfCheck } from '../../src/invoice/selfcheck.js';
import { BUYER_SIREN, seller } from '../helpers/sample.js';

function line(quantity: string, price: string, rate = '20', category: LineDraft['vatCategory'] = 'S'): LineDraft {
  return { sourceLine: 2, description: 'x', quantity: new Dec(quantity), unitCode: 'C62', unitPrice: new Dec(price), vatCategory: category, vatRate: new Dec(rate) };
}

export function draft(lines: LineDraft[]): InvoiceDraft {
  return {
    ref: 'R1',
    firstLine: 2,
    issueDate: '2026-11-20',
    dueDate: '2026-12-20',
    serviceDate: '2026-11-20',
    operationType: 'services',
    currency: 'EUR',
  notes: [],
    buyer: { name: 'Buyer SAS', siren: BUYER_SIREN, address: { line1: '1 rue', postcode: '75001', city: 'Paris', country: 'FR' }, electronicAddress: { value: BUYER_SIREN, scheme: '0225' } },
    lines,
  };
}

describe('EN 16931 amounts', () => {
  it('rounds each line net half-up to 2 decimals (BT-131): 3 × 0.335 = 1.01', () => {
    const inv = computeInvoice(draft([line('3', '0.335')]), 'N1');
    assert.equal(inv.lines[0]?.netAmount.toFixed(2), '1.01');
    // Binary floating point gets this wrong: 3 * 0.335 = 1.0050000000000001 but 1.005.toFixed(2) = "1.00".
    assert.equal((1.005).toFixed(2), '1.00');
  });

  it('computes VAT per rate on the sum of line nets, not per line (BT-116/117)', () => {
    // Three lines of 0.10 at 5.5 %: per line VAT would be 3 × 0.01 = 0.03; on the base 0.30 it is 0.0165 → 0.02.
    const inv = computeInvoice(draft([line('1', '0.10', '5.5'), line('1', '0.10', '5.5'), line('1', '0.10', '5.5'), line('1', '2.675', '20')]), 'N1');
    const reduced = inv.vat.find((v) => v.rate.eq('5.5'));
    assert.equal(reduced?.taxableAmount.toFixed(2), '0.30');
    assert.equal(reduced?.taxAmount.toFixed(2), '0.02');
    const normal = inv.vat.find((v) => v.rate.eq(20));
    assert.equal(normal?.taxableAmount.toFixed(2), '2.68'); // 2.675 → 2.68 half-up
    assert.equal(normal?.taxAmount.toFixed(2), '0.54'); // 0.536 → 0.54
    assert.equal(inv.totals.lineTotal.toFixed(2), '2.98');
    assert.equal(inv.totals.taxTotal.toFixed(2), '0.56');
    assert.equal(inv.totals.grandTotal.toFixed(2), '3.54');
    assert.equal(inv.totals.duePayable.toFixed(2), '3.54');
    assert.deepEqual(selfCheck(seller(), inv), []);
  });

  it('keeps exactness on large amounts', () => {
    const inv = computeInvoice(draft([line('1000000', '1234567.891', '20')]), 'N1');
    assert.equal(inv.totals.lineTotal.toFixed(2), '1234567891000.00');
    assert.equal(inv.totals.grandTotal.toFixed(2), '1481481469200.00');
  });
});

describe('self-check', () => {
  it('catches totals that do not add up, naming the EN 16931 rule', () => {
    const inv = computeInvoice(draft([line('2', '10')]), 'N1');
    inv.totals.lineTotal = new Dec('20.01');
    const v = selfCheck(seller(), inv);
    assert.ok(v.some((m) => m.startsWith('BR-CO-10')), v.join('\n'));
    assert.ok(v.some((m) => m.startsWith('BR-CO-13')), v.join('\n'));
  });

  it('catches a wrong VAT amount (BR-CO-17) and a standard rate of 0 (BR-S-05)', () => {
    const inv = computeInvoice(draft([line('1', '10')]), 'N1');
    const b = inv.vat[0];
    assert.ok(b);
    b.taxAmount = new Dec('2.01');
    assert.ok(selfCheck(seller(), inv).some((m) => m.startsWith('BR-CO-17')));
    b.rate = new Dec(0);
    assert.ok(selfCheck(seller(), inv).some((m) => m.startsWith('BR-S-05')));
  });

  it('requires exemption reasons and buyer VAT ids where the category asks', () => {
    const inv = computeInvoice(draft([line('1', '10', '0', 'AE')]), 'N1');
    const v = selfCheck(seller(), inv);
    assert.ok(v.some((m) => m.startsWith('BR-AE-10')), v.join('\n'));
    assert.ok(v.some((m) => m.startsWith('BR-AE-02')), v.join('\n'));
  });
});
