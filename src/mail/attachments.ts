/**
 * Which attachments are invoice CSVs. Clients' mailers label them every way
 * (text/csv, application/vnd.ms-excel, application/octet-stream, text/plain),
 * so the extension and the content decide, not the label. ZIPs are opened in
 * memory with entry-count and size limits; nothing touches the disk.
 */
import { unzipSync } from 'fflate';
import { columnForHeader } from '../csv/columns.js';
import { decodeCsvBytes, detectDelimiter } from '../csv/decode.js';
import { safeFilename, type MailAttachment } from './parse.js';

const CSV_EXT = /\.(csv|txt|tsv)$/i;
const CSV_TYPES = /^(text\/(csv|comma-separated-values|tab-separated-values|plain)|application\/(csv|vnd\.ms-excel|octet-stream))\b/;

/** A header line that names at least three columns of the contract. */
export function looksLikeInvoiceCsv(text: string): boolean {
  const firstLine = text.replace(/^\ufeff/, '').split(/\r?\n/, 1)[0] ?? '';
  const delimiter = detectDelimiter(firstLine);
  const known = firstLine.split(delimiter).filter((h) => columnForHeader(h.replace(/^"|"$/g, '').trim()));
  return known.length >= 3;
}

function csvContent(a: MailAttachment): boolean {
  const sniffed = decodeCsvBytes(a.content.subarray(0, 64 * 1024));
  return sniffed.kind === 'text' && looksLikeInvoiceCsv(sniffed.text);
}

export interface ZipLimits {
  zipEntries: number;
  zipBytes: number;
}

export interface Classified {
  csvs: MailAttachment[];
  /** ZIPs that could not be opened safely (too many entries, too large, corrupt). */
  badZips: string[];
}

/**
 * The limits hold for the whole mail, across all its ZIPs: twenty ZIPs of
 * nineteen files each are refused like one ZIP of 380, before anything is
 * inflated.
 */
export function classifyAttachments(attachments: readonly MailAttachment[], limits: ZipLimits): Classified {
  const csvs: MailAttachment[] = [];
  const badZips: string[] = [];
  const budget = { entries: limits.zipEntries, bytes: limits.zipBytes };
  for (const a of attachments) {
    if (/\.zip$/i.test(a.filename) || a.contentType === 'application/zip' || a.contentType === 'application/x-zip-compressed') {
      const entries = openZip(a.content, budget);
      if (!entries) badZips.push(a.filename);
      else csvs.push(...entries.filter((e) => CSV_EXT.test(e.filename) && csvContent(e)));
      continue;
    }
    // A .csv is the client's batch even if broken (the reply lists what is wrong); .txt and
    // .tsv, or an unnamed part, must look like one.
    if (/\.csv$/i.test(a.filename)) csvs.push(a);
    else if (CSV_EXT.test(a.filename) && csvContent(a)) csvs.push(a);
    else if (CSV_TYPES.test(a.contentType) && !/\.(pdf|png|jpe?g|gif|docx?|xlsx?|ods|odt)$/i.test(a.filename) && csvContent(a)) csvs.push(a);
  }
  return { csvs, badZips };
}

/** Open a ZIP within what is left of the mail's budget, and take its share from it. */
function openZip(content: Buffer, budget: { entries: number; bytes: number }): MailAttachment[] | null {
  let count = 0;
  let total = 0;
  let refused = false;
  try {
    const files = unzipSync(content, {
      // Decided from the central directory before inflating: a ZIP bomb is refused unread.
      filter: (f) => {
        count++;
        total += f.originalSize;
        if (count > budget.entries || total > budget.bytes) refused = true;
        return !refused && !f.name.endsWith('/');
      },
    });
    if (refused) return null;
    budget.entries -= count;
    budget.bytes -= total;
    return Object.entries(files).map(([name, data]) => ({ filename: safeFilename(name), contentType: 'application/octet-stream', content: Buffer.from(data) }));
  } catch {
    return null;
  }
}

/** Invoice lines pasted into the body instead of attached. */
export function bodyLooksLikeCsv(text: string): boolean {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('>'));
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i] ?? '';
    if (/[;,\t|].*[;,\t|]/.test(line) && looksLikeInvoiceCsv(line)) return true;
  }
  return false;
}
