// The parts of fontkit this project uses; the package ships no type declarations.
declare module 'fontkit' {
  export interface Glyph {
    id: number;
    /** The characters the glyph stands for: from the text it was shaped from, or the font's cmap. */
    codePoints: number[];
    /** In font units (unitsPerEm to the em). */
    advanceWidth: number;
  }
  export interface GlyphPosition {
    /** In font units; differs from the glyph's advanceWidth where GPOS kerning applies. */
    xAdvance: number;
  }
  export interface GlyphRun {
    glyphs: Glyph[];
    positions: GlyphPosition[];
  }
  export interface Font {
    postscriptName: string;
    unitsPerEm: number;
    ascent: number;
    descent: number;
    lineGap: number;
    capHeight?: number;
    italicAngle: number;
    bbox: { minX: number; minY: number; maxX: number; maxY: number };
    numGlyphs: number;
    /** Every character the cmap maps. */
    characterSet: number[];
    hasGlyphForCodePoint(codePoint: number): boolean;
    glyphForCodePoint(codePoint: number): Glyph;
    layout(text: string, features?: unknown): GlyphRun;
    getGlyph(id: number): Glyph;
  }
  export function create(buffer: Uint8Array, postscriptName?: string): Font;
}
