/**
 * Each French reform rule (BR-FR, Flux 2) the self-check implements: an
 * invoice that passes it and one that breaks it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dec } from '../../src/core/money.js';
import { invoiceNotes } from '../../src/facturx/cii.js';
import type { Seller } from '../../src/facturx/seller.js';
import { brfrCheck } from '../../src/invoice/brfr.js';
import { computeInvoice } from '../../src/invoice/compute.js';
import type { Invoice, InvoiceDraft, LineDraft } from '../../src/invoice/model.js';
import { selfCheck } from '../../src/invoice/selfcheck.js';
import { BUYER_SIREN, seller } from '../helpers/sample.js';

const line = (over: Partial<LineDraft> = {}): LineDraft => ({
  sourceLine: 3,
  description: 'Conseil',
  quantity: new Dec('2'),
  unitCode: 'HUR',
  unitPrice: new Dec('85.5'),
  vatCategory: 'S',
  vatRate: new Dec('20'),
  ...over,
});

const draft = (over: Partial<InvoiceDraft> = {}, lines: LineDraft[] = [line()]): InvoiceDraft => ({
  ref: 'R1',
  firstLine: 2,
  issueDate: '2026-11-20',
  dueDate: '2026-12-20',
  serviceDate: '2026-11-18',
  operationType: 'services',
  currency: 'EUR',
  notes: [],
  buyer: {
    name: 'Boulangerie Martin SAS',
    siren: BUYER_SIREN,
    address: { line1: '3 place du Marché', postcode: '75001', city: 'Paris', country: 'FR' },
    electronicAddress: { value: BUYER_SIREN, scheme: '0225' },
  },
  lines,
  origins: { issue_date: 2, currency: 4, buyer_electronic_address: 2 },
  ...over,
});

const rulesOf = (s: Seller, inv: Invoice, notes?: ReturnType<typeof invoiceNotes>) => brfrCheck(s, inv, notes).map((v) => v.rule);
const ok = computeInvoice(draft(), 'FA-2026-00001');
const base = seller();

/** [rule, seller, invoice, notes?] breaking exactly that rule (and maybe others it implies). */
type Case = [string, Seller, Invoice, ReturnType<typeof invoiceNotes>?];
const withBuyer = (over: Partial<InvoiceDraft['buyer']>) => computeInvoice(draft({ buyer: { ...draft().buyer, ...over } }), 'FA-2026-00001');
const cases: Case[] = [
  ['BR-FR-01', base, computeInvoice(draft(), 'FA-2026-000000000000000000000000000001')],
  ['BR-FR-02', base, computeInvoice(draft(), 'FA.2026.00001')],
  ['BR-FR-03', base, computeInvoice(draft({ serviceDate: '1999-12-31' }), 'FA-2026-00001')],
  ['BR-FR-05', base, ok, invoiceNotes(base, ok).filter((n) => n.subjectCode !== 'PMT')],
  ['BR-FR-06', base, ok, [...invoiceNotes(base, ok), { content: 'Pas d’escompte.', subjectCode: 'AAB' }]],
  ['BR-FR-08', base, computeInvoice(draft({ operationType: 'rental' as never }), 'FA-2026-00001')],
  ['BR-FR-09', { ...base, siret: '12345679000013' }, ok],
  ['BR-FR-10', { ...base, siren: '12345678' }, ok],
  ['BR-FR-12', base, withBuyer({ electronicAddress: undefined })],
  ['BR-FR-13', { ...base, electronicAddress: { value: '', scheme: 'EM' } }, ok],
  ['BR-FR-15', base, computeInvoice(draft({}, [line({ vatCategory: 'L' as never, vatRate: new Dec(0) })]), 'FA-2026-00001')],
  ['BR-FR-16', base, computeInvoice(draft({}, [line({ vatRate: new Dec('8') })]), 'FA-2026-00001')],
  ['BR-FR-21', base, withBuyer({ electronicAddress: { value: '123456782', scheme: '0225' } })],
  ['BR-FR-22', { ...base, electronicAddress: { value: BUYER_SIREN, scheme: '0225' } }, ok],
  ['BR-FR-23', base, withBuyer({ electronicAddress: { value: `${BUYER_SIREN}_ACHATS/PARIS`, scheme: '0225' } })],
  ['BR-FR-25', base, withBuyer({ electronicAddress: { value: `${'a'.repeat(120)}@martin.test`, scheme: 'EM' } })],
  ['BT-49-1', base, withBuyer({ electronicAddress: { value: '4012345000008', scheme: '0088' } })],
  ['BR-FR-32', base, withBuyer({ siren: '12345678' })],
  ['BR-FR-CO-07', base, computeInvoice(draft({ dueDate: '2026-11-19' }), 'FA-2026-00001')],
  ['BR-FR-CO-12', base, computeInvoice(draft({ currency: 'USD' }), 'FA-2026-00001')],
  ['BR-FR-DEC-01', base, computeInvoice(draft({}, [line({ quantity: new Dec('1e10'), unitPrice: new Dec('1e10') })]), 'FA-2026-00001')],
  ['BR-FR-DEC-02', base, computeInvoice(draft({}, [line({ quantity: new Dec('1.23456') })]), 'FA-2026-00001')],
  ['BR-FR-DEC-03', base, computeInvoice(draft({}, [line({ unitPrice: new Dec('0.1234567') })]), 'FA-2026-00001')],
  ['BR-FR-DEC-04', base, computeInvoice(draft({}, [line({ vatRate: new Dec('5.555') })]), 'FA-2026-00001')],
];

