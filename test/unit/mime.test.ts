/**
 * The raw messages the bot writes (mail/mime.ts), read back by mailparser,
 * the parser the bot itself uses on what it receives: what was meant comes
 * back exactly, and the bytes keep the rules of RFC 5322 and RFC 2045.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { buildMessage, encodedWords, quotedPrintable, streamMessage, type MimeMessage } from '../../src/mail/mime.js';

const base: MimeMessage = {
  from: { name: 'Bot de l’Atelier "Facturation"', address: 'bot@atelier.example' },
  to: 'jane@example.org',
  subject: 'Re: Question',
  messageId: '<mailbot.1234@atelier.example>',
  date: new Date('2026-12-04T10:20:30Z'),
  inReplyTo: '<orig@example.org>',
  references: ['<a@example.org>', '<orig@example.org>'],
  headers: { 'Auto-Submitted': 'auto-replied', 'Content-Language': 'fr' },
  text: 'Bonjour,\n\nVoici la réponse à votre question : « ça marche ».\nCordialement',
  html: '<p>Bonjour,</p><p>Voici la réponse à votre question : « ça marche ».</p>',
};

async function whole(msg: MimeMessage): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of streamMessage(msg)) parts.push(chunk);
  return Buffer.concat(parts);
}

/** Every line of the raw message: ASCII, CRLF-ended, within 78 characters (998 at most, RFC 5322 §2.1.1). */
function assertWellFormed(raw: Buffer): void {
  assert.ok(raw.every((b) => b < 128), 'the message is 7-bit');
  const text = raw.toString('ascii');
  assert.ok(!/[^\r]\n|\r[^\n]/.test(text), 'every line ends in CRLF');
  for (const line of text.split('\r\n')) assert.ok(line.length <= 78, `line too long (${line.length}): ${line.slice(0, 60)}…`);
}

describe('outgoing messages', () => {
  it('reads back with its headers, its threading and both alternatives exactly', async () => {
    const raw = buildMessage(base);
    assertWellFormed(raw);
    const mail = await simpleParser(raw);
    assert.equal(mail.subject, 'Re: Question');
    assert.equal(mail.from?.value[0]?.name, 'Bot de l’Atelier "Facturation"');
    assert.equal(mail.from?.value[0]?.address, 'bot@atelier.example');
    assert.equal((Array.isArray(mail.to) ? mail.to[0] : mail.to)?.value[0]?.address, 'jane@example.org');
    assert.equal(mail.messageId, '<mailbot.1234@atelier.example>');
    assert.equal(mail.inReplyTo, '<orig@example.org>');
    assert.deepEqual(mail.references, ['<a@example.org>', '<orig@example.org>']);
    assert.equal(mail.date?.toISOString(), '2026-12-04T10:20:30.000Z');
    assert.equal(mail.headers.get('auto-submitted'), 'auto-replied');
    assert.equal(mail.text, base.text);
    assert.equal(mail.html, base.html);
    assert.match(raw.toString('ascii'), /^Content-Type: multipart\/alternative;\r\n boundary="[^"]+"\r\n/m);
  });

  it('encodes what a sender wrote and never lets it make a header of its own', async () => {
    const hostile: MimeMessage = {
      ...base,
      subject: 'Re: Facture n° 42 — été\r\nBcc: victim@example.net',
      inReplyTo: '<x@example.org>\r\nBcc: victim@example.net',
      references: ['<ok@example.org>', 'no-brackets@example.org', '<bad id@example.org>', '<a>\nBcc: v@example.net'],
      to: 'jane@exämple.org',
    };
    const raw = buildMessage(hostile);
    assertWellFormed(raw);
    const head = raw.toString('ascii').split('\r\n\r\n')[0] ?? '';
    assert.doesNotMatch(head, /^Bcc:/im);
    const mail = await simpleParser(raw);
    assert.equal(mail.subject, 'Re: Facture n° 42 — été Bcc: victim@example.net');
    assert.equal(mail.inReplyTo, undefined, 'an In-Reply-To that is not one Message-ID is left out');
    assert.deepEqual(mail.references, ['<ok@example.org>', '<no-brackets@example.org>']);
    // The domain in ASCII (IDNA), as SMTP carries it.
    assert.match(head, /^To: <jane@xn--exmple-cua\.org>$/m);
  });

  it('folds a long subject and long references within the line limit', async () => {
    const subject = `Re: ${'une question assez longue sur la facture '.repeat(8)}`.trim();
    const accented = `Re: ${'réponse attendue à la facture '.repeat(8)}`.trim();
    const references = Array.from({ length: 30 }, (_, i) => `<ref-${i}-${'x'.repeat(20)}@example.org>`);
    for (const s of [subject, accented]) {
      const raw = buildMessage({ ...base, subject: s, references });
      assertWellFormed(raw);
      const mail = await simpleParser(raw);
      assert.equal(mail.subject, s);
      assert.deepEqual(mail.references, references);
    }
    // A word that would read as an encoded-word is encoded, not taken for one.
    const tricky = 'Re: =?UTF-8?B?QUJD?= plain';
    assert.equal((await simpleParser(buildMessage({ ...base, subject: tricky }))).subject, tricky);
  });

  it('cuts encoded-words between characters, never inside one', () => {
    const words = encodedWords('€'.repeat(40) + '😀'.repeat(10));
    for (const w of words) {
      assert.ok(w.length <= 75, w);
      const bytes = Buffer.from(w.slice('=?UTF-8?B?'.length, -2), 'base64');
      assert.equal(Buffer.from(bytes.toString('utf8')).compare(bytes), 0, 'each word decodes alone to whole characters');
    }
  });

  it('writes quoted-printable by RFC 2045 §6.7: = and trailing spaces encoded, soft breaks within 76', () => {
    const qp = quotedPrintable(`a=b \nend\t\n${'é'.repeat(60)}\n${'x'.repeat(200)}`);
    const lines = qp.split('\r\n');
    assert.equal(lines[0], 'a=3Db=20');
    assert.equal(lines[1], 'end=09');
    for (const line of lines) assert.ok(line.length <= 76, line);
    // A soft break never cuts an escape: "=3=" or "==" at a line's end would.
    for (const line of lines) assert.ok(!/=[0-9A-F]?=$/.test(line), `an escape cut by a soft break: ${line}`);
  });

  it('streams attachments from a buffer and from a file, bytes intact, names encoded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailbot-mime-'));
    try {
      // Sizes around the 57-byte line and the read chunk, so every edge is crossed.
      const big = randomBytes(57 * 1024 * 3 + 13);
      const path = join(dir, 'big.bin');
      writeFileSync(path, big);
      const small = Buffer.from('numéro;montant\r\n1;12.50\r\n');
      const raw = await whole({
        ...base,
        attachments: [
          { filename: 'FA-2026-0001.pdf', contentType: 'application/pdf', path },
          { filename: 'relevé "été".csv', contentType: 'text/csv', content: small },
          { filename: 'empty.txt', contentType: 'text/plain', content: Buffer.alloc(0) },
        ],
      });
      assertWellFormed(raw);
      const mail = await simpleParser(raw);
      assert.equal(mail.text, base.text);
      assert.deepEqual(
        mail.attachments.map((a) => [a.filename, a.contentType, a.content.length]),
        [
          ['FA-2026-0001.pdf', 'application/pdf', big.length],
          ['relevé "été".csv', 'text/csv', small.length],
          ['empty.txt', 'text/plain', 0],
        ],
      );
      assert.equal(mail.attachments[0]?.content.compare(big), 0);
      assert.equal(mail.attachments[1]?.content.compare(small), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
