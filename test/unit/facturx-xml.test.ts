import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dec } from '../../src/core/money.js';
import { renderCii } from '../../src/facturx/cii.js';
import { computeInvoice } from '../../src/invoice/compute.js';
import type { InvoiceDraft, LineDraft } from '../../src/invoice/model.js';
import { selfCheck } from '../../src/invoice/selfcheck.js';
import { BUYER_SIREN, franchiseSeller, seller } from '../helpers/sample.js';
import { xsdErrors } from '../helpers/tools.js';

const line = (over: Partial<LineDraft> = {}): LineDraft => ({
  sourceLine: 2,
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
  buyer: { name: 'Boulangerie Martin SAS', siren: BUYER_SIREN, vatId: 'FR40123456790', address: { line1: '3 place du Marché', postcode: '75001', city: 'Paris', country: 'FR' }, email: 'compta@martin.test', electronicAddress: { value: BUYER_SIREN, scheme: '0225' } },
  lines,
  ...over,
});

describe('CII XML (Factur-X EN 16931)', () => {
  it('is valid against the Factur-X 1.07.3 EN 16931 XSD and carries the French mentions', () => {
    const inv = computeInvoice(draft({ purchaseOrder: 'PO-7', buyerReference: 'SERVICE-ACHATS', notes: ['Merci'] }, [line(), line({ vatRate: new Dec('5.5'), unitPrice: new Dec('0.335'), quantity: new Dec('3') })]), 'FA-2026-00001');
    const xml = renderCii(seller(), inv);
    assert.equal(xsdErrors(xml), '');
    assert.match(xml, /<ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen\.eu:en16931:2017<\/ram:ID>/);
    assert.match(xml, /<ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">123456782<\/ram:ID>/); // seller SIREN, BT-30
    assert.match(xml, /<ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">123456790<\/ram:ID>/); // buyer SIREN, BT-47
    assert.match(xml, /<ram:TypeCode>58<\/ram:TypeCode>/);
    assert.match(xml, /<ram:IBANID>FR7630006000011234567890189<\/ram:IBANID>/);
    assert.match(xml, /<ram:BICID>AGRIFRPPXXX<\/ram:BICID>/);
    assert.match(xml, /40 €/); // recovery indemnity (C. com. L441-10)
    assert.match(xml, /<ram:SubjectCode>PMD<\/ram:SubjectCode>/);
    assert.match(xml, /Prestation de services/);
    assert.match(xml, /<ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>S1<\/ram:ID>/);
    // 2 × 85.50 = 171.00 at 20 %; 3 × 0.335 = 1.005 → 1.01 at 5.5 %.
    assert.match(xml, /<ram:LineTotalAmount>172\.01<\/ram:LineTotalAmount>/);
    assert.match(xml, /<ram:TaxTotalAmount currencyID="EUR">34\.26<\/ram:TaxTotalAmount>/); // 34.20 + 0.06
    assert.match(xml, /<ram:DuePayableAmount>206\.27<\/ram:DuePayableAmount>/);
  });

  it('keeps injection-like text literally, escaped once', () => {
    const text = '=HYPERLINK("http://evil.test","x") <b>&amp; ]]> Tom & Jerry';
    const inv = computeInvoice(draft({ buyer: { ...draft().buyer, name: text } }, [line({ description: text })]), 'FA-2026-00002');
    const xml = renderCii(seller(), inv);
    assert.equal(xsdErrors(xml), '');
    const escaped = '=HYPERLINK(&quot;http://evil.test&quot;,&quot;x&quot;) &lt;b&gt;&amp;amp; ]]&gt; Tom &amp; Jerry';
    assert.ok(xml.includes(`<ram:Name>${escaped}</ram:Name>`));
    assert.ok(!xml.includes('<b>'));
  });

  it('writes the franchise en base exemption (VATEX-FR-FRANCHISE, art. 293 B)', () => {
    const franchise = franchiseSeller();
    const inv = computeInvoice(
      draft({}, [line({ vatCategory: 'E', vatRate: new Dec(0), exemptionReason: 'TVA non applicable, art. 293 B du CGI', exemptionCode: 'VATEX-FR-FRANCHISE' })]),
      'MM260001',
    );
    assert.deepEqual(selfCheck(franchise, inv), []);
    const xml = renderCii(franchise, inv);
    assert.equal(xsdErrors(xml), '');
    assert.match(xml, /<ram:ExemptionReason>TVA non applicable, art\. 293 B du CGI<\/ram:ExemptionReason>/);
    assert.match(xml, /<ram:ExemptionReasonCode>VATEX-FR-FRANCHISE<\/ram:ExemptionReasonCode>/);
    assert.match(xml, /<ram:TaxTotalAmount currencyID="EUR">0\.00<\/ram:TaxTotalAmount>/);
  });

  it('writes reverse charge, intra-community and out-of-scope invoices the way their rules ask', () => {
    const k = computeInvoice(
      draft({ buyer: { name: 'Bakkerij BV', vatId: 'NL123456789B01', address: { line1: 'Dam 1', postcode: '1012 JS', city: 'Amsterdam', country: 'NL' }, electronicAddress: { value: 'factures@bakkerij.test', scheme: 'EM' } } }, [
        line({ vatCategory: 'K', vatRate: new Dec(0), exemptionReason: 'Exonération de TVA, article 262 ter I du CGI', exemptionCode: 'VATEX-EU-IC' }),
      ]),
      'FA-2026-00003',
    );
    const kXml = renderCii(seller(), k);
    assert.equal(xsdErrors(kXml), '');
    assert.match(kXml, /<ram:ShipToTradeParty>/); // BR-IC-12 deliver-to country
    const o = computeInvoice(draft({}, [line({ vatCategory: 'O', vatRate: new Dec(0), exemptionReason: 'Non soumis à la TVA' })]), 'FA-2026-00004');
    const oXml = renderCii(seller(), o);
    assert.equal(xsdErrors(oXml), '');
    assert.doesNotMatch(oXml, /schemeID="VA"/); // BR-O-2..4: no VAT identifiers
    assert.doesNotMatch(oXml, /RateApplicablePercent/); // BR-O-5, BR-O-9
  });
});