describe('French reform rules (BR-FR, Flux 2)', () => {
  it('a well-formed invoice passes every rule, and the EN 16931 self-check with them', () => {
    assert.deepEqual(brfrCheck(base, ok), []);
    assert.deepEqual(selfCheck(base, ok), []);
  });

  for (const [rule, s, inv, notes] of cases) {
    it(`${rule}: a breaking invoice is caught`, () => {
      assert.ok(rulesOf(s, inv, notes).includes(rule), `${rule} not in ${rulesOf(s, inv, notes).join(', ')}`);
      assert.ok(selfCheck(s, inv).some((v) => v.startsWith(`${rule}:`)) || notes !== undefined);
      // The same seller and invoice type without the fault pass.
      assert.equal(rulesOf(base, ok).includes(rule), false);
    });
  }

  it('names the CSV line and column of a value that breaks a rule', () => {
    const inv = computeInvoice(draft({ currency: 'USD' }, [line(), line({ sourceLine: 7, quantity: new Dec('0.00001') })]), 'FA-2026-00001');
    const byRule = new Map(brfrCheck(base, inv).map((v) => [v.rule, v.source]));
    assert.deepEqual(byRule.get('BR-FR-DEC-02'), { line: 7, column: 'quantity', value: '0.00001' });
    assert.deepEqual(byRule.get('BR-FR-CO-12'), { line: 4, column: 'currency', value: 'USD' });
    const noAddress = brfrCheck(base, withBuyer({ electronicAddress: undefined })).find((v) => v.rule === 'BR-FR-12');
    assert.deepEqual(noAddress?.source, { line: 2, column: 'buyer_electronic_address' });
    // A rule broken by the seller's record has no CSV place.
    assert.equal(brfrCheck(base, computeInvoice(draft(), 'FA.1')).find((v) => v.rule === 'BR-FR-02')?.source, undefined);
  });

  it('a seller who opted for VAT on debits: one TXD mention on services, none on goods', () => {
    const debits = seller({ vatOnDebits: true });
    const txd = (inv: Invoice) => invoiceNotes(debits, inv).filter((n) => n.subjectCode === 'TXD').map((n) => n.content);
    assert.deepEqual(txd(ok), ["Option pour le paiement de la taxe d'après les débits"]);
    assert.deepEqual(txd(computeInvoice(draft({ operationType: 'goods' }), 'FA-2026-00002')), []);
    assert.deepEqual(brfrCheck(debits, ok), []);
  });
});
