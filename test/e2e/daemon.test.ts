/**
 * End to end, against a real Dovecot (IMAP, LMTP) and a real SMTP server on
 * 127.0.0.1, driving the real `mailbot start` process. Without Dovecot these
 * tests are skipped with the reason (and fail in CI, where it is installed).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { unzipSync } from 'fflate';
import { simpleParser, type ParsedMail } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { generateBatchCsv } from '../../bench/generate.js';
import { auditActions, BOT, CLIENT, fixtureMail, prepareData, startDaemon } from '../helpers/daemon.js';
import { mailbotAsync } from '../helpers/cli.js';
import { Dovecot, e2eSkipReason, PASSWORD, SmtpRelay, waitFor, withMailServers } from '../helpers/mailservers.js';
import { readState } from '../helpers/state.js';
import { pdfAttachment, tempDir, xsdErrors } from '../helpers/tools.js';

const skip = e2eSkipReason();
if (skip) console.log(`# SKIPPED end-to-end mail tests: ${skip}`);

interface World {
  dovecot: Dovecot;
  smtp: SmtpRelay;
  data: string;
  tmp: string;
}

function withWorld(fn: (w: World) => Promise<void>, extraConfig: Record<string, unknown> = {}, client: Record<string, unknown> = {}): Promise<void> {
  return withMailServers(
    ['factures', 'compta', 'jane', 'someone'],
    async ({ dovecot, smtp, dir }) => {
      const data = join(dir, 'data');
      prepareData(data, dovecot, smtp, extraConfig, client);
      await fn({ dovecot, smtp, data, tmp: dir });
    },
    { prefix: 'mailbot-e2e-' },
  );
}

async function replies(w: World, user: string): Promise<ParsedMail[]> {
  const list = await w.dovecot.messages(user);
  return Promise.all(list.map((m) => simpleParser(m.source ?? Buffer.alloc(0))));
}

async function waitReplies(w: World, user: string, count: number): Promise<ParsedMail[]> {
  await waitFor(`${count} message(s) for ${user}`, async () => ((await w.dovecot.messages(user)).length >= count ? true : undefined), 30_000, 200);
  return replies(w, user);
}

const inboxEmpty = async (w: World) => ((await w.dovecot.count('factures')) === 0 ? true : undefined);

function facturX(w: World, pdf: Buffer, name: string): string {
  const path = join(w.tmp, name);
  writeFileSync(path, pdf);
  return pdfAttachment(path);
}

function compose(opts: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(opts).compile().build();
}

const numbersIn = (mails: ParsedMail[]) =>
  mails
    .flatMap((m) => m.attachments.map((a) => a.filename ?? ''))
    .filter((f) => f.endsWith('.pdf'))
    .map((f) => f.replace('.pdf', ''));

describe('mail daemon against real IMAP and SMTP servers', { skip: skip || false, timeout: 300_000 }, () => {
  it('answers a client CSV with valid Factur-X invoices, files the mail in Processed and logs every step', async () => {
    await withWorld(async (w) => {
      const daemon = startDaemon(w.data);
      try {
        const original = fixtureMail('csv-outlook-cp1252.eml');
        await w.dovecot.append('factures', original);
        const [reply] = await waitReplies(w, 'compta', 1);
        assert.ok(reply);
        const sent = await simpleParser(original);
        assert.equal(reply.inReplyTo, sent.messageId);
        assert.match(reply.subject ?? '', /^Re: /);
        assert.equal(reply.headers.get('auto-submitted'), 'auto-replied');
        assert.equal(reply.from?.value[0]?.address, BOT);
        const pdfs = reply.attachments.filter((a) => a.contentType === 'application/pdf');
        assert.deepEqual(pdfs.map((a) => a.filename), ['FA-2026-00001.pdf', 'FA-2026-00002.pdf', 'FA-2026-00003.pdf']);
        assert.ok(reply.attachments.some((a) => a.filename === 'rapport.csv'));
        assert.match(reply.text ?? '', /3 facture\(s\) émise\(s\)/);
        for (const pdf of pdfs) assert.equal(xsdErrors(facturX(w, pdf.content, pdf.filename ?? 'x.pdf')), '', pdf.filename);
        await waitFor('the original moved out of the inbox', () => inboxEmpty(w));
        assert.equal((await w.dovecot.messages('factures', 'Processed')).length, 1);
        await waitFor('the copy in Sent', async () => ((await w.dovecot.messages('factures', 'Sent')).length === 1 ? true : undefined));
        const actions = auditActions(w.data).map((a) => a.action);
        for (const a of ['received', 'routed', 'invoices-issued', 'reply-queued', 'moved', 'reply-sent']) assert.ok(actions.includes(a), a);
        const log = readFileSync(join(w.data, 'audit.log'), 'utf8');
        assert.ok(!log.includes(CLIENT), 'no address in clear in the audit trail');
        assert.match(log, /"sender":"hmac:local:[0-9a-f]{64}"/);
      } finally {
        await daemon.stop();
      }
    });
  });

  it('answers errors, refuses strangers and spoofs, ignores robots and lists, survives bad MIME, big files and path-like names', async () => {
    await withWorld(
      async (w) => {
        const big = await compose({ from: CLIENT, to: BOT, subject: 'Gros fichier', text: 'ci-joint', attachments: [{ filename: 'big.csv', content: Buffer.alloc(300_000, 'a;b;c\n') }] });
        const mails = [
          'csv-errors.eml',
          'csv-unknown-sender.eml',
          'csv-spoofed.eml',
          'auto-reply-outlook.eml',
          'bounce-postfix.eml',
          'mailing-list.eml',
          'malformed-mime.eml',
          'path-filename.eml',
          'csv-in-body.eml',
        ];
        for (const name of mails) await w.dovecot.append('factures', fixtureMail(name));
        await w.dovecot.append('factures', big);
        const daemon = startDaemon(w.data);
        try {
          await waitFor('every mail handled and moved', () => inboxEmpty(w), 60_000, 250);
          await waitFor('the outbox sent', async () => ((await readState(w.data)).outbox.length === 0 && auditActions(w.data).some((a) => a.action === 'reply-sent') ? true : undefined));
          const toClient = await waitReplies(w, 'compta', 4);
          const texts = toClient.map((m) => m.text ?? '');
          assert.equal(toClient.length, 4, texts.join('\n----\n')); // errors, path-like name, CSV in body, too large; nothing for the spoof
          assert.ok(texts.some((t) => /13 erreur\(s\)/.test(t)));
          assert.ok(texts.some((t) => /joindre|joignez/.test(t)), 'asks to attach the CSV');
          assert.ok(texts.some((t) => /trop volumineu/.test(t)));
          const pathReply = toClient.find((m) => m.attachments.some((a) => a.contentType === 'application/pdf'));
          assert.ok(pathReply, 'the path-like file name was handled as a plain name');
          assert.match(pathReply.text ?? '', /evil\.csv/);
          assert.ok(!existsSync('/tmp/evil.csv'));
          const toJane = await replies(w, 'jane');
          assert.ok(toJane.some((m) => /pas autorisée/.test(m.text ?? '')), 'short refusal for an unknown sender');
          assert.ok(toJane.every((m) => m.attachments.length === 0), 'nothing attached for strangers');
          assert.equal((await replies(w, 'someone')).length, 0, 'no answer to a list post');
          assert.equal((await w.dovecot.messages('factures', 'Ignored')).length, 3); // auto-reply, bounce, list
          assert.ok((await w.dovecot.messages('factures', 'Rejected')).length >= 2); // spoof, unknown sender
          const audit = auditActions(w.data);
          assert.ok(audit.some((a) => a.action === 'spoofing-suspected'));
          // Postfix marks its bounces Auto-Submitted too (RFC 3834 §5); the null Return-Path would have caught it otherwise.
          assert.deepEqual(audit.filter((a) => a.action === 'guarded').map((a) => a.details?.reason).sort(), ['auto-submitted', 'auto-submitted', 'mailing-list']);
          assert.ok(!audit.some((a) => a.action === 'set-aside'), 'no mail crashed the handler');
        } finally {
          await daemon.stop();
        }
      },
      { authservId: 'mx.studio.test', limits: { attachmentBytes: 200_000 } },
    );
  });

  it('reads what real mail clients send: RFC 2231 names, octet-stream, two files, a ZIP, a forged trust header below ours', async () => {
    await withWorld(
      async (w) => {
        for (const name of ['csv-thunderbird-rfc2231.eml', 'csv-two-files.eml', 'csv-zip.eml', 'csv-dmarc-pass.eml', 'question-en.eml']) await w.dovecot.append('factures', fixtureMail(name));
        const daemon = startDaemon(w.data);
        try {
          const toClient = await waitReplies(w, 'compta', 4);
          await waitFor('every mail handled', () => inboxEmpty(w), 60_000);
          const byFile = (re: RegExp) => toClient.find((m) => re.test(m.text ?? ''));
          assert.ok(byFile(/Fichier « relevé mars\.csv »/), 'the RFC 2231 file name, decoded');
          const two = byFile(/excel-fr-utf8-bom\.csv/);
          assert.match(two?.text ?? '', /rounding-traps\.csv/);
          // 3 + 2 invoices (zipAboveCount is 5): five PDFs and a report per file.
          assert.equal(two?.attachments.filter((a) => a.contentType === 'application/pdf').length, 5);
          assert.equal(two?.attachments.filter((a) => a.filename?.endsWith('rapport.csv')).length, 2);
          assert.ok(byFile(/Fichier « google-sheets\.csv »/), 'DMARC pass in the topmost header of our server is trusted');
          // Inside the ZIP, rounding-traps.csv was issued by the previous mail: it is answered as already processed.
          const zipReply = byFile(/excel-fr-cp1252\.csv/);
          assert.match(zipReply?.text ?? '', /déjà été traité/);
          const toJane = await waitReplies(w, 'jane', 1);
          assert.match(toJane[0]?.text ?? '', /This service answers/);
          const db = await readState(w.data);
          const numbers = db.batches.flatMap((b) => b.invoices.map((i) => i.number)).sort();
          assert.deepEqual(numbers, Array.from({ length: numbers.length }, (_, i) => `FA-2026-${String(i + 1).padStart(5, '0')}`), 'gapless across mails and files');
        } finally {
          await daemon.stop();
        }
      },
      { authservId: 'mx.studio.test' },
    );
  });

  it('carries out a GDPR access request proven by a code round-trip through the real servers', async () => {
    await withWorld(async (w) => {
      const daemon = startDaemon(w.data);
      try {
        await w.dovecot.append('factures', fixtureMail('csv-outlook-cp1252.eml'));
        await waitReplies(w, 'compta', 1);
        await w.dovecot.append('factures', await compose({ from: CLIENT, to: BOT, subject: 'RGPD : accès', text: 'Bonjour, je souhaite obtenir une copie de mes données.', messageId: '<gdpr-1@atelier-dupont.test>' }));
        const codeMail = (await waitReplies(w, 'compta', 2)).find((m) => /RGPD-\d{4}-\d{4}/.test(m.subject ?? '')) ?? assert.fail('no code mail');
        assert.equal(codeMail.inReplyTo, '<gdpr-1@atelier-dupont.test>');
        assert.equal(codeMail.attachments.length, 0);
        const code = /code ?: ([A-Z2-9]{8})/.exec(codeMail.text ?? '')?.[1] ?? assert.fail('no code');
        await w.dovecot.append('factures', await compose({ from: CLIENT, to: BOT, subject: `Re: ${codeMail.subject ?? ''}`, text: 'ZZZZZZZZ', inReplyTo: codeMail.messageId ?? '' }));
        await waitReplies(w, 'compta', 3);
        await w.dovecot.append('factures', await compose({ from: CLIENT, to: BOT, subject: `Re: ${codeMail.subject ?? ''}`, text: code, inReplyTo: codeMail.messageId ?? '' }));
        const all = await waitReplies(w, 'compta', 4);
        const zip = all.flatMap((m) => m.attachments).find((a) => a.contentType === 'application/zip') ?? assert.fail('no ZIP');
        const files = unzipSync(new Uint8Array(zip.content));
        const data = JSON.parse(Buffer.from(files['donnees.json'] ?? []).toString()) as { client: { siren: string }; invoices: { number: string }[] };
        assert.equal(data.client.siren, '123456782');
        assert.deepEqual(data.invoices.map((i) => i.number), ['FA-2026-00001', 'FA-2026-00002', 'FA-2026-00003']);
        assert.ok(files['factures/FA-2026-00003.pdf']);
      } finally {
        await daemon.stop();
      }
    });
  });

  it('through the real servers: a restricted client gets no invoices, a buyer request goes to the client, erasure leaves the register and expunges the person\'s mails', async () => {
    await withWorld(async (w) => {
      const daemon = startDaemon(w.data);
      const seen = new Map<string, number>();
      /** The next mail to arrive in a user's mailbox. */
      const next = async (user: string) => {
        const all = await waitReplies(w, user, (seen.get(user) ?? 0) + 1);
        seen.set(user, all.length);
        return all.at(-1) ?? assert.fail('no mail');
      };
      /** Request, code, confirmation: returns the answer. */
      const request = async (from: string, user: string, subject: string, text: string) => {
        await w.dovecot.append('factures', await compose({ from, to: BOT, subject, text }));
        const codeMail = await next(user);
        const code = /code ?: ([A-Z2-9]{8})/.exec(codeMail.text ?? '')?.[1] ?? assert.fail(`no code: ${codeMail.text}`);
        await w.dovecot.append('factures', await compose({ from, to: BOT, subject: `Re: ${codeMail.subject ?? ''}`, text: code, inReplyTo: codeMail.messageId ?? '' }));
        return next(user);
      };
      try {
        // An invoice whose buyer has an address: that buyer may ask.
        const csv = 'invoice_ref;buyer_name;buyer_siren;buyer_address;buyer_postcode;buyer_city;buyer_email;description;quantity;unit_price;vat_rate\nB1;Boulangerie SAS;123456790;1 rue;75001;Paris;jane@example.org;Conseil;1;100;20\n';
        await w.dovecot.append('factures', await compose({ from: CLIENT, to: BOT, subject: 'Factures', text: 'ci-joint', attachments: [{ filename: 'b.csv', content: Buffer.from(csv) }] }));
        await next('compta');
        const buyerAnswer = await request('jane@example.org', 'jane', 'GDPR: access', 'Hello');
        assert.match(buyerAnswer.text ?? '', /Atelier Dupont SARL/);
        const forwarded = await next('compta'); // the controller is sent the request
        assert.match(forwarded.text ?? '', /jane@example\.org/);

        const restricted = await request(CLIENT, 'compta', 'RGPD : limitation', 'Merci de limiter le traitement de mes données.');
        assert.match(restricted.text ?? '', /limité/);
        await w.dovecot.append('factures', fixtureMail('csv-gmail-octet-stream.eml'));
        const refused = await next('compta');
        assert.match(refused.text ?? '', /traitement de vos données est limité/);
        assert.equal(refused.attachments.length, 0);

        assert.ok((await w.dovecot.messages('factures', 'Processed')).length > 0);
        const erased = await request(CLIENT, 'compta', 'RGPD : effacement', 'Merci de supprimer mes données.');
        assert.match(erased.text ?? '', /Nous avons effacé/);
        assert.match(erased.text ?? '', /registre de numérotation .* jusqu'au \d\d\/\d\d\/20\d\d/s);
        const db = await readState(w.data);
        const batch = db.batches[0] ?? assert.fail('no batch');
        assert.deepEqual(batch.invoices.map((i) => [i.number, i.buyerName]), [['FA-2026-00001', '']], 'the register, nothing more');
        assert.equal(existsSync(join(w.data, 'batches', batch.id)), false, 'no copy of the invoices');
        // The person's mails and the bot's replies to them are expunged from every folder (IMAP UID EXPUNGE);
        // the answer to this request, sent after it, stays as its proof.
        const about = (m: { source?: Buffer }) => (m.source ?? Buffer.alloc(0)).toString('latin1').includes(CLIENT);
        await waitFor('the mails expunged', async () => ((await w.dovecot.messages('factures', 'Processed')).filter(about).length === 0 ? true : undefined), 30_000, 250);
        for (const folder of ['Rejected', 'Ignored']) assert.equal((await w.dovecot.messages('factures', folder)).filter(about).length, 0, folder);
        await waitFor('only the answer in Sent', async () => ((await w.dovecot.messages('factures', 'Sent')).filter(about).length === 1 ? true : undefined), 30_000, 250);
        assert.ok((await w.dovecot.messages('factures', 'Processed')).some((m) => (m.source ?? Buffer.alloc(0)).toString('latin1').includes('jane@example.org')), "others' mails stay");
      } finally {
        await daemon.stop();
      }
    });
  });

  it('through the real servers: a spoofed sender only gets a code, and an expired code closes the request', async () => {
    await withWorld(
      async (w) => {
        const daemon = startDaemon(w.data);
        try {
          // A mail claiming the client's address but failing DMARC: the code still goes to the real address, nothing else.
          await w.dovecot.append('factures', await compose({ from: CLIENT, to: BOT, subject: 'RGPD : accès', text: 'Bonjour', headers: { 'Authentication-Results': 'mx.studio.test; dmarc=fail header.from=atelier-dupont.test' } }));
          const [codeMail] = await waitReplies(w, 'compta', 1);
          assert.match(codeMail?.subject ?? '', /\[RGPD-\d{4}-\d{4}\]/);
          assert.equal(codeMail?.attachments.length, 0);
          await new Promise((r) => setTimeout(r, 1500)); // the code lives about a second here
          const code = /code ?: ([A-Z2-9]{8})/.exec(codeMail?.text ?? '')?.[1] ?? assert.fail('no code');
          await w.dovecot.append('factures', await compose({ from: CLIENT, to: BOT, subject: `Re: ${codeMail?.subject ?? ''}`, text: code }));
          const late = (await waitReplies(w, 'compta', 2)).at(-1);
          assert.match(late?.text ?? '', /expiré/);
          assert.equal(late?.attachments.length, 0);

        } finally {
          await daemon.stop();
        }
      },
      { authservId: 'mx.studio.test', gdpr: { codeValidityHours: 0.0003 } },
    );
  });

  const KINDS: Record<'fr' | 'en', [string, string, RegExp][]> = {
    fr: [
      ['RGPD : accès', 'Je souhaite accéder à mes données.', /toutes les données que nous détenons/],
      ['Portabilité', 'Je veux exercer mon droit à la portabilité de mes données.', /format structuré et lisible par machine/],
      ['Rectification', 'Merci de corriger mes coordonnées.\ntéléphone : 0411111111', /Votre fiche a été corrigée/],
      ['Opposition', "Je m'oppose au traitement de mes données.", /Votre opposition est enregistrée/],
      ['Limitation', 'Je demande la limitation du traitement de mes données.', /est limité \(RGPD art\. 18\)/],
      ['Levée', 'Merci de lever la limitation.', /la limitation du traitement de vos données est levée/],
      ['Effacement', 'Merci de supprimer mes données personnelles.', /Nous avons effacé/],
    ],
    en: [
      ['GDPR: access', 'I would like a copy of my personal data.', /all the data we hold about you/],
      ['Portability', 'I want my data in a machine-readable format (portability).', /structured, machine-readable format/],
      ['Rectification', 'Please correct my details.\nphone: 0411111111', /Your record was corrected/],
      ['Objection', 'I object to the processing of my data.', /Your objection is recorded/],
      ['Restriction', 'Please restrict the processing of my data.', /processing of your data is restricted/],
      ['Lift', 'Please lift the restriction.', /the restriction of processing is lifted/],
      ['Erasure', 'Please delete my personal data.', /We erased the following data/],
    ],
  };
  for (const lang of ['fr', 'en'] as const) {
    it(`through the real servers: every kind of request in ${lang === 'fr' ? 'French' : 'English'}, each proven by its code`, async () => {
      await withWorld(
        async (w) => {
          const daemon = startDaemon(w.data);
          let count = 0;
          const next = async () => {
            const all = await waitReplies(w, 'compta', ++count);
            return all.at(-1) ?? assert.fail('no mail');
          };
          try {
            for (const [subject, text, done] of KINDS[lang]) {
              await w.dovecot.append('factures', await compose({ from: CLIENT, to: BOT, subject, text }));
              const codeMail = await next();
              const code = /code ?: ([A-Z2-9]{8})/.exec(codeMail.text ?? '')?.[1] ?? assert.fail(`no code for ${subject}: ${codeMail.text}`);
              await w.dovecot.append('factures', await compose({ from: CLIENT, to: BOT, subject: `Re: ${codeMail.subject ?? ''}`, text: code, inReplyTo: codeMail.messageId ?? '' }));
              const answer = await next();
              assert.match(answer.text ?? '', done, subject);
            }
          } finally {
            await daemon.stop();
          }
        },
        {},
        { language: lang, phone: '0478000000' },
      );
    });
  }

  it('talks to servers over STARTTLS and implicit TLS, trusting the given CA', async () => {
    const dovecot = new Dovecot({ tls: true });
    const smtp = new SmtpRelay(dovecot, { tls: true });
    const dir = tempDir('mailbot-e2e-tls-');
    try {
      await dovecot.start();
      for (const user of ['factures', 'jane']) dovecot.addUser(user);
      await smtp.start();
      const data = join(dir.path, 'data');
      const auth = { type: 'password', user: 'factures', passwordEnv: 'MAILBOT_IMAP_PASSWORD' };
      prepareData(data, dovecot, smtp, {
        imap: { host: '127.0.0.1', port: dovecot.imapPort, security: 'starttls', caFile: dovecot.caFile, auth },
        smtp: { host: '127.0.0.1', port: smtp.port, security: 'starttls', caFile: dovecot.caFile },
      });
      const daemon = startDaemon(data);
      try {
        await dovecot.append('factures', fixtureMail('question-en.eml'));
        const w = { dovecot, smtp, data, tmp: dir.path };
        const [reply] = await waitReplies(w, 'jane', 1);
        assert.match(reply?.text ?? '', /This service answers/);
      } finally {
        await daemon.stop();
      }
      // Implicit TLS on the imaps port; and a wrong CA is refused rather than trusted.
      const config = JSON.parse(readFileSync(join(data, 'config.json'), 'utf8')) as { imap: Record<string, unknown> };
      writeFileSync(join(data, 'config.json'), JSON.stringify({ ...config, imap: { ...config.imap, port: dovecot.imapsPort, security: 'tls' } }));
      const ok = await mailbotAsync(data, ['check-config'], { MAILBOT_IMAP_PASSWORD: PASSWORD });
      assert.match(ok.stdout, /IMAP: ok/);
      assert.match(ok.stdout, /SMTP: ok/);
      writeFileSync(join(data, 'config.json'), JSON.stringify({ ...config, imap: { ...config.imap, caFile: undefined } }));
      const untrusted = await mailbotAsync(data, ['check-config'], { MAILBOT_IMAP_PASSWORD: PASSWORD });
      assert.match(untrusted.stdout, /IMAP: FAILED/);
    } finally {
      await smtp.stop();
      await dovecot.destroy();
      dir.cleanup();
    }
  });

  it('reconnects after the IMAP server restarts and goes on', async () => {
    await withWorld(async (w) => {
      const daemon = startDaemon(w.data);
      try {
        await w.dovecot.append('factures', fixtureMail('question-fr.eml'));
        await waitReplies(w, 'jane', 1);
        await w.dovecot.stop();
        await new Promise((r) => setTimeout(r, 1500));
        await w.dovecot.start();
        await w.dovecot.append('factures', fixtureMail('csv-thunderbird-rfc2231.eml'));
        const [reply] = await waitReplies(w, 'compta', 1);
        assert.equal(reply?.attachments.filter((a) => a.contentType === 'application/pdf').length, 2, `${reply?.subject ?? ''}: ${reply?.text ?? ''}`);
        assert.match(daemon.output(), /imap connection closed; reconnecting/);
      } finally {
        await daemon.stop();
      }
    });
  });

  it('keeps a reply queued while SMTP is down and sends it exactly once when it returns', async () => {
    await withWorld(async (w) => {
      await w.smtp.stop();
      const daemon = startDaemon(w.data);
      try {
        await w.dovecot.append('factures', fixtureMail('csv-gmail-octet-stream.eml'));
        await waitFor('the mail handled', () => inboxEmpty(w));
        await waitFor('a failed send attempt', () => (auditActions(w.data).some((a) => a.action === 'reply-failed') ? true : undefined));
        assert.equal((await w.dovecot.messages('compta')).length, 0);
        await w.smtp.start();
        await waitReplies(w, 'compta', 1);
        await new Promise((r) => setTimeout(r, 4000)); // further outbox rounds must not send it again
        assert.equal((await w.dovecot.messages('compta')).length, 1);
        assert.equal(auditActions(w.data).filter((a) => a.action === 'reply-sent').length, 1);
      } finally {
        await daemon.stop();
      }
    });
  });

  it('after SIGKILL in the middle of a batch, a restart loses no mail and issues each number once', async () => {
    await withWorld(async (w) => {
      const csv = generateBatchCsv(150, 4);
      const batch = await compose({ from: CLIENT, to: BOT, subject: 'Gros lot', text: 'ci-joint', attachments: [{ filename: 'lot.csv', content: Buffer.from(csv), contentType: 'text/csv' }] });
      await w.dovecot.append('factures', batch);
      const first = startDaemon(w.data);
      // Kill as soon as the batch is being written: its files are being staged.
      await waitFor('the batch being rendered', () => (stagingExists(join(w.data, '.staging')) ? true : undefined), 60_000, 20);
      await first.stop('SIGKILL');
      const second = startDaemon(w.data);
      try {
        const mails = await waitReplies(w, 'compta', 1);
        await waitFor('the mail moved', () => inboxEmpty(w), 60_000);
        const numbers = [...new Set(numbersIn(mails))].sort();
        const zipped = mails.some((m) => m.attachments.some((a) => a.contentType === 'application/zip'));
        assert.ok(zipped || numbers.length === 150);
        const db = await readState(w.data);
        assert.equal(db.batches.length, 1);
        const issued = db.batches[0]?.invoices.map((i) => i.number) ?? [];
        assert.equal(issued.length, 150);
        assert.deepEqual(issued, Array.from({ length: 150 }, (_, i) => `FA-2026-${String(i + 1).padStart(5, '0')}`));
        assert.equal(db.series['atelier-dupont']?.['FA-2026-#']?.last, 150);
        assert.equal((await w.dovecot.messages('factures', 'Processed')).length, 1);
      } finally {
        await second.stop();
      }
    });
  });

  it('check-config logs in to IMAP and SMTP, and names a wrong password', async () => {
    await withWorld(async (w) => {
      const ok = await mailbotAsync(w.data, ['check-config'], { MAILBOT_IMAP_PASSWORD: PASSWORD });
      assert.equal(ok.status, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /IMAP: ok, 0 message\(s\) in INBOX/);
      assert.match(ok.stdout, /SMTP: ok/);
      const bad = await mailbotAsync(w.data, ['check-config'], { MAILBOT_IMAP_PASSWORD: 'wrong' });
      assert.equal(bad.status, 2);
      assert.match(bad.stdout, /IMAP: FAILED to log in to 127\.0\.0\.1:\d+ as factures/);
    });
  });

  it('stops cleanly on SIGTERM, and a second daemon on the same data refuses to start', async () => {
    await withWorld(async (w) => {
      const daemon = startDaemon(w.data);
      try {
        await waitFor('the daemon running', () => (/watching IMAP/.test(daemon.output()) ? true : undefined));
        const second = startDaemon(w.data);
        const code = await new Promise<number | null>((resolve) => second.child.once('exit', resolve));
        assert.equal(code, 2);
        assert.match(second.output(), /in use by process \d+/);
      } finally {
        assert.equal(await daemon.stop('SIGTERM'), 0);
      }
      assert.match(daemon.output(), /SIGTERM received/);
    });
  });
});

/** A staging folder holds files of a batch being written. */
function stagingExists(dir: string): boolean {
  try {
    return readdirSync(dir).some((n) => readdirSync(join(dir, n)).some((f) => f.startsWith('batches~')));
  } catch {
    return false;
  }
}

