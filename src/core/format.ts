/**
 * How numbers, amounts, percentages and dates are written for people, in
 * French or English: the one place the invoice PDF, the reply mails, the
 * reports and the GDPR answers take them from, so the two languages never
 * mix inside a sentence ("jusqu'au 2027-03-04", "5.5" in French text).
 *
 * French follows the Imprimerie nationale's rules as Intl writes them for
 * fr-FR: decimal comma, a narrow no-break space (U+202F) to group thousands
 * and before "%" and "€", dates as 04/03/2027 and times as 08:48. English
 * writes 1,234.50, 5.5%, 4 March 2027. Every date and time is the one of
 * France (Europe/Paris), where the studio and its clients work.
 *
 * Numbers are Decimal or decimal strings, formatted by string work: no
 * binary floating point ever touches an amount.
 */
import { Dec, round2 } from './money.js';

export type DisplayLang = 'fr' | 'en';

/** U+202F NARROW NO-BREAK SPACE: French thousands separator and the space before "%", "€", ":"… */
export const NNBSP = '\u202f';

/**
 * A decimal for people: French "1 234,50", English "1,234.50", with at least
 * `minPlaces` decimals and every significant one beyond.
 */
export function displayDecimal(value: Dec | string, lang: DisplayLang, minPlaces = 0): string {
  const d = typeof value === 'string' ? new Dec(value) : value;
  const fixed = d.toFixed(Math.max(minPlaces, d.decimalPlaces()));
  const [intPart = '0', frac] = fixed.replace('-', '').split('.');
  const grouped = intPart.replace(/\B(?=(\d{3})+$)/g, lang === 'fr' ? NNBSP : ',');
  const sign = d.isNegative() && !d.isZero() ? '-' : '';
  return `${sign}${grouped}${frac ? (lang === 'fr' ? ',' : '.') + frac : ''}`;
}

/** An amount for people: always two decimals ("1 234,50"), half-up as EN 16931 rounds (BR-DEC-*). */
export function displayAmount(value: Dec | string, lang: DisplayLang): string {
  const d = typeof value === 'string' ? new Dec(value) : value;
  return displayDecimal(round2(d).toFixed(2), lang, 2);
}

/** An amount with its currency: "1 234,50 €" in French, "€1,234.50" in English; other currencies by their ISO code. */
export function displayMoney(value: Dec | string, currency: string, lang: DisplayLang): string {
  const figure = displayAmount(value, lang);
  if (currency !== 'EUR') return lang === 'fr' ? `${figure}${NNBSP}${currency}` : `${currency} ${figure}`;
  return lang === 'fr' ? `${figure}${NNBSP}€` : `€${figure}`;
}

/** A rate in percent (BT-119, BT-152): "5,5 %" in French, "5.5%" in English. */
export function displayPercent(rate: Dec | string, lang: DisplayLang): string {
  return lang === 'fr' ? `${displayDecimal(rate, 'fr')}${NNBSP}%` : `${displayDecimal(rate, 'en')}%`;
}

const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const PARIS = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

interface Moment {
  year: string;
  month: string;
  day: string;
  /** "08:48", absent for a calendar date. */
  time?: string;
}

/**
 * A calendar date ("2027-03-04", as the invoice's BT-2, BT-9, BT-72 are) is
 * taken as written; an instant (a Date or an ISO timestamp) is read on the
 * clock of Paris, so a mail received at 00:30 in France is not dated the day
 * before as its UTC timestamp would be.
 */
function moment(value: string | Date): Moment {
  if (typeof value === 'string') {
    const m = CALENDAR_DATE.exec(value);
    if (m) return { year: m[1] ?? '', month: m[2] ?? '', day: m[3] ?? '' };
  }
  const at = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(at.getTime())) throw new RangeError(`not a date: ${String(value)}`);
  const part = (type: Intl.DateTimeFormatPartTypes) => PARIS.formatToParts(at).find((p) => p.type === type)?.value ?? '';
  return { year: part('year'), month: part('month'), day: part('day'), time: `${part('hour')}:${part('minute')}` };
}

/** The calendar date in France of an instant, as ISO "2027-03-04" (for file names and comparisons). */
export function parisDay(at: Date): string {
  const m = moment(at);
  return `${m.year}-${m.month}-${m.day}`;
}

/** A date for people: "04/03/2027" in French, "4 March 2027" in English. */
export function displayDate(value: string | Date, lang: DisplayLang): string {
  const m = moment(value);
  return lang === 'fr' ? `${m.day}/${m.month}/${m.year}` : `${Number(m.day)} ${MONTHS_EN[Number(m.month) - 1] ?? m.month} ${m.year}`;
}

/** An invoicing period (BG-14, BG-26) for people: "du 01/11/2026 au 30/11/2026", "à partir du 01/11/2026", "from 1 November 2026 to 30 November 2026". */
export function displayPeriod(p: { start?: string; end?: string }, lang: DisplayLang): string {
  const start = p.start ? displayDate(p.start, lang) : undefined;
  const end = p.end ? displayDate(p.end, lang) : undefined;
  if (lang === 'fr') return start && end ? `du ${start} au ${end}` : start ? `à partir du ${start}` : `jusqu’au ${end ?? ''}`;
  return start && end ? `from ${start} to ${end}` : start ? `from ${start}` : `until ${end ?? ''}`;
}

/** An instant for people, with the time zone said: "04/03/2027 à 08:48 (heure de Paris)", "4 March 2027 at 08:48 (Paris time)". */
export function displayDateTime(value: string | Date, lang: DisplayLang): string {
  const time = moment(value).time ?? '00:00';
  return lang === 'fr' ? `${displayDate(value, 'fr')} à ${time} (heure de Paris)` : `${displayDate(value, 'en')} at ${time} (Paris time)`;
}
