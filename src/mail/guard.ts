/**
 * Mails the bot must never answer (RFC 3834 §2, RFC 2369, RFC 3464): auto
 * replies, bulk and list mail, bounces, its own mail. A guarded mail is
 * logged and filed away, with no reply at all: no loops, ever (invariant 5).
 */
import { header, type ParsedMessage } from './parse.js';
import { AUTO_REPLY_SUBJECT } from './subjects.js';

export type GuardReason =
  | 'no-sender'
  | 'own-address'
  | 'auto-submitted'
  | 'auto-reply-header'
  | 'auto-reply-subject'
  | 'precedence'
  | 'mailing-list'
  | 'null-return-path'
  | 'system-sender'
  | 'bounce'
  | 'own-message';

const SYSTEM_LOCAL_PARTS = /^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounce[s]?|.*-request|owner-.*)$/i;

/**
 * Message-IDs the bot makes (compose.ts): "mailbot." and a random UUID at the
 * bot's domain. With `earlier`, also the plain UUID of older versions, which
 * a mail client at the same domain makes too (Thunderbird): fine to tell a
 * reply to the bot, never to take a person's new mail for the bot's own.
 */
export function isBotMessageId(id: string | undefined, botAddress: string, earlier = false): boolean {
  const domain = botAddress.split('@')[1]?.toLowerCase() ?? '';
  const m = /^<?(mailbot\.)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}@([^>]+)>?$/i.exec(id?.trim() ?? '');
  return m !== null && (earlier || m[1] !== undefined) && m[2]?.toLowerCase() === domain;
}

export function guard(m: ParsedMessage, botAddress: string): GuardReason | null {
  const from = m.from?.address;
  if (!from) return 'no-sender';
  if (from === botAddress.toLowerCase()) return 'own-address';
  // One of the bot's own mails coming back (redirected or bounced without its headers): never an answer, never a request.
  if (isBotMessageId(m.messageId, botAddress)) return 'own-message';
  // RFC 3834 §5: anything but "no" marks an automatic message.
  const autoSubmitted = header(m, 'auto-submitted');
  if (autoSubmitted && autoSubmitted.split(';')[0]?.trim().toLowerCase() !== 'no') return 'auto-submitted';
  // Their presence is the mark, whatever the value (some responders leave it empty).
  if (header(m, 'x-autoreply') !== undefined || header(m, 'x-autorespond') !== undefined || /\b(all|autoreply|oof)\b/i.test(header(m, 'x-auto-response-suppress') ?? '')) {
    return 'auto-reply-header';
  }
  // An out-of-office reply from a responder that sets none of those headers still says so in its subject.
  if (AUTO_REPLY_SUBJECT.test(m.subject)) return 'auto-reply-subject';
  if (header(m, 'list-id') || header(m, 'list-unsubscribe') || header(m, 'list-post')) return 'mailing-list';
  if (/^(bulk|junk|list|auto_reply)$/i.test(header(m, 'precedence')?.trim() ?? '')) return 'precedence';
  const returnPath = header(m, 'return-path');
  if (returnPath !== undefined && /^<\s*>$/.test(returnPath.trim())) return 'null-return-path';
  if (SYSTEM_LOCAL_PARTS.test(from.split('@')[0] ?? '')) return 'system-sender';
  if (/^multipart\/report\b/.test(m.contentType) || /report-type\s*=\s*"?delivery-status/i.test(m.contentType)) return 'bounce';
  return null;
}

/** Per-sender rate limit over a sliding hour, kept in memory: a restart forgives. */
export class RateLimiter {
  private readonly seen = new Map<string, number[]>();

  constructor(private readonly perHour: number) {}

  /** Counts this mail; false when the sender is over the limit. */
  allow(sender: string, now = Date.now()): boolean {
    const since = now - 3_600_000;
    const times = (this.seen.get(sender) ?? []).filter((t) => t > since);
    times.push(now);
    this.seen.set(sender, times);
    return times.length <= this.perHour;
  }
}
