/** The daemon on its embedded mailbox (Maildir in, .eml files out), through the real CLI. */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import MailComposer from 'nodemailer/lib/mail-composer';
import { simpleParser } from 'mailparser';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { mailbot } from '../helpers/cli.js';
import { tempDir } from '../helpers/tools.js';

const files = (dir: string) => {
  try {
    return readdirSync(dir).filter((n) => !n.startsWith('.'));
  } catch {
    return [];
  }
};

describe('daemon on the embedded mailbox', () => {
  it('runs the demo: invoices, an error list and a help reply, each mail filed and logged', async () => {
    const dir = tempDir();
    try {
      const data = join(dir.path, 'data');
      assert.equal(mailbot(data, ['demo']).status, 0);
      const run = mailbot(data, ['start', '--once']);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /running on the local embedded mailbox/);
      const outbox = files(join(data, 'outbox'));
      assert.equal(outbox.length, 3);
      const mails = await Promise.all(outbox.map((f) => simpleParser(readFileSync(join(data, 'outbox', f)))));
      const invoices = mails.find((m) => m.attachments.some((a) => a.contentType === 'application/pdf'));
      assert.deepEqual(invoices?.attachments.map((a) => a.filename), ['DEMO-2026-0001.pdf', 'DEMO-2026-0002.pdf', 'rapport.csv']);
      assert.ok(mails.some((m) => /4 erreur\(s\)/.test(m.text ?? '')));
      assert.ok(mails.some((m) => /This service answers/.test(m.text ?? '')), 'the English question gets the English help');
      assert.equal(files(join(data, 'mailbox', 'new')).length + files(join(data, 'mailbox', 'cur')).length, 0);
      assert.equal(files(join(data, 'mailbox', '.Processed', 'cur')).length, 3);

      const log = mailbot(data, ['log', '--action', 'invoices-issued,reply-sent', '--json']);
      const entries = log.stdout.trim().split('\n').map((l) => JSON.parse(l) as { action: string });
      assert.deepEqual(entries.map((e) => e.action).sort(), ['invoices-issued', 'reply-sent', 'reply-sent', 'reply-sent']);
      const status = JSON.parse(mailbot(data, ['status', '--json']).stdout) as { inHand: number; outcomes: Record<string, number>; outbox: Record<string, number> };
      assert.equal(status.inHand, 0);
      assert.deepEqual(status.outcomes, { 'invoices-issued': 1, 'batch-rejected': 1, 'help-sent': 1 });
      assert.deepEqual(status.outbox, { queued: 0, failed: 0, sent: 3 });

      // Running again finds nothing new and answers nothing twice.
      assert.equal(mailbot(data, ['start', '--once']).status, 0);
      assert.equal(files(join(data, 'outbox')).length, 3);
    } finally {
      dir.cleanup();
    }
  });

  it('never charges a mail for losing to another writer: it waits in the inbox, uncounted, and is issued once the series is free', () => {
    const dir = tempDir();
    try {
      const data = join(dir.path, 'data');
      assert.equal(mailbot(data, ['demo']).status, 0);
      const inbox = join(data, 'mailbox');
      // Every try of the good CSV finds its series moved by another writer, round after round.
      for (let i = 0; i < 3; i++) {
        const r = mailbot(data, ['start', '--once'], { MAILBOT_FAILPOINT: 'batch-render=conflict' });
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout + r.stderr, /left for the next round, uncounted/);
      }
      let status = JSON.parse(mailbot(data, ['status', '--json']).stdout) as { setAside: unknown[]; outcomes: Record<string, number>; inHand: number };
      assert.deepEqual(status.setAside, [], 'nothing set aside');
      assert.equal(status.outcomes['invoices-issued'], undefined);
      assert.equal(files(join(inbox, 'cur')).length + files(join(inbox, 'new')).length, 1, 'the CSV mail is still in the inbox');
      assert.equal(mailbot(data, ['log', '--json', '--action', 'error']).stdout.trim(), '', 'no error recorded against it');
      // The other writer is done: the next round issues it, once.
      assert.equal(mailbot(data, ['start', '--once']).status, 0);
      status = JSON.parse(mailbot(data, ['status', '--json']).stdout) as typeof status;
      assert.deepEqual([status.setAside.length, status.outcomes['invoices-issued'], status.inHand], [0, 1, 0]);
    } finally {
      dir.cleanup();
    }
  });

  it('sets aside a mail that fails twice, with its error, without blocking the mails behind it', async () => {
    const dir = tempDir();
    try {
      const data = join(dir.path, 'data');
      assert.equal(mailbot(data, ['demo']).status, 0);
      const inbox = join(data, 'mailbox');
      await deliverToMaildir(inbox, await new MailComposer({ from: 'jane@example.org', to: 'factures@mailbot.localhost', subject: 'Question', text: 'Bonjour, à quoi sert cette adresse ?' }).compile().build());
      // Every batch that gets as far as rendering fails.
      for (let i = 0; i < 3; i++) assert.equal(mailbot(data, ['start', '--once'], { MAILBOT_FAILPOINT: 'batch-render=throw' }).status, 0);
      const status = JSON.parse(mailbot(data, ['status', '--json']).stdout) as { setAside: { error: string }[]; outcomes: Record<string, number> };
      assert.equal(status.setAside.length, 1); // the good CSV could not be written (the error one and the questions need no file)
      assert.match(status.setAside[0]?.error ?? '', /failure injected at batch-render/);
      assert.equal(status.outcomes['help-sent'], 2);
      assert.equal(files(join(inbox, '.Rejected', 'cur')).length, 1);
      const log = mailbot(data, ['log', '--action', 'set-aside']);
      assert.match(log.stdout, /set-aside/);
    } finally {
      dir.cleanup();
    }
  });

  it('refuses a bad configuration at start, naming the field and the fix', () => {
    const dir = tempDir();
    try {
      const data = join(dir.path, 'data');
      mkdirSync(data, { recursive: true });
      writeFileSync(join(data, 'config.json'), JSON.stringify({ imap: { host: 'imap.example.com', port: 99999, security: 'plain', auth: { type: 'password', user: 'x', passwordEnv: 'UNSET_VAR_X' } } }));
      const r = mailbot(data, ['start', '--once']);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /imap\.port/);
      writeFileSync(join(data, 'config.json'), JSON.stringify({ imap: { host: 'imap.example.com', security: 'plain', auth: { type: 'password', user: 'x', passwordEnv: 'UNSET_VAR_X' } }, smtp: { host: 'smtp.example.com' } }));
      const r2 = mailbot(data, ['check-config']);
      assert.equal(r2.status, 2);
      assert.match(r2.stderr, /UNSET_VAR_X is not set/);
      assert.match(r2.stderr, /"plain" is only allowed on a loopback host/);
      // A mailbox whose senders nobody authenticates is refused unless the configuration accepts it in so many words.
      assert.match(r2.stderr, /authservId: not set, so any sender could put a client's address in From/);
      const refused = mailbot(data, ['start', '--once'], { UNSET_VAR_X: 'x' });
      assert.equal(refused.status, 2, 'the daemon does not start either');
      assert.match(refused.stderr, /authservId: not set/);
      writeFileSync(join(data, 'config.json'), JSON.stringify({ imap: { host: '127.0.0.1', security: 'plain', auth: { type: 'password', user: 'x', passwordEnv: 'HOME' } }, smtp: { host: '127.0.0.1', security: 'plain' }, trustUnauthenticatedSenders: true }));
      assert.doesNotMatch(mailbot(data, ['check-config']).stderr, /authservId/);
    } finally {
      dir.cleanup();
    }
  });
});
