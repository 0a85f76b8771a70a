/**
 * Raw message → the facts the pipeline needs. mailparser does the MIME work;
 * this module keeps the header lines in order (Received and
 * Authentication-Results are read top-down), decodes attachment names
 * (RFC 2231 is handled by mailparser) and never trusts a name as a path.
 */
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';

export interface MailLimits {
  messageBytes: number;
  attachments: number;
  attachmentBytes: number;
}

export interface MailAttachment {
  /** The file name with any directory part removed and control characters dropped: never a path. */
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface ParsedMessage {
  messageId?: string;
  /** The keyed hash of the Message-ID, as the audit trail and the ledger name the mail. */
  messageRef?: string;
  from?: { address: string; name: string };
  replyTo?: string;
  subject: string;
  text: string;
  inReplyTo?: string;
  references: string[];
  /** Lower-cased header name → raw values, topmost first. */
  headers: Map<string, string[]>;
  contentType: string;
  attachments: MailAttachment[];
  /** Set when the message broke a size limit; the pipeline answers without reading further. */
  oversize?: 'message' | 'attachment-count' | 'attachment-size';
}

/**
 * How much of the body's text the bot reads: what recognises a request, a
 * language or pasted invoice lines never needs more, and a 10 MB body must
 * not cost 10 MB to every classifier.
 */
export const TEXT_READ_LIMIT = 256 * 1024;

export type ParseResult = { ok: true; message: ParsedMessage } | { ok: false; reason: 'unparseable'; error: string };

function firstAddress(a: AddressObject | AddressObject[] | undefined): { address: string; name: string } | undefined {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  for (const obj of list) for (const v of obj.value) if (v.address) return { address: v.address.toLowerCase(), name: v.name ?? '' };
  return undefined;
}

/** "../../etc/passwd" → "passwd"; "C:\\x\\y.csv" → "y.csv"; empty → "attachment". */
export function safeFilename(name: string | undefined): string {
  const base = (name ?? '').split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- control characters have no place in a file name
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').replace(/^\.+/, '').trim().slice(0, 200);
  return clean === '' ? 'attachment' : clean;
}

function headerMap(mail: ParsedMail): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const { key, line } of mail.headerLines) {
    const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    const list = map.get(key.toLowerCase());
    if (list) list.push(value);
    else map.set(key.toLowerCase(), [value]);
  }
  return map;
}

export async function parseMessage(raw: Buffer, limits: MailLimits): Promise<ParseResult> {
  let oversize: ParsedMessage['oversize'];
  let source = raw;
  if (raw.length > limits.messageBytes) {
    // Read the header block only: enough to know who wrote, to tell them.
    oversize = 'message';
    const end = raw.indexOf('\r\n\r\n') >= 0 ? raw.indexOf('\r\n\r\n') : raw.indexOf('\n\n');
    source = Buffer.concat([raw.subarray(0, end >= 0 ? end : Math.min(raw.length, 64 * 1024)), Buffer.from('\r\n\r\n')]);
  }
  let mail: ParsedMail;
  try {
    mail = await simpleParser(source, { skipHtmlToText: false, skipTextToHtml: true, skipImageLinks: true, keepCidLinks: true });
  } catch (err) {
    return { ok: false, reason: 'unparseable', error: err instanceof Error ? err.message : String(err) };
  }
  const headers = headerMap(mail);
  const attachments: MailAttachment[] = [];
  if (!oversize) {
    if (mail.attachments.length > limits.attachments) oversize = 'attachment-count';
    for (const a of mail.attachments) {
      if (a.size > limits.attachmentBytes || a.content.length > limits.attachmentBytes) oversize = 'attachment-size';
      attachments.push({ filename: safeFilename(a.filename), contentType: (a.contentType || 'application/octet-stream').toLowerCase(), content: a.content });
    }
  }
  const refs = mail.references === undefined ? [] : Array.isArray(mail.references) ? mail.references : [mail.references];
  const from = firstAddress(mail.from);
  const replyTo = firstAddress(mail.replyTo)?.address;
  const ctype = headers.get('content-type')?.[0] ?? 'text/plain';
  return {
    ok: true,
    message: {
      ...(mail.messageId ? { messageId: mail.messageId } : {}),
      ...(from ? { from } : {}),
      ...(replyTo ? { replyTo } : {}),
      subject: mail.subject ?? '',
      text: (mail.text ?? '').slice(0, TEXT_READ_LIMIT),
      ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
      references: refs,
      headers,
      contentType: ctype.toLowerCase(),
      attachments,
      ...(oversize ? { oversize } : {}),
    },
  };
}

export function header(m: ParsedMessage, name: string): string | undefined {
  return m.headers.get(name.toLowerCase())?.[0];
}
