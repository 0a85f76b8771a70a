import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import * as fontkit from 'fontkit';
import { readFontTables, TrueTypeSubset } from '../../src/facturx/subset.js';

const require = createRequire(import.meta.url);
const fontFile = (name: string) => readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${name}`));

/** What these tests read of fontkit beyond the product's declarations (src/types/fontkit.d.ts). */
interface Glyph {
  id: number;
  codePoints: number[];
  advanceWidth: number;
  path: { toSVG(): string };
}
interface ReadFont {
  layout(text: string): { glyphs: Glyph[] };
  getGlyph(id: number): Glyph;
}
const read = (bytes: Uint8Array) => fontkit.create(bytes) as unknown as ReadFont;

interface FontkitSubset {
  includeGlyph(id: number): number;
  encode(): Uint8Array;
  glyphs: number[];
}

/** fontkit's own subset of the same glyphs, without the hinting programs (cvt, fpgm, prep), which ours leaves out. */
function fontkitSubset(font: fontkit.Font): FontkitSubset {
  const unhinted = Object.create(font) as fontkit.Font;
  for (const tag of ['cvt ', 'fpgm', 'prep']) Object.defineProperty(unhinted, tag, { value: undefined });
  return (font as unknown as { createSubset(this: unknown): FontkitSubset }).createSubset.call(unhinted);
}

/** Glyphs made of other glyphs (a negative number of contours): their parts join the subset renumbered. */
function composites(file: Uint8Array): number[] {
  const t = readFontTables(file);
  const out: number[] = [];
  for (let g = 0; g + 1 < t.loca.length; g++) {
    const start = t.loca[g] ?? 0;
    if ((t.loca[g + 1] ?? 0) - start >= 10 && (((t.glyf[start] ?? 0) << 8) | (t.glyf[start + 1] ?? 0)) >= 0x8000) out.push(g);
  }
  return out;
}

describe('TrueType subsets written from the font file', () => {
  for (const name of ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf']) {
    it(`are fontkit's bytes for the same glyphs, composite glyphs among them (${name})`, () => {
      const file = fontFile(name);
      const font = fontkit.create(file);
      const tables = readFontTables(file);
      const numGlyphs = tables.loca.length - 1;
      const parts = composites(file);
      assert.ok(parts.length > 100, 'the font has composite glyphs to try');
      for (let t = 0; t < 120; t++) {
        const ids = Array.from({ length: 1 + (t % 70) }, (_, i) => (i * 7919 + t * 131) % numGlyphs);
        ids.push(...parts.slice(t * 3, t * 3 + (t % 4)), numGlyphs - 1);
        const theirs = fontkitSubset(font);
        const ours = new TrueTypeSubset(tables);
        for (const id of ids) assert.equal(ours.includeGlyph(id), theirs.includeGlyph(id), `glyph ${id}`);
        assert.ok(Buffer.from(ours.encode()).equals(Buffer.from(theirs.encode())), `subset ${t} differs`);
      }
    });
  }

  it('is a font a reader parses back, each glyph with its outline and advance, and leaves the font file untouched', () => {
    const file = fontFile('DejaVuSans.ttf');
    const before = Buffer.from(file);
    const font = read(file);
    const subset = new TrueTypeSubset(readFontTables(file));
    const text = 'Facturé à Crème brûlée — Œuvre 1 234,56 €';
    const glyphs = font.layout(text).glyphs;
    const ids = glyphs.map((g) => subset.includeGlyph(g.id));
    const parsed = read(subset.encode());
    for (const [i, g] of glyphs.entries()) {
      const back = parsed.getGlyph(ids[i] ?? 0);
      assert.equal(back.advanceWidth, g.advanceWidth, `advance of ${String.fromCodePoint(...g.codePoints)}`);
      assert.equal(back.path.toSVG(), g.path.toSVG(), `outline of ${String.fromCodePoint(...g.codePoints)}`);
    }
    subset.encode();
    assert.ok(file.equals(before), 'writing a subset changed the font file');
  });
});
