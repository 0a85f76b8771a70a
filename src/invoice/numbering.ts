/**
 * Invoice number patterns, e.g. "FA-{YYYY}-{SEQ:5}" → "FA-2026-00042".
 *
 * French law (CGI ann. II art. 242 nonies A) asks for a unique number from a
 * continuous chronological sequence; separate series are allowed, such as a
 * series per year. The series key is the pattern rendered without the
 * sequence, so "{YYYY}" patterns restart at 1 each year and a plain
 * "{SEQ:6}" never restarts.
 */
export interface NumberPattern {
  source: string;
  seqWidth: number;
}

const TOKEN_RE = /\{(YYYY|YY|MM|SEQ:(\d))\}/g;

export function parsePattern(source: string): NumberPattern | null {
  if (!/^[A-Za-z0-9_./{}:-]{1,40}$/.test(source)) return null;
  const seqs = [...source.matchAll(/\{SEQ:(\d)\}/g)];
  if (seqs.length !== 1) return null;
  const width = Number(seqs[0]?.[1]);
  if (width < 1 || width > 9) return null;
  const leftover = source.replace(TOKEN_RE, '');
  if (/[{}]/.test(leftover)) return null;
  return { source, seqWidth: width };
}

/** BR-FR-01: an invoice number (BT-1) has at most 35 characters. */
export const MAX_NUMBER_LENGTH = 35;
/** BR-FR-02: letters, digits and + - _ / only. */
export const NUMBER_CHARS = /^[A-Za-z0-9+\-_/]+$/;

/**
 * Why a pattern would give numbers the French reform refuses, or null. The
 * sequence is counted at its declared width: a series that outgrows it is
 * still caught by the self-check before anything is issued.
 */
export function numberPatternProblem(source: string): string | null {
  const pattern = parsePattern(source);
  if (!pattern) return null; // the pattern check itself reports it
  const longest = formatNumber(pattern, { issueDate: '2099-12-31' }, 0);
  if (!NUMBER_CHARS.test(longest)) return 'letters, digits and - _ / only in an invoice number (BR-FR-02): no "."';
  if (longest.length > MAX_NUMBER_LENGTH) return `numbers of at most ${MAX_NUMBER_LENGTH} characters (BR-FR-01)`;
  return null;
}

export interface NumberContext {
  /** Issue date (BT-2) as YYYY-MM-DD. */
  issueDate: string;
}

/** The series this invoice belongs to: the pattern with dates filled and the sequence left as a marker. */
export function seriesKey(pattern: NumberPattern, ctx: NumberContext): string {
  return fill(pattern.source, ctx, '#');
}

export function formatNumber(pattern: NumberPattern, ctx: NumberContext, seq: number): string {
  return fill(pattern.source, ctx, String(seq).padStart(pattern.seqWidth, '0'));
}

function fill(source: string, ctx: NumberContext, seqText: string): string {
  const [yyyy = '', mm = ''] = ctx.issueDate.split('-');
  return source.replace(TOKEN_RE, (_m, token: string) => {
    if (token === 'YYYY') return yyyy;
    if (token === 'YY') return yyyy.slice(2);
    if (token === 'MM') return mm;
    return seqText;
  });
}

/** A file name for an invoice number: "/" is legal in numbers but not in file names. */
export function numberFileStem(invoiceNumber: string): string {
  return invoiceNumber.replace(/[^A-Za-z0-9._-]/g, '-');
}
