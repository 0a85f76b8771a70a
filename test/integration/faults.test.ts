/**
 * One mail can never stop the bot for everyone, and faults are named with
 * the way out: through the real daemon on its embedded mailbox.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mailbot } from '../helpers/cli.js';
import { CLIENT, CSV, to, World } from '../helpers/gdpr-world.js';
import { tempDir } from '../helpers/tools.js';

const rejected = (w: World) => (existsSync(join(w.data, 'mailbox', '.Rejected', 'cur')) ? readdirSync(join(w.data, 'mailbox', '.Rejected', 'cur')) : []);

describe('one mail cannot stop the bot for everyone', () => {
  it('handles a 10 MB body under the heap cap, beside other mails', async () => {
    const w = new World();
    try {
      const body = `Bonjour,\n${'Ceci est une très longue ligne de texte, répétée. '.repeat(200_000)}\n`;
      await w.send('someone@example.org', 'Un long message', body, { textEncoding: 'quoted-printable' });
      await w.send(CLIENT, 'Question', 'À quoi sert cette adresse ?');
      const mails = await w.run();
      assert.deepEqual(mails.map(to).sort(), [CLIENT, 'someone@example.org'].sort());
    } finally {
      w.cleanup();
    }
  });

  it('charges a worker out of memory to its mail only: the daemon never exits, the mails beside it are answered, the culprit is set aside after its second failure and reported', async () => {
    const w = new World();
    try {
      await w.send(CLIENT, 'Lot', 'ci-joint', { attachments: [{ filename: 'a.csv', content: CSV }] });
      await w.send('jane@example.org', 'Question 1', 'À quoi sert cette adresse ?');
      await w.send(CLIENT, 'Lot lourd', 'ci-joint', { attachments: [{ filename: 'poison.csv', content: readFileSync(join(import.meta.dirname, '..', 'fixtures', 'csv', 'google-sheets.csv')) }] });
      await w.send('jane@example.org', 'Question 2', 'À quoi sert cette adresse ?');
      // Reading poison.csv fills its worker's heap until V8 stops that worker, whenever it is read.
      const oom = { MAILBOT_FAILPOINT: 'batch-plan~poison.csv=oom' };
      for (let run = 0; run < 3; run++) {
        const r = mailbot(w.data, ['start', '--once'], oom);
        assert.equal(r.status, 0, `run ${run}: the daemon went on (${r.signal ?? ''} ${r.stderr.slice(-400)})`);
        if (run === 0) assert.match(r.stderr, /WORKER_OUT_OF_MEMORY/);
      }
      const mails = await w.collect();
      const answers = mails.filter((m) => to(m) !== 'ops@studio.test');
      const lot = answers.find((m) => m.subject === 'Re: Lot');
      assert.ok(lot?.attachments.some((a) => a.contentType === 'application/pdf'), 'the innocent batch issued');
      assert.equal(answers.filter((m) => /Question/.test(m.subject ?? '')).length, 2, 'each question answered');
      assert.equal(rejected(w).length, 1, 'the culprit set aside');
      const operator = mails.find((m) => to(m) === 'ops@studio.test' && /mis de côté/.test(m.subject ?? ''));
      assert.match(operator?.text ?? '', /more than the worker's 192 MB of memory/);
      // The command is given quoted, ready to paste (the key holds a "|").
      const key = /mailbot retry '([^']+)'/.exec(operator?.text ?? '')?.[1] ?? assert.fail('the way out');
      const status = JSON.parse(mailbot(w.data, ['status', '--json']).stdout) as { setAside: { key: string; error: string }[] };
      assert.deepEqual(status.setAside.map((s) => s.key), [key]);

      // Once the cause is fixed (here: the fault gone), `mailbot retry` puts it back and it is handled.
      assert.equal(mailbot(w.data, ['retry', key]).status, 0);
      const again = await w.run();
      assert.deepEqual(again.map((m) => m.subject), ['Re: Lot lourd']);
      assert.ok(again[0]?.attachments.length, 'its invoices issued');
      assert.deepEqual((JSON.parse(mailbot(w.data, ['status', '--json']).stdout) as { setAside: unknown[] }).setAside, []);
    } finally {
      w.cleanup();
    }
  });

  it('never charges a process death to a mail: killed twice in the middle of the same healthy batch, it is issued at the third start, once', async () => {
    const w = new World();
    try {
      await w.send(CLIENT, 'Lot', 'ci-joint', { attachments: [{ filename: 'a.csv', content: CSV }] });
      await w.send('jane@example.org', 'Question', 'À quoi sert cette adresse ?');
      // kill -9 while the batch is in hand, then again while it is handled the second time.
      for (let run = 0; run < 2; run++) {
        const r = mailbot(w.data, ['start', '--once'], { MAILBOT_FAILPOINT: 'batch-render' });
        assert.equal(r.signal, 'SIGKILL', `run ${run} was killed`);
      }
      const r = mailbot(w.data, ['start', '--once']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /handled again/);
      const mails = await w.collect();
      assert.equal(rejected(w).length, 0, 'nothing set aside');
      assert.ok(!mails.some((m) => to(m) === 'ops@studio.test' && /mis de côté/.test(m.subject ?? '')), 'no set-aside notice');
      const lots = mails.filter((m) => m.subject === 'Re: Lot');
      assert.equal(lots.length, 1, 'the batch answered once');
      assert.ok(lots[0]?.attachments.some((a) => a.contentType === 'application/pdf'));
      const status = JSON.parse(mailbot(w.data, ['status', '--json']).stdout) as { setAside: unknown[] };
      assert.deepEqual(status.setAside, []);
    } finally {
      w.cleanup();
    }
  });

  it('tells a client whose mail was set aside, without reading the mail again', async () => {
    const w = new World();
    try {
      await w.send(CLIENT, 'Lot', 'ci-joint', { attachments: [{ filename: 'a.csv', content: CSV }] });
      for (let i = 0; i < 3; i++) mailbot(w.data, ['start', '--once'], { MAILBOT_FAILPOINT: 'batch-render=throw' });
      const mails = await w.collect();
      const told = mails.find((m) => to(m) === CLIENT);
      assert.match(told?.text ?? '', /Nous n'avons pas pu traiter votre message reçu le \d\d\/\d\d\/\d{4}\. L'opérateur du service a été prévenu/);
      assert.ok(mails.some((m) => to(m) === 'ops@studio.test' && /failure injected at batch-render/.test(m.text ?? '')));
    } finally {
      w.cleanup();
    }
  });

  it('without an operator address, check-config and status warn, and a client whose mail was set aside is not told the operator knows', async () => {
    const w = new World({ operatorAddress: undefined });
    try {
      const check = mailbot(w.data, ['check-config']);
      assert.equal(check.status, 0, check.stderr);
      assert.match(check.stdout, /configuration: valid\nwarning: operatorAddress is not set: nobody is mailed the daily digest/);
      assert.match(mailbot(w.data, ['status']).stdout, /warning +operatorAddress is not set/);
      assert.deepEqual((JSON.parse(mailbot(w.data, ['status', '--json']).stdout) as { warnings: string[] }).warnings.map((x) => x.slice(0, 28)), ['operatorAddress is not set: ']);
      await w.send(CLIENT, 'Lot', 'ci-joint', { attachments: [{ filename: 'a.csv', content: CSV }] });
      for (let i = 0; i < 3; i++) mailbot(w.data, ['start', '--once'], { MAILBOT_FAILPOINT: 'batch-render=throw' });
      const mails = await w.collect();
      assert.deepEqual(mails.map(to), [CLIENT], 'nobody else is mailed');
      const text = (mails[0]?.text ?? '').replace(/\s+/g, ' ');
      assert.match(text, /Nous n'avons pas pu traiter votre message reçu le \d\d\/\d\d\/\d{4}\. Il est conservé de côté pour être examiné ; sans nouvelles du studio d'ici quelques jours, écrivez-lui directement : \S+@\S+\./);
      assert.doesNotMatch(text, /prévenu/);
      // With the address set, no warning.
      writeFileSync(join(w.data, 'config.json'), JSON.stringify({ botAddress: 'factures@studio.test', operatorAddress: 'ops@studio.test' }));
      assert.doesNotMatch(mailbot(w.data, ['check-config']).stdout, /warning/);
    } finally {
      w.cleanup();
    }
  });

  it('refuses a store file that is empty, null, {} or of another version, and never starts empty', () => {
    const dir = tempDir();
    try {
      const data = join(dir.path, 'data');
      assert.equal(mailbot(data, ['client', 'add', '--file', join(import.meta.dirname, '..', '..', 'data', 'client.example.json')]).status, 0);
      const doc = join(data, 'mailbot.json');
      const good = readFileSync(doc, 'utf8');
      for (const [text, why] of [['', /not valid JSON/], ['null', /holds null/], ['{}', /schemaVersion is undefined/], [JSON.stringify({ ...JSON.parse(good), schemaVersion: 9 }), /schemaVersion is 9/], [JSON.stringify({ ...JSON.parse(good), clients: undefined }), /clients/]] as const) {
        writeFileSync(doc, text);
        for (const cmd of [['client', 'list'], ['start', '--once']]) {
          const r = mailbot(data, cmd);
          assert.equal(r.status, 2, `${cmd.join(' ')} on ${JSON.stringify(text).slice(0, 30)}`);
          assert.match(r.stderr, why);
          assert.match(r.stderr, /mailbot\.json/);
        }
        assert.equal(readFileSync(doc, 'utf8'), text, 'left as it is');
      }
      // A document whose series stand behind the register (an old backup put back) is refused too.
      writeFileSync(doc, good);
      assert.equal(mailbot(data, ['invoice', join(import.meta.dirname, '..', 'fixtures', 'csv', 'libreoffice-en.csv'), '--client', 'atelier-dupont']).status, 0);
      const issued = readFileSync(doc, 'utf8');
      writeFileSync(doc, JSON.stringify({ ...(JSON.parse(issued) as object), series: {} }));
      const behind = mailbot(data, ['start', '--once']);
      assert.equal(behind.status, 2);
      assert.match(behind.stderr, /series FA-2026-# of atelier-dupont is at 0 but the register holds invoice 2/);
      assert.equal(mailbot(data, ['invoice', join(import.meta.dirname, '..', 'fixtures', 'csv', 'google-sheets.csv'), '--client', 'atelier-dupont']).status, 2, 'no number issued a second time');
      writeFileSync(doc, issued);
      // A lost document with history beside it is not a new store either.
      unlinkSync(doc);
      const lost = mailbot(data, ['client', 'list']);
      assert.equal(lost.status, 2);
      assert.match(lost.stderr, /is missing but batches\.jsonl holds history/);
    } finally {
      dir.cleanup();
    }
  });
});
