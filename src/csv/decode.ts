/**
 * Bytes → text. Real files come from Excel (Windows-1252 on a French
 * Windows, or UTF-8 with BOM for "CSV UTF-8"), LibreOffice and Google Sheets
 * (UTF-8), or Excel's "Unicode text" (UTF-16 LE with BOM).
 */
import iconv from 'iconv-lite';

export type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'iso-8859-15';

export type Sniffed =
  | { kind: 'text'; encoding: Encoding; text: string }
  | { kind: 'empty' }
  | { kind: 'spreadsheet'; format: 'xlsx' | 'xls' | 'ods' }
  | { kind: 'binary' }
  /** UTF-8 and single-byte text in one file (an edit in another program): no single decoding is right. */
  | { kind: 'mixed' };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeCsvBytes(bytes: Uint8Array): Sniffed {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length === 0) return { kind: 'empty' };

  // Office files sent instead of a CSV deserve their own message.
  if (buf.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    return { kind: 'spreadsheet', format: buf.includes('content.xml') || buf.includes('opendocument') ? 'ods' : 'xlsx' };
  }
  if (buf.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))) {
    return { kind: 'spreadsheet', format: 'xls' };
  }

  let encoding: Encoding;
  let text: string;
  let mixed = false;
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    // A BOM promises UTF-8: bytes that are not are Windows-1252 pasted in, which would become U+FFFD.
    const decoded = decodeUtf8(buf.subarray(3));
    if (decoded === null) return { kind: 'mixed' };
    encoding = 'utf-8';
    text = decoded;
  } else if (buf[0] === 0xff && buf[1] === 0xfe) {
    encoding = 'utf-16le';
    text = iconv.decode(buf.subarray(2), 'utf-16le');
  } else if (buf[0] === 0xfe && buf[1] === 0xff) {
    encoding = 'utf-16be';
    text = iconv.decode(buf.subarray(2), 'utf-16be');
  } else if (looksLikeUtf16WithoutBom(buf)) {
    encoding = buf[0] === 0 ? 'utf-16be' : 'utf-16le';
    text = iconv.decode(buf, encoding);
  } else {
    try {
      text = strictUtf8.decode(buf);
      encoding = 'utf-8';
    } catch {
      // Valid UTF-8 letters beside bytes that are not UTF-8: whichever decoding is chosen garbles one part.
      mixed = hasUtf8Letters(buf);
      // Not UTF-8: a single-byte Western encoding. ISO-8859-15 puts "€" at 0xA4
      // where Windows-1252 has "¤"; 1252 uses 0x80–0x9F, which 8859-15 leaves to controls.
      encoding = hasByteIn(buf, 0x80, 0x9f) || !buf.includes(0xa4) ? 'windows-1252' : 'iso-8859-15';
      text = iconv.decode(buf, encoding);
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (isBinaryText(text)) return { kind: 'binary' };
  if (mixed) return { kind: 'mixed' };
  if (text.trim() === '') return { kind: 'empty' };
  return { kind: 'text', encoding, text };
}

function decodeUtf8(buf: Buffer): string | null {
  try {
    return strictUtf8.decode(buf);
  } catch {
    return null;
  }
}

/**
 * Whether the bytes hold a UTF-8 encoded letter or typographic sign of a
 * Western text (U+00A0–U+024F: accents, NBSP, «»; U+2000–U+20AC: ’ – … € and
 * the narrow NBSP). Two or three Windows-1252 characters almost never form
 * one by chance ("Ã©" is the sign of UTF-8 read as 1252, not of 1252 text).
 */
function hasUtf8Letters(buf: Buffer): boolean {
  for (let i = 0; i < buf.length - 1; i++) {
    const b = buf[i] ?? 0;
    const c1 = buf[i + 1] ?? 0;
    if (b >= 0xc2 && b <= 0xc9 && c1 >= 0x80 && c1 <= 0xbf) return true; // U+0080–U+027F
    if (b === 0xe2 && (c1 === 0x80 || c1 === 0x82) && (buf[i + 2] ?? 0) >= 0x80 && (buf[i + 2] ?? 0) <= 0xbf) return true; // U+2000–U+20BF
  }
  return false;
}

function hasByteIn(buf: Buffer, lo: number, hi: number): boolean {
  for (const b of buf) if (b >= lo && b <= hi) return true;
  return false;
}

function looksLikeUtf16WithoutBom(buf: Buffer): boolean {
  const n = Math.min(buf.length, 512) & ~1;
  if (n < 4) return false;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (buf[i] === 0) evenZero++;
    if (buf[i + 1] === 0) oddZero++;
  }
  const half = n / 2;
  return evenZero > half * 0.6 || oddZero > half * 0.6;
}

/** NUL bytes or a high share of control characters mean this is not a text file. */
function isBinaryText(text: string): boolean {
  const sample = text.slice(0, 4096);
  if (sample.includes('\u0000')) return true;
  let controls = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd) controls++;
  }
  return controls > Math.max(8, sample.length * 0.05);
}

export const DELIMITERS = [';', ',', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/**
 * The delimiter is the candidate that occurs most often on the header line,
 * counting only outside quotes. Ties go to ";" (French Excel), then ",".
 */
export function detectDelimiter(text: string): Delimiter {
  const counts = new Map<Delimiter, number>(DELIMITERS.map((d) => [d, 0]));
  let inQuotes = false;
  const head = text.slice(0, 64 * 1024);
  for (const ch of head) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === '\n' || ch === '\r')) break;
    else if (!inQuotes && counts.has(ch as Delimiter)) counts.set(ch as Delimiter, (counts.get(ch as Delimiter) ?? 0) + 1);
  }
  let best: Delimiter = ';';
  let bestCount = 0;
  for (const d of DELIMITERS) {
    const c = counts.get(d) ?? 0;
    if (c > bestCount) {
      best = d;
      bestCount = c;
    }
  }
  return best;
}
