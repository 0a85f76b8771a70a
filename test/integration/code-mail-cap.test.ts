/**
 * Forged rights requests cannot turn the bot into a mail bomb aimed at the
 * real person: through the real daemon on its embedded mailbox, forged
 * rectifications in a client's name (one of them carrying a DKIM pass for
 * the top-level domain, which must not count as aligned) get at most
 * `limits.unverifiedCodeMailsPerAddressPerDay` code mails to that address a
 * day, across restarts; the others are filed away and counted, and a
 * genuine request is still answered.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import MailComposer from 'nodemailer/lib/mail-composer';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { mailbot, mailbotAsync } from '../helpers/cli.js';
import { BOT, CLIENT, to, World } from '../helpers/gdpr-world.js';
import { postgresSkipReason, privatePostgresForSuite } from '../helpers/postgres.js';
import { sellerInput } from '../helpers/sample.js';
import { tempDir } from '../helpers/tools.js';

const AUTHSERV = 'mx.studio.test';
/** dmarc=fail, and a DKIM pass for `test`: a public suffix, aligned with no client domain (RFC 7489 §3.2). */
const FORGED = { 'Authentication-Results': `${AUTHSERV}; dkim=pass header.d=test; spf=fail smtp.mailfrom=evil.example; dmarc=fail (p=reject) header.from=atelier-dupont.test` };
/** Forged too: no result from our server at all (unverifiable). */
const UNSIGNED = { 'Authentication-Results': 'mx.evil.example; dmarc=pass header.from=atelier-dupont.test' };
const GENUINE = { 'Authentication-Results': `${AUTHSERV}; dkim=pass header.d=mail.atelier-dupont.test; dmarc=pass (p=reject) header.from=atelier-dupont.test` };

