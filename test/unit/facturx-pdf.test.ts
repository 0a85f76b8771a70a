import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { displayAmount } from '../../src/core/format.js';
import { Dec } from '../../src/core/money.js';
import { renderCii } from '../../src/facturx/cii.js';
import { renderPdf } from '../../src/facturx/pdf.js';
import { computeInvoice } from '../../src/invoice/compute.js';
import type { Invoice, LineDraft } from '../../src/invoice/model.js';
import { BUYER_SIREN, seller } from '../helpers/sample.js';
import { pdfAttachment, pdfFonts, pdfObjects, pdfText, pdfXmp, qpdfCheck, tempDir } from '../helpers/tools.js';

const lines: LineDraft[] = Array.from({ length: 70 }, (_, i) => ({
  sourceLine: i + 2,
  description: i === 3 ? '=HYPERLINK("http://evil.test") <b>&amp; ]]> Crème brûlée 🎂' : `Prestation n° ${i + 1} — atelier d’écriture, œuvre`,
  quantity: new Dec(i % 3 === 0 ? '3' : '1.5'),
  unitCode: 'HUR',
  unitPrice: new Dec(i % 2 === 0 ? '0.335' : '1234.56'),
  vatCategory: 'S',
  vatRate: new Dec(i % 2 === 0 ? '5.5' : '20'),
}));

describe('Factur-X PDF/A-3', () => {
  const dir = tempDir();
  const file = join(dir.path, 'invoice.pdf');
  let inv: Invoice;
  let xml: string;

  before(async () => {
    inv = computeInvoice(
      {
        ref: 'R1', firstLine: 2, issueDate: '2026-11-20', dueDate: '2026-12-20', serviceDate: '2026-11-20', operationType: 'services', currency: 'EUR', notes: [],
        buyer: { name: 'Boulangerie <Martin> & Fils', siren: BUYER_SIREN, address: { line1: '3 place du Marché', postcode: '75001', city: 'Paris', country: 'FR' } },
        lines,
      },
      'FA-2026-00042',
    );
    xml = renderCii(seller(), inv);
    writeFileSync(file, await renderPdf({ seller: seller(), invoice: inv, xml }));
  });
  after(() => dir.cleanup());

  it('is a structurally sound PDF with every font embedded', () => {
    const check = qpdfCheck(file);
    assert.ok(check.ok, check.output);
    const fonts = pdfFonts(file).split('\n').slice(2).filter((l) => l.trim() !== '');
    assert.ok(fonts.length >= 2);
    for (const f of fonts) assert.match(f, /CID TrueType\s+Identity-H\s+yes yes yes/, f);
  });

  it('embeds factur-x.xml as an associated file, byte for byte', () => {
    assert.equal(pdfAttachment(file), xml);
    const objects = pdfObjects(file);
    const spec = objects.find((o) => o['/Type'] === '/Filespec');
    assert.equal(spec?.['/AFRelationship'], '/Alternative');
    const catalog = objects.find((o) => o['/Type'] === '/Catalog');
    assert.ok(Array.isArray(catalog?.['/AF']) && catalog['/AF'].length === 1);
    assert.ok(Array.isArray(catalog['/OutputIntents']) && catalog['/OutputIntents'].length === 1);
  });

  it('declares PDF/A-3b and the Factur-X EN 16931 profile in its XMP', () => {
    const xmp = pdfXmp(file);
    assert.match(xmp, /<pdfaid:part>3<\/pdfaid:part>/);
    assert.match(xmp, /<pdfaid:conformance>B<\/pdfaid:conformance>/);
    assert.match(xmp, /<fx:DocumentFileName>factur-x\.xml<\/fx:DocumentFileName>/);
    assert.match(xmp, /<fx:ConformanceLevel>EN 16931<\/fx:ConformanceLevel>/);
    assert.match(xmp, /<pdfaSchema:prefix>fx<\/pdfaSchema:prefix>/);
  });

  it('shows the same figures as the XML, across pages, with the text kept literally', () => {
    // pdftotext writes the narrow no-break space of French grouping as a plain space.
    const text = pdfText(file).replace(/[\u00a0\u202f]/g, ' ');
    const shown = (amount: string | Dec) => displayAmount(amount, 'fr').replace(/\u202f/g, ' ');
    assert.match(text, /FA-2026-00042/);
    assert.match(text, /Page 1\/\d/);
    assert.match(text, /Page 2\/\d/);
    const total = (tag: string) => new RegExp(`<ram:${tag}[^>]*>([\\d.]+)</ram:${tag}>`).exec(xml)?.[1] ?? 'missing';
    for (const tag of ['TaxBasisTotalAmount', 'TaxTotalAmount', 'GrandTotalAmount', 'DuePayableAmount']) {
      assert.ok(text.includes(shown(total(tag))), `${tag} ${total(tag)} in the PDF`);
    }
    for (const v of inv.vat) assert.ok(text.includes(shown(v.taxAmount)));
    assert.ok(text.includes('=HYPERLINK("http://evil.test") <b>&amp; ]]>')); // the cell wraps after this
    assert.match(text, /Crème brûlée \?/); // the emoji has no glyph in the font: drawn as "?" (PDF/A forbids .notdef)
    assert.ok(text.includes('Boulangerie <Martin> & Fils'));
    assert.match(text, /Indemnité forfaitaire pour frais de recouvrement/);
    assert.match(text, /FR76 3000 6000 0112 3456 7890 189/);
  });
});

