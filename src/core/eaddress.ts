/**
 * Electronic addresses: where an invoice is delivered (BT-34 seller, BT-49
 * buyer) and the scheme that says how to read them (BT-34-1 / BT-49-1, CEF
 * "EAS" code list). Under the French reform invoices are routed through the
 * directory (annuaire), whose addresses are scheme 0225: the SIREN of the
 * company, optionally followed by "_" and a suffix (SIRET, service code…).
 * The other schemes are kept for buyers who publish another address.
 *
 * Pure functions: each says whether a value fits its scheme, nothing else.
 */
import { compactId, frenchVatId, isSiren, isSiret } from './identifiers.js';

/** The schemes this bot writes. Each one is checked for its own form below. */
export const EAS_SCHEMES = ['0225', '0009', '0002', '0088', '9957', 'EM'] as const;
export type EasScheme = (typeof EAS_SCHEMES)[number];

export interface ElectronicAddress {
  value: string;
  scheme: EasScheme;
}

/** BR-FR-25: an electronic address has at most 125 characters. */
export const MAX_ELECTRONIC_ADDRESS = 125;

/**
 * BR-FR-23: a 0225 address uses letters, digits and + - _ . only (the French
 * schematrons since 1.3.1 refuse "/" and allow "."). Its first nine
 * characters are the SIREN the directory knows the company by.
 */
const DIRECTORY_ADDRESS = /^(\d{9})(_[A-Za-z0-9+_.-]+)?$/;
const EMAIL = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]+$/;

export type AddressProblem = 'length' | 'shape' | 'key' | 'siren-mismatch';

/** Spaces typed in identifiers ("123 456 782") are dropped; an email keeps its case. */
export function normaliseAddress(value: string, scheme: EasScheme): string {
  const v = value.trim();
  if (scheme === 'EM') return v;
  if (scheme === '9957') return compactId(v);
  return v.replace(/[\s\u00a0\u202f]/g, '');
}

/**
 * Why a value does not fit its scheme, or null when it does. With `siren`,
 * a 0225 address must also belong to that company (BR-FR-21 / BR-FR-22:
 * the directory address starts with the party's SIREN).
 */
export function electronicAddressProblem(a: ElectronicAddress, siren?: string): AddressProblem | null {
  const v = a.value;
  if (v.length === 0 || v.length > MAX_ELECTRONIC_ADDRESS) return 'length';
  switch (a.scheme) {
    case '0225': {
      const m = DIRECTORY_ADDRESS.exec(v);
      if (!m) return 'shape';
      if (!isSiren(m[1] ?? '')) return 'key';
      if (siren && !v.startsWith(siren)) return 'siren-mismatch';
      return null;
    }
    case '0002':
      if (!/^\d{9}$/.test(v)) return 'shape';
      if (!isSiren(v)) return 'key';
      return siren && v !== siren ? 'siren-mismatch' : null;
    case '0009':
      if (!/^\d{14}$/.test(v)) return 'shape';
      if (!isSiret(v)) return 'key';
      return siren && !v.startsWith(siren) ? 'siren-mismatch' : null;
    case '0088':
      // GLN (GS1): 13 digits, the last one a mod-10 key with weights 3 and 1 from the right.
      if (!/^\d{13}$/.test(v)) return 'shape';
      return gs1Valid(v) ? null : 'key';
    case '9957': {
      // French VAT number as an address: FR + key + SIREN.
      const m = /^FR[0-9A-Z]{2}(\d{9})$/.exec(v);
      if (!m) return 'shape';
      const owner = m[1] ?? '';
      if (!isSiren(owner) || (/^FR\d{2}/.test(v) && v !== frenchVatId(owner))) return 'key';
      return siren && owner !== siren ? 'siren-mismatch' : null;
    }
    case 'EM':
      return EMAIL.test(v) ? null : 'shape';
  }
}

function gs1Valid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length - 1; i++) {
    const d = digits.charCodeAt(digits.length - 2 - i) - 48;
    sum += i % 2 === 0 ? d * 3 : d;
  }
  const key = (10 - (sum % 10)) % 10;
  return key === digits.charCodeAt(digits.length - 1) - 48 && /[1-9]/.test(digits);
}

/** Scheme names a client may write instead of the code. */
const SCHEME_WORDS: Record<string, EasScheme> = {
  '0225': '0225', annuaire: '0225', siren: '0225', directory: '0225', ppf: '0225',
  '0009': '0009', siret: '0009',
  '0002': '0002',
  '0088': '0088', gln: '0088', ean: '0088',
  '9957': '9957', tva: '9957', vat: '9957', tvaintracom: '9957',
  em: 'EM', email: 'EM', mail: 'EM', courriel: 'EM', emailaddress: 'EM',
};

export function parseScheme(raw: string): EasScheme | null {
  const key = raw.trim().toLowerCase().replace(/[\s_-]/g, '');
  return SCHEME_WORDS[key] ?? null;
}

/**
 * The scheme a value's form shows, for a file that gives no scheme column:
 * "0225:123456782" names it; an "@" is an email; 9 digits (or 9 digits and
 * "_suffix") a directory address; 14 digits a SIRET; 13 a GLN; FR + 11
 * characters a French VAT number. Anything else is ambiguous: null.
 */
export function recogniseAddress(raw: string): ElectronicAddress | null {
  const s = raw.trim();
  const prefixed = /^([0-9]{4}|EM)\s*:\s*(.+)$/i.exec(s);
  if (prefixed) {
    const scheme = parseScheme(prefixed[1] ?? '');
    return scheme ? { scheme, value: normaliseAddress(prefixed[2] ?? '', scheme) } : null;
  }
  if (s.includes('@')) return { scheme: 'EM', value: s };
  const digits = s.replace(/[\s\u00a0\u202f.]/g, '');
  if (/^\d{9}(_.+)?$/.test(digits)) return { scheme: '0225', value: digits };
  if (/^\d{14}$/.test(digits)) return { scheme: '0009', value: digits };
  if (/^\d{13}$/.test(digits)) return { scheme: '0088', value: digits };
  const vat = compactId(s);
  if (/^FR[0-9A-Z]{2}\d{9}$/.test(vat)) return { scheme: '9957', value: vat };
  return null;
}
