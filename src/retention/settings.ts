/**
 * The retention policy's settings: one duration per category of data, with
 * defaults that follow the studio's privacy policy (data kept only as long
 * as the service needs it; the studio does not archive invoices for its
 * clients, who keep their own). The purge job, the erasure answer and the
 * published policy document all read these settings: they cannot disagree.
 *
 * A duration is written "30d", "12m" or "5y" (days, calendar months,
 * calendar years).
 */
import cron from 'node-cron';
import { z } from 'zod';

export const duration = z.string().regex(/^\d{1,4}[dmy]$/, 'a duration such as "30d", "12m" or "5y" (days, months, years)');

export const retentionSchema = z
  .object({
    /** Source CSV files received from clients, after their batch. */
    sourceFiles: duration.default('30d'),
    /** The studio's copies of the invoices it issued (PDFs) and of the batch reports, after issue: the client archives its own. */
    issuedCopies: duration.default('90d'),
    /** Mails in the bot's folders (Processed, Rejected, Ignored, Sent; embedded: mailbox/ and outbox/), after arrival or sending. */
    mails: duration.default('90d'),
    /** The audit trail (the CNIL's guidance for security logs: 6 to 12 months). */
    auditTrail: duration.default('12m'),
    /** A rights request's content (the changes asked, the codes, the requester's address in clear), after it closed. */
    requestContent: duration.default('30d'),
    /** The proof a request was answered (reference, kind, dates, outcome, hashed requester), after it closed: the limitation period of a claim. */
    requestProof: duration.default('5y'),
    /** A client's record after its contract ended (`mailbot client close`): the limitation period of contractual claims (C. com. L110-4). */
    clientRecords: duration.default('5y'),
    /** The numbering register (series, number, issue date, totals, each PDF's hash) and the hashes of files received. */
    register: duration.default('10y'),
    /** When the daily purge runs (node-cron). */
    cron: z.string().refine((v) => cron.validate(v), 'a node-cron expression, e.g. "30 3 * * *" (every night at 03:30)').default('30 3 * * *'),
  })
  // A copy cannot outlive what it is a copy of, nor a proof come before the content it proves.
  .refine((r) => !longer(r.sourceFiles, r.issuedCopies) && !longer(r.issuedCopies, r.register), { message: 'sourceFiles ≤ issuedCopies ≤ register: a source file is not kept longer than the invoices made from it, nor these longer than the register' })
  .refine((r) => !longer(r.requestContent, r.requestProof), { message: 'requestContent ≤ requestProof: the minimal proof of a request outlives its content' })
  .prefault({});

export type RetentionSettings = z.infer<typeof retentionSchema>;
export type RetentionCategory = Exclude<keyof RetentionSettings, 'cron'>;

/** `at` moved by `n` times the duration `d`: calendar months and years, as a person counts them. */
function shift(at: Date, d: string, n: 1 | -1): Date {
  const count = n * Number(d.slice(0, -1));
  const out = new Date(at.getTime());
  const unit = d.slice(-1);
  if (unit === 'd') out.setUTCDate(out.getUTCDate() + count);
  if (unit === 'm') out.setUTCMonth(out.getUTCMonth() + count);
  if (unit === 'y') out.setUTCFullYear(out.getUTCFullYear() + count);
  return out;
}

/** The instant `d` before `at`. */
export function before(at: Date, d: string): Date {
  return shift(at, d, -1);
}

/** Whether duration `a` is longer than `b` (counted back from one fixed day). */
function longer(a: string, b: string): boolean {
  const from = new Date(Date.UTC(2024, 0, 31));
  return before(from, a).getTime() < before(from, b).getTime();
}

export const CATEGORIES: readonly RetentionCategory[] = ['sourceFiles', 'issuedCopies', 'mails', 'auditTrail', 'requestContent', 'requestProof', 'clientRecords', 'register'];

/** For each category, the instant before which its data goes, at `now`. */
export function cutoffs(settings: RetentionSettings, now: Date): Record<RetentionCategory, string> {
  const out = {} as Record<RetentionCategory, string>;
  for (const c of CATEGORIES) out[c] = before(now, settings[c]).toISOString();
  return out;
}

/** The instant `d` after `from` (when something kept since `from` goes). */
export function after(from: Date, d: string): Date {
  return shift(from, d, 1);
}

/** "30 jours", "12 mois", "5 ans" / "30 days", "12 months", "5 years". */
export function spell(d: string, lang: 'fr' | 'en'): string {
  const n = Number(d.slice(0, -1));
  const unit = d.slice(-1) as 'd' | 'm' | 'y';
  const words = { fr: { d: ['jour', 'jours'], m: ['mois', 'mois'], y: ['an', 'ans'] }, en: { d: ['day', 'days'], m: ['month', 'months'], y: ['year', 'years'] } }[lang][unit];
  return `${n} ${n === 1 ? words[0] : words[1]}`;
}
