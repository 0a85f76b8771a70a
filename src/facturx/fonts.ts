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

const require = createRequire(import.meta.url);

export interface FontSet {
  regular: fontkit.Font;
  bold: fontkit.Font;
}

let cached: FontSet | undefined;

export function loadFonts(): FontSet {
  if (!cached) {
    const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    cached = {
      regular: withLayoutCache(fontkit.create(readFileSync(join(dir, 'DejaVuSans.ttf')))),
      bold: withLayoutCache(fontkit.create(readFileSync(join(dir, 'DejaVuSans-Bold.ttf')))),
    };
  }
  return cached;
}

interface Position {
  xAdvance: number;
  yAdvance: number;
  xOffset: number;
  yOffset: number;
}
interface Run {
  glyphs: unknown[];
  positions: Position[];
}

/** A glyph run as pdfkit expects it: its own positions (pdfkit scales them in place). */
class RunCopy {
  readonly glyphs: unknown[];
  readonly positions: Position[];

  constructor(run: Run) {
    this.glyphs = run.glyphs;
    this.positions = run.positions.map((p) => ({ xAdvance: p.xAdvance, yAdvance: p.yAdvance, xOffset: p.xOffset, yOffset: p.yOffset }));
  }

  get advanceWidth(): number {
    let width = 0;
    for (const p of this.positions) width += p.xAdvance;
    return width;
  }
}

/** Enough for the words every invoice repeats; amounts and names come and go. */
const LAYOUT_CACHE_LIMIT = 4_000;

/**
 * Every document's font subset copies the outlines of the glyphs it uses and
 * decodes each glyph header to find composite parts; fontkit decodes it anew
 * each time. Embedding only reads the decoded header (outlines are copied as
 * bytes; glyph paths, the one user that transforms points, are never drawn
 * here), so it is kept on the glyph.
 */
function memoiseGlyphDecoding(font: fontkit.Font): void {
  const proto = Object.getPrototypeOf((font as unknown as { getGlyph(id: number): object }).getGlyph(0)) as { _decode?: () => unknown; __memoised?: boolean };
  const original = proto._decode;
  if (!original || proto.__memoised) return;
  proto.__memoised = true;
  proto._decode = function (this: { __decoded?: unknown }) {
    if (!('__decoded' in this)) this.__decoded = original.call(this);
    return this.__decoded;
  };
}

/**
 * Text shaping (OpenType GSUB/GPOS) is the costliest step of drawing an
 * invoice, and pdfkit caches it per document only. The same words recur on
 * every invoice ("Total HT", labels, dates, amounts), so shaped runs are
 * kept per font for the whole process; each caller gets its own positions.
 */
function withLayoutCache(font: fontkit.Font): fontkit.Font {
  memoiseGlyphDecoding(font);
  const runs = new Map<string, Run>();
  const layout = (text: string, features?: unknown): unknown => {
    if (features) return font.layout(text, features);
    let run = runs.get(text);
    if (run) {
      // Least recently used first out: a hit moves to the end of the Map's order.
      runs.delete(text);
    } else {
      run = font.layout(text) as Run;
      if (runs.size >= LAYOUT_CACHE_LIMIT) runs.delete(runs.keys().next().value as string);
    }
    runs.set(text, run);
    return new RunCopy(run);
  };
  const proxy: fontkit.Font = new Proxy(font, {
    get(target, prop) {
      if (prop === 'layout') return layout;
      // The subset is built on the proxy so that it reads the tables below through it.
      if (prop === 'createSubset') return () => (target as unknown as { createSubset(this: unknown): unknown }).createSubset.call(proxy);
      // TrueType hinting programs are for screen rasterisers at small sizes; PDF viewers
      // do without them, and re-encoding them in every document's subset is costly.
      if (prop === 'cvt ' || prop === 'fpgm' || prop === 'prep') return undefined;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return proxy;
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
