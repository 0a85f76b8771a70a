/**
 * The retention purge of the bot's mail folders on a real Dovecot: mails
 * older than `retention.mails` (by their arrival, INTERNALDATE) are flagged
 * \Deleted and removed with UID EXPUNGE in Processed, Rejected, Ignored and
 * Sent; recent ones and the inbox are left alone. The dry run counts the
 * same mails and removes none.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import MailComposer from 'nodemailer/lib/mail-composer';
import { loadConfig } from '../../src/config/load.js';
import { openStore } from '../../src/store/open.js';
import { mailbot, mailbotAsync } from '../helpers/cli.js';
import { BOT, CLIENT, prepareData } from '../helpers/daemon.js';
import { e2eSkipReason, PASSWORD, withMailServers } from '../helpers/mailservers.js';
import { franchiseInput } from '../helpers/sample.js';

const skip = e2eSkipReason();
if (skip) console.log(`# SKIPPED retention against Dovecot: ${skip}`);

const FOLDERS = ['Processed', 'Rejected', 'Ignored', 'Sent'];
const HELD = 'marie@martin.test';
const DAY = 86_400_000;

const mail = (subject: string) => new MailComposer({ from: CLIENT, to: BOT, subject, text: `Texte de ${subject}` }).compile().build();

interface Report {
  categories: { category: string; count: number; error?: string }[];
}

describe('retention of the mail folders, through a real IMAP server', { skip: skip || false, timeout: 120_000 }, () => {
  it('expunges the old mails of each bot folder, keeps the recent ones and the inbox', async () => {
    await withMailServers(['factures'], async ({ dovecot, smtp, dir }) => {
      const data = join(dir, 'data');
      prepareData(data, dovecot, smtp, { retention: { mails: '60d' } });
      const configPath = join(data, 'config.json');
      const config = JSON.parse(readFileSync(configPath, 'utf8')) as { imap: Record<string, unknown> };
      writeFileSync(configPath, JSON.stringify({ ...config, imap: { ...config.imap, sentFolder: 'Sent' } }));
      const now = Date.now();
      for (const folder of FOLDERS) {
        await dovecot.append('factures', await mail(`${folder} ancien`), folder, new Date(now - 61 * DAY));
        await dovecot.append('factures', await mail(`${folder} limite`), folder, new Date(now - 59 * DAY));
        await dovecot.append('factures', await mail(`${folder} récent`), folder, new Date(now - DAY));
      }
      await dovecot.append('factures', await mail('INBOX ancien'), 'INBOX', new Date(now - 400 * DAY));
      // A second client, under restriction (GDPR Art. 18): its old mail stays while it holds.
      writeFileSync(join(dir, 'held.json'), JSON.stringify({ ...franchiseInput, emails: [HELD] }));
      assert.equal(mailbot(data, ['client', 'add', '--file', join(dir, 'held.json')]).status, 0);
      const loaded = await loadConfig(data, undefined, process.env, { secrets: false });
      const store = await openStore(data, loaded);
      await store.transact(async (tx) => {
        const c = await tx.clients.get(String(franchiseInput.id));
        if (c) await tx.clients.put({ ...c, restricted: { since: new Date().toISOString(), ref: 'RGPD-2026-0001' } });
      });
      await store.close();
      await dovecot.append('factures', await new MailComposer({ from: HELD, to: BOT, subject: 'Processed gardé', text: 'limitation' }).compile().build(), 'Processed', new Date(now - 61 * DAY));
      const env = { MAILBOT_IMAP_PASSWORD: PASSWORD };

      const dry = await mailbotAsync(data, ['retention', '--dry-run', '--json'], env);
      assert.equal(dry.status, 0, dry.stderr);
      const planned = (JSON.parse(dry.stdout) as Report).categories.filter((c) => c.category.startsWith('mailbox:'));
      assert.deepEqual(planned.map((c) => [c.category, c.count]), FOLDERS.map((f) => [`mailbox:${f}`, 1]));
      for (const folder of FOLDERS) assert.equal(await dovecot.count('factures', folder), folder === 'Processed' ? 4 : 3, `the dry run removed nothing from ${folder}`);

      const run = await mailbotAsync(data, ['retention', 'run', '--json'], env);
      assert.equal(run.status, 0, run.stderr + run.stdout);
      const done = (JSON.parse(run.stdout) as Report).categories.filter((c) => c.category.startsWith('mailbox:'));
      assert.deepEqual(done.map((c) => [c.category, c.count, c.error]), FOLDERS.map((f) => [`mailbox:${f}`, 1, undefined]));
      for (const folder of FOLDERS) {
        const subjects = (await dovecot.messages('factures', folder)).map((m) => m.envelope?.subject).sort();
        const expected = [`${folder} limite`, `${folder} récent`, ...(folder === 'Processed' ? ['Processed gardé'] : [])].sort();
        assert.deepEqual(subjects, expected, `${folder}: the old mail is expunged, the others stay (and the restricted client's)`);
      }
      assert.equal(await dovecot.count('factures', 'INBOX'), 1, 'the inbox is never purged');
      const log = await mailbotAsync(data, ['log', '--json', '--action', 'retention-run,mails-purged'], env);
      const lines = log.stdout.trim().split('\n').map((l) => JSON.parse(l) as { action: string; actor?: string; details: Record<string, unknown> });
      assert.deepEqual(lines.map((l) => l.action), ['retention-run', 'mails-purged']);
      assert.equal(lines[0]?.actor, 'operator:cli', 'run by hand, the purge names the operator');
      assert.equal(lines[1]?.details.count, 4);
    }, { prefix: 'mailbot-retention-imap-' });
  });
});
