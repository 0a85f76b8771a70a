/**
 * Check digits of the identifiers found on French invoices. Pure functions:
 * each answers whether a value is well-formed, nothing else.
 */
import { isCountryCode } from './countries.js';

/**
 * A GTIN (EAN-8, UPC-A, EAN-13, GTIN-14; ISO/IEC 15420) with its GS1 check
 * digit: from the right, the digits before the check weigh 3, 1, 3, 1…
 */
export function isGtin(value: string): boolean {
  if (!/^(\d{8}|\d{12,14})$/.test(value)) return false;
  let sum = 0;
  for (let i = value.length - 2, w = 3; i >= 0; i--, w = 4 - w) sum += Number(value[i]) * w;
  return (10 - (sum % 10)) % 10 === Number(value.at(-1));
}

/** Luhn (mod 10) key, used by INSEE for SIREN (9 digits) and SIRET (14 digits). */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let total = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    total += d;
  }
  return total % 10 === 0;
}

/** Spaces, NBSP and dots are common in typed identifiers ("123 456 789"). */
export function compactId(value: string): string {
  return value.replace(/[\s.\u00a0\u202f-]/g, '').toUpperCase();
}

/** All zeros passes Luhn but names no company: INSEE never issues it. */
export function isSiren(value: string): boolean {
  return /^\d{9}$/.test(value) && value !== '000000000' && luhnValid(value);
}

/**
 * SIRET = SIREN + 5-digit establishment number, Luhn over the 14 digits.
 * La Poste (SIREN 356000000) is the documented exception: its SIRETs use
 * "sum of digits divisible by 5" instead.
 */
export function isSiret(value: string): boolean {
  if (!/^\d{14}$/.test(value)) return false;
  if (value.startsWith('356000000')) {
    const total = [...value].reduce((acc, c) => acc + Number(c), 0);
    return total % 5 === 0;
  }
  return luhnValid(value) && isSiren(value.slice(0, 9));
}

/** The French VAT key: (12 + 3 × (SIREN mod 97)) mod 97, two digits before the SIREN. */
export function frenchVatKey(siren: string): string {
  const key = (12 + 3 * (Number(siren) % 97)) % 97;
  return key.toString().padStart(2, '0');
}

export function frenchVatId(siren: string): string {
  return `FR${frenchVatKey(siren)}${siren}`;
}

/**
 * An EU VAT identifier (BT-31/BT-48). The prefix must be an ISO 3166-1
 * country code, Greece using "EL" (BR-CO-9). French ids are checked with their
 * key; other countries only for shape, since each has its own algorithm.
 */
export function vatIdProblem(value: string): string | null {
  const v = compactId(value);
  if (!/^[A-Z]{2}[0-9A-Z+*]{2,13}$/.test(v)) return 'shape';
  // BR-CO-09: the prefix is an ISO 3166-1 alpha-2 code, or EL (Greece) or XI (Northern Ireland); never UK, EU…
  const prefix = v.slice(0, 2);
  if (!isCountryCode(prefix) && prefix !== 'EL' && prefix !== 'XI') return 'prefix';
  if (v.startsWith('FR')) {
    const m = /^FR([0-9A-Z]{2})(\d{9})$/.exec(v);
    if (!m) return 'shape';
    const [, key, siren] = m as unknown as [string, string, string];
    // Numeric keys are checkable; alphanumeric keys (new-style) are accepted by shape.
    if (/^\d{2}$/.test(key) && key !== frenchVatKey(siren)) return 'key';
  }
  return null;
}

/** IBAN (ISO 13616): country, two check digits, mod 97 of the rearranged number equals 1. */
export function isIban(value: string): boolean {
  const v = compactId(value);
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(v)) return false;
  const rearranged = v.slice(4) + v.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const chunk = code >= 65 ? String(code - 55) : ch;
    for (const digit of chunk) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

/**
 * SEPA creditor identifier (BT-90; EPC262-08 §5.3): country, two check
 * digits, a 3-character business code the check ignores, then the national
 * identifier; the check digits are ISO 7064 mod 97-10 over the national
 * identifier and the country, as for an IBAN. A French ICS reads
 * "FR72ZZZ123456"; the EPC test identifier is "DE98ZZZ09999999999".
 */
export function isSepaCreditorId(value: string): boolean {
  const v = compactId(value);
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$/.test(v)) return false;
  return mod97(`${v.slice(7)}${v.slice(0, 4)}`) === 1;
}

function mod97(text: string): number {
  let remainder = 0;
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    const chunk = code >= 65 ? String(code - 55) : ch;
    for (const digit of chunk) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder;
}

/** BIC (ISO 9362): 4 letters bank, 2 letters country, 2 location, optional 3 branch. */
export function isBic(value: string): boolean {
  return /^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(compactId(value));
}
