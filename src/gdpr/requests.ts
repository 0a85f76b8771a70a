/**
 * Rights requests as the store keeps them, with their deadline (Art. 12(3):
 * one calendar month from receipt, extendable by two more) and the identity
 * proof: a random code sent to the requester's address, stored only as a
 * salted hash, valid for a limited time, five wrong tries at most, used once.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Lang } from '../mail/language.js';
import type { RightKind } from './classify.js';

export type RequestStatus = 'awaiting-confirmation' | 'confirmed' | 'done' | 'refused' | 'forwarded' | 'expired';

export interface StoredCode {
  salt: string;
  hash: string;
  expiresAt: string;
  wrongTries: number;
}

/**
 * Someone other than the requester whose proof a request needs: a new
 * address (it must show it receives mail), or an address already on the
 * record (its confirmation is the second proof of a key change).
 */
export interface Party {
  address: string;
  role: 'new-address' | 'record-address';
  code?: StoredCode;
  confirmedAt?: string;
  /** The "how to confirm" answer went to this address once: never again, never a loop. */
  hintSent?: boolean;
}

export interface RightsRequest {
  ref: string;
  kind: RightKind;
  status: RequestStatus;
  /** The address the request came from, the only one it is answered at (never a Reply-To). */
  requester: string;
  lang: Lang;
  receivedAt: string;
  dueAt: string;
  /** Set when the operator extended the deadline (Art. 12(3)), with the reason given to the person. */
  extendedDueAt?: string;
  extensionReason?: string;
  /** The requester's code. */
  code?: StoredCode;
  /** Keyed hashes of the Message-IDs of the mails that made or joined this request. */
  messageIds: string[];
  /** Message-IDs of the code mails the bot sent: a reply names one in In-Reply-To or References. */
  codeMessageIds?: string[];
  role?: 'client' | 'buyer' | 'unknown';
  clientIds?: string[];
  /** Rectification: the record patch, and the changes the code mail showed (exactly what a confirmation applies). */
  patch?: Record<string, unknown>;
  changes?: { field: string; before: string; after: string }[];
  unknownFields?: string[];
  /** An email or IBAN change: the new addresses' proofs and a second proof are needed too. */
  keyChange?: boolean;
  parties?: Party[];
  requesterConfirmedAt?: string;
  /** The second proof of a key change: another address of the record, or the operator. */
  approvedBy?: { by: 'record-address' | 'operator'; address?: string; at: string };
  hintSent?: boolean;
  outcome?: string;
  closedAt?: string;
  /** Set when the retention reduced the request to its proof (no content, the requester as a keyed hash). */
  proofSince?: string;
}

export const OPEN_STATUSES: readonly RequestStatus[] = ['awaiting-confirmation', 'confirmed'];
export const MAX_WRONG_TRIES = 5;
/** Wrong codes allowed per address over a rolling day, whatever the request: opening or joining one never resets it. */
export const WRONG_CODES_PER_DAY = 5;
export const DAY_MS = 86_400_000;
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I/L
export const REF_PATTERN = /\bRGPD-\d{4}-\d{4,}\b/;

/** Same day next month; the last day of the month when that day does not exist (31 Jan → 28/29 Feb). */
export function addCalendarMonths(iso: string, months: number): string {
  const d = new Date(iso);
  const day = d.getUTCDate();
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, last));
  return target.toISOString();
}

const hashCode = (salt: string, code: string) => createHash('sha256').update(`${salt}:${code}`).digest('hex');

/** A fresh code: returned once to be mailed, kept only as a hash. */
export function newCode(validityHours: number, now: Date): { code: string; stored: StoredCode } {
  let code = '';
  for (let i = 0; i < 8; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  const salt = randomBytes(16).toString('hex');
  return { code, stored: { salt, hash: hashCode(salt, code), expiresAt: new Date(now.getTime() + validityHours * 3_600_000).toISOString(), wrongTries: 0 } };
}

export type CodeCheck = 'ok' | 'wrong' | 'expired' | 'locked' | 'none';

/** One candidate against one stored code: a mail may carry one code, never a list to try. */
export function checkCode(c: StoredCode | undefined, candidate: string, now: Date): CodeCheck {
  if (!c) return 'none';
  if (c.wrongTries >= MAX_WRONG_TRIES) return 'locked';
  if (now.getTime() > Date.parse(c.expiresAt)) return 'expired';
  return timingSafeEqual(Buffer.from(hashCode(c.salt, candidate.toUpperCase()), 'hex'), Buffer.from(c.hash, 'hex')) ? 'ok' : 'wrong';
}

/**
 * The distinct code-shaped tokens of a text: written as the code mail shows
 * them (capitals, no 0/O/1/I/L), or, typed in lower case, with a digit in
 * them (an ordinary word never has one).
 */
export function codeCandidates(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/\b[A-Za-z2-9]{8}\b/g)) {
    const t = m[0];
    const upper = t.toUpperCase();
    if (!/^[A-HJKMNP-Z2-9]{8}$/.test(upper)) continue;
    if (t === upper || /\d/.test(t)) found.add(upper);
  }
  return [...found];
}

export function daysLeft(req: RightsRequest, now: Date): number {
  return Math.ceil((Date.parse(req.extendedDueAt ?? req.dueAt) - now.getTime()) / 86_400_000);
}
