/**
 * Faults of the environment, not of the mail: a full disk, an I/O error, a
 * store that cannot be reached. Such a fault is not counted against the
 * mail in hand (it would be set aside for nothing): the daemon stops taking
 * new mail, says so once, and tries again with a growing delay.
 */
import { MailbotError } from '../core/errors.js';

const SYSTEM = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EMFILE', 'ENFILE', 'ENOMEM', 'ELOCKED', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
/** PostgreSQL: connection lost or refused, shutting down, too many connections, disk full. */
const POSTGRES = /^(08\d\d\d|57P0[1-3]|53\d\d\d|58\d\d\d)$/;

export function isEnvironmentFault(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  if (err instanceof MailbotError) return code === 'STORE_UNREACHABLE';
  return SYSTEM.has(code) || POSTGRES.test(code);
}

/** A short name for the fault, for the one log line that announces it. */
export function faultName(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'unknown';
}

/** The delay before the next try: 5 s, doubling, at most 5 minutes. */
export function faultBackoffMs(consecutive: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, consecutive - 1), 300_000);
}
