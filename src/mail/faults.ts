/**
 * Faults of the environment, not of the mail: a full disk, an I/O error, a
 * store that cannot be reached. Such a fault is not counted against the
 * mail in hand (it would be set aside for nothing): the daemon stops taking
 * new mail, says so once, and tries again with a growing delay.
 */
import { MailbotError } from '../core/errors.js';

/** A server on the other end of a connection is away. */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
const SYSTEM = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EMFILE', 'ENFILE', 'ENOMEM', 'ELOCKED', ...NETWORK]);
/** PostgreSQL: connection lost or refused, shutting down, too many connections, disk full. */
const POSTGRES = /^(08\d\d\d|57P0[1-3]|53\d\d\d|58\d\d\d)$/;

/**
 * The IMAP client's own codes for a connection that is gone (imapflow): a
 * fetch cut by a server restart is never the mail's fault. A server's NO or
 * BAD about one message carries no such code and stays that mail's error.
 */
const MAILBOX_GONE = new Set(['NoConnection', 'EConnectionClosed', 'StateLogout', 'ClosedAfterConnectText', 'ClosedAfterConnectTLS']);

export function isEnvironmentFault(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  // The pool that could not start a worker, or that closed because the daemon stops: no mail's doing.
  if (err instanceof MailbotError) return code === 'STORE_UNREACHABLE' || code === 'WORK_UNAVAILABLE' || code === 'WORK_POOL_CLOSED' || (code === 'WORK_FAILED' && SYSTEM.has(systemCodeOf(err)));
  return SYSTEM.has(code) || POSTGRES.test(code) || MAILBOX_GONE.has(code);
}

/** The system error code (EMFILE…) a worker's failure kept (work/worker.ts). */
function systemCodeOf(err: unknown): string {
  const code = err instanceof MailbotError ? err.details.systemCode : undefined;
  return typeof code === 'string' ? code : '';
}

/** A short name for the fault, for the one log line that announces it. */
export function faultName(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'unknown';
}

/** What failed, for the operator: the status line and the one log line of an episode. */
export function describeFault(err: unknown): string {
  const code = faultName(err);
  if (code === 'STORE_UNREACHABLE' || POSTGRES.test(code)) return 'store unreachable';
  if (code === 'WORK_UNAVAILABLE') return 'worker threads cannot start';
  if (code === 'WORK_POOL_CLOSED') return 'worker threads stopped';
  if (code === 'WORK_FAILED') return `fault of the environment in a worker (${systemCodeOf(err)})`;
  // The store's own losses are STORE_UNREACHABLE: a bare network code is another server's (the mailbox's).
  if (NETWORK.has(code)) return `a server cannot be reached (${code})`;
  if (MAILBOX_GONE.has(code)) return `mailbox connection lost (${code})`;
  if (code === 'ENOSPC' || code === 'EDQUOT') return `data directory full (${code})`;
  if (code === 'EROFS') return 'data directory read-only (EROFS)';
  if (code === 'EIO') return 'disk error (EIO)';
  if (code === 'EMFILE' || code === 'ENFILE') return `too many open files (${code})`;
  if (code === 'ENOMEM') return 'out of memory (ENOMEM)';
  if (code === 'ELOCKED') return 'store lock unavailable (ELOCKED)';
  return `fault of the environment (${code})`;
}

/**
 * The delay before the next try: 2 s, doubling, at most a minute. A try is
 * one cheap look at the store (or one mail): the intake resumes within a
 * minute of the environment coming back, however long it was away.
 */
export function faultBackoffMs(consecutive: number): number {
  return Math.min(2_000 * 2 ** Math.max(0, consecutive - 1), 60_000);
}
