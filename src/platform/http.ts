/**
 * The platform's answers as the bot acts on them (AFNOR XP Z12-013, error
 * responses 400 to 503): a refusal is final and reported (4xx other than
 * 401, 408 and 429); 429 and 503 say when to come back (`Retry-After`, in
 * seconds or as a date); anything else that went wrong on the way (network,
 * timeout, 5xx) is tried again with a backoff. The secret and the token
 * never appear in an error.
 */
import { MailbotError } from '../core/errors.js';

export type PlatformFailure = 'refused' | 'retry' | 'auth';

export class PlatformError extends MailbotError {
  readonly failure: PlatformFailure;
  readonly httpStatus?: number;
  /** From `Retry-After`, when the platform said. */
  readonly retryAfterMs?: number;

  constructor(failure: PlatformFailure, message: string, opts: { httpStatus?: number; retryAfterMs?: number; errorCode?: string } = {}) {
    const code = failure === 'refused' ? 'PLATFORM_REFUSED' : failure === 'auth' ? 'PLATFORM_AUTH' : 'PLATFORM_UNAVAILABLE';
    super(code, message, { ...(opts.httpStatus ? { httpStatus: opts.httpStatus } : {}), ...(opts.errorCode ? { errorCode: opts.errorCode } : {}) });
    this.name = 'PlatformError';
    this.failure = failure;
    if (opts.httpStatus !== undefined) this.httpStatus = opts.httpStatus;
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
  }
}

/** `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP date; capped at a day. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 86_400_000) : undefined;
}

/** What an error response said (XP Z12-013 `Error`: errorCode, errorMessage), for the operator; at most 300 characters. */
async function describeResponse(res: Response): Promise<{ text: string; errorCode?: string }> {
  const body = await res.text().catch(() => '');
  try {
    const parsed = JSON.parse(body) as { errorCode?: unknown; errorMessage?: unknown };
    const errorCode = typeof parsed.errorCode === 'string' ? parsed.errorCode.slice(0, 80) : undefined;
    const message = typeof parsed.errorMessage === 'string' ? parsed.errorMessage : '';
    return { text: `HTTP ${res.status}${errorCode ? ` ${errorCode}` : ''}${message ? `: ${message}` : ''}`.slice(0, 300), ...(errorCode ? { errorCode } : {}) };
  } catch {
    return { text: `HTTP ${res.status}${body ? `: ${body.replace(/\s+/g, ' ')}` : ''}`.slice(0, 300) };
  }
}

/** The failure an HTTP status means for the bot. */
export async function failureOf(res: Response, what: string): Promise<PlatformError> {
  const { text, errorCode } = await describeResponse(res);
  const wait = retryAfterMs(res.headers.get('retry-after'));
  const opts = { httpStatus: res.status, ...(wait !== undefined ? { retryAfterMs: wait } : {}), ...(errorCode ? { errorCode } : {}) };
  if (res.status === 401) return new PlatformError('auth', `${what}: ${text}`, opts);
  if (res.status === 408 || res.status === 429 || res.status >= 500) return new PlatformError('retry', `${what}: ${text}`, opts);
  return new PlatformError('refused', `${what}: ${text}`, opts);
}

/** A request that gives up after `timeoutMs`; a network failure is a PlatformError to retry. */
export async function request(url: string, init: RequestInit, timeoutMs: number, what: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const cause = err instanceof Error ? (err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : ((err.cause as Error | undefined)?.message ?? err.message)) : String(err);
    throw new PlatformError('retry', `${what}: ${cause}`);
  }
}
