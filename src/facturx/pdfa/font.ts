/**
 * Fonts in the invoice's PDF: text measured and encoded word by word, and
 * each document's glyphs embedded as a TrueType subset (ISO 32000-1 §9.7,
 * Type0 font with an Identity-H CIDFontType2 descendant).
 *
 * A character code (CID) is the glyph's id in the whole font, so a word's
 * codes are the same in every document and are computed once per process.
 * The subset renumbers the glyphs it keeps, and the CIDToGIDMap stream
 * says where each CID went (§9.7.4.2; PDF/A allows it, ISO 19005-2
 * §6.2.11.3.2). A document's font objects depend only on the set of glyphs
 * it used, so a batch whose invoices use the same glyphs embeds bytes
 * compressed once.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import type * as fontkit from 'fontkit';
import { readFontTables, TrueTypeSubset, type FontTables } from '../subset.js';
import { num } from './syntax.js';
import type { PdfWriter, Ref } from './writer.js';

/** A piece of text shaped once per process: a word and the space after it, or a space. */
export interface Shaped {
  /** Advance of the whole piece, in 1/1000 em. */
  width: number;
  /** Advance without its trailing space, which hangs past a wrapped line's end. */
  inkWidth: number;
  /** The piece in a TJ array: glyph codes in hex, kerning between them (§9.4.3). */
  tj: string;
  glyphs: readonly number[];
}

/** The objects a glyph set embeds, compressed; the same for every document that uses that set. */
interface Program {
  tag: string;
  fontFile: Buffer;
  fontFileLength: number;
  cidToGid: Buffer;
  toUnicode: Buffer;
  widths: string;
}

/** Two generations: a hit costs one lookup; when the young one is full, the old one is let go. */
class Generations<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  constructor(private readonly limit: number) {}

  get(key: string, make: (key: string) => V): V {
    let value = this.young.get(key);
    if (value !== undefined) return value;
    value = this.old.get(key) ?? make(key);
    if (this.young.size >= this.limit) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
    return value;
  }
}

/** Enough for the words every invoice repeats; amounts and names come and go. */
const WORD_CACHE_LIMIT = 4_000;
/** Glyph sets kept compressed per font. */
const PROGRAM_CACHE_LIMIT = 32;

/** A 16-bit code in four hex digits (glyph ids, UTF-16 units). */
const hex4 = (n: number) => n.toString(16).padStart(4, '0');

/** One font file, parsed once per process, its words shaped once per process. */
export class FontFace {
  /** Font units to 1/1000 em. */
  readonly scale: number;
  readonly ascent: number;
  readonly descent: number;
  readonly lineGap: number;
  private readonly tables: FontTables;
  private readonly words = new Generations<Shaped>(WORD_CACHE_LIMIT);
  private readonly programs = new Generations<Program>(PROGRAM_CACHE_LIMIT);
  /** The characters a glyph stands for, for ToUnicode: the font's own mapping, or what it was shaped from (ligatures). */
  private readonly shapedFrom = new Map<number, number[]>();
  /** Each glyph's first character in the font's cmap, built when the first subset is written. */
  private cmapOf: Map<number, number> | undefined;
  /** Per character of the Basic Multilingual Plane: 0 not asked yet, 1 drawn, 2 not in the font. */
  private readonly drawableBmp = new Uint8Array(0x10000);

  constructor(
    readonly font: fontkit.Font,
    file: Uint8Array,
  ) {
    this.tables = readFontTables(file);
    this.scale = 1000 / font.unitsPerEm;
    this.ascent = font.ascent * this.scale;
    this.descent = font.descent * this.scale;
    this.lineGap = font.lineGap * this.scale;
  }

  /** Whether the font draws `codePoint` (its cmap maps it to a glyph other than .notdef); asked once per character. */
  hasGlyph(codePoint: number): boolean {
    if (codePoint >= this.drawableBmp.length) return this.font.hasGlyphForCodePoint(codePoint);
    let known = this.drawableBmp[codePoint];
    if (known === 0) this.drawableBmp[codePoint] = known = this.font.hasGlyphForCodePoint(codePoint) ? 1 : 2;
    return known === 1;
  }

  /**
   * `text` as the font can draw it: line breaks kept, a tab made a space,
   * other control characters dropped, and "?" for a character the font
   * lacks, since PDF/A forbids drawing .notdef (ISO 19005-2 §6.2.11.8).
   * Every piece is shaped through it, whoever passes the text.
   */
  drawable(text: string): string {
    let out = '';
    for (const ch of text) {
      const cp = ch.codePointAt(0) ?? 0;
      if (cp === 10) out += ch;
      else if (cp === 9) out += ' ';
      else if (cp < 32 || (cp >= 0x7f && cp < 0xa0)) continue;
      else out += this.hasGlyph(cp) ? ch : '?';
    }
    return out;
  }

