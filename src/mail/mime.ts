/**
 * The raw bytes of an outgoing message (RFC 5322, MIME RFC 2045–2047, 2231),
 * written directly: a text and an HTML alternative in UTF-8, quoted-printable,
 * and attachments in base64, streamed from their files. Everything a reply
 * carries is known before the first byte, so the head and the bodies are
 * built as strings once, with no per-part stream machinery; only
 * attachments read from files stream.
 *
 * What comes from a sender (a subject, Message-IDs) never reaches a header
 * raw: control characters go, Message-IDs must be one `<…>` token each, and
 * anything that is not plain printable ASCII is an encoded-word.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { domainToASCII } from 'node:url';

export interface MimeAttachment {
  filename: string;
  contentType: string;
  content?: Buffer;
  path?: string;
}

export interface MimeMessage {
  from: { name: string; address: string };
  to: string;
  subject: string;
  messageId: string;
  date: Date;
  inReplyTo?: string | undefined;
  references?: readonly string[];
  /** Further headers, ASCII names and values (Auto-Submitted…). */
  headers?: Readonly<Record<string, string>>;
  text: string;
  html: string;
  attachments?: readonly MimeAttachment[];
}

const CRLF = '\r\n';
/** RFC 5322 §2.1.1: lines SHOULD stay within 78 characters. */
const LINE = 78;
/** RFC 2045 §6.7 (5): encoded lines of at most 76 characters. */
const QP_LINE = 76;
/**
 * Bytes of UTF-8 per encoded-word: 42 bytes are 56 base64 characters, 68
 * with `=?UTF-8?B?` and `?=` (RFC 2047 §2: at most 75), so that the first
 * word still fits on the line after "Subject: ".
 */
const WORD_BYTES = 42;
/** Bytes read from an attachment's file per chunk: a multiple of 57, one base64 line's worth. */
const FILE_CHUNK = 57 * 1024;

const isPrintableAscii = (s: string) => /^[\x20-\x7e]*$/.test(s);
/** Control characters (a CR, LF or NUL from a sender's subject) become spaces: a header is one logical line. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
const oneLine = (s: string) => s.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();

/** RFC 2047 encoded-words (B), each a whole number of characters, at most 75 long. */
export function encodedWords(value: string): string[] {
  const words: string[] = [];
  let chunk = '';
  let bytes = 0;
  for (const ch of value) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > WORD_BYTES && chunk !== '') {
      words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
      chunk = '';
      bytes = 0;
    }
    chunk += ch;
    bytes += n;
  }
  if (chunk !== '') words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
  return words;
}

/** Fold `name: value` at the given separators so lines stay within 78 characters where the tokens allow. */
function fold(name: string, tokens: readonly string[]): string {
  let out = `${name}:`;
  let lineLength = out.length;
  for (const token of tokens) {
    if (lineLength + 1 + token.length > LINE && lineLength > name.length + 1) {
      out += `${CRLF} ${token}`;
      lineLength = 1 + token.length;
    } else {
      out += ` ${token}`;
      lineLength += 1 + token.length;
    }
  }
  return out;
}

/**
 * An unstructured header (Subject): plain when it is printable ASCII in
 * short words that cannot be read as an encoded-word, else encoded-words.
 */
export function unstructuredHeader(name: string, value: string): string {
  const clean = oneLine(value);
  const words = clean.split(/ +/).filter(Boolean);
  const plain = isPrintableAscii(clean) && !clean.includes('=?') && words.every((w) => w.length <= LINE - name.length - 2);
  return fold(name, plain ? words : encodedWords(clean));
}

/** An address with its domain in ASCII (IDNA), as SMTP and every reader expect. */
function asciiAddress(address: string): string {
  const clean = oneLine(address).replace(/[<>\s]/g, '');
  const at = clean.lastIndexOf('@');
  if (at < 0) return clean;
  const domain = clean.slice(at + 1);
  return `${clean.slice(0, at)}@${isPrintableAscii(domain) ? domain : domainToASCII(domain) || domain}`;
}

/** A mailbox (RFC 5322 §3.4) as tokens to fold: the display name quoted, or encoded-words when it is not plain ASCII. */
export function mailbox(name: string, address: string): string[] {
  const display = oneLine(name);
  const addr = `<${asciiAddress(address)}>`;
  if (display === '') return [addr];
  if (isPrintableAscii(display) && display.length <= 60) return [`"${display.replace(/(["\\])/g, '\\$1')}"`, addr];
  return [...encodedWords(display), addr];
}

/** One `<id>` token per Message-ID, or none when what a sender gave is not one (RFC 5322 §3.6.4). */
export function messageIdToken(id: string): string | undefined {
  const bare = oneLine(id).replace(/^<|>$/g, '');
  return /^[\x21-\x7e]+$/.test(bare) && !/[<>\s]/.test(bare) && bare.length <= 900 ? `<${bare}>` : undefined;
}

