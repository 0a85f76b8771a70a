/**
 * Draws one small PDF/A-3 document with the product's writer and writes it
 * to a file: `node --import tsx test/helpers/draw-pdf.ts OUT TEXT`. The
 * writer's tests run it in a process of its own, with no history, and
 * compare its bytes with the same document drawn after many others.
 */
import { writeFileSync } from 'node:fs';
import { loadFonts } from '../../src/facturx/fonts.js';
import { PdfA3Document, type DocumentInfo } from '../../src/facturx/pdfa/document.js';

export const SAMPLE_GEOMETRY = { width: 595.28, height: 841.89, top: 42, bottom: 770 };

/** The fixed information of the writer's test documents, a small attachment among it. */
export const SAMPLE_INFO: DocumentInfo = {
  title: 'Essai é',
  creator: 'mailbot',
  producer: 'mailbot',
  createdAt: new Date('2026-12-05T09:30:00Z'),
  lang: 'fr-FR',
  xmp: '',
  attachment: { name: 'data.xml', mime: 'text/xml', description: 'test', relationship: 'Data', bytes: Buffer.from('<a>é</a>') },
};

/** A new document on the sample page. */
export function sampleDocument(): PdfA3Document {
  return new PdfA3Document(SAMPLE_GEOMETRY, loadFonts());
}

/** The document's bytes: `text` in a cell, in both fonts. */
export function drawSample(text: string): Buffer {
  const doc = sampleDocument();
  doc.canvas.font(false, 10).text(text, 42, 60, 400);
  doc.canvas.font(true, 10).text(text, 42, 200, 400);
  return doc.finish(SAMPLE_INFO);
}

const [out, text] = process.argv.slice(2);
if (out && text !== undefined && import.meta.filename === process.argv[1]) writeFileSync(out, drawSample(text));
