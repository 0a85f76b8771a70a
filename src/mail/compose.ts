/**
 * A reply, composed apart from sending (as nodemailer does): the raw
 * RFC 5322 bytes (mime.ts) are written once into a staged file of the
 * outbox (the attachments read from their files as they are encoded, never
 * all held in memory), then handed to whichever transport sends them.
 * Threaded with In-Reply-To and References (RFC 5322 §3.6.4), marked
 * Auto-Submitted: auto-replied (RFC 3834 §5) so that well-behaved robots do
 * not answer it.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { studioContact, type Config } from '../config/schema.js';
import type { Lang } from './language.js';
import { buildMessage, streamMessage, type MimeMessage } from './mime.js';
import type { ParsedMessage } from './parse.js';
import type { Staging } from '../store/port.js';
import type { Templates } from './templates.js';

/** An attachment: its bytes, or (for anything big) the file they are in. */
export interface ReplyAttachment {
  filename: string;
  contentType: string;
  content?: Buffer;
  path?: string;
}

export interface ReplyDraft {
  /** What kind of answer this is, for the audit trail and the outbox ("batch-result", "help"…). */
  kind: string;
  template: string;
  lang: Lang;
  data: Record<string, unknown>;
  /** The verified address: the sender on a client record, never a Reply-To. */
  to: string;
  attachments?: ReplyAttachment[];
  /** A tag the subject must carry, e.g. a request reference "[RGPD-2026-0001]": replies keep it, so answers find their request. */
  subjectTag?: string;
  /** The Message-ID to give it (see `newMessageId`), when the caller records it to recognise the answers. */
  messageId?: string;
}

/** A Message-ID of the bot: "mailbot." and a random UUID at the bot's domain (guard.ts recognises them coming back). */
export function newMessageId(botAddress: string): string {
  // "mailbot." tells the bot's own Message-IDs from the plain UUIDs a mail client at the same domain makes (Thunderbird).
  return `<mailbot.${randomUUID()}@${botAddress.split('@')[1] ?? 'localhost'}>`;
}

export interface ComposedMail {
  messageId: string;
  envelope: { from: string; to: string[] };
  subject: string;
  /** Size of the raw message written. */
  bytes: number;
}

export interface Identity {
  botAddress: string;
  botName: string;
  /** The address the texts give for "contact the studio" (see `studioContact`). */
  contact: string;
}

export function identityOf(config: Pick<Config, 'operatorAddress' | 'botAddress' | 'botName'>): Identity {
  return { botAddress: config.botAddress, botName: config.botName, contact: studioContact(config) };
}

export function replySubject(original: string, fallback: string): string {
  const s = original.trim();
  if (s === '') return fallback;
  return /^re\s*:/i.test(s) ? s : `Re: ${s}`;
}

/** Compose a reply and stream its raw message into `staging` under the stored name `file`. */
export async function composeReply(original: ParsedMessage | undefined, draft: ReplyDraft, me: Identity, templates: Templates, out: { staging: Staging; file: string }): Promise<ComposedMail> {
  // Every template may name the studio's contact: it comes from the configuration, never from a handler.
  const rendered = templates.render(draft.template, draft.lang, { studioContact: me.contact, ...draft.data });
  const messageId = draft.messageId ?? newMessageId(me.botAddress);
  let subject = original ? replySubject(original.subject, rendered.subject) : rendered.subject;
  if (draft.subjectTag && !subject.includes(draft.subjectTag)) subject = `${subject} ${draft.subjectTag}`;
  const references = original ? [...original.references, ...(original.messageId ? [original.messageId] : [])] : [];
  const message: MimeMessage = {
    from: { name: me.botName, address: me.botAddress },
    to: draft.to,
    subject,
    messageId,
    date: new Date(),
    ...(original?.messageId ? { inReplyTo: original.messageId } : {}),
    references,
    headers: {
      'Auto-Submitted': 'auto-replied',
      'X-Auto-Response-Suppress': 'All',
      'Content-Language': draft.lang,
    },
    text: rendered.text,
    html: rendered.html,
    attachments: draft.attachments ?? [],
  };
  // Without attachments (most replies) the message is one buffer, written at once; with them it streams.
  let bytes: number;
  if (message.attachments?.length === 0) {
    const raw = buildMessage(message);
    await out.staging.write(out.file, raw);
    bytes = raw.length;
  } else {
    bytes = await out.staging.pipe(out.file, Readable.from(streamMessage(message)));
  }
  return { messageId, envelope: { from: me.botAddress, to: [draft.to] }, subject, bytes };
}
