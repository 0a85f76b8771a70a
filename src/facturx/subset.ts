/**
 * The TrueType font program a PDF embeds (ISO 32000-1 §9.9, FontFile2):
 * only the glyphs a document uses, in the order they are given, with the
 * tables a PDF reader needs to draw them (head, hhea, loca, maxp, glyf,
 * hmtx; the hinting programs cvt, fpgm and prep are left out, as PDF viewers
 * do without them). Written with the font's own bytes, read once per
 * process: fontkit's subset decodes and re-encodes every table of every
 * document, which cost more than drawing the page. The bytes are those
 * fontkit writes for the same glyphs (checked by test/unit/pdf-subset).
 *
 * The tables' layout follows the OpenType specification (table directory,
 * 'head', 'hhea', 'maxp', 'hmtx', 'loca', 'glyf').
 */

/** A TrueType font's tables as its file holds them. */
export interface FontTables {
  head: Uint8Array;
  hhea: Uint8Array;
  maxp: Uint8Array;
  hmtx: Uint8Array;
  glyf: Uint8Array;
  /** Where each glyph starts in glyf, and where the last ends (numGlyphs + 1 offsets). */
  loca: Uint32Array;
  numberOfHMetrics: number;
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** The tables of a TrueType font file (an OpenType font with glyf outlines). */
export function readFontTables(file: Uint8Array): FontTables {
  const dv = view(file);
  const tables = new Map<string, Uint8Array>();
  const count = dv.getUint16(4);
  for (let i = 0; i < count; i++) {
    const at = 12 + 16 * i;
    const tag = String.fromCharCode(file[at] ?? 0, file[at + 1] ?? 0, file[at + 2] ?? 0, file[at + 3] ?? 0);
    // Plain views, never Buffers: a Buffer's slice() would share the font's bytes.
    tables.set(tag, new Uint8Array(file.buffer, file.byteOffset + dv.getUint32(at + 8), dv.getUint32(at + 12)));
  }
  const table = (tag: string): Uint8Array => {
    const t = tables.get(tag);
    if (!t) throw new Error(`the font has no ${tag} table`);
    return t;
  };
  const head = table('head');
  const hhea = table('hhea');
  const maxp = table('maxp');
  const numGlyphs = view(maxp).getUint16(4);
  const longOffsets = view(head).getInt16(50) === 1; // indexToLocFormat
  const rawLoca = view(table('loca'));
  const loca = new Uint32Array(numGlyphs + 1);
  for (let g = 0; g <= numGlyphs; g++) loca[g] = longOffsets ? rawLoca.getUint32(4 * g) : rawLoca.getUint16(2 * g) * 2;
  return { head, hhea, maxp, hmtx: table('hmtx'), glyf: table('glyf'), loca, numberOfHMetrics: view(hhea).getUint16(34) };
}

// Composite glyph flags (the 'glyf' table's component records).
const ARG_1_AND_2_ARE_WORDS = 0x0001;
const WE_HAVE_A_SCALE = 0x0008;
const MORE_COMPONENTS = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE = 0x0040;
const WE_HAVE_A_TWO_BY_TWO = 0x0080;

/** The glyphs a document keeps (includeGlyph), written as a font program (encode). */
export class TrueTypeSubset {
  private readonly glyphs: number[] = [];
  private readonly mapping = new Map<number, number>();

  constructor(private readonly font: FontTables) {
    // Glyph 0, .notdef, comes first in every font.
    this.includeGlyph(0);
  }

  /** The glyph's id in the subset, given it the first time. */
  includeGlyph(gid: number): number {
    let id = this.mapping.get(gid);
    if (id === undefined) {
      id = this.glyphs.push(gid) - 1;
      this.mapping.set(gid, id);
    }
    return id;
  }

