/**
 * Cell values → typed values. Each parser returns the value or the code of
 * what is wrong; it never throws and never uses binary floating point.
 */
import { Dec } from '../core/money.js';
import { COUNTRY_BY_NAME } from '../core/countries.js';
import { foldKey } from '../core/text.js';
import type { IssueCode } from './issues.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; code: IssueCode; params?: Record<string, string> };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(code: IssueCode, params?: Record<string, string>): Parsed<T> => ({ ok: false, code, ...(params ? { params } : {}) });

const SPACES = /[\s\u00a0\u202f\u2009']/g;

/**
 * Numbers as French and English spreadsheets write them: "1234.56",
 * "1234,56", "1 234,56" (space, NBSP, narrow NBSP: groups of three),
 * "1.234,56", "1,234.56", with an optional "€"/"EUR" (and "%" when
 * `percent` is allowed). When both "." and "," appear, the last one is the
 * decimal mark; a separator repeated ("1.234.567") groups thousands.
 *
 * "1,500" and "1.500" say nothing by themselves: 1.5 in one locale, 1500 in
 * the other. They are read with the file's decimal mark (`decimalMark`, from
 * its other numbers: see DecimalMarkTally) and refused as ambiguous when the
 * file does not tell, never guessed.
 */
const PLAIN_NUMBER = /^\d{1,15}([.,]\d{1,15})?$/;
/** One separator, then exactly three digits, after one to three digits not starting with 0: a decimal or a thousands group. */
const AMBIGUOUS = /^[1-9]\d{0,2}[.,]\d{3}$/;
/** Groups of three after spaces: "1 234", "12 345 678,5" (a typo like "12 50" is not one). */
const SPACE_GROUPED = /^\d{1,3}([\s\u00a0\u202f\u2009']\d{3})+([.,]\d*)?$/;

export type DecimalMark = '.' | ',';

export interface NumberOptions {
  percent?: boolean;
  /** The file's decimal mark, which settles "1,500" and "1.500" (DecimalMarkTally). */
  decimalMark?: DecimalMark | undefined;
}

export function parseDecimal(raw: string, opts: NumberOptions = {}): Parsed<Dec> {
  return scanDecimal(raw, opts).parsed;
}

/**
 * The decimal mark a number shows beyond doubt, if any: the last of "." and
 * "," when both appear, the other one when one repeats ("1.234.567"), the
 * one after space groups, or a lone one that cannot group thousands
 * ("12,5", "0.335", "1234,500"). It is the mark parseDecimal read it with.
 */
export function decimalMarkOf(raw: string): DecimalMark | undefined {
  // The common form needs no decimal made to tell its mark.
  if (PLAIN_NUMBER.test(raw) && !AMBIGUOUS.test(raw)) return markIn(raw);
  const scanned = scanDecimal(raw, { percent: true });
  return scanned.parsed.ok ? scanned.mark : undefined;
}

const markIn = (s: string): DecimalMark | undefined => (s.includes('.') ? '.' : s.includes(',') ? ',' : undefined);

/** The number, and the decimal mark it was read with when its own text shows one. */
function scanDecimal(raw: string, opts: NumberOptions): { parsed: Parsed<Dec>; mark?: DecimalMark | undefined } {
  // Fast path for the common "1234", "12,5", "0.335": most cells of a real file.
  if (PLAIN_NUMBER.test(raw) && !AMBIGUOUS.test(raw)) return { parsed: ok(new Dec(raw.replace(',', '.'))), mark: markIn(raw) };
  const invalid = { parsed: fail<Dec>('NUMBER_INVALID') };
  let s = raw.trim();
  if (opts.percent) s = s.replace(/\s*%$/, '');
  s = s.replace(/\s*(€|eur|euros?)$/i, '').replace(/^(€|eur)\s*/i, '');
  // A spreadsheet's accounting format shows zero as a dash ("  -   € ").
  if (s === '-') return { parsed: ok(new Dec(0)) };
  let sign = '';
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s[0] === '-' ? '-' : '';
    s = s.slice(1).trimStart();
  }
  if (/[\s\u00a0\u202f\u2009']/.test(s)) {
    if (!SPACE_GROUPED.test(s)) return invalid;
    s = s.replace(SPACES, '');
    // After space groups, the one "." or "," left is the decimal mark.
    if (/^\d+[.,]\d*$/.test(s)) return { parsed: ok(new Dec(sign + s.replace(',', '.'))), mark: markIn(s) };
  }
  if (!/^[\d.,]+$/.test(s) || !/\d/.test(s)) return invalid;
  if (AMBIGUOUS.test(s)) {
    const sep = s.includes('.') ? '.' : ',';
    if (!opts.decimalMark) return { parsed: fail('NUMBER_AMBIGUOUS', { decimal: new Dec(s.replace(sep, '.')).toString(), thousands: s.replace(sep, '') }) };
    return { parsed: ok(new Dec(sign + (sep === opts.decimalMark ? s.replace(',', '.') : s.replace(sep, '')))) };
  }
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  let normalized: string;
  let mark: DecimalMark | undefined;
  if (lastDot >= 0 && lastComma >= 0) {
    mark = lastDot > lastComma ? '.' : ',';
    const groupSep = mark === '.' ? ',' : '.';
    const [intPart = '', frac = '', ...rest] = s.split(mark);
    if (rest.length > 0 || !validGroups(intPart, groupSep)) return invalid;
    normalized = `${intPart.split(groupSep).join('')}.${frac}`;
  } else if (lastDot >= 0 || lastComma >= 0) {
    const sep = lastDot >= 0 ? '.' : ',';
    const parts = s.split(sep);
    if (parts.length === 2) {
      normalized = `${parts[0]}.${parts[1]}`;
      mark = sep;
    } else if (validGroups(s, sep)) {
      normalized = parts.join('');
      mark = sep === '.' ? ',' : '.';
    } else {
      return invalid;
    }
  } else {
    normalized = s;
  }
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(normalized)) return invalid;
  return { parsed: ok(new Dec(sign + normalized)), mark };
}

/**
 * The file's decimal mark, from its numbers given one at a time: the one
 * they show, unless they show both or none.
 */
export class DecimalMarkTally {
  private readonly seen = new Set<DecimalMark>();
  // Quantities, prices and rates repeat down a file: each distinct text is looked at once.
  private readonly looked = new Set<string>();

  /** Takes one number's text; false once the file has shown both marks, which settles it. */
  add(v: string): boolean {
    if (this.seen.size > 1) return false;
    if (this.looked.has(v)) return true;
    if (this.looked.size < 10_000) this.looked.add(v);
    const mark = decimalMarkOf(v);
    if (mark) this.seen.add(mark);
    return this.seen.size < 2;
  }

  get mark(): DecimalMark | undefined {
    return this.seen.size === 1 ? [...this.seen][0] : undefined;
  }
}

function validGroups(intPart: string, sep: string): boolean {
  if (!intPart.includes(sep)) return /^\d+$/.test(intPart);
  return new RegExp(`^\\d{1,3}(\\${sep}\\d{3})+$`).test(intPart);
}

/** Dates: YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY, DD.MM.YYYY (day and month may have one digit). A time part is ignored. */
export function parseDate(raw: string): Parsed<string> {
  const s = raw.trim().replace(/[ T]\d{1,2}:\d{2}(:\d{2})?$/, '');
  let y: number, m: number, d: number;
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  if (match) {
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else {
    match = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$/.exec(s);
    if (!match) return fail('DATE_INVALID');
    [d, m, y] = [Number(match[1]), Number(match[3]), Number(match[4])];
  }
  if (y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return fail('DATE_INVALID');
  return ok(`${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Add calendar days to a YYYY-MM-DD date. */
export function addDays(isoDate: string, days: number): string {
  const t = Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** VAT rate in percent: "20", "20%", "20,00 %", "5,5". A fraction ("0.2") is read as 20 % when that is an allowed rate. */
export function parseRate(raw: string, allowed: readonly string[], decimalMark?: DecimalMark): Parsed<Dec> {
  const parsed = parseDecimal(raw, { percent: true, decimalMark });
  if (!parsed.ok) return fail('VAT_RATE_INVALID');
  let rate = parsed.value;
  if (rate.isNegative() || rate.gt(100)) return fail('VAT_RATE_INVALID');
  const isAllowed = (r: Dec) => allowed.some((a) => r.eq(a));
  if (!raw.includes('%') && rate.gt(0) && rate.lt(1) && !isAllowed(rate) && isAllowed(rate.times(100))) {
    rate = rate.times(100);
  }
  if (!isAllowed(rate)) return fail('VAT_RATE_NOT_ALLOWED', { allowed: allowed.join(', ') });
  return ok(rate);
}

/** VAT category codes of EN 16931 (UNTDID 5305 subset, BT-151). L and M (Canary Islands, Ceuta) never apply to a French seller. */
export const VAT_CATEGORIES = ['S', 'Z', 'E', 'AE', 'K', 'G', 'O'] as const;
export type VatCategory = (typeof VAT_CATEGORIES)[number];

export function parseVatCategory(raw: string): Parsed<VatCategory> {
  const s = raw.trim().toUpperCase();
  return (VAT_CATEGORIES as readonly string[]).includes(s) ? ok(s as VatCategory) : fail('VAT_CATEGORY_INVALID');
}

export type OperationType = 'goods' | 'services' | 'mixed';
const OPERATION_WORDS: Record<string, OperationType> = {
  goods: 'goods', biens: 'goods', bien: 'goods', livraisondebiens: 'goods', marchandises: 'goods', b: 'goods',
  services: 'services', service: 'services', prestations: 'services', prestationdeservices: 'services', prestationsdeservices: 'services', s: 'services',
  mixed: 'mixed', mixte: 'mixed', m: 'mixed',
};
export function parseOperationType(raw: string): Parsed<OperationType> {
  const t = OPERATION_WORDS[foldKey(raw)];
  return t ? ok(t) : fail('OPERATION_TYPE_INVALID');
}

/**
 * Units (BT-130) as UN/ECE Recommendation 20 codes. French words are
 * accepted; a code is accepted as written when it is in this list.
 */
const UNIT_WORDS: Record<string, string> = {
  u: 'C62', unite: 'C62', unites: 'C62', unit: 'C62', units: 'C62', piece: 'H87', pieces: 'H87', pce: 'H87', pc: 'H87', ea: 'C62', each: 'C62',
  h: 'HUR', heure: 'HUR', heures: 'HUR', hour: 'HUR', hours: 'HUR', hr: 'HUR',
  j: 'DAY', jour: 'DAY', jours: 'DAY', day: 'DAY', days: 'DAY', jh: 'DAY', journee: 'DAY',
  min: 'MIN', minute: 'MIN', minutes: 'MIN',
  semaine: 'WEE', semaines: 'WEE', week: 'WEE', weeks: 'WEE',
  mois: 'MON', month: 'MON', months: 'MON', an: 'ANN', annee: 'ANN', ans: 'ANN', year: 'ANN', years: 'ANN',
  kg: 'KGM', kilo: 'KGM', kilos: 'KGM', kilogramme: 'KGM', g: 'GRM', gramme: 'GRM', t: 'TNE', tonne: 'TNE', tonnes: 'TNE',
  m: 'MTR', metre: 'MTR', metres: 'MTR', km: 'KMT', cm: 'CMT', mm: 'MMT', m2: 'MTK', metrecarre: 'MTK', m3: 'MTQ', metrecube: 'MTQ',
  l: 'LTR', litre: 'LTR', litres: 'LTR', liter: 'LTR', ml: 'MLT', cl: 'CLT',
  forfait: 'LS', forfaits: 'LS', lumpsum: 'LS', ls: 'LS', lot: 'LO', lots: 'LO',
  kwh: 'KWH', page: 'ZP', pages: 'ZP', licence: 'C62', licences: 'C62', abonnement: 'C62',
};
const UNIT_CODES = new Set(['C62', 'H87', 'HUR', 'DAY', 'MIN', 'WEE', 'MON', 'ANN', 'KGM', 'GRM', 'TNE', 'MTR', 'KMT', 'CMT', 'MMT', 'MTK', 'MTQ', 'LTR', 'MLT', 'CLT', 'LS', 'LO', 'KWH', 'ZP', 'SET', 'PR', 'XPK', 'XBX', 'E48', 'SEC', 'QAN', 'NAR', 'XPP', 'A9', 'E51', 'MWH', 'TNE', 'KMK', 'LM', 'XCT', 'XPA']);

export function parseUnit(raw: string): Parsed<string> {
  const s = raw.trim();
  if (UNIT_CODES.has(s.toUpperCase())) return ok(s.toUpperCase());
  const word = UNIT_WORDS[foldKey(s)];
  return word ? ok(word) : fail('UNIT_INVALID');
}

/** Number of ISO 3166-1 alpha-2 codes known (249 in the standard). */
export const COUNTRY_CODE_COUNT = new Set(COUNTRY_BY_NAME.values()).size;

export function parseCountry(raw: string): Parsed<string> {
  const code = COUNTRY_BY_NAME.get(foldKey(raw));
  return code ? ok(code) : fail('COUNTRY_INVALID');
}

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
export function parseCurrency(raw: string): Parsed<string> {
  const s = raw.trim().toUpperCase();
  if (s === '€') return ok('EUR');
  return CURRENCIES.has(s) ? ok(s) : fail('CURRENCY_INVALID');
}

export function parseEmail(raw: string): Parsed<string> {
  const s = raw.trim();
  return /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/.test(s) ? ok(s) : fail('EMAIL_INVALID');
}
