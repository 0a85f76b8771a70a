/**
 * Mails that carry a confirmation code, and their daily cap when a mail our
 * server did not authenticate caused them. Such a mail names the address it
 * claims in From; a forger can send as many as they like, and each one
 * opening or joining a request would mail the real person a code. Per
 * address and rolling day, only `limits.unverifiedCodeMailsPerAddressPerDay`
 * of them are mailed; the mails past it are filed away with the other
 * forged mail, unanswered, and counted in the audit trail.
 *
 * The count is kept in the store (`tx.rate`), so it holds across restarts
 * and is shared by the daemons of one PostgreSQL store.
 */
import { DAY_MS } from '../gdpr/requests.js';
import { normaliseAddress } from '../store/invariants.js';
import type { HandlerResult } from './handlers/types.js';

/** The kind of every mail that carries a confirmation code (requester, new address, record address). */
export const CODE_MAIL_KIND = 'gdpr-code';

/** The ledger outcome of a mail filed away because it would have passed the cap. */
export const CODE_MAILS_CAPPED = 'ignored:code-mails-capped';

/** The window of the cap. */
export const CODE_MAIL_WINDOW_MS = DAY_MS;

/** The store's rate key for the code mails unverified mail caused to one address (its keyed hash). */
export function codeMailKey(addressHash: string): string {
  return `unverified-code-mails:${addressHash}`;
}

/** The addresses a handler's result would mail a code to, each once. */
export function codeMailRecipients(result: HandlerResult): string[] {
  const drafts = [...(result.reply ? [result.reply, ...(result.moreReplies ?? [])] : []), ...(result.notify ?? [])];
  return [...new Set(drafts.filter((d) => d.kind === CODE_MAIL_KIND && d.to !== '').map((d) => normaliseAddress(d.to)))];
}

/**
 * What becomes of a mail past the cap: nothing mailed, nothing written (no
 * request opened or joined: its code would reach no one), filed away like
 * other forged mail, with one audit line naming the address by its keyed hash.
 */
export function cappedResult(handled: HandlerResult, addressHash: string, cap: number, trustReason: string): HandlerResult {
  return {
    outcome: CODE_MAILS_CAPPED,
    folder: 'ignored',
    ...(handled.clientId ? { clientId: handled.clientId } : {}),
    audit: [{ action: 'reply-withheld', outcome: 'ignored', details: { reason: 'unverified-code-mails-per-address-per-day', to: addressHash, cap, trust: trustReason } }],
  };
}
