/**
 * Mail and files as a hostile sender or an unlucky operator would bring
 * them, through the real daemon on its embedded mailbox: a client over the
 * hourly limit, a flood of strangers, a Message-ID that carries a phone
 * number, escape sequences for the terminal, planted symbolic links.
 */
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mailbot } from '../helpers/cli.js';
import { CLIENT, CSV, World } from '../helpers/gdpr-world.js';
import { tempDir } from '../helpers/tools.js';

/** The fixture batch under other references, a month later per `n` (numbering is chronological). */
const batchCsv = (tag: string, n = 0) =>
  Buffer.from(
    CSV.toString('utf8')
      .replaceAll('INV-2026-', `${tag}-`)
      .replaceAll('2026-04-', `2026-0${4 + n}-`)
      .replaceAll('2026-03-', `2026-0${3 + n}-`),
  );
const auditLines = (data: string) => readFileSync(join(data, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; messageId?: string; details?: Record<string, unknown> });

describe('hostile mail and files', () => {
  it('defers a client over the hourly limit instead of dropping its batches, tells the operator once, and keeps the count across restarts', async () => {
    const w = new World({ limits: { mailsPerSenderPerHour: 2 } });
    try {
      for (let i = 0; i < 4; i++) await w.send(CLIENT, `Lot ${i}`, 'ci-joint', { attachments: [{ filename: `lot-${i}.csv`, content: batchCsv(`L${i}`, i) }] });
      const first = await w.run();
      assert.equal(first.filter((m) => m.attachments.some((a) => a.contentType === 'application/pdf' || a.contentType === 'application/zip')).length, 2);
      assert.equal(first.filter((m) => /mis en attente/.test(m.subject ?? '')).length, 1, 'the operator told');
      assert.equal(readdirSync(join(w.data, 'mailbox', 'cur')).length, 2, 'the two others wait in the inbox');
      // A new process: the counter is in the store, so they still wait, and the operator is not told again.
      assert.deepEqual(await w.run(), []);
      assert.equal(readdirSync(join(w.data, 'mailbox', 'cur')).length, 2);
      // Once the limit allows (here: the operator raises it), they are handled, nothing lost.
      const config = JSON.parse(readFileSync(join(w.data, 'config.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(w.data, 'config.json'), JSON.stringify({ ...config, limits: { mailsPerSenderPerHour: 10 } }));
      const later = await w.run();
      assert.equal(later.length, 2);
      assert.equal((await w.state()).batches.length, 4);
      assert.ok(auditLines(w.data).filter((e) => e.action === 'deferred').length >= 2);
      assert.equal(auditLines(w.data).filter((e) => e.action === 'rate-limited').length, 0, 'never filed in Ignored');
    } finally {
      w.cleanup();
    }
  });

  it('forged mails in a client\'s name use their own quota, not the client\'s: the genuine batch is not kept waiting', async () => {
    const w = new World({ limits: { mailsPerSenderPerHour: 2 }, authservId: 'mx.studio.test' });
    const forged = { 'Authentication-Results': 'mx.studio.test; spf=fail smtp.mailfrom=evil.example; dmarc=fail (p=reject) header.from=atelier-dupont.test' };
    const genuine = { 'Authentication-Results': 'mx.studio.test; dkim=pass header.d=atelier-dupont.test; dmarc=pass (p=reject) header.from=atelier-dupont.test' };
    try {
      for (let i = 0; i < 4; i++) await w.send(CLIENT, `Faux ${i}`, 'ci-joint', { headers: forged, attachments: [{ filename: `faux-${i}.csv`, content: batchCsv(`F${i}`, i) }] });
      await w.run();
      await w.send(CLIENT, 'Lot', 'ci-joint', { headers: genuine, attachments: [{ filename: 'lot.csv', content: batchCsv('G0', 0) }] });
      const replies = await w.run();
      assert.equal(replies.filter((m) => m.attachments.some((a) => a.contentType === 'application/pdf' || a.contentType === 'application/zip')).length, 1, 'the genuine batch is issued at once');
      const trail = auditLines(w.data);
      assert.equal(trail.filter((e) => e.action === 'rate-limited' && e.details?.unverified === true).length, 2, 'forged mails over their own quota are filed away');
      assert.equal(trail.filter((e) => e.action === 'deferred').length, 0, 'nothing of the client waits');
      assert.equal(readdirSync(join(w.data, 'mailbox', 'cur')).length, 0);
    } finally {
      w.cleanup();
    }
  });

  it('refuses a batch dated far ahead, so that one row cannot freeze a seller\'s numbering', async () => {
    const w = new World();
    try {
      await w.send(CLIENT, 'Lot', 'ci-joint', { attachments: [{ filename: 'futur.csv', content: Buffer.from(CSV.toString('utf8').replaceAll('2026-03-02', '2099-12-31')) }] });
      const [reply] = await w.run();
      assert.match(reply?.text ?? '', /date d’émission trop lointaine/);
      assert.equal((await w.state()).batches.length, 0);
      assert.deepEqual((await w.state()).series['atelier-dupont'], {});
    } finally {
      w.cleanup();
    }
  });

  it('caps the replies to strangers per hour, so forged senders cannot make it a source of backscatter', async () => {
    const w = new World({ limits: { repliesToUnknownPerHour: 3 } });
    try {
      for (let i = 0; i < 6; i++) await w.send(`victim${i}@example.org`, 'Question', 'À quoi sert cette adresse ?');
      assert.equal((await w.run()).length, 3);
      assert.equal(auditLines(w.data).filter((e) => e.action === 'reply-withheld').length, 3);
      assert.equal(readdirSync(join(w.data, 'mailbox', '.Processed', 'cur')).length, 6, 'every mail filed');
      // A client is not a stranger: it is still answered.
      await w.send(CLIENT, 'Question', 'À quoi sert cette adresse ?');
      assert.equal((await w.run()).length, 1);
    } finally {
      w.cleanup();
    }
  });

  it('keeps Message-IDs as keyed hashes, finds a mail by its Message-ID all the same, and sends no control character to the terminal', async () => {
    const w = new World();
    try {
      const id = '<jane.doe+0612345678@example.org>';
      await w.send('jane@example.org', 'Bonjour \u001b[2J\u001b[31m', 'À quoi sert cette adresse ?', { messageId: id });
      await w.run();
      for (const file of ['audit.log', 'ledger.jsonl', 'mailbot.json', 'commits.log']) assert.ok(!readFileSync(join(w.data, file), 'utf8').includes('0612345678'), file);
      const log = mailbot(w.data, ['log', '--message', id]);
      assert.equal(log.status, 0, log.stderr);
      assert.match(log.stdout, /received/);
      assert.match(log.stdout, /moved/);
      // Escape sequences would reach the terminal: none do.
      const controls = (text: string) => [...text].filter((ch) => (ch < ' ' && ch !== '\n' && ch !== '\t') || ch === '\u007f');
      assert.deepEqual(controls(log.stdout), []);
      assert.deepEqual(controls(mailbot(w.data, ['log']).stdout), []);
    } finally {
      w.cleanup();
    }
  });

  it('never follows a link planted in the data directory', async () => {
    const w = new World();
    const outside = tempDir('mailbot-outside-');
    try {
      await w.send(CLIENT, 'Lot', 'ci-joint', { attachments: [{ filename: 'a.csv', content: batchCsv('A') }] });
      await w.run();
      // audit.log replaced by a link to a file elsewhere: refused and reported, never appended to.
      const target = join(outside.path, 'victim.txt');
      writeFileSync(target, 'precious');
      const audit = join(w.data, 'audit.log');
      const kept = readFileSync(audit);
      writeFileSync(join(outside.path, 'audit.copy'), kept);
      await import('node:fs/promises').then((fs) => fs.unlink(audit));
      symlinkSync(target, audit);
      await w.send('jane@example.org', 'Question', 'À quoi sert cette adresse ?');
      const r = mailbot(w.data, ['start', '--once']);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /symbolic link/);
      assert.equal(readFileSync(target, 'utf8'), 'precious');
      await import('node:fs/promises').then((fs) => fs.unlink(audit));
      writeFileSync(audit, kept, { mode: 0o600 });

      // A batch's source.csv replaced by a link: the erasure shreds the link, never its target.
      const batch = (await w.state()).batches[0] ?? assert.fail('no batch');
      const source = join(w.data, 'batches', batch.id, 'source.csv');
      await import('node:fs/promises').then((fs) => fs.unlink(source));
      symlinkSync(target, source);
      // A link planted among the inbox's mails is not a mail.
      symlinkSync(target, join(w.data, 'mailbox', 'cur', '1.link:2,'));
      await w.send(CLIENT, 'RGPD : effacement', 'Merci de supprimer mes données.');
      const [code] = await w.run();
      await w.send(CLIENT, `Re: ${code?.subject ?? ''}`, /code ?: ([A-Z2-9]{8})/.exec(code?.text ?? '')?.[1] ?? '');
      await w.run();
      assert.equal(readFileSync(target, 'utf8'), 'precious', 'the target of a link is never zeroed');
      assert.ok(lstatSync(join(w.data, 'mailbox', 'cur', '1.link:2,')).isSymbolicLink(), 'the planted link was neither read nor moved');
    } finally {
      outside.cleanup();
      w.cleanup();
    }
  });

  it('--out and --data never change the mode of a folder that exists', () => {
    const dir = tempDir();
    try {
      const shared = join(dir.path, 'shared');
      mkdirSync(shared, { mode: 0o755 });
      const data = join(dir.path, 'data');
      mkdirSync(data, { mode: 0o750 });
      assert.equal(mailbot(data, ['client', 'add', '--file', join(import.meta.dirname, '..', '..', 'data', 'client.example.json')]).status, 0);
      const r = mailbot(data, ['invoice', join(import.meta.dirname, '..', 'fixtures', 'csv', 'libreoffice-en.csv'), '--client', 'atelier-dupont', '--out', shared]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(statSync(shared).mode & 0o777, 0o755);
      assert.equal(statSync(data).mode & 0o777, 0o750);
      for (const f of readdirSync(shared)) assert.equal(statSync(join(shared, f)).mode & 0o777, 0o600, f);
      for (const d of ['batches', 'queue'].filter((n) => readdirSync(data).includes(n))) assert.equal(statSync(join(data, d)).mode & 0o777, 0o700, d);
    } finally {
      dir.cleanup();
    }
  });
});
