/**
 * Short texts drawn without pdfkit's line wrapper. Most texts of an invoice
 * (amounts, quantities, rates, labels, address lines) fit on their lines of
 * their cell, and the wrapper, which finds break opportunities (UAX #14)
 * and measures word by word, costs more than drawing them. A text whose
 * every line fits is drawn where the wrapper would put it, and leaves the
 * cursor where the wrapper would leave it; any other text (a line too wide
 * or empty, or lines past the page's end) goes through the wrapper as before.
 */

type Align = 'left' | 'right';

/** Each line of `text` with its width when every one fits on one line of `width`, else undefined. */
function fittingLines(doc: PDFKit.PDFDocument, text: string, width: number): [string, number][] | undefined {
  const lines = text.split('\n');
  const measured: [string, number][] = [];
  for (const line of lines) {
    if (line === '') return undefined;
    const w = doc.widthOfString(line);
    if (w > width) return undefined;
    measured.push([line, w]);
  }
  return measured;
}

/**
 * What `doc.text(text, x, y, { width, align, ...more })` draws, and the
 * cursor it leaves. `more` may only hold options that change nothing for a
 * text that fits (`lineBreak: false`, a `height` of at least one line).
 */
export function cellText(doc: PDFKit.PDFDocument, text: string, x: number, y: number, width: number, align: Align = 'left', more?: PDFKit.Mixins.TextOptions): PDFKit.PDFDocument {
  const lines = fittingLines(doc, text, width);
  const lineHeight = doc.currentLineHeight(true);
  // Lines past the page's end are the wrapper's to carry over to the next page.
  if (!lines || y + lines.length * lineHeight > doc.page.maxY()) return doc.text(text, x, y, { width, align, ...more });
  let lineY = y;
  for (const [line, w] of lines) {
    // The wrapper aligns a line on its width without trailing spaces.
    const trimmed = line.trimEnd();
    const drawn = align === 'right' && trimmed !== line ? doc.widthOfString(trimmed) : w;
    const wordCount = trimmed === '' ? 0 : trimmed.trimStart().split(/\s+/).length;
    // textWidth and wordCount spare pdfkit measuring the line again.
    doc.text(line, align === 'right' ? x + width - drawn : x, lineY, { lineBreak: false, textWidth: w, wordCount } as PDFKit.Mixins.TextOptions);
    lineY += lineHeight;
  }
  doc.x = x;
  doc.y = lineY;
  return doc;
}

/** `doc.heightOfString(text, { width })`. */
export function cellHeight(doc: PDFKit.PDFDocument, text: string, width: number): number {
  const lines = fittingLines(doc, text, width);
  return lines ? lines.length * doc.currentLineHeight(true) : doc.heightOfString(text, { width });
}