  encode(): Uint8Array {
    const { font } = this;
    const outlines: Uint8Array[] = [];
    // A composite glyph's parts join the subset as they are met, after the glyphs before them.
    for (let i = 0; i < this.glyphs.length; i++) outlines.push(this.outline(this.glyphs[i] ?? 0));
    const n = this.glyphs.length;
    const glyfLength = outlines.reduce((sum, o) => sum + o.length, 0);
    const sizes = [font.head.length, font.hhea.length, 4 * (n + 1), font.maxp.length, glyfLength, 4 * n];
    const tags = ['head', 'hhea', 'loca', 'maxp', 'glyf', 'hmtx'];
    const directory = 12 + 16 * tags.length;
    const out = new Uint8Array(directory + sizes.reduce((a, b) => a + b, 0));
    const dv = view(out);
    // The table directory: fontkit's sfnt version 'true', binary-search fields, then each table's tag, checksum (0), offset and length.
    out.set([0x74, 0x72, 0x75, 0x65], 0);
    const power = 2 ** Math.floor(Math.log2(tags.length));
    dv.setUint16(4, tags.length);
    dv.setUint16(6, power * 16);
    dv.setUint16(8, Math.log2(power));
    dv.setUint16(10, tags.length * 16 - power * 16);
    let offset = directory;
    tags.forEach((tag, i) => {
      const at = 12 + 16 * i;
      for (let c = 0; c < 4; c++) out[at + c] = tag.charCodeAt(c);
      dv.setUint32(at + 8, offset);
      dv.setUint32(at + 12, sizes[i] ?? 0);
      offset += sizes[i] ?? 0;
    });
    let at = directory;
    // head as the font has it, its glyph offsets stated long (indexToLocFormat 1).
    out.set(font.head, at);
    dv.setInt16(at + 50, 1);
    at += font.head.length;
    // hhea: one full metric per glyph (numberOfHMetrics).
    out.set(font.hhea, at);
    dv.setUint16(at + 34, n);
    at += font.hhea.length;
    let glyphAt = 0;
    for (let g = 0; g <= n; g++) {
      dv.setUint32(at + 4 * g, glyphAt);
      glyphAt += outlines[g]?.length ?? 0;
    }
    at += 4 * (n + 1);
    out.set(font.maxp, at);
    dv.setUint16(at + 4, n); // numGlyphs
    at += font.maxp.length;
    for (const o of outlines) {
      out.set(o, at);
      at += o.length;
    }
    // hmtx: past numberOfHMetrics, a glyph has the last advance and a bearing of its own.
    const hmtx = view(font.hmtx);
    const last = font.numberOfHMetrics - 1;
    this.glyphs.forEach((gid, i) => {
      const full = gid <= last;
      const bearingAt = full ? 4 * gid + 2 : 4 * font.numberOfHMetrics + 2 * (gid - font.numberOfHMetrics);
      dv.setUint16(at + 4 * i, hmtx.getUint16(4 * (full ? gid : last)));
      dv.setInt16(at + 4 * i + 2, bearingAt + 2 <= hmtx.byteLength ? hmtx.getInt16(bearingAt) : 0);
    });
    return out;
  }

  /** The glyph's outline as the font has it; a composite's parts renumbered in the subset. */
  private outline(gid: number): Uint8Array {
    const start = this.font.loca[gid] ?? 0;
    const bytes = this.font.glyf.subarray(start, this.font.loca[gid + 1] ?? start);
    if (bytes.length < 10 || view(bytes).getInt16(0) >= 0) return bytes;
    const copy = new Uint8Array(bytes);
    const dv = view(copy);
    for (let at = 10; at + 4 <= copy.length; ) {
      const flags = dv.getUint16(at);
      dv.setUint16(at + 2, this.includeGlyph(dv.getUint16(at + 2)));
      at += 4 + (flags & ARG_1_AND_2_ARE_WORDS ? 4 : 2);
      at += flags & WE_HAVE_A_SCALE ? 2 : flags & WE_HAVE_AN_X_AND_Y_SCALE ? 4 : flags & WE_HAVE_A_TWO_BY_TWO ? 8 : 0;
      if (!(flags & MORE_COMPONENTS)) break;
    }
    return copy;
  }
}