describe('Factur-X PDF: the words the reader reads', () => {
  const dir = tempDir();
  after(() => dir.cleanup());

  const render = async (operationType: Invoice['operationType'], rates: string[], name: string) => {
    const inv = computeInvoice(
      {
        ref: 'R2', firstLine: 2, issueDate: '2027-03-04', dueDate: '2027-04-03', serviceDate: '2027-03-01', operationType, currency: 'EUR', notes: [],
        buyer: { name: 'Épicerie Durand', siren: BUYER_SIREN, address: { line1: '3 place du Marché', postcode: '75001', city: 'Paris', country: 'FR' }, electronicAddress: { scheme: '0225', value: `${BUYER_SIREN}_COMPTA` } },
        lines: rates.map((rate, i) => ({ sourceLine: i + 2, description: `Article ${i + 1}`, quantity: new Dec('2'), unitCode: 'C62', unitPrice: new Dec('10.5'), vatCategory: 'S', vatRate: new Dec(rate) })),
      },
      'FA-2027-00001',
    );
    const xml = renderCii(seller(), inv);
    const file = join(dir.path, `${name}.pdf`);
    writeFileSync(file, await renderPdf({ seller: seller(), invoice: inv, xml }));
    const check = qpdfCheck(file);
    assert.ok(check.ok, check.output);
    assert.equal(pdfAttachment(file), xml);
    // One line per text, whatever wraps in the narrow blocks; pdftotext writes U+202F as a plain space.
    return pdfText(file).replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ');
  };

  it('names each VAT rate by its French name (5.5 % is the reduced rate, not the normal one)', async () => {
    const text = await render('goods', ['5.5', '10', '20', '2.1'], 'rates');
    assert.match(text, /Taux réduit 5,5 %/);
    assert.match(text, /Taux intermédiaire 10 %/);
    assert.match(text, /Taux normal 20 %/);
    assert.match(text, /Taux particulier 2,1 %/);
    assert.doesNotMatch(text, /Taux normal 5,5/);
    assert.doesNotMatch(text, /\b5\.5\b/);
  });

  it('prints both electronic addresses (BT-34, BT-49) with their scheme, and the delivery date for goods', async () => {
    const text = await render('goods', ['20'], 'goods');
    assert.ok(text.includes(`Adresse électronique : ${seller().siren} (SIREN 0225)`), text);
    assert.ok(text.includes(`Adresse électronique : ${BUYER_SIREN}_COMPTA (SIREN 0225)`), text);
    assert.match(text, /Date de livraison/);
    assert.doesNotMatch(text, /Date de la prestation/);
    assert.match(text, /01\/03\/2027/);
    assert.doesNotMatch(text, /2027-03-01/);
  });

  it('says "Date de la prestation" for services and names both for a mixed invoice', async () => {
    assert.match(await render('services', ['20'], 'services'), /Date de la prestation/);
    const mixed = await render('mixed', ['20'], 'mixed');
    // The label wraps on two lines beside its date: its first line is enough to tell it.
    assert.match(mixed, /Date de livraison \//);
    assert.doesNotMatch(mixed, /Date de la prestation/);
  });
});
