import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import PDFDocument from 'pdfkit';
import { cellHeight, cellText } from '../../src/facturx/cells.js';
import { loadFonts, shareWordLayouts } from '../../src/facturx/fonts.js';

type Align = 'left' | 'right';
interface Case {
  text: string;
  x: number;
  y: number;
  width: number;
  align?: Align;
  more?: PDFKit.Mixins.TextOptions;
}

/** A document drawn with the same fonts, one way or the other; its bytes (uncompressed, dated) and the cursor after each text. */
async function draw(cases: readonly Case[], how: 'pdfkit' | 'cells', shared: boolean): Promise<{ bytes: Buffer; cursors: string[]; heights: number[] }> {
  const fonts = loadFonts();
  const doc = new PDFDocument({ size: 'A4', margin: 42, compress: false, font: null as unknown as string, info: { CreationDate: new Date('2026-01-01T00:00:00Z') } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
  });
  doc.registerFont('regular', fonts.regular as unknown as Buffer);
  doc.registerFont('bold', fonts.bold as unknown as Buffer);
  if (shared) shareWordLayouts(doc, ['bold', 'regular']);
  const cursors: string[] = [];
  const heights: number[] = [];
  cases.forEach((c, i) => {
    doc.font(i % 3 === 0 ? 'bold' : 'regular').fontSize(7 + (i % 4) * 1.5);
    heights.push(how === 'pdfkit' ? doc.heightOfString(c.text, { width: c.width }) : cellHeight(doc, c.text, c.width));
    if (how === 'pdfkit') doc.text(c.text, c.x, c.y, { width: c.width, align: c.align ?? 'left', ...c.more });
    else cellText(doc, c.text, c.x, c.y, c.width, c.align, c.more);
    cursors.push(`${doc.x.toFixed(6)},${doc.y.toFixed(6)}`);
  });
  doc.end();
  return { bytes: await done, cursors, heights };
}

const CASES: Case[] = [
  { text: '1 234,56 €', x: 300, y: 60, width: 74, align: 'right' },
  { text: 'Total HT', x: 42, y: 80, width: 120 },
  { text: 'N° TVA : FR12345678901   ', x: 320, y: 100, width: 200, align: 'right' },
  { text: '  indented words', x: 42, y: 120, width: 200 },
  { text: '12 rue de la Paix\n75002 Paris\nSIREN 123456789', x: 42, y: 140, width: 300 },
  { text: 'a designation far too long to stand on one line of a narrow cell of the lines table', x: 42, y: 200, width: 120 },
  { text: 'first line\n\nafter an empty one', x: 42, y: 260, width: 300 },
  { text: '', x: 42, y: 300, width: 100 },
  { text: 'Crème brûlée — œuvre', x: 42, y: 320, width: 200, align: 'right' },
  { text: 'Net à payer', x: 306, y: 340, width: 125, more: { lineBreak: false, height: 12 } },
  { text: 'a footer longer than its line, cut where pdfkit cuts it when it may not break', x: 42, y: 360, width: 90, more: { lineBreak: false, height: 10 } },
  { text: 'Page 1/2', x: 431, y: 380, width: 80, align: 'right', more: { lineBreak: false } },
  { text: 'near the end of the page\nwith a second line', x: 42, y: 790, width: 300 },
];

describe('PDF cells: short texts drawn without the line wrapper', () => {
  it('draw the same bytes, measure the same heights and leave the same cursor as pdfkit does', async () => {
    const theirs = await draw(CASES, 'pdfkit', false);
    const ours = await draw(CASES, 'cells', false);
    assert.deepEqual(ours.heights, theirs.heights);
    assert.deepEqual(ours.cursors, theirs.cursors);
    assert.ok(ours.bytes.equals(theirs.bytes), 'the documents differ');
  });

  it('draw the same bytes with word layouts shared between documents, after the shared cache turned over', async () => {
    const alone = await draw(CASES, 'cells', false);
    // Far more distinct words than the cache keeps, so that both of its generations are replaced.
    const many = Array.from({ length: 9_000 }, (_, i) => ({ text: `mot${i} ${i * 7}`, x: 42, y: 60 + (i % 60) * 12, width: 200 }));
    for (let from = 0; from < many.length; from += 1_500) await draw(many.slice(from, from + 1_500), 'cells', true);
    const first = await draw(CASES, 'cells', true);
    const again = await draw(CASES, 'cells', true);
    assert.ok(first.bytes.equals(alone.bytes), 'sharing layouts changed the document');
    assert.ok(again.bytes.equals(alone.bytes), 'a document drawn from cached layouts differs');
  });
});
