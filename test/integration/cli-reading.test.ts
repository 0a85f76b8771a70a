/**
 * The operator's reading commands as a new operator uses them: the demo's
 * three mails, a rights request from the client's address and a mail set
 * aside, then `log` by client, by sender, by mail and by action, `requests`
 * and `status`, each read as printed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { AuditEntry } from '../../src/audit/entry.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { mailbot } from '../helpers/cli.js';
import { tempDir } from '../helpers/tools.js';

const BOT = 'factures@mailbot.localhost';
const CLIENT = 'compta@demo-atelier.example';
const jsonLines = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEntry);
const build = (opts: ConstructorParameters<typeof MailComposer>[0]) => new MailComposer(opts).compile().build();

describe('mailbot: the reading commands, as a new operator uses them', () => {
  const dir = tempDir();
  const data = join(dir.path, 'data');
  const paulId = '<question-42@example.org>';

  before(async () => {
    assert.equal(mailbot(data, ['demo']).status, 0);
    const inbox = join(data, 'mailbox');
    await deliverToMaildir(inbox, await build({ from: CLIENT, to: BOT, subject: 'Accès', text: "Bonjour, je demande l'accès à mes données personnelles (article 15 RGPD)." }));
    await deliverToMaildir(inbox, await build({ from: 'Paul <paul@example.org>', to: BOT, subject: 'Une question', text: 'Bonjour ?', messageId: paulId }));
    const run = mailbot(data, ['start', '--once']);
    assert.equal(run.status, 0, run.stderr);
    // A mail set aside: a new batch, and every batch that gets as far as rendering fails, twice.
    const csv = ['Référence;Date;Client;SIREN;Adresse;Code postal;Ville;Désignation;Quantité;Prix unitaire HT;Taux TVA', 'D-003;22/11/2026;Boulangerie Martin SAS;123456790;3 place du Marché;75001;Paris;Maintenance;1;300,00;20'].join('\r\n');
    await deliverToMaildir(inbox, await build({ from: CLIENT, to: BOT, subject: 'Une de plus', text: 'ci-joint', attachments: [{ filename: 'decembre.csv', content: Buffer.from(`${csv}\r\n`), contentType: 'text/csv' }] }));
    for (let i = 0; i < 3; i++) assert.equal(mailbot(data, ['start', '--once'], { MAILBOT_FAILPOINT: 'batch-render=throw' }).status, 0);
  });
  after(() => dir.cleanup());

  it('log: a table whose columns hold, the mail shortened, full values in --json', () => {
    const out = mailbot(data, ['log']);
    assert.equal(out.status, 0, out.stderr);
    const lines = out.stdout.trimEnd().split('\n');
    const header = lines[0] ?? '';
    const at = header.indexOf('details');
    assert.ok(at > 0);
    for (const l of lines.slice(1).filter((x) => x.length > at)) {
      // Every line's details start under the header's: no cell pushed the ones after it.
      assert.equal(l.slice(at - 2, at), '  ', `misaligned: ${l}`);
      assert.doesNotMatch(l.slice(0, at), /[0-9a-f]{64}/, 'no 64-digit hash in the table');
    }
    assert.ok(jsonLines(mailbot(data, ['log', '--json']).stdout).some((e) => /^hmac:[^:]+:[0-9a-f]{64}$/.test(e.messageId ?? '')), '--json keeps the whole hash');
  });

  it('log --client: every line of the client\'s mails, received and moved included, and its request, nobody else\'s', () => {
    const all = jsonLines(mailbot(data, ['log', '--json']).stdout);
    const mine = jsonLines(mailbot(data, ['log', '--client', 'demo-atelier', '--json']).stdout);
    const janes = new Set(all.filter((e) => e.action === 'received' && e.clientId === undefined).map((e) => e.mailKey));
    assert.equal(janes.size, 2, "Jane's and Paul's questions");
    for (const action of ['received', 'routed', 'invoices-issued', 'batch-rejected', 'gdpr-request', 'reply-queued', 'reply-sent', 'moved', 'set-aside']) {
      assert.ok(mine.some((e) => e.action === action), `--client shows ${action}`);
    }
    assert.ok(!mine.some((e) => janes.has(e.mailKey)), "not the others' mails");
    // Each mail of the client has its whole story: as many moved as received lines that ended in a folder.
    const keys = new Set(mine.filter((e) => e.action === 'received').map((e) => e.mailKey));
    for (const k of keys) assert.ok(mine.some((e) => e.mailKey === k && (e.action === 'moved' || e.action === 'set-aside')), `the end of ${k ?? ''}`);
    // The code mail of the request: queued and then sent, though its sending names no mail key.
    const code = mine.find((e) => e.action === 'reply-queued' && e.details?.kind === 'gdpr-code');
    assert.ok(mine.some((e) => e.action === 'reply-sent' && e.messageId === code?.details?.reply), 'the code mail as sent');
    const unknown = mailbot(data, ['log', '--client', 'demo-atelir']);
    assert.match(unknown.stderr, /no client "demo-atelir" in the records/);
  });

  it('log --from ADDRESS: that sender\'s mails and what followed them, by the keyed hash', () => {
    const jane = jsonLines(mailbot(data, ['log', '--from', 'PAUL@example.org', '--json']).stdout);
    assert.deepEqual([...new Set(jane.map((e) => e.action))].sort(), ['moved', 'received', 'reply-queued', 'reply-sending', 'reply-sent', 'routed']);
    assert.equal(new Set(jane.filter((e) => e.mailKey).map((e) => e.mailKey)).size, 1);
    assert.equal(jsonLines(mailbot(data, ['log', '--from', 'nobody@example.org', '--json']).stdout).length, 0);
  });

  it('log --message: with or without angle brackets, or a kept hash by its first 12 digits', () => {
    const withBrackets = jsonLines(mailbot(data, ['log', '--message', paulId, '--json']).stdout);
    const bare = jsonLines(mailbot(data, ['log', '--message', paulId.slice(1, -1), '--json']).stdout);
    assert.ok(withBrackets.length >= 4);
    assert.deepEqual(bare, withBrackets);
    const hash = withBrackets.find((e) => e.action === 'received')?.messageId ?? '';
    const short = `#${hash.split(':')[2]?.slice(0, 12) ?? ''}`;
    assert.deepEqual(jsonLines(mailbot(data, ['log', '--message', short, '--json']).stdout), withBrackets);
  });

  it('log --request REF: the request\'s lines and the mail that made it, its code mail as sent', () => {
    const lines = jsonLines(mailbot(data, ['log', '--request', 'RGPD-2026-0001', '--json']).stdout);
    for (const action of ['received', 'routed', 'gdpr-request', 'reply-queued', 'reply-sent', 'moved']) assert.ok(lines.some((e) => e.action === action), action);
    assert.ok(!lines.some((e) => e.action === 'invoices-issued'), 'nothing of the batches');
  });

  it('log --action: a misspelt name is an error naming the near ones; every action is listed in --help', () => {
    const r = mailbot(data, ['log', '--action', 'reply-snt']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown action "reply-snt" \(did you mean [^)]*reply-sent/);
    assert.equal(r.stdout, '');
    const help = mailbot(data, ['log', '--help']).stdout;
    for (const a of ['received', 'invoices-issued', 'gdpr-restriction-lift-scheduled', 'platform-status']) assert.match(help, new RegExp(`\\b${a}\\b`));
    assert.equal(jsonLines(mailbot(data, ['log', '--action', 'set-aside', '--json']).stdout).length, 1);
  });

  it('requests: the requester and whom it concerns', () => {
    const out = mailbot(data, ['requests']).stdout;
    assert.match(out, /requester\s+client/);
    assert.match(out, /compta@demo-atelier\.example\s+demo-atelier \(address\)/);
  });

  it('status: outcomes in words, and a retry hint that works pasted into a shell', () => {
    const out = mailbot(data, ['status']).stdout;
    const mails = out.split('\n').find((l) => l.startsWith('mails')) ?? '';
    assert.doesNotMatch(mails, /[{}"]/);
    assert.match(mails, /\d+ handled: .*\d+ help sent/);
    const hint = /\(mailbot retry (.+)\)$/m.exec(out)?.[1];
    assert.ok(hint, out);
    assert.ok(hint.includes('|'));
    // Pasted as printed: the shell hands the key back whole.
    const echoed = execFileSync('/bin/sh', ['-c', `printf %s ${hint}`], { encoding: 'utf8' });
    const status = JSON.parse(mailbot(data, ['status', '--json']).stdout) as { setAside: { key: string }[] };
    assert.equal(echoed, status.setAside[0]?.key);
  });

  it('read-only commands refuse a directory that holds no store, and create nothing there', () => {
    const typo = join(dir.path, 'dta');
    for (const args of [['status'], ['log'], ['requests'], ['invoices'], ['outbox'], ['client', 'list']]) {
      const r = mailbot(typo, args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr, /no store in .*dta/);
    }
    assert.equal(existsSync(typo), false);
    // An empty directory is no store either: nothing is written into it.
    mkdirSync(typo);
    assert.equal(mailbot(typo, ['status']).status, 2);
    assert.deepEqual(readdirSync(typo), []);
  });
});
