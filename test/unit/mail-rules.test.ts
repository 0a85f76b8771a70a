import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import MailComposer from 'nodemailer/lib/mail-composer';
import { zipSync } from 'fflate';
import { bodyLooksLikeCsv, classifyAttachments } from '../../src/mail/attachments.js';
import { clientIp, parseAuthResults, senderTrust } from '../../src/mail/authresults.js';
import { newMessageId } from '../../src/mail/compose.js';
import { guard, isBotMessageId, RateLimiter } from '../../src/mail/guard.js';
import { detectLanguage } from '../../src/mail/language.js';
import { parseMessage, safeFilename } from '../../src/mail/parse.js';

const LIMITS = { messageBytes: 1_000_000, attachments: 5, attachmentBytes: 200_000 };
const ZIP = { zipEntries: 3, zipBytes: 100_000 };

async function message(opts: ConstructorParameters<typeof MailComposer>[0]) {
  const raw = await new MailComposer(opts).compile().build();
  const r = await parseMessage(raw, LIMITS);
  assert.ok(r.ok);
  return r.message;
}

describe('guard (RFC 3834, RFC 2369, RFC 3464)', () => {
  const base = { from: 'compta@atelier.test', to: 'factures@studio.test', subject: 'x', text: 'y' };
  it('lets a person through and stops every kind of automatic mail', async () => {
    assert.equal(guard(await message(base), 'factures@studio.test'), null);
    assert.equal(guard(await message({ ...base, headers: { 'Auto-Submitted': 'no' } }), 'factures@studio.test'), null);
    const cases: [Record<string, string>, string][] = [
      [{ 'Auto-Submitted': 'auto-replied' }, 'auto-submitted'],
      [{ 'Auto-Submitted': 'auto-generated; owner-email="x@y"' }, 'auto-submitted'],
      [{ 'X-Autoreply': 'yes' }, 'auto-reply-header'],
      [{ 'X-Autorespond': 'yes' }, 'auto-reply-header'],
      [{ Precedence: 'bulk' }, 'precedence'],
      [{ Precedence: 'junk' }, 'precedence'],
      [{ 'List-Id': '<compta.lists.example.org>' }, 'mailing-list'],
      [{ 'Return-Path': '<>' }, 'null-return-path'],
    ];
    for (const [headers, reason] of cases) assert.equal(guard(await message({ ...base, headers }), 'factures@studio.test'), reason, JSON.stringify(headers));
    for (const from of ['MAILER-DAEMON@mx.test', 'postmaster@x.test', 'compta-request@lists.test', 'owner-compta@lists.test', 'no-reply@x.test']) {
      assert.equal(guard(await message({ ...base, from }), 'factures@studio.test'), 'system-sender', from);
    }
    assert.equal(guard(await message({ ...base, from: 'Factures@Studio.test' }), 'factures@studio.test'), 'own-address');
    // An auto-reply header left empty still marks one; so does an out-of-office subject from a responder that sets no header.
    const emptyHeader = await parseMessage(Buffer.from('From: compta@atelier.test\r\nTo: factures@studio.test\r\nSubject: x\r\nX-Autoreply:\r\n\r\ny\r\n'), LIMITS);
    assert.ok(emptyHeader.ok);
    assert.equal(guard(emptyHeader.message, 'factures@studio.test'), 'auto-reply-header');
    for (const subject of ['Automatic reply: Factures', 'Réponse automatique : Factures', 'Out of Office: back Monday', 'Abwesenheitsnotiz: Rechnungen']) {
      assert.equal(guard(await message({ ...base, subject }), 'factures@studio.test'), 'auto-reply-subject', subject);
    }
    assert.equal(guard(await message({ ...base, subject: 'Re: absence de facture' }), 'factures@studio.test'), null);
    // The bot's own Message-ID coming back, and a person's mail client at the same domain making plain UUIDs (Thunderbird).
    const bot = newMessageId('factures@studio.test');
    assert.match(bot, /^<mailbot\.[0-9a-f-]{36}@studio\.test>$/);
    assert.equal(guard(await message({ ...base, messageId: bot }), 'factures@studio.test'), 'own-message');
    assert.equal(guard(await message({ ...base, from: 'claire@studio.test', messageId: '<0b6c3e1e-4f0a-4d3b-9a51-6c1f2e3d4a5b@studio.test>' }), 'factures@studio.test'), null);
    assert.equal(isBotMessageId('<0b6c3e1e-4f0a-4d3b-9a51-6c1f2e3d4a5b@studio.test>', 'factures@studio.test', true), true, 'an earlier version\'s, for telling replies');
  });

  it('limits each sender to its hourly quota', () => {
    const rate = new RateLimiter(3);
    const t = 1_000_000;
    assert.deepEqual([1, 2, 3, 4].map((i) => rate.allow('a@x', t + i)), [true, true, true, false]);
    assert.equal(rate.allow('b@x', t), true);
    assert.equal(rate.allow('a@x', t + 3_600_010), true); // the hour has passed
  });
});

