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
  code?: { salt: string; hash: string; expiresAt: string; wrongTries: number };
  /** Message-IDs of the mails that made or joined this request. */
  messageIds: string[];
  role?: 'client' | 'buyer' | 'unknown';
  clientIds?: string[];
  fields?: { key: string; label: string; value: string }[];
  outcome?: string;
  closedAt?: string;
}

export const OPEN_STATUSES: readonly RequestStatus[] = ['awaiting-confirmation', 'confirmed'];
export const MAX_WRONG_TRIES = 5;
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I/L
export const CODE_PATTERN = /\b[A-HJKMNP-Z2-9]{8}\b/g;
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
export function newCode(validityHours: number, now: Date): { code: string; stored: NonNullable<RightsRequest['code']> } {
  let code = '';
  for (let i = 0; i < 8; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  const salt = randomBytes(16).toString('hex');
  return { code, stored: { salt, hash: hashCode(salt, code), expiresAt: new Date(now.getTime() + validityHours * 3_600_000).toISOString(), wrongTries: 0 } };
}

export type CodeCheck = 'ok' | 'wrong' | 'expired' | 'locked' | 'none';

export function checkCode(req: RightsRequest, candidates: readonly string[], now: Date): CodeCheck {
  const c = req.code;
  if (!c) return 'none';
  if (c.wrongTries >= MAX_WRONG_TRIES) return 'locked';
  if (now.getTime() > Date.parse(c.expiresAt)) return 'expired';
  const expected = Buffer.from(c.hash, 'hex');
  return candidates.some((code) => timingSafeEqual(Buffer.from(hashCode(c.salt, code.toUpperCase()), 'hex'), expected)) ? 'ok' : 'wrong';
}

export function daysLeft(req: RightsRequest, now: Date): number {
  return Math.ceil((Date.parse(req.extendedDueAt ?? req.dueAt) - now.getTime()) / 86_400_000);
}
