/**
 * Bytes → text. Real files come from Excel (Windows-1252 on a French
 * Windows, or UTF-8 with BOM for "CSV UTF-8"; Mac Roman from the "CSV
 * (Macintosh)" of older Excel for Mac), LibreOffice and Google Sheets
 * (UTF-8), or Excel's "Unicode text" (UTF-16 LE with BOM).
 */
import iconv from 'iconv-lite';

export type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'iso-8859-15' | 'macintosh';

export type Sniffed =
  | { kind: 'text'; encoding: Encoding; text: string }
  | { kind: 'empty' }
  | { kind: 'spreadsheet'; format: 'xlsx' | 'xls' | 'ods' }
  | { kind: 'binary' }
  /** UTF-8 and single-byte text in one file (an edit in another program): no single decoding is right. `lines`: where bytes are not UTF-8. */
  | { kind: 'mixed'; lines: number[] }
  /** Bytes that no supported encoding gives a character for, on these lines. */
  | { kind: 'undecodable'; lines: number[] };

/** Lines named in an encoding error at most. */
const MAX_LINES = 20;

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
    if (decoded === null) return { kind: 'mixed', lines: notUtf8Lines(buf) };
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
      encoding = singleByteEncoding(buf);
      text = iconv.decode(buf, encoding);
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (isBinaryText(text)) return { kind: 'binary' };
  if (mixed) return { kind: 'mixed', lines: notUtf8Lines(buf) };
  // Windows-1252 leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D undefined: such a file is in some other encoding.
  if (encoding === 'windows-1252' && text.includes('\ufffd')) return { kind: 'undecodable', lines: linesOf(buf, (b) => b === 0x81 || b === 0x8d || b === 0x8f || b === 0x90 || b === 0x9d) };
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
 * Whether the bytes hold UTF-8 for what French text is made of: a Latin-1
 * letter (C3 80–BF: à é è ç ô…), Œ œ, a no-break space, « » or °, or ’ – — …
 * “ ” € and the narrow no-break space. Those byte pairs almost never occur in
 * Windows-1252 text ("Ã©" is the sign of UTF-8 read as 1252), unlike É, Ç or
 * È before a no-break space, « or ’ (C9 A0, C7 BB…), which are ordinary French
 * typography in 1252 and valid UTF-8 by chance.
 */
function hasUtf8Letters(buf: Buffer): boolean {
  for (let i = 0; i < buf.length - 1; i++) {
    const b = buf[i] ?? 0;
    const c1 = buf[i + 1] ?? 0;
    if (b === 0xc3 && c1 >= 0x80 && c1 <= 0xbf) return true;
    if (b === 0xc5 && (c1 === 0x92 || c1 === 0x93)) return true;
    if (b === 0xc2 && (c1 === 0xa0 || c1 === 0xab || c1 === 0xbb || c1 === 0xb0)) return true;
    if (b === 0xe2) {
      const c2 = buf[i + 2] ?? 0;
      if (c1 === 0x80 && [0x93, 0x94, 0x98, 0x99, 0x9c, 0x9d, 0xa6, 0xaf].includes(c2)) return true;
      if (c1 === 0x82 && c2 === 0xac) return true;
    }
  }
  return false;
}

const isAsciiLetter = (b: number) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
/** A byte between two letters (ASCII, or Latin-1 letters C0–FF), as an accented letter sits inside a word. */
const midWord = (buf: Buffer, i: number, letter: (b: number) => boolean) => letter(buf[i - 1] ?? 0) && letter(buf[i + 1] ?? 0);
const isLatinLetter = (b: number) => isAsciiLetter(b) || (b >= 0xc0 && b !== 0xd7 && b !== 0xf7);

/**
 * A file that is not UTF-8 is single-byte:
 * - Mac Roman when a byte that is é, è, à, ç, ê or ù there (8E 8F 88 8D 90 9D)
 *   sits inside a word: in Windows-1252 they are Ž, ˆ or undefined;
 * - ISO-8859-15 when nothing uses 0x80–0x9F (Windows-1252's € ’ œ…) and it
 *   has € at 0xA4, or Œ œ Ÿ Š š Ž ž inside a word where Windows-1252 would
 *   put ½ ¼ ¾ ¦ ¨ ´ ¸ ("C½ur");
 * - Windows-1252 otherwise (a superset of ISO-8859-1).
 */
function singleByteEncoding(buf: Buffer): Encoding {
  let high = false;
  let latin9 = false;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i] ?? 0;
    if (b < 0x80) continue;
    if (b <= 0x9f) {
      high = true;
      if ((b === 0x8e || b === 0x8f || b === 0x88 || b === 0x8d || b === 0x90 || b === 0x9d) && midWord(buf, i, isAsciiLetter)) return 'macintosh';
    } else if (b === 0xa4 || ([0xa6, 0xa8, 0xb4, 0xb8, 0xbc, 0xbd, 0xbe].includes(b) && midWord(buf, i, isLatinLetter))) latin9 = true;
  }
  return latin9 && !high ? 'iso-8859-15' : 'windows-1252';
}

/** Physical lines (1-based; LF, CRLF and a lone CR end a line) of the bytes that `hit` picks, the first MAX_LINES. */
function linesOf(buf: Buffer, hit: (b: number, i: number) => boolean): number[] {
  const lines: number[] = [];
  let line = 1;
  for (let i = 0; i < buf.length && lines.length < MAX_LINES; i++) {
    const b = buf[i] ?? 0;
    if (b === 0x0a || (b === 0x0d && buf[i + 1] !== 0x0a)) line++;
    else if (hit(b, i) && lines.at(-1) !== line) lines.push(line);
  }
  return lines;
}

/** Lines holding bytes that are not UTF-8 (a lead byte without its continuation bytes, or a stray continuation byte). */
function notUtf8Lines(buf: Buffer): number[] {
  let skipUntil = 0;
  return linesOf(buf, (b, i) => {
    if (i < skipUntil || b < 0x80) return false;
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return true;
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k] ?? 0;
      if (c < 0x80 || c > 0xbf) return true;
    }
    skipUntil = i + need + 1;
    return false;
  });
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
