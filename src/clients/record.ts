/**
 * The client record: the seller on whose behalf the studio issues invoices.
 * Everything about the seller on an invoice comes from here, never from a CSV.
 */
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { EAS_SCHEMES, electronicAddressProblem, normaliseAddress, parseScheme } from '../core/eaddress.js';
import { compactId, frenchVatId, isBic, isIban, isSepaCreditorId, isSiren, isSiret, vatIdProblem } from '../core/identifiers.js';
import { FRENCH_VAT_RATES, isFrenchVatRate } from '../invoice/brfr.js';
import { numberPatternProblem, parsePattern } from '../invoice/numbering.js';
import { platformSchema } from '../platform/config.js';

/** Legal forms French law asks to show next to the name (C. com. R123-237; "EI" since 2022). */
const LEGAL_FORMS = ['SARL', 'SAS', 'SASU', 'SA', 'EURL', 'EI', 'EIRL', 'SCI', 'SNC', 'SCOP', 'SELARL', 'SELAS', 'SCM', 'SCP', 'GIE', 'SEM', 'SCA', 'ASSOCIATION'];
const LEGAL_FORM_RE = new RegExp(`(^|[^A-Za-z])(${LEGAL_FORMS.join('|')})([^A-Za-z]|$)`, 'i');

/** Credit notes' own series unless the record says otherwise. */
export const DEFAULT_CREDIT_NOTE_PATTERN = 'AV-{YYYY}-{SEQ:5}';

/** Whether two patterns can never give the same number: their fixed text differs where both have text. */
function seriesApart(a: string, b: string): boolean {
  const sample = (p: string, seq: string) => p.replace(/\{YYYY\}/g, '2026').replace(/\{YY\}/g, '26').replace(/\{MM\}/g, '01').replace(/\{SEQ:\d\}/g, seq);
  // A number of one pattern never reads as a number of the other: compare their shapes with the sequence as a marker.
  const shape = (p: string) => sample(p, '#');
  return shape(a) !== shape(b) && !new RegExp(`^${escape(shape(a)).replace('#', '\\d+')}$`).test(sample(b, '1')) && !new RegExp(`^${escape(shape(b)).replace('#', '\\d+')}$`).test(sample(a, '1'));
}
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const DEFAULT_VAT_RATES = ['20', '10', '5.5', '2.1', '0'] as const;
export const DEFAULT_LATE_PENALTY_FR =
  "En cas de retard de paiement, pénalités au taux égal à trois fois le taux d'intérêt légal, exigibles le jour suivant la date d'échéance.";

const trimmed = z.string().trim();
const text = (max: number) => trimmed.min(1, 'must not be empty').max(max, `at most ${max} characters`);
const decimalString = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim().replace(',', '.'))
  .refine((v) => /^\d+(\.\d+)?$/.test(v), 'a positive decimal number, e.g. 5.5');

export const addressSchema = z.object({
  line1: text(100),
  line2: trimmed.max(100).optional(),
  postcode: text(20),
  city: text(60),
  country: trimmed
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166 two-letter code, e.g. FR')
    .default('FR'),
});

/** BT-34: where the seller receives invoice traffic; the scheme may be given by name (siret, email…). */
const electronicAddressSchema = z.object({
  value: trimmed.min(1, 'must not be empty'),
  scheme: z
    .string()
    .transform((v) => parseScheme(v) ?? v)
    .pipe(z.enum(EAS_SCHEMES, { message: `one of ${EAS_SCHEMES.join(', ')}` })),
}).transform((a) => ({ ...a, value: normaliseAddress(a.value, a.scheme) }));

