/**
 * The IMAP source on a real Dovecot: mails asked for together go in one
 * FETCH and each gets its own bytes; a mail gone from the inbox fails alone;
 * copies to Sent, many at once over their own connections, all arrive.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import MailComposer from 'nodemailer/lib/mail-composer';
import { simpleParser } from 'mailparser';
import pino from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { ImapSource } from '../../src/mail/imap.js';
import { BOT, CLIENT, prepareData } from '../helpers/daemon.js';
import { e2eSkipReason, PASSWORD, withMailServers } from '../helpers/mailservers.js';

const skip = e2eSkipReason();
if (skip) console.log(`# SKIPPED the IMAP source against Dovecot: ${skip}`);

const mail = (subject: string) => new MailComposer({ from: CLIENT, to: BOT, subject, text: `Texte de ${subject}` }).compile().build();

describe('the IMAP source, through a real IMAP server', { skip: skip || false, timeout: 120_000 }, () => {
  it('fetches mails asked for together, each its own; a mail gone fails alone; every copy to Sent arrives', async () => {
    await withMailServers(['factures'], async ({ dovecot, smtp, dir }) => {
      const data = join(dir, 'data');
      prepareData(data, dovecot, smtp, {}, null);
      const config = await loadConfig(data, undefined, process.env, { secrets: false });
      for (let i = 0; i < 40; i++) await dovecot.append('factures', await mail(`Courrier ${i}`));
      assert.ok(config.imap);
      const source = new ImapSource(config.imap, { MAILBOT_IMAP_PASSWORD: PASSWORD }, pino({ level: 'silent' }));
      try {
        await source.open();
        const refs = await source.list();
        assert.equal(refs.length, 40);
        // One mail leaves the inbox between the listing and the fetch (another client expunges it).
        const other = dovecot.client('factures');
        await other.connect();
        const lock = await other.getMailboxLock('INBOX');
        await other.messageDelete(String(refs[7]?.key.uid), { uid: true });
        lock.release();
        await other.logout();

        // All asked for at once: more than one FETCH group (32), answered in one go each.
        const results = await Promise.allSettled(refs.map((r) => source.fetch(r)));
        results.forEach((r, i) => {
          if (i === 7) {
            assert.equal(r.status, 'rejected');
            assert.match(String((r).reason), /no longer in the inbox/);
          } else {
            assert.equal(r.status, 'fulfilled', `mail ${i}`);
            assert.match((r).value.toString('utf8'), new RegExp(`Subject: Courrier ${i}\\r\\n`), `mail ${i} got its own bytes`);
          }
        });

        // Twenty copies at once, spread over the Sent connections.
        const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => mail(`Réponse ${i}`)));
        await Promise.all(replies.map((r) => source.saveSent(r)));
        // A copy found again by its Message-ID (the console shows its text); an unknown one is none.
        const id = /^Message-ID: (<[^>]+>)/im.exec(replies[7]?.toString('latin1') ?? '')?.[1] ?? assert.fail('a Message-ID');
        const copy = await source.sentCopy(id);
        assert.equal((await simpleParser(copy ?? Buffer.alloc(0))).subject, 'Réponse 7');
        assert.equal(await source.sentCopy('<nobody@nowhere.test>'), undefined);
      } finally {
        await source.close();
      }
      const sent = await dovecot.messages('factures', 'Sent');
      assert.equal(sent.length, 20);
      assert.deepEqual(new Set(sent.map((m) => m.envelope?.subject)), new Set(Array.from({ length: 20 }, (_, i) => `Réponse ${i}`)));
    }, { prefix: 'mailbot-imapsource-' });
  });
});