interface Line {
  action: string;
  outcome: string;
  sender?: string;
  details?: Record<string, unknown>;
}
const auditLines = (data: string) => readFileSync(join(data, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
const withheld = (data: string) => auditLines(data).filter((e) => e.action === 'reply-withheld' && e.details?.reason === 'unverified-code-mails-per-address-per-day');
const codeMails = (mails: Awaited<ReturnType<World['run']>>) => mails.filter((m) => to(m) === CLIENT && /code ?: [A-Z2-9]{8}/.test(m.text ?? ''));

describe('code mails caused by forged mail', () => {
  it('ten forged rectifications mail the client three codes a day; the rest are filed away and counted; a genuine request is answered', async () => {
    const w = new World({ authservId: AUTHSERV });
    try {
      for (let i = 0; i < 10; i++) await w.send(CLIENT, 'RGPD : rectification', `téléphone : 01 02 03 04 ${String(10 + i)}`, { headers: i % 2 === 0 ? FORGED : UNSIGNED });
      const first = await w.run();
      assert.equal(codeMails(first).length, 3, 'three code mails to the client, no more');
      assert.equal(first.length, 3, 'and nothing else mailed');
      const lines = withheld(w.data);
      assert.equal(lines.length, 7, 'the seven others counted in the audit trail');
      const clientHash = auditLines(w.data).find((e) => e.action === 'received')?.sender ?? assert.fail('the sender hash');
      for (const l of lines) {
        assert.equal(l.outcome, 'ignored');
        assert.equal(l.details?.to, clientHash, 'the address as its keyed hash');
        assert.equal(l.details?.cap, 3);
      }
      assert.ok(!readFileSync(join(w.data, 'audit.log'), 'utf8').includes(CLIENT), 'never the address in clear');
      assert.equal(readdirSync(join(w.data, 'mailbox', '.Ignored', 'cur')).length, 7, 'filed away with forged mail');
      assert.equal(readdirSync(join(w.data, 'mailbox', '.Processed', 'cur')).length, 3);

      // Another run, another process: the day's count is in the store.
      for (let i = 0; i < 2; i++) await w.send(CLIENT, 'RGPD : rectification', `téléphone : 01 02 03 04 ${String(30 + i)}`, { headers: FORGED });
      assert.deepEqual(await w.run(), [], 'nothing more to the client today');
      assert.equal(withheld(w.data).length, 9);

      // The client's own request, authenticated by our server, is answered all the same.
      await w.send(CLIENT, 'RGPD : rectification', 'téléphone : 01 02 03 04 99', { headers: GENUINE });
      const genuine = await w.run();
      assert.equal(codeMails(genuine).length, 1, 'a code mail for the genuine request');
      assert.match(genuine[0]?.text ?? '', /01 02 03 04 99/);
      assert.equal(withheld(w.data).length, 9, 'not counted against the cap');
    } finally {
      w.cleanup();
    }
  });

  it('counts every code a forged request would send (a new address too), and a cap of 0 mails none', async () => {
    const w = new World({ authservId: AUTHSERV, limits: { unverifiedCodeMailsPerAddressPerDay: 1 } });
    try {
      // A forged address change: a code to the client and one to the new address.
      await w.send(CLIENT, 'RGPD : rectification', 'email : nouvelle@atelier-dupont.test', { headers: FORGED });
      const first = await w.run();
      assert.deepEqual(first.map(to).sort(), [CLIENT, 'nouvelle@atelier-dupont.test', 'ops@studio.test'].sort());
      // The client's day is full: the next forged request is filed away whole, nothing mailed to anyone.
      await w.send(CLIENT, 'RGPD : rectification', 'email : autre@atelier-dupont.test', { headers: FORGED });
      assert.deepEqual(await w.run(), []);
      assert.equal(withheld(w.data).length, 1);
      assert.equal((await w.state()).requests[0]?.parties?.some((p) => p.address === 'autre@atelier-dupont.test'), false, 'the filed request changed nothing');
    } finally {
      w.cleanup();
    }
    const none = new World({ authservId: AUTHSERV, limits: { unverifiedCodeMailsPerAddressPerDay: 0 } });
    try {
      await none.send(CLIENT, 'RGPD : accès', 'Je souhaite obtenir une copie de mes données.', { headers: FORGED });
      assert.deepEqual(await none.run(), []);
      assert.equal((await none.state()).requests.length, 0, 'no request opened whose code reaches no one');
      await none.send(CLIENT, 'RGPD : accès', 'Je souhaite obtenir une copie de mes données.', { headers: GENUINE });
      assert.equal(codeMails(await none.run()).length, 1);
    } finally {
      none.cleanup();
    }
  });
});

describe('code mails caused by forged mail, two daemons on one PostgreSQL store', { skip: postgresSkipReason() || false, timeout: 300_000 }, () => {
  const pg = privatePostgresForSuite();

  it('two daemons handling forged rectifications at once mail the client three codes in all', async () => {
    const dir = tempDir('mailbot-code-cap-');
    try {
      const env = { TEST_DB_URL: await pg().database(), MAILBOT_AUDIT_KEY: 'a'.repeat(64) };
      const config = { botAddress: BOT, operatorAddress: 'ops@studio.test', authservId: AUTHSERV, store: { type: 'postgres', urlEnv: 'TEST_DB_URL', leaseSeconds: 5 } };
      const daemons = ['a', 'b'].map((n) => join(dir.path, n));
      for (const data of daemons) {
        mkdirSync(data, { recursive: true });
        writeFileSync(join(data, 'config.json'), JSON.stringify(config));
      }
      writeFileSync(join(dir.path, 'client.json'), JSON.stringify({ ...sellerInput, emails: [CLIENT] }));
      const added = mailbot(daemons[0] ?? '', ['client', 'add', '--file', join(dir.path, 'client.json')], env);
      assert.equal(added.status, 0, added.stderr);
      for (const [d, data] of daemons.entries()) {
        for (let i = 0; i < 6; i++) {
          const raw = await new MailComposer({ from: CLIENT, to: BOT, subject: 'RGPD : rectification', text: `téléphone : 01 02 03 0${d} ${String(10 + i)}`, headers: FORGED }).compile().build();
          await deliverToMaildir(join(data, 'mailbox'), raw);
        }
      }
      const runs = await Promise.all(daemons.map((data) => mailbotAsync(data, ['start', '--once'], env)));
      for (const r of runs) assert.equal(r.status, 0, r.stderr);
      const sent = daemons.flatMap((data) => (existsSync(join(data, 'outbox')) ? readdirSync(join(data, 'outbox')).map((f) => readFileSync(join(data, 'outbox', f), 'utf8')) : []));
      assert.equal(sent.filter((raw) => raw.includes(`To: ${CLIENT}`)).length, 3, 'three code mails in all');
      const ignored = daemons.reduce((n, data) => n + readdirSync(join(data, 'mailbox', '.Ignored', 'cur')).length, 0);
      assert.equal(ignored, 9, 'the nine others filed away');
      const log = mailbot(daemons[0] ?? '', ['log', '--action', 'reply-withheld', '--json'], env);
      assert.equal(log.status, 0, log.stderr);
      assert.equal((log.stdout.match(/unverified-code-mails-per-address-per-day/g) ?? []).length, 9, 'and counted');
    } finally {
      dir.cleanup();
    }
  });
});