export const clientInputSchema = z
  .object({
    id: trimmed.regex(/^[a-z0-9][a-z0-9-]{1,39}$/, 'lower-case letters, digits and dashes, 2 to 40 characters'),
    legalName: text(120).refine((v) => LEGAL_FORM_RE.test(v), 'must include the legal form, e.g. "Atelier Dupont SARL" or "Marie Martin EI"'),
    siren: z
      .string()
      .transform(compactId)
      .refine((v) => isSiren(v) || isSiret(v), 'a SIREN (9 digits) or SIRET (14 digits) with a valid Luhn key'),
    vatId: z
      .string()
      .transform(compactId)
      .refine((v) => vatIdProblem(v) === null, 'an intra-EU VAT number such as FR + 2-digit key + SIREN, with a valid key')
      .optional(),
    address: addressSchema,
    emails: z
      .array(trimmed.toLowerCase().pipe(z.email('an email address')))
      .min(1, 'at least one address allowed to send batches'),
    iban: z.string().transform(compactId).refine(isIban, 'an IBAN with a valid mod-97 key'),
    bic: z.string().transform(compactId).refine(isBic, 'a BIC of 8 or 11 characters'),
    vatRegime: z.enum(['normal', 'franchise']).default('normal'),
    allowedVatRates: z.array(decimalString).min(1).default([...DEFAULT_VAT_RATES]),
    paymentTermsDays: z.coerce.number().int('whole days').min(0).max(60, 'at most 60 days (C. com. L441-10)').default(30),
    latePenaltyText: text(500).default(DEFAULT_LATE_PENALTY_FR),
    shareCapital: decimalString.optional(),
    rcsCity: trimmed.min(1).max(60).optional(),
    numberPattern: trimmed.default('{YYYY}-{SEQ:5}').refine((p) => parsePattern(p) !== null, 'a pattern with one {SEQ:n} (n = 1 to 9), optional {YYYY} {YY} {MM}, and letters, digits, - _ . / around them'),
    /**
     * Credit notes (381) number in a series of their own (the default,
     * `creditNotePattern`, e.g. AV-2026-00001) or in the invoice series
     * (`creditNoteSeries: "invoice"`); gapless and chronological either way.
     */
    creditNoteSeries: z.enum(['own', 'invoice']).optional(),
    creditNotePattern: trimmed.refine((p) => parsePattern(p) !== null, 'a pattern with one {SEQ:n} (n = 1 to 9), optional {YYYY} {YY} {MM}, and letters, digits, - _ . / around them').optional(),
    /** BT-90: the seller's SEPA creditor identifier (ICS), needed for invoices paid by direct debit. */
    sepaCreditorId: z.string().transform(compactId).refine(isSepaCreditorId, 'a SEPA creditor identifier (ICS) such as FR72ZZZ123456, with a valid key').optional(),
    /** The seller's approved platform (platform/config.ts); absent: invoices are not deposited. */
    platform: platformSchema.optional(),
    language: z.enum(['fr', 'en']).default('fr'),
    defaultOperationType: z.enum(['goods', 'services', 'mixed']).default('services'),
    electronicAddress: electronicAddressSchema.optional(),
    /** The seller opted to pay VAT on debits (CGI art. 269-2-c): services then carry BT-8 and the mention. */
    vatOnDebits: z.preprocess((v) => (typeof v === 'string' ? ['true', 'yes', 'oui', '1'].includes(v.trim().toLowerCase()) : v), z.boolean()).default(false),
    contactName: trimmed.max(100).optional(),
    phone: trimmed.max(30).optional(),
  })
  .superRefine((c, ctx) => {
    const siren = c.siren.slice(0, 9);
    if (c.vatRegime === 'normal' && !c.vatId) {
      ctx.addIssue({ code: 'custom', path: ['vatId'], message: 'required for a seller who charges VAT (BR-S-2)' });
    }
    if (c.vatId?.startsWith('FR') && /^FR\d{2}/.test(c.vatId) && c.vatId !== frenchVatId(siren)) {
      ctx.addIssue({ code: 'custom', path: ['vatId'], message: `does not match SIREN ${siren} (expected ${frenchVatId(siren)})` });
    }
    if (c.electronicAddress) {
      const problem = electronicAddressProblem(c.electronicAddress, siren);
      if (problem) ctx.addIssue({ code: 'custom', path: ['electronicAddress', 'value'], message: ADDRESS_PROBLEM[problem](c.electronicAddress.scheme, siren) });
    } else if (c.address.country !== 'FR') {
      // BR-FR-13: BT-34 is mandatory; the directory default only fits a seller established in France.
      ctx.addIssue({ code: 'custom', path: ['electronicAddress'], message: 'required for a seller outside France (BR-FR-13): give its electronic address and scheme' });
    }
    if (c.vatOnDebits && c.vatRegime === 'franchise') {
      ctx.addIssue({ code: 'custom', path: ['vatOnDebits'], message: 'a seller under franchise en base charges no VAT, so it cannot opt for VAT on debits' });
    }
    c.allowedVatRates.forEach((rate, i) => {
      if (!isFrenchVatRate(rate)) ctx.addIssue({ code: 'custom', path: ['allowedVatRates', i], message: `${rate} is not a French VAT rate (BR-FR-16: ${FRENCH_VAT_RATES.join(', ')})` });
    });
    const patternProblem = numberPatternProblem(c.numberPattern);
    if (patternProblem) ctx.addIssue({ code: 'custom', path: ['numberPattern'], message: patternProblem });
    if ((c.creditNoteSeries ?? 'own') === 'own') {
      const creditPattern = c.creditNotePattern ?? DEFAULT_CREDIT_NOTE_PATTERN;
      const creditProblem = numberPatternProblem(creditPattern);
      if (creditProblem) ctx.addIssue({ code: 'custom', path: ['creditNotePattern'], message: creditProblem });
      // Two kinds of document in one series would each see gaps where the other took numbers.
      if (!seriesApart(c.numberPattern, creditPattern)) ctx.addIssue({ code: 'custom', path: ['creditNotePattern'], message: 'must give numbers the invoice pattern never gives (e.g. AV-{YYYY}-{SEQ:5}), or set creditNoteSeries to "invoice"' });
    }
    if (c.vatRegime === 'franchise' && !c.vatId) {
      // EN 16931 BR-E-2 needs a seller VAT id (or tax registration) on category E invoices.
      ctx.addIssue({ code: 'custom', path: ['vatId'], message: 'required even under franchise en base: EN 16931 (BR-E-2) asks for the seller VAT id on exempt invoices' });
    }
  });

