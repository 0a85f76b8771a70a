/** Small text helpers shared by the CSV reader, the renderers and the CLI. */

/** Lower-case ASCII letters and digits only: "Prix unitaire HT (€)" → "prixunitaireht". */
export function foldKey(value: string): string {
  return value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/[^a-z0-9]/g, '');
}

/** Where `search` next occurs in `text` from `from`, or the text's length: a scanner's "none before the end". */
export function indexOrEnd(text: string, search: string, from: number): number {
  const at = text.indexOf(search, from);
  return at === -1 ? text.length : at;
}

/** The characters String.prototype.trim removes (ECMA-262 WhiteSpace and LineTerminator). */
export function isTrimSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Shorten a value quoted back to the user, so an error report stays readable. */
export function truncate(value: string, max = 60): string {
  const chars = [...value];
  return chars.length <= max ? value : `${chars.slice(0, max - 1).join('')}…`;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Escape text for XML content and attributes. Characters XML 1.0 forbids
 * (C0 controls except TAB/LF/CR, lone surrogates, U+FFFE/FFFF) are dropped:
 * they cannot be represented at all.
 */
export function xmlEscape(value: string): string {
  return (
    value
      // eslint-disable-next-line no-control-regex -- removing exactly the control characters XML 1.0 forbids
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
      .replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c)
  );
}

/**
 * Spreadsheet formula injection: a cell starting with = + - @ (or TAB/CR)
 * is run as a formula by Excel and LibreOffice. Prefixing a quote keeps the
 * text literal (OWASP "CSV injection").
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
