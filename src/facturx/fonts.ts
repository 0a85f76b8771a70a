/**
 * Embedded fonts. PDF/A forbids relying on the 14 standard fonts, so every
 * glyph comes from DejaVu (a TTF shipped by an npm package). The fonts are
 * read and parsed once per process and reused by every document: reparsing
 * a 750 KB TTF per invoice would cost more than drawing it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';
import { FontFace } from './pdfa/font.js';

const require = createRequire(import.meta.url);

export interface FontSet {
  regular: FontFace;
  bold: FontFace;
}

let cached: FontSet | undefined;

export function loadFonts(): FontSet {
  if (!cached) {
    const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    const load = (name: string) => {
      const file = readFileSync(join(dir, name));
      return new FontFace(fontkit.create(file), file);
    };
    cached = { regular: load('DejaVuSans.ttf'), bold: load('DejaVuSans-Bold.ttf') };
  }
  return cached;
}