  /** Line height at `size` points: ascent to descent plus the font's line gap. */
  lineHeight(size: number): number {
    return ((this.ascent - this.descent + this.lineGap) * size) / 1000;
  }

  /** A word and its trailing space, or a space, shaped (OpenType GSUB/GPOS through fontkit). */
  shape(piece: string): Shaped {
    return this.words.get(piece, this.shapeNew);
  }

  private readonly shapeNew = (piece: string): Shaped => {
    const run = this.font.layout(this.drawable(piece));
    const { scale } = this;
    let width = 0;
    let tj = '<';
    const glyphs: number[] = [];
    run.glyphs.forEach((glyph, i) => {
      const advance = run.positions[i]?.xAdvance ?? glyph.advanceWidth;
      width += advance;
      glyphs.push(glyph.id);
      tj += hex4(glyph.id);
      if (!this.shapedFrom.has(glyph.id)) this.shapedFrom.set(glyph.id, glyph.codePoints);
      // Kerning: the next glyph moves by the difference, in thousandths of the size (positive moves left).
      if (advance !== glyph.advanceWidth) tj += `>${num((glyph.advanceWidth - advance) * scale)}<`;
    });
    const last = run.glyphs.length - 1;
    const trailing = /[ \t]$/.test(piece) && last >= 0 ? (run.positions[last]?.xAdvance ?? 0) : 0;
    return { width: width * scale, inkWidth: (width - trailing) * scale, tj: `${tj}>`, glyphs };
  };

  /** Width of `text` (one line) at `size` points. */
  widthOf(text: string, size: number): number {
    let width = 0;
    forEachPiece(text, (piece) => (width += this.shape(piece).width));
    return (width * size) / 1000;
  }

  /** The objects that embed `glyphs` (sorted ids, .notdef first), written once per glyph set and cached compressed. */
  program(glyphs: readonly number[]): Program {
    return this.programs.get(glyphs.join(','), () => this.makeProgram(glyphs));
  }

  private makeProgram(glyphs: readonly number[]): Program {
    const subset = new TrueTypeSubset(this.tables);
    for (const g of glyphs) subset.includeGlyph(g);
    const file = subset.encode();
    const maxCid = glyphs[glyphs.length - 1] ?? 0;
    const cidToGid = new Uint8Array(2 * (maxCid + 1));
    let widths = '';
    let runStart = -2;
    let previous = -2;
    let unicode = '';
    let unicodeCount = 0;
    const unicodeBlocks: string[] = [];
    for (const g of glyphs) {
      const id = subset.includeGlyph(g);
      cidToGid[2 * g] = id >> 8;
      cidToGid[2 * g + 1] = id & 0xff;
      // W (§9.7.4.3): runs of consecutive CIDs, each run's widths in one array, from the subset's own hmtx.
      const w = num(this.advance(g) * this.scale);
      if (g === previous + 1) widths += ` ${w}`;
      else {
        widths += `${runStart >= 0 ? '] ' : ''}${g} [${w}`;
        runStart = g;
      }
      previous = g;
      const chars = this.charactersOf(g);
      if (g !== 0 && chars.length > 0) {
        unicode += `<${hex4(g)}> <${chars.map(utf16).join('')}>\n`;
        // At most 100 entries per bfchar block (§9.10.3, after Adobe's CMap specification).
        if (++unicodeCount % 100 === 0) {
          unicodeBlocks.push(unicode);
          unicode = '';
        }
      }
    }
    if (unicode) unicodeBlocks.push(unicode);
    widths += ']';
    const toUnicode = [
      '/CIDInit /ProcSet findresource begin',
      '12 dict begin',
      'begincmap',
      '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
      '/CMapName /Adobe-Identity-UCS def',
      '/CMapType 2 def',
      '1 begincodespacerange',
      '<0000> <FFFF>',
      'endcodespacerange',
      ...unicodeBlocks.map((b) => `${b.split('\n').length - 1} beginbfchar\n${b}endbfchar`),
      'endcmap',
      'CMapName currentdict /CMap defineresource pop',
      'end',
      'end',
    ].join('\n');
    // A subset's name starts with six capital letters of its own (§9.6.4), here from its glyphs.
    const digest = createHash('md5').update(glyphs.join(',')).digest();
    const tag = Array.from(digest.subarray(0, 6), (b) => String.fromCharCode(65 + (b % 26))).join('');
    return {
      tag,
      fontFile: deflateSync(file),
      fontFileLength: file.length,
      cidToGid: deflateSync(cidToGid),
      toUnicode: deflateSync(Buffer.from(toUnicode, 'latin1')),
      widths,
    };
  }

  /** The glyph's advance as the font's hmtx holds it, in font units. */
  private advance(gid: number): number {
    const { hmtx, numberOfHMetrics } = this.tables;
    const at = 4 * Math.min(gid, numberOfHMetrics - 1);
    return ((hmtx[at] ?? 0) << 8) | (hmtx[at + 1] ?? 0);
  }