describe('sender trust (RFC 8601, RFC 7489)', () => {
  it('trusts only the topmost Authentication-Results of our own server', () => {
    const ours = 'mx.studio.test; dkim=pass header.d=atelier.test; spf=pass smtp.mailfrom=atelier.test; dmarc=pass (p=none) header.from=atelier.test';
    assert.deepEqual(senderTrust([ours, 'mx.studio.test; dmarc=fail'], 'mx.studio.test', 'compta@atelier.test'), { status: 'pass', method: 'dmarc' });
    assert.equal(senderTrust(['mx.studio.test; dmarc=fail header.from=atelier.test', ours], 'mx.studio.test', 'compta@atelier.test').status, 'fail');
    assert.equal(senderTrust(['evil.example; dmarc=pass'], 'mx.studio.test', 'compta@atelier.test').status, 'fail');
    assert.deepEqual(senderTrust(['mx.studio.test; dkim=pass header.d=atelier.test; dmarc=none'], 'mx.studio.test', 'compta@atelier.test'), { status: 'pass', method: 'dkim' });
    assert.equal(senderTrust(['mx.studio.test; dkim=pass header.d=other.test; spf=pass smtp.mailfrom=other.test'], 'mx.studio.test', 'compta@atelier.test').status, 'fail');
    assert.deepEqual(senderTrust([], undefined, 'compta@atelier.test'), { status: 'unchecked' });
  });

  it('takes a DMARC pass only for the From domain, and a quoted value never for a result of its own', () => {
    // A pass for the domain the server checked, when the From the bot reads is another one's.
    assert.equal(senderTrust(['mx.studio.test; dmarc=pass header.from=evil.example'], 'mx.studio.test', 'compta@atelier.test').status, 'fail');
    assert.deepEqual(senderTrust(['mx.studio.test; dmarc=pass header.from=ATELIER.test'], 'mx.studio.test', 'compta@atelier.test'), { status: 'pass', method: 'dmarc' });
    // An envelope sender with ";" and "dmarc=pass" inside its quoted local part, and a comment holding the same.
    const quoted = 'mx.studio.test; spf=pass smtp.mailfrom="x;dmarc=pass header.from=atelier.test;"@evil.example; dmarc=fail (p=reject; dmarc=pass) header.from=atelier.test';
    assert.deepEqual(parseAuthResults(quoted).results.map((r) => [r.method, r.result]), [['spf', 'pass'], ['dmarc', 'fail']]);
    assert.equal(parseAuthResults(quoted).results[0]?.props['smtp.mailfrom'], 'x;dmarc=pass header.from=atelier.test;@evil.example');
    assert.deepEqual(senderTrust([quoted], 'mx.studio.test', 'compta@atelier.test'), { status: 'fail', reason: 'dmarc=fail' });
  });

  it('takes the client IP from the first Received header with a public address', () => {
    const received = ['from localhost (localhost [127.0.0.1]) by mx.studio.test', 'from mail.atelier.test (mail.atelier.test [203.0.113.7]) by mx.studio.test with ESMTPS', 'from [10.0.0.5] by mail.atelier.test'];
    assert.equal(clientIp(received), '203.0.113.7');
    assert.equal(clientIp(['from x (x [192.168.1.2]) by y']), undefined);
    // A header made huge is read no further than its beginning.
    assert.equal(clientIp([`from ${'a'.repeat(1_000_000)}`, 'from mail.atelier.test (mail.atelier.test [203.0.113.7]) by mx']), '203.0.113.7');
  });
});

