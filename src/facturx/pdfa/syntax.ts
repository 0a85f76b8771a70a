/**
 * The few pieces of PDF syntax (ISO 32000-1 §7.3) the invoice's file is
 * written with: numbers, names, text strings and dates.
 */

/** A real number as a content stream or dictionary holds it: at most 3 decimals, never an exponent. */
export function num(n: number): string {
  const r = Math.round(n * 1000) / 1000;
  return Object.is(r, -0) ? '0' : String(r);
}

/**
 * A text string (§7.9.2.2): a literal string when every character is
 * printable ASCII, else UTF-16BE with its byte order mark, in hex.
 */
export function textString(s: string): string {
  if (/^[\x20-\x7e]*$/.test(s)) return `(${s.replace(/[\\()]/g, '\\$&')})`;
  let hex = '<FEFF';
  for (let i = 0; i < s.length; i++) hex += s.charCodeAt(i).toString(16).padStart(4, '0');
  return `${hex}>`;
}

/** A byte string in hex (§7.3.4.3). */
export function hexString(bytes: Uint8Array): string {
  return `<${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}>`;
}

/** A name (§7.3.5): characters outside the regular ones written as #xx. */
export function name(s: string): string {
  return `/${s.replace(/[^!-~]|[#%()/<>[\]{}]/g, (c) => `#${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}`;
}

/** A date (§7.9.4), in UTC: D:YYYYMMDDHHmmSSZ. */
export function pdfDate(d: Date): string {
  return `D:${d.toISOString().slice(0, 19).replace(/[-T:]/g, '')}Z`;
}

/** The same instant as XMP writes it (ISO 8601, UTC), which PDF/A requires to match the Info dictionary's. */
export function xmpDate(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}
