/**
 * Faults of the environment through the real daemon: the mail server down
 * for a `--once` run, an SMTP server that refuses a recipient for good
 * (550) or for now (451), a disk that fills up. None is charged to a mail,
 * each is named once with the way out, and no address is written in clear.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { generateBatchCsv } from '../../bench/generate.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { mailbot, mailbotAsync } from '../helpers/cli.js';
import { BOT, CLIENT, prepareData, startDaemon } from '../helpers/daemon.js';
import { e2eSkipReason, PASSWORD, waitFor, withMailServers } from '../helpers/mailservers.js';
import { sellerInput } from '../helpers/sample.js';
import { tempDir } from '../helpers/tools.js';

const skip = e2eSkipReason();
const compose = (opts: ConstructorParameters<typeof MailComposer>[0]) => new MailComposer(opts).compile().build();

/** A small tmpfs needs root; in CI the tests run as root and the skip would hide a failure. */
function tmpfsSkip(): string | false {
  if (process.getuid?.() === 0) return false;
  if (process.env.CI === 'true') throw new Error('the disk-full test needs root in CI (it mounts a small tmpfs)');
  return 'not root: cannot mount a small tmpfs for the disk-full test';
}

describe('faults of the environment', { skip: skip || false, timeout: 300_000 }, () => {
  it('start --once gives up with a clear message when the IMAP server cannot be reached', async () => {
    await withMailServers(['factures'], async ({ dovecot, smtp, dir }) => {
      const data = join(dir, 'data');
      prepareData(data, dovecot, smtp);
      await dovecot.stop();
      const t0 = Date.now();
      const r = await mailbotAsync(data, ['start', '--once', '--timeout', '5'], { MAILBOT_IMAP_PASSWORD: PASSWORD });
      const seconds = (Date.now() - t0) / 1000;
      assert.equal(r.status, 2);
      assert.match(r.stderr, /the IMAP server 127\.0\.0\.1:\d+ could not be reached .*mailbot check-config/);
      assert.ok(seconds < 30, `gave up after ${seconds} s`);
    }, { prefix: 'mailbot-faults-' });
  });

  it('a reply refused for good (550) fails once and the operator is told; one refused for now (451) is retried until sent; no address in clear', async () => {
    let later = 0;
    const rcpt = (a: string) => {
      if (a === 'gone@example.org') return 550;
      if (a === 'busy@example.org' && later++ < 2) return 451;
      return undefined;
    };
    await withMailServers(['factures', 'ops', 'busy'], async ({ dovecot, smtp, dir }) => {
      const data = join(dir, 'data');
      prepareData(data, dovecot, smtp, { operatorAddress: 'ops@studio.test' });
      for (const from of ['gone@example.org', 'busy@example.org']) await dovecot.append('factures', await compose({ from, to: BOT, subject: 'Question', text: 'À quoi sert cette adresse ?' }));
      const daemon = startDaemon(data);
      try {
        await waitFor('the operator told', async () => ((await dovecot.count('ops')) >= 1 ? true : undefined), 60_000, 250);
        await waitFor('the 451 reply sent at last', async () => ((await dovecot.count('busy')) >= 1 ? true : undefined), 90_000, 500);
        const [told] = await dovecot.messages('ops');
        const parsed = await simpleParser(told?.source ?? Buffer.alloc(0));
        assert.match(parsed.subject ?? '', /Réponse refusée par le serveur \(550\)/);
        assert.ok(!(parsed.text ?? '').includes('gone@example.org'), 'the operator reads a keyed hash, not the address');
        const status = JSON.parse((await mailbotAsync(data, ['status', '--json'])).stdout) as { outbox: { failed: number; queued: number }; failedReplies: { error: string }[] };
        assert.equal(status.outbox.failed, 1);
        assert.equal(status.outbox.queued, 0);
        assert.match(status.failedReplies[0]?.error ?? '', /550 .*hmac:/);
        assert.ok(smtp.received >= 2);
        await new Promise((r) => setTimeout(r, 3000)); // the 550 is not tried again
        assert.equal((JSON.parse((await mailbotAsync(data, ['status', '--json'])).stdout) as { outbox: { failed: number } }).outbox.failed, 1);
      } finally {
        await daemon.stop();
      }
      // Kept for a resend, the reply's address is in the store like any queued reply's; dismissed, it is gone.
      const [failed] = JSON.parse(mailbot(data, ['outbox', '--failed', '--json']).stdout) as { id: string }[];
      assert.equal(mailbot(data, ['dismiss', failed?.id ?? '']).status, 0);
      const everything = daemon.output() + readFileSync(join(data, 'audit.log'), 'utf8') + readFileSync(join(data, 'mailbot.json'), 'utf8') + readFileSync(join(data, 'commits.log'), 'utf8');
      const at = everything.indexOf('gone@example.org');
      assert.ok(at < 0, `the refused address is nowhere in clear: ${everything.slice(Math.max(0, at - 300), at + 100)}`);
    }, { prefix: 'mailbot-faults-', rcpt });
  });

  it('a batch reply refused for good (550) keeps its invoices: the operator is told at once, status and the outbox list it, and once the cause is fixed `mailbot resend` delivers it (audited)', async () => {
    let refuse = true;
    const rcpt = (a: string) => (a === CLIENT && refuse ? 550 : undefined);
    await withMailServers(['factures', 'ops', 'compta'], async ({ dovecot, smtp, dir }) => {
      const data = join(dir, 'data');
      prepareData(data, dovecot, smtp, { operatorAddress: 'ops@studio.test' });
      const csv = Buffer.from(generateBatchCsv(3, 2));
      await dovecot.append('factures', await compose({ from: CLIENT, to: BOT, subject: 'Lot', text: 'ci-joint', attachments: [{ filename: 'lot.csv', content: csv, contentType: 'text/csv' }] }));
      const daemon = startDaemon(data);
      try {
        await waitFor('the operator told', async () => ((await dovecot.count('ops')) >= 1 ? true : undefined), 60_000, 250);
        const told = await simpleParser((await dovecot.messages('ops'))[0]?.source ?? Buffer.alloc(0));
        assert.match(told.subject ?? '', /\(550\) : factures émises non remises/);
        assert.match(told.text ?? '', /mailbot resend [0-9a-f-]{36}/);
        const status = JSON.parse((await mailbotAsync(data, ['status', '--json'])).stdout) as { failedReplies: { id: string; carriesInvoices: boolean }[] };
        assert.equal(status.failedReplies[0]?.carriesInvoices, true);
        const listed = JSON.parse((await mailbotAsync(data, ['outbox', '--failed', '--json'])).stdout) as { id: string; kind: string; error: string }[];
        assert.deepEqual(listed.map((e) => [e.id, e.kind]), [[status.failedReplies[0]?.id, 'batch-result']]);
        assert.match(listed[0]?.error ?? '', /550 .*hmac:/, 'the cause, the address as a keyed hash');
        await new Promise((r) => setTimeout(r, 2000));
        assert.equal(await dovecot.count('compta'), 0, 'not tried again by itself');
        const usage = await mailbotAsync(data, ['resend']);
        assert.equal(usage.status, 2);
        refuse = false;
        const resent = await mailbotAsync(data, ['resend', listed[0]?.id ?? '']);
        assert.equal(resent.status, 0, resent.stderr);
        await waitFor('the reply delivered', async () => ((await dovecot.count('compta')) >= 1 ? true : undefined), 60_000, 250);
        const reply = await simpleParser((await dovecot.messages('compta'))[0]?.source ?? Buffer.alloc(0));
        assert.deepEqual(reply.attachments.filter((a) => a.filename?.endsWith('.pdf')).map((a) => a.filename), ['FA-2026-00001.pdf', 'FA-2026-00002.pdf', 'FA-2026-00003.pdf']);
        assert.equal((await mailbotAsync(data, ['resend', listed[0]?.id ?? ''])).status, 2, 'a reply sent is not resent');
        assert.deepEqual(JSON.parse((await mailbotAsync(data, ['outbox', '--failed', '--json'])).stdout), []);
        const audit = (await mailbotAsync(data, ['log', '--json', '--action', 'reply-requeued'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { actor?: string; actorId?: string });
        assert.equal(audit.length, 1);
        assert.equal(audit[0]?.actor, 'operator:cli');
        assert.match(audit[0]?.actorId ?? '', /^hmac:/);
      } finally {
        await daemon.stop();
      }
    }, { prefix: 'mailbot-faults-', rcpt });
  });

  const noTmpfs = tmpfsSkip();
  it('a full disk pauses the intake without charging the mail, and it is handled once there is room', { skip: noTmpfs || false }, async () => {
    const dir = tempDir('mailbot-enospc-');
    const mount = join(dir.path, 'small');
    mkdirSync(mount);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=40m', 'tmpfs', mount]);
    assert.equal(mounted.status, 0, mounted.stderr?.toString());
    try {
      const data = join(mount, 'data');
      writeFileSync(join(dir.path, 'client.json'), JSON.stringify({ ...sellerInput, emails: [CLIENT] }));
      assert.equal(mailbot(data, ['client', 'add', '--file', join(dir.path, 'client.json')]).status, 0);
      await deliverToMaildir(join(data, 'mailbox'), await compose({ from: CLIENT, to: 'factures@mailbot.localhost', subject: 'Lot', text: 'ci-joint', attachments: [{ filename: 'lot.csv', content: Buffer.from(generateBatchCsv(150, 2)) }] }));
      // Fill the disk but for a few hundred KB: enough to start, not enough for the batch's PDFs.
      const filler = join(mount, 'filler');
      const free = statfsSync(mount);
      const leave = 400 * 1024;
      const fill = Math.max(0, free.bavail * free.bsize - leave);
      spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4096', `count=${Math.floor(fill / 4096)}`], { stdio: 'ignore' });
      // Quite full: a command that must write says what the machine refused, without a stack.
      const last = join(mount, 'last');
      spawnSync('dd', ['if=/dev/zero', `of=${last}`, 'bs=4096'], { stdio: 'ignore' });
      // The store's document is rewritten in place of blocks it already has: a change that needs
      // no new block (a small client) would still commit. This one needs several.
      const emails = Array.from({ length: 200 }, (_, i) => `comptabilite-${i}@autre-client.example`);
      writeFileSync(join(dir.path, 'other.json'), JSON.stringify({ ...sellerInput, id: 'autre-client', emails }));
      const refused = mailbot(data, ['client', 'add', '--file', join(dir.path, 'other.json')]);
      rmSync(last);
      assert.equal(refused.status, 2, refused.stderr);
      assert.match(refused.stderr, /the machine refused \(ENOSPC/);
      assert.doesNotMatch(refused.stderr, /\n\s+at /);
      const daemon = startDaemon(data);
      try {
        await waitFor('the fault named', () => (/not taking new mail/.test(daemon.output()) ? true : undefined), 60_000, 200);
        assert.match(daemon.output(), /"fault":"ENOSPC"/);
        // Shown where the operator looks, with its cause and since when.
        const full = JSON.parse(mailbot(data, ['status', '--json']).stdout) as { daemon: string; faults: { cause: string; since?: string; seenBy: string }[] };
        assert.match(full.daemon, /^paused/);
        assert.ok(full.faults.some((f) => /data directory full \(ENOSPC\)/.test(f.cause) && f.since), JSON.stringify(full.faults));
        assert.ok(full.faults.some((f) => /data directory full/.test(f.cause) && f.seenBy === 'this command'), 'status checks the disk itself');
        // Its retries (after 2 s, then 4 s) are not told again at error level: one line per episode.
        await new Promise((r) => setTimeout(r, 7000));
        const errorLines = daemon.output().split('\n').filter((l) => l.includes('"level":50') && l.includes('not taking new mail'));
        assert.equal(errorLines.length, 1, errorLines.join('\n'));
        rmSync(filler);
        await waitFor('the batch answered once there is room', () => (/"outcome":"invoices-issued"/.test(daemon.output()) ? true : undefined), 120_000, 500).catch((e: unknown) => { process.stderr.write(daemon.output().slice(-6000)); throw e; });
      } finally {
        await daemon.stop();
      }
      const status = JSON.parse(mailbot(data, ['status', '--json']).stdout) as { setAside: unknown[]; outcomes: Record<string, number>; faults: unknown[] };
      assert.deepEqual(status.setAside, [], 'the full disk was not the mail\'s fault');
      assert.equal(status.outcomes['invoices-issued'], 1);
      assert.deepEqual(status.faults, []);
      // A read-only volume: status names it, although nothing can be written there.
      assert.equal(spawnSync('mount', ['-o', 'remount,ro', mount]).status, 0);
      const ro = mailbot(data, ['status', '--json']);
      spawnSync('mount', ['-o', 'remount,rw', mount]);
      assert.ok((JSON.parse(ro.stdout) as { faults: { cause: string }[] }).faults.some((f) => /read-only \(EROFS\)/.test(f.cause)), ro.stdout + ro.stderr);
    } finally {
      spawnSync('umount', ['-l', mount]);
      dir.cleanup();
    }
  });
});