/** RFC 5322 §3.3 date-time, in UTC. */
export function mailDate(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

const HEX = '0123456789ABCDEF';

/** Quoted-printable (RFC 2045 §6.7) of UTF-8 text with CRLF line breaks, soft breaks keeping lines within 76 characters. */
export function quotedPrintable(text: string): string {
  const lines = text.split(/\r\n|\r|\n/);
  const out: string[] = [];
  for (const line of lines) {
    const bytes = Buffer.from(line, 'utf8');
    let encoded = '';
    let length = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] ?? 0;
      const last = i === bytes.length - 1;
      // Rule 3: a space or tab is literal, except at the end of a line (a transport may strip it).
      const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
      const piece = literal ? String.fromCharCode(b) : `=${HEX[b >> 4]}${HEX[b & 15]}`;
      // Room for the soft break "=" unless this piece ends the line.
      const room = last ? QP_LINE : QP_LINE - 1;
      if (length + piece.length > room) {
        encoded += `=${CRLF}`;
        length = 0;
      }
      encoded += piece;
      length += piece.length;
    }
    out.push(encoded);
  }
  return out.join(CRLF);
}

/** Base64 in lines of 76 characters (RFC 2045 §6.8). */
function base64Lines(data: Buffer): string {
  const b64 = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join(CRLF);
}

/** A parameter (RFC 2045 §5.1, RFC 2231 §4 for what is not plain ASCII). */
function parameter(name: string, value: string): string {
  const clean = oneLine(value);
  if (isPrintableAscii(clean)) return `${name}="${clean.replace(/(["\\])/g, '\\$1')}"`;
  const pct = encodeURIComponent(clean).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${name}*=utf-8''${pct}`;
}

const boundary = (n: number) => `----=_mailbot_${n}_${randomBytes(12).toString('hex')}`;

/** The message's head and its alternative part, before any attachment. */
function headAndAlternative(msg: MimeMessage, mixed: string | undefined): string {
  const alt = boundary(1);
  const h: string[] = [
    fold('From', mailbox(msg.from.name, msg.from.address)),
    fold('To', [`<${asciiAddress(msg.to)}>`]),
    unstructuredHeader('Subject', msg.subject),
    `Date: ${mailDate(msg.date)}`,
  ];
  const id = messageIdToken(msg.messageId);
  if (id) h.push(`Message-ID: ${id}`);
  const inReplyTo = msg.inReplyTo ? messageIdToken(msg.inReplyTo) : undefined;
  if (inReplyTo) h.push(`In-Reply-To: ${inReplyTo}`);
  const refs = (msg.references ?? []).map(messageIdToken).filter((r): r is string => r !== undefined);
  if (refs.length > 0) h.push(fold('References', refs));
  for (const [name, value] of Object.entries(msg.headers ?? {})) h.push(`${name}: ${oneLine(value)}`);
  h.push('MIME-Version: 1.0');
  const altPart = [
    `--${alt}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    quotedPrintable(msg.text),
    `--${alt}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    quotedPrintable(msg.html),
    `--${alt}--`,
    '',
  ].join(CRLF);
  const alternative = fold('Content-Type', ['multipart/alternative;', `boundary="${alt}"`]);
  if (!mixed) return [...h, alternative, '', altPart].join(CRLF);
  return [...h, fold('Content-Type', ['multipart/mixed;', `boundary="${mixed}"`]), '', `--${mixed}`, alternative, '', altPart].join(CRLF);
}

function attachmentHead(mixed: string, a: MimeAttachment): string {
  return [
    `--${mixed}`,
    fold('Content-Type', [`${oneLine(a.contentType)};`, parameter('name', a.filename)]),
    'Content-Transfer-Encoding: base64',
    fold('Content-Disposition', ['attachment;', parameter('filename', a.filename)]),
    '',
    '',
  ].join(CRLF);
}

/** A message without attachments, whole. */
export function buildMessage(msg: MimeMessage): Buffer {
  if ((msg.attachments ?? []).length > 0) throw new Error('buildMessage: a message with attachments is streamed (streamMessage)');
  return Buffer.from(headAndAlternative(msg, undefined), 'utf8');
}

/** Base64 of a file, read a chunk at a time, in lines of 76. */
async function* fileBase64(path: string): AsyncGenerator<Uint8Array, void, undefined> {
  let carry: Buffer = Buffer.alloc(0);
  let first = true;
  for await (const chunk of createReadStream(path, { highWaterMark: FILE_CHUNK })) {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    const whole = data.length - (data.length % 57);
    carry = data.subarray(whole);
    if (whole === 0) continue;
    yield Buffer.from(`${first ? '' : CRLF}${base64Lines(data.subarray(0, whole))}`, 'ascii');
    first = false;
  }
  if (carry.length > 0) yield Buffer.from(`${first ? '' : CRLF}${base64Lines(carry)}`, 'ascii');
}

/** The message as chunks: the head and bodies at once, each attachment as it is read from its file. */
export async function* streamMessage(msg: MimeMessage): AsyncGenerator<Uint8Array, void, undefined> {
  const attachments = msg.attachments ?? [];
  if (attachments.length === 0) {
    yield buildMessage(msg);
    return;
  }
  const mixed = boundary(0);
  yield Buffer.from(headAndAlternative(msg, mixed), 'utf8');
  for (const a of attachments) {
    yield Buffer.from(attachmentHead(mixed, a), 'utf8');
    if (a.path) yield* fileBase64(a.path);
    else yield Buffer.from(base64Lines(a.content ?? Buffer.alloc(0)), 'ascii');
    yield Buffer.from(CRLF, 'ascii');
  }
  yield Buffer.from(`--${mixed}--${CRLF}`, 'ascii');
}
