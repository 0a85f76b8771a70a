import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as fontkit from 'fontkit';
import type { PdfA3Document } from '../../src/facturx/pdfa/document.js';
import { srgbIccProfile } from '../../src/facturx/pdfa/icc.js';
import { drawSample, SAMPLE_INFO, sampleDocument } from '../helpers/draw-pdf.js';
import { pdfObjectTable, pdfText, pdfXmp, qpdfCheck, tempDir } from '../helpers/tools.js';

const dir = tempDir();
after(() => dir.cleanup());

/** A document drawn by `draw`, written to a file, checked by qpdf. */
function documentFile(name: string, draw: (doc: PdfA3Document) => void): string {
  const doc = sampleDocument();
  draw(doc);
  const file = join(dir.path, `${name}.pdf`);
  writeFileSync(file, doc.finish(SAMPLE_INFO));
  const check = qpdfCheck(file);
  assert.ok(check.ok, check.output);
  return file;
}

interface Word {
  page: number;
  xMin: number;
  xMax: number;
  yMin: number;
  text: string;
}

/** Each word as poppler places it (pdftotext -bbox), pages numbered from 1. */
function words(file: string): Word[] {
  const html = execFileSync('pdftotext', ['-bbox', file, '-'], { encoding: 'utf8' });
  const out: Word[] = [];
  let page = 0;
  for (const m of html.matchAll(/<page |<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<\/word>/g)) {
    if (m[0] === '<page ') page++;
    else out.push({ page, xMin: Number(m[1]), yMin: Number(m[2]), xMax: Number(m[3]), text: m[4]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"') });
  }
  return out;
}

/** Words grouped by their line (same page, same top). */
function lines(ws: Word[]): Word[][] {
  const out: Word[][] = [];
  for (const w of ws) {
    const last = out[out.length - 1];
    if (last && last[0]!.page === w.page && Math.abs(last[0]!.yMin - w.yMin) < 1) last.push(w);
    else out.push([w]);
  }
  return out;
}

describe('PDF/A-3 writer: texts in cells', () => {
  const long = 'Accompagnement à la mise en conformité de la facturation électronique, atelier d’une journée avec support officiel et affluence';
  const unbroken = `IBAN${'FR7630006000011234567890189'.repeat(3)}`;
  const cursors: Record<string, number> = {};
  const heights: Record<string, number> = {};
  let lineHeight = 0;
  const file = documentFile('cells', (doc) => {
    const c = doc.canvas.font(false, 9).fillColor('#333333');
    lineHeight = c.lineHeight();
    heights.long = c.heightOf(long, 120);
    cursors.long = c.text(long, 42, 60, 120).y;
    heights.unbroken = c.heightOf(unbroken, 100);
    cursors.unbroken = c.text(unbroken, 300, 60, 100).y;
    c.font(true, 10).text('1 234,56 €   ', 300, 300, 150, 'right');
    c.font(false, 7).text(`${long} ${long}`, 42, 400, 200, 'left', { oneLine: true });
    c.text(`${'X'.repeat(1000)}`, 300, 400, 150, 'left', { oneLine: true });
    c.font(false, 9);
    heights.empty = c.heightOf('avant\n\naprès', 200);
    cursors.empty = c.text('avant\n\naprès', 42, 450, 200).y;
    // Forty lines from 700: the page's bottom (770) comes first.
    c.font(false, 9).text(Array.from({ length: 40 }, (_, i) => `ligne ${i + 1}`).join('\n'), 42, 700, 200);
    cursors.overflow = c.y;
  });
  const all = words(file);

  it('wrap a long text between words, each line inside its cell, every word kept in order', () => {
    const inCell = all.filter((w) => w.page === 1 && w.xMin >= 41 && w.xMax < 200 && w.yMin < 200);
    assert.equal(inCell.map((w) => w.text).join(' '), long);
    const rows = lines(inCell);
    assert.ok(rows.length >= 5, `${rows.length} lines`);
    for (const w of inCell) assert.ok(w.xMax <= 42 + 120 + 0.5, `"${w.text}" ends at ${w.xMax}`);
    assert.equal(heights.long, rows.length * lineHeight);
    assert.equal(cursors.long, 60 + rows.length * lineHeight);
  });

  it('cut a word wider than its cell between characters', () => {
    const pieces = all.filter((w) => w.page === 1 && w.xMin >= 299 && w.yMin < 200);
    assert.equal(pieces.map((w) => w.text).join(''), unbroken);
    assert.ok(pieces.length >= 3);
    for (const w of pieces) assert.ok(w.xMax <= 400 + 0.5, `"${w.text}" ends at ${w.xMax}`);
    assert.equal(cursors.unbroken, 60 + pieces.length * lineHeight);
    assert.equal(heights.unbroken, pieces.length * lineHeight);
  });

  it('align right on the text without its trailing spaces', () => {
    const amount = all.filter((w) => w.page === 1 && Math.abs(w.yMin - 300) < 4);
    assert.equal(amount.map((w) => w.text).join(' ').replace(/\u202f/g, ' '), '1 234,56 €');
    const right = Math.max(...amount.map((w) => w.xMax));
    assert.ok(Math.abs(right - 450) < 1, `ends at ${right}`);
  });

  it('keep one line when asked, cut with an ellipsis inside the cell', () => {
    const row = all.filter((w) => w.page === 1 && Math.abs(w.yMin - 400) < 4 && w.xMin < 250);
    const unbrokenRow = all.filter((w) => w.page === 1 && Math.abs(w.yMin - 400) < 4 && w.xMin >= 299);
    assert.equal(unbrokenRow.length, 1);
    assert.match(unbrokenRow[0]!.text, /^X+…$/);
    assert.ok(unbrokenRow[0]!.xMax <= 450 + 0.5);
    const text = row.map((w) => w.text).join(' ');
    assert.ok(text.endsWith('…'), text);
    assert.ok(long.startsWith(text.slice(0, -1).trimEnd()), text);
    for (const w of row) assert.ok(w.xMax <= 242 + 0.5, `"${w.text}" ends at ${w.xMax}`);
  });

  it('count an empty line as a line', () => {
    assert.equal(heights.empty, 3 * lineHeight);
    assert.equal(cursors.empty, 450 + 3 * lineHeight);
    const after = all.find((w) => w.text === 'après');
    assert.ok(after && Math.abs(after.yMin - all.find((w) => w.text === 'avant')!.yMin - 2 * lineHeight) < 0.5);
  });

  it('carry a text past the page bottom over to the next page, from its top', () => {
    const ours = all.filter((w) => /^\d+$/.test(w.text) && w.xMin < 100 && (w.page === 2 || w.yMin >= 699));
    assert.deepEqual(ours.map((w) => Number(w.text)), Array.from({ length: 40 }, (_, i) => i + 1));
    const onFirst = ours.filter((w) => w.page === 1);
    assert.equal(onFirst.length, Math.floor((770 - 700) / lineHeight));
    for (const w of onFirst) assert.ok(w.yMin + lineHeight <= 770 + 0.5);
    const firstOnSecond = ours.find((w) => w.page === 2);
    assert.ok(firstOnSecond && Math.abs(firstOnSecond.yMin - 42) < lineHeight, `starts at ${firstOnSecond?.yMin}`);
    assert.equal(cursors.overflow, 42 + (40 - onFirst.length) * lineHeight);
  });
});

describe('PDF/A-3 writer: fonts', () => {
  const sample = 'officiel fluide AVATAR Total Wagon — œuvre, 12 345,67 € « ça » naïveté ‑ L’été';
  const file = documentFile('fonts', (doc) => {
    doc.canvas.font(false, 11).text(sample, 42, 60, 500);
    doc.canvas.font(true, 11).text(sample, 42, 90, 500);
    // A tab, a control character and one the font has no glyph for, passed as they are: a space, nothing, "?"; never .notdef.
    doc.canvas.font(false, 11).text('tab\there\u0001 \u{10FFFD}', 42, 120, 500);
  });
  const objects = pdfObjectTable(file);
  const byId = new Map(objects.map((o) => [o.id, o]));

  it('give a reader back the exact text, ligatures and kerned pairs included', () => {
    const text = pdfText(file).replace(/\u202f/g, ' ');
    assert.equal(text.split('\n').filter((l) => l.trim() === sample).length, 2, text);
    assert.ok(text.split('\n').some((l) => l.trim() === 'tab here ?'), text);
  });

  it("state each glyph's width as the embedded program has it, and map every code drawn to a glyph other than .notdef", () => {
    const cidFonts = objects.filter((o) => o.dict['/Subtype'] === '/CIDFontType2');
    assert.equal(cidFonts.length, 2);
    const contents = objects.filter((o) => o.data && objects.some((p) => p.dict['/Type'] === '/Page' && p.dict['/Contents'] === `${o.id}`));
    const drawn = new Set<number>();
    for (const c of contents) for (const m of c.data!.toString('latin1').matchAll(/<([0-9a-f]+)>/g)) for (let i = 0; i < m[1]!.length; i += 4) drawn.add(parseInt(m[1]!.slice(i, i + 4), 16));
    assert.ok(drawn.size > 30);
    assert.ok(!drawn.has(0), 'the .notdef glyph is drawn');
    for (const cidFont of cidFonts) {
      const descriptor = byId.get(String(cidFont.dict['/FontDescriptor']))!;
      const program = byId.get(String(descriptor.dict['/FontFile2']))!.data!;
      const map = byId.get(String(cidFont.dict['/CIDToGIDMap']))!.data!;
      const font = fontkit.create(program);
      const widths = new Map<number, number>();
      const w = cidFont.dict['/W'] as (number | number[])[];
      for (let i = 0; i < w.length; i += 2) (w[i + 1] as number[]).forEach((width, k) => widths.set((w[i] as number) + k, width));
      assert.ok(widths.size > 30);
      for (const [cid, width] of widths) {
        const gid = map.readUInt16BE(2 * cid);
        if (cid !== 0) assert.notEqual(gid, 0, `CID ${cid} maps to .notdef`);
        assert.ok(Math.abs((font.getGlyph(gid).advanceWidth * 1000) / font.unitsPerEm - width) < 0.01, `CID ${cid}: W ${width}`);
      }
      // Each font of the page draws codes it declares: the sample's codes are in both.
      for (const cid of drawn) if (widths.has(cid)) assert.notEqual(map.readUInt16BE(2 * cid), 0);
    }
    const declared = new Set(cidFonts.flatMap((f) => { const w = f.dict['/W'] as (number | number[])[]; const out: number[] = []; for (let i = 0; i < w.length; i += 2) (w[i + 1] as number[]).forEach((_, k) => out.push((w[i] as number) + k)); return out; }));
    for (const cid of drawn) assert.ok(declared.has(cid), `code ${cid} drawn without a width`);
  });
});

describe('PDF/A-3 writer: the file', () => {
  const draw = (text: string) => (doc: PdfA3Document) => void doc.canvas.font(false, 10).text(text, 42, 60, 400);

  it('is the same bytes for the same document, whatever was drawn between, and another ID for another', () => {
    const first = documentFile('same-1', draw('Facture FA-2026-00001 — Crème'));
    // Enough other words and glyph sets to turn every cache over.
    for (let i = 0; i < 120; i++) documentFile(`other-${i}`, draw(`${String.fromCodePoint(0x100 + i)} mot${i} ${'xyz'.repeat(i % 7)} ${i * 7919}`));
    const again = documentFile('same-2', draw('Facture FA-2026-00001 — Crème'));
    const other = documentFile('other', draw('Facture FA-2026-00002 — Crème'));
    const bytes = (f: string) => execFileSync('cat', [f]);
    assert.ok(bytes(first).equals(bytes(again)));
    const id = (f: string) => /\/ID \[<([0-9a-f]+)>/.exec(bytes(f).toString('latin1'))?.[1];
    assert.ok(id(first));
    assert.notEqual(id(first), id(other));
  });

  it('is the same bytes in a process of its own as after other documents filled the caches', () => {
    // Words, glyph sets and the characters each glyph stands for are cached per process: after documents that
    // drew the same glyphs from other texts (U+200B and U+00AD are shaped as the space, U+FB01 is the "fi"
    // ligature), the document must come out as a process that drew nothing else writes it.
    const text = 'officiel AVATAR a b — 1 234,56 € ﬁn';
    for (const other of ['a\u00a0b\u200bc', 'ﬁ ﬂ ﬀ', 'x\u00ad y', `${'é'.repeat(3)} Tô`]) drawSample(other);
    const here = drawSample(text);
    const file = join(dir.path, 'fresh.pdf');
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'helpers', 'draw-pdf.ts'), file, text], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    assert.ok(here.equals(readFileSync(file)), 'the same document, drawn with and without a history, differs');
  });

  it('agrees with its XMP on title, tools and dates, and says it is PDF/A-3b', () => {
    const file = documentFile('info', draw('x'));
    const info = pdfObjectTable(file).find((o) => o.dict['/Producer'] !== undefined && o.dict['/Title'] !== undefined)!.dict;
    const xmp = pdfXmp(file);
    assert.equal(info['/Title'], 'u:Essai é');
    assert.match(xmp, /<rdf:li xml:lang="x-default">Essai é<\/rdf:li>/);
    assert.match(xmp, /<pdf:Producer>mailbot<\/pdf:Producer>/);
    assert.match(xmp, /<xmp:CreatorTool>mailbot<\/xmp:CreatorTool>/);
    assert.equal(info['/CreationDate'], 'u:D:20261205093000Z');
    assert.equal(info['/ModDate'], 'u:D:20261205093000Z');
    assert.match(xmp, /<xmp:CreateDate>2026-12-05T09:30:00Z<\/xmp:CreateDate>/);
    assert.match(xmp, /<xmp:ModifyDate>2026-12-05T09:30:00Z<\/xmp:ModifyDate>/);
    assert.match(xmp, /<pdfaid:part>3<\/pdfaid:part>/);
    const head = execFileSync('head', ['-c', '15', file]);
    assert.equal(head.subarray(0, 9).toString('latin1'), '%PDF-1.7\n');
    assert.ok([...head.subarray(10, 14)].every((b) => b > 127), 'a binary comment on the second line');
  });

  it('carries its attachment with its type, dates, size and MD5 checksum', () => {
    const objects = pdfObjectTable(documentFile('attachment', draw('x')));
    const file = objects.find((o) => o.dict['/Type'] === '/EmbeddedFile')!;
    assert.equal(file.data?.toString('utf8'), '<a>é</a>');
    assert.equal(file.dict['/Subtype'], '/text/xml'); // written /text#2Fxml, read back as the name it encodes
    const params = file.dict['/Params'] as Record<string, unknown>;
    assert.equal(params['/Size'], Buffer.byteLength('<a>é</a>'));
    assert.equal(params['/CheckSum'], `b:${execFileSync('md5sum', { input: '<a>é</a>' }).toString().slice(0, 32)}`);
    assert.equal(params['/ModDate'], 'u:D:20261205093000Z');
    const spec = objects.find((o) => o.dict['/Type'] === '/Filespec')!;
    assert.equal(spec.dict['/AFRelationship'], '/Data');
  });

  it('reads its colours against an sRGB output profile that a colour engine (Little CMS) reads as sRGB', () => {
    const icc = join(dir.path, 'srgb.icc');
    writeFileSync(icc, srgbIccProfile());
    const input = '255 255 255\n128 128 128\n255 0 0\n0 255 0\n0 0 255\n85 85 85\n';
    const lab = (profile: string) => {
      const r = spawnSync('transicc', ['-t0', '-i', profile, '-o', '*Lab', '-n'], { input, encoding: 'utf8' });
      if (r.error) throw r.error;
      return r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number)).filter((v) => v.length === 3 && v.every(Number.isFinite));
    };
    const ours = lab(icc);
    const reference = lab('*sRGB');
    assert.equal(ours.length, 6);
    ours.forEach((v, i) => v.forEach((c, k) => assert.ok(Math.abs(c - reference[i]![k]!) < 1, `colour ${i}: ${v.join(' ')} against ${reference[i]?.join(' ')}`)));
  });
});