  private charactersOf(gid: number): number[] {
    // The font's cmap first, so that a glyph two characters share maps to the same one in every document
    // (fontkit's own glyph objects keep the characters of whichever text first drew them).
    this.cmapOf ??= reverseCmap(this.font);
    const own = this.cmapOf.get(gid);
    if (own === undefined) return this.shapedFrom.get(gid) ?? [];
    // A ligature the cmap gives as its presentation form (U+FB01 "ﬁ") is read as the letters it joins.
    if (own >= 0xfb00 && own <= 0xfb06) return Array.from(String.fromCodePoint(own).normalize('NFKD'), (c) => c.codePointAt(0) ?? 0);
    return [own];
  }

  /** The PostScript name, without what PDF names may not hold. */
  get baseName(): string {
    return this.font.postscriptName.replace(/[^A-Za-z0-9-]/g, '_');
  }

  /** The font's descriptor values (§9.8.1), in 1/1000 em. */
  descriptorEntries(): string {
    const { bbox } = this.font;
    const s = this.scale;
    return `/Flags 4 /FontBBox [${[bbox.minX, bbox.minY, bbox.maxX, bbox.maxY].map((v) => num(v * s)).join(' ')}] /ItalicAngle ${num(this.font.italicAngle)} /Ascent ${num(this.ascent)} /Descent ${num(this.descent)} /CapHeight ${num((this.font.capHeight || this.font.ascent) * s)} /StemV 0`;
  }
}

/** Glyph id to the smallest character the font's cmap maps to it. */
function reverseCmap(font: fontkit.Font): Map<number, number> {
  const out = new Map<number, number>();
  for (const cp of [...font.characterSet].sort((a, b) => a - b)) {
    const gid = font.glyphForCodePoint(cp).id;
    if (gid !== 0 && !out.has(gid)) out.set(gid, cp);
  }
  return out;
}

/** UTF-16BE hex of one code point. */
function utf16(cp: number): string {
  if (cp < 0x10000) return hex4(cp);
  const v = cp - 0x10000;
  return `${hex4(0xd800 + (v >> 10))}${hex4(0xdc00 + (v & 0x3ff))}`;
}

/** Calls `each` with every piece of one line: a word with the space or tab after it, or a lone space. */
export function forEachPiece(text: string, each: (piece: string) => void): void {
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9) {
      each(text.slice(last, i + 1));
      last = i + 1;
    }
  }
  if (last < text.length) each(text.slice(last));
}

/** A face as one document uses it: the glyphs it drew, embedded when the document ends. */
export class DocumentFont {
  private readonly used: Uint8Array;
  private readonly seen = new Set<Shaped>();
  readonly ref: Ref;

  constructor(
    readonly face: FontFace,
    readonly resourceName: string,
    writer: PdfWriter,
  ) {
    this.used = new Uint8Array(face.font.numGlyphs);
    this.ref = writer.reserve();
  }

  /** The TJ array's inside for one line, its glyphs counted as used. */
  encode(text: string): string {
    let tj = '';
    forEachPiece(text, (piece) => {
      const shaped = this.face.shape(piece);
      if (!this.seen.has(shaped)) {
        this.seen.add(shaped);
        for (const g of shaped.glyphs) this.used[g] = 1;
      }
      tj += shaped.tj;
    });
    return tj;
  }

  /** Writes the font's objects under its reserved reference. */
  embed(writer: PdfWriter): void {
    const glyphs = [0];
    for (let g = 1; g < this.used.length; g++) if (this.used[g]) glyphs.push(g);
    const p = this.face.program(glyphs);
    const name = `/${p.tag}+${this.face.baseName}`;
    const fontFile = writer.stream(` /Length1 ${p.fontFileLength}`, p.fontFile, { deflated: true });
    const descriptor = writer.object(`<</Type /FontDescriptor /FontName ${name} ${this.face.descriptorEntries()} /FontFile2 ${fontFile}>>`);
    const cidToGid = writer.stream('', p.cidToGid, { deflated: true });
    const cidFont = writer.object(
      `<</Type /Font /Subtype /CIDFontType2 /BaseFont ${name} /CIDSystemInfo <</Registry (Adobe) /Ordering (Identity) /Supplement 0>> /FontDescriptor ${descriptor} /W [${p.widths}] /CIDToGIDMap ${cidToGid}>>`,
    );
    const toUnicode = writer.stream('', p.toUnicode, { deflated: true });
    writer.object(`<</Type /Font /Subtype /Type0 /BaseFont ${name} /Encoding /Identity-H /DescendantFonts [${cidFont}] /ToUnicode ${toUnicode}>>`, this.ref);
  }
}