describe('attachments and names', () => {
  it('never keeps a path in a file name', () => {
    assert.equal(safeFilename('../../../../tmp/evil.csv'), 'evil.csv');
    assert.equal(safeFilename('..\\..\\evil.csv'), 'evil.csv');
    assert.equal(safeFilename('.hidden'), 'hidden');
    assert.equal(safeFilename(''), 'attachment');
    assert.equal(safeFilename('a\u0000b.csv'), 'ab.csv');
  });

  it('finds CSVs by extension and content whatever their label, and opens ZIPs within limits', () => {
    const csv = Buffer.from('invoice_ref;buyer_name;description;quantity;unit_price\nA;B;C;1;2\n');
    const att = (filename: string, contentType: string, content = csv) => ({ filename, contentType, content });
    const found = classifyAttachments(
      [att('a.csv', 'application/octet-stream'), att('b.CSV', 'application/vnd.ms-excel'), att('c.txt', 'text/plain'), att('noext', 'text/csv'), att('photo.png', 'image/png', Buffer.from([0x89, 0x50])), att('notes.txt', 'text/plain', Buffer.from('hello'))],
      ZIP,
    );
    assert.deepEqual(found.csvs.map((c) => c.filename), ['a.csv', 'b.CSV', 'c.txt', 'noext']);
    const zip = Buffer.from(zipSync({ 'dir/lot.csv': new Uint8Array(csv), 'readme.txt': new Uint8Array(Buffer.from('x')) }));
    assert.deepEqual(classifyAttachments([att('lot.zip', 'application/zip', zip)], ZIP).csvs.map((c) => c.filename), ['lot.csv']);
    const bomb = Buffer.from(zipSync({ 'a.csv': new Uint8Array(200_000) }));
    assert.deepEqual(classifyAttachments([att('bomb.zip', 'application/zip', bomb)], ZIP).badZips, ['bomb.zip']);
  });

  it('notices invoice lines pasted in a body', () => {
    assert.ok(bodyLooksLikeCsv('Bonjour,\n\nRéférence;Client;Désignation;Quantité;Prix unitaire HT\nA1;X;Y;1;2\n'));
    assert.equal(bodyLooksLikeCsv('Bonjour, pouvez-vous me rappeler ? Merci'), false);
  });

  it('flags attachments over the count or size limit', async () => {
    const r = await parseMessage(await new MailComposer({ from: 'a@b.test', to: 'c@d.test', text: 'x', attachments: [{ filename: 'big.csv', content: Buffer.alloc(250_000, 'x') }] }).compile().build(), LIMITS);
    assert.ok(r.ok);
    assert.equal(r.message.oversize, 'attachment-size');
  });
});

describe('reply language', () => {
  it('prefers the client record, then Content-Language, then the words of the mail, then French', async () => {
    const m = await message({ from: 'a@b.test', to: 'c@d.test', subject: 'Hello', text: 'Hello, please find the invoices attached. Thanks and regards' });
    assert.equal(detectLanguage(m), 'en');
    assert.equal(detectLanguage(m, 'fr'), 'fr');
    const declared = await message({ from: 'a@b.test', to: 'c@d.test', subject: 'x', text: 'x', headers: { 'Content-Language': 'en-GB' } });
    assert.equal(detectLanguage(declared), 'en');
    const french = await message({ from: 'a@b.test', to: 'c@d.test', subject: 'Bonjour', text: 'Bonjour, je vous envoie les factures. Merci' });
    assert.equal(detectLanguage(french), 'fr');
    assert.equal(detectLanguage(await message({ from: 'a@b.test', to: 'c@d.test', text: '???' })), 'fr');
  });
});
