/**
 * Embedded fonts. PDF/A forbids the 14 standard fonts, so every glyph comes
 * from DejaVu (a TTF shipped by an npm package). The fonts are parsed once
 * per process and the parsed objects reused by every document: reparsing a
 * 750 KB TTF per invoice would cost more than drawing it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';
import { readFontTables, TrueTypeSubset } from './subset.js';

const require = createRequire(import.meta.url);

export interface FontSet {
  regular: fontkit.Font;
  bold: fontkit.Font;
}

let cached: FontSet | undefined;

export function loadFonts(): FontSet {
  if (!cached) {
    const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    const load = (name: string) => {
      const file = readFileSync(join(dir, name));
      return forEmbedding(fontkit.create(file), file);
    };
    cached = { regular: load('DejaVuSans.ttf'), bold: load('DejaVuSans-Bold.ttf') };
  }
  return cached;
}

/**
 * The parsed font as pdfkit reads it, whose subsets are written from the
 * font file's own tables (subset.ts). A view whose prototype is the font:
 * every other read goes straight to the font.
 */
function forEmbedding(font: fontkit.Font, file: Uint8Array): fontkit.Font {
  const tables = readFontTables(file);
  const view = Object.create(font) as fontkit.Font;
  Object.defineProperty(view, 'createSubset', { value: () => new TrueTypeSubset(tables) });
  return view;
}

/** pdfkit's per-document font (EmbeddedFont), the part of it read here. */
interface DocumentFont {
  font: object;
  /** Shapes one word and scales it to 1/1000 em: a new run, never shared. */
  layoutRun(text: string): unknown;
  /** The scaled run of one word, from pdfkit's cache of this document. */
  layoutCached(text: string): unknown;
}

/** Enough for the words every invoice repeats; amounts and names come and go. */
const LAYOUT_CACHE_LIMIT = 4_000;

/**
 * Each font's scaled word runs, in two generations: a hit costs one lookup,
 * and when the young one is full the old one is let go, so a word still in
 * use survives (it moved to the young one when it was last asked for) and
 * the cache holds at most twice the limit.
 */
class WordRuns {
  private young = new Map<string, unknown>();
  private old = new Map<string, unknown>();

  get(text: string, make: (text: string) => unknown): unknown {
    let run = this.young.get(text);
    if (run !== undefined) return run;
    run = this.old.get(text) ?? make(text);
    if (this.young.size >= LAYOUT_CACHE_LIMIT) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(text, run);
    return run;
  }
}

const sharedRuns = new WeakMap<object, WordRuns>();

/**
 * Text shaping (OpenType GSUB/GPOS) and its scaling are the costliest steps
 * of measuring and drawing a word, and pdfkit caches them per document only.
 * The same words recur on every invoice ("Total HT", labels, dates,
 * amounts), so each font's scaled runs are kept for the whole process.
 * pdfkit only reads a run once made (it copies positions before it changes
 * one), so documents may share them.
 */
export function shareWordLayouts(doc: PDFKit.PDFDocument, fontNames: readonly string[]): void {
  for (const name of fontNames) {
    doc.font(name);
    const documentFont = (doc as unknown as { _font: DocumentFont })._font;
    let runs = sharedRuns.get(documentFont.font);
    if (!runs) sharedRuns.set(documentFont.font, (runs = new WordRuns()));
    const cache = runs;
    const make = (text: string) => documentFont.layoutRun(text);
    documentFont.layoutCached = (text: string): unknown => cache.get(text, make);
  }
}

/**
 * PDF/A-2/3 forbid references to the .notdef glyph (ISO 19005-2 §6.2.11.8):
 * characters the font cannot draw (emoji, rare scripts) are shown as "?".
 * The XML keeps the exact text.
 */
export function drawable(font: fontkit.Font, text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 63;
    if (cp === 10 || cp === 9) out += ch;
    else if (cp < 32 || (cp >= 0x7f && cp < 0xa0)) continue;
    else out += font.hasGlyphForCodePoint(cp) ? ch : '?';
  }
  return out;
}
