/**
 * A ZIP made entry by entry and streamed to its reader (a staged file):
 * entries come from memory or from files, one at a time, so a ZIP of a
 * thousand PDFs never holds them together. Entries are stored, or deflated
 * when asked (PDFs are compressed already; JSON and CSV are not).
 */
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';

export interface ZipEntry {
  name: string;
  /** The bytes, or the file they are in. */
  data?: Uint8Array | string;
  path?: string;
  deflate?: boolean;
}

export function zipStream(entries: readonly ZipEntry[]): PassThrough {
  const out = new PassThrough();
  const zip = new Zip((err, chunk, final) => {
    if (err) out.destroy(err);
    else {
      out.write(chunk);
      if (final) out.end();
    }
  });
  void (async () => {
    try {
      for (const e of entries) {
        const file = e.deflate ? new ZipDeflate(e.name, { level: 6 }) : new ZipPassThrough(e.name);
        zip.add(file);
        const data = e.path ? await readFile(e.path) : typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : (e.data ?? new Uint8Array());
        file.push(data, true);
        if (out.writableNeedDrain) await once(out, 'drain');
      }
      zip.end();
    } catch (err) {
      out.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  })();
  return out;
}
