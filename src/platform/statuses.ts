/**
 * The lifecycle statuses of an invoice under the French reform (XP Z12-012,
 * "statuts du cycle de vie"), as the platform reports them in CDAR messages:
 * their codes, their names in French and English, and what the seller must
 * hear at once (a rejection, a refusal, a dispute, a suspension) as opposed
 * to what a daily digest may carry.
 */
import type { DisplayLang } from '../core/format.js';

export const LIFECYCLE_STATUSES = {
  200: { fr: 'Déposée', en: 'Deposited' },
  201: { fr: 'Émise', en: 'Issued' },
  202: { fr: 'Reçue', en: 'Received' },
  203: { fr: 'Mise à disposition', en: 'Made available' },
  204: { fr: 'Prise en charge', en: 'In hand' },
  205: { fr: 'Approuvée', en: 'Approved' },
  206: { fr: 'Approuvée partiellement', en: 'Partly approved' },
  207: { fr: 'En litige', en: 'Disputed' },
  208: { fr: 'Suspendue', en: 'Suspended' },
  209: { fr: 'Complétée', en: 'Completed' },
  210: { fr: 'Refusée', en: 'Refused' },
  211: { fr: 'Paiement transmis', en: 'Payment sent' },
  212: { fr: 'Encaissée', en: 'Payment received' },
  213: { fr: 'Rejetée', en: 'Rejected' },
} as const satisfies Record<number, Record<DisplayLang, string>>;

export type LifecycleStatus = keyof typeof LIFECYCLE_STATUSES;

export function isLifecycleStatus(code: number): code is LifecycleStatus {
  return Object.hasOwn(LIFECYCLE_STATUSES, code);
}

export function statusLabel(code: LifecycleStatus, lang: DisplayLang): string {
  return LIFECYCLE_STATUSES[code][lang];
}

/**
 * Statuses the seller hears about at once, by mail: the invoice will not
 * be paid as issued until something is done (usually a credit note and a
 * new invoice, which contract v2 allows). 213 comes from the platforms
 * (the invoice broke a rule), 210 and 207 from the buyer, 208 when the
 * buyer waits for something.
 */
export const ALERT_STATUSES: readonly LifecycleStatus[] = [207, 208, 210, 213];

export function isAlert(code: LifecycleStatus): boolean {
  return ALERT_STATUSES.includes(code);
}