const ADDRESS_PROBLEM: Record<'length' | 'shape' | 'key' | 'siren-mismatch', (scheme: string, siren: string) => string> = {
  length: () => 'at most 125 characters (BR-FR-25)',
  shape: (scheme) => `does not have the form of scheme ${scheme} (${SCHEME_FORM[scheme] ?? ''})`,
  key: (scheme) => `the check digit does not match (scheme ${scheme})`,
  'siren-mismatch': (_s, siren) => `must be an address of SIREN ${siren}, the seller's own (BR-FR-22)`,
};
const SCHEME_FORM: Record<string, string> = {
  '0225': 'the SIREN, optionally followed by _ and a suffix, letters, digits, + - _ / only (BR-FR-23)',
  '0009': 'a SIRET of 14 digits',
  '0002': 'a SIREN of 9 digits',
  '0088': 'a GLN of 13 digits',
  '9957': 'a French VAT number, FR + key + SIREN',
  EM: 'an email address',
};

export type ClientInput = z.input<typeof clientInputSchema>;
export type ClientData = z.output<typeof clientInputSchema>;

export interface ClientRecord extends ClientData {
  /** SIREN alone, derived from siren/siret for BT-30. */
  siren: string;
  siret?: string;
  createdAt: string;
  updatedAt: string;
  /**
   * GDPR Art. 18: while set, the data is only stored; batches are refused.
   * `liftAt`: the operator lifts it then, the person having been told when
   * it was scheduled (Art. 18(3)).
   */
  restricted?: { since: string; ref: string; liftAt?: string };
  /** GDPR Art. 21: objection recorded, with the operator's compelling grounds if any. */
  objection?: { since: string; ref: string; compellingGrounds?: string };
  /** GDPR Art. 17: the personal data erased; the identity the numbering register refers to stays. */
  erased?: { at: string; ref: string };
  /** The contract ended (`mailbot client close`): the record goes after the retention's `clientRecords`. */
  closedAt?: string;
}

/**
 * What stays of a client once its personal data must go (erasure, Art. 17;
 * the end of `clientRecords` after its contract ended): the identity the
 * numbering register refers to (id, legal name, SIREN, VAT number, country)
 * and its series, nothing to reach a person by.
 */
export function tombstone(current: ClientRecord, at: string, ref: string): ClientRecord {
  const { contactName: _n, phone: _p, siret: _s, electronicAddress: _e, ...rest } = current;
  return { ...rest, emails: [], iban: '', bic: '', address: { line1: '', postcode: '', city: '', country: current.address.country }, erased: { at, ref }, closedAt: current.closedAt ?? at, updatedAt: at };
}

/** Validate raw input into a record. Throws a ValidationError naming the first bad field. */
export function validateClient(input: unknown, now = new Date()): ClientRecord {
  const parsed = clientInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? issue.path.join('.') || 'client' : 'client';
    const all = parsed.error.issues.map((i) => `${i.path.join('.') || 'client'}: ${i.message}`);
    throw new ValidationError(field, all.join('; '), { issues: all });
  }
  const data = parsed.data;
  const ident = data.siren;
  const stamp = now.toISOString();
  return {
    ...data,
    siren: ident.slice(0, 9),
    ...(ident.length === 14 ? { siret: ident } : {}),
    createdAt: stamp,
    updatedAt: stamp,
  };
}

/** Merge a partial update onto a record and validate the whole again. */
export function updateClient(current: ClientRecord, patch: Record<string, unknown>, now = new Date()): ClientRecord {
  const { createdAt, siret, restricted, objection, erased, closedAt, ...rest } = current;
  const merged: Record<string, unknown> = { ...rest, siren: siret ?? rest.siren, ...patch };
  if (patch.address && typeof patch.address === 'object') merged.address = { ...current.address, ...patch.address };
  if ('id' in patch && patch.id !== current.id) throw new ValidationError('id', 'the id of a client cannot change');
  const next = validateClient(merged, now);
  return { ...next, createdAt, ...(restricted ? { restricted } : {}), ...(objection ? { objection } : {}), ...(erased ? { erased } : {}), ...(closedAt ? { closedAt } : {}) };
}
