/**
 * A CSV whose shape would take the process's memory (a 900,000-column header
 * of 7 MB, inside the byte limit), to the real daemon on its embedded mailbox,
 * started as production starts it (the heap cap of bin/mailbot.js), beside
 * innocent mails and a mail past the size limit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import MailComposer from 'nodemailer/lib/mail-composer';
import { simpleParser } from 'mailparser';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { mailbot } from '../helpers/cli.js';
import { NODE_FLAGS } from '../helpers/product.js';
import { tempDir } from '../helpers/tools.js';

const ROOT = join(import.meta.dirname, '..', '..');
const files = (dir: string) => readdirSync(dir).filter((n) => !n.startsWith('.'));

describe('a CSV with too many columns, to the daemon under the production heap cap', () => {
  it('starts the product as npm start and the systemd unit do: by bin/mailbot.js itself, whose flags cap the heap at 192 MB', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.equal(pkg.scripts.start, 'bin/mailbot.js start');
    assert.match(readFileSync(join(ROOT, 'README.md'), 'utf8'), /^ExecStart=\/opt\/mailbot\/bin\/mailbot\.js start$/m);
    assert.ok(NODE_FLAGS.includes('--max-old-space-size=192'));
    const limit = spawnSync(process.execPath, [...NODE_FLAGS, '-p', 'v8.getHeapStatistics().heap_size_limit'], { encoding: 'utf8' });
    const mb = Number(limit.stdout) / 1024 / 1024;
    assert.ok(mb >= 192 && mb < 260, `heap limit ${mb} MB`);
  });

  it('answers the innocent mails, refuses the 900,000-column file and the 26 MB mail with clear errors, and the process ends normally', async () => {
    const dir = tempDir();
    try {
      const data = join(dir.path, 'data');
      assert.equal(mailbot(data, ['demo']).status, 0); // a client and three mails: a good CSV, a CSV with errors, a question
      const wide = `invoice_ref;buyer_name;description;quantity;unit_price;vat_rate;${Array.from({ length: 900_000 }, (_, i) => `co${i}`).join(';')}\nA;Client SAS;Conseil;1;10;20\n`;
      assert.ok(Buffer.byteLength(wide) > 7 * 1024 * 1024);
      const raw = await new MailComposer({
        from: 'Compta Atelier Démo <compta@demo-atelier.example>',
        to: 'factures@mailbot.localhost',
        subject: 'Lot très large',
        text: 'Bonjour, voici le lot.',
        attachments: [{ filename: 'large.csv', content: Buffer.from(wide), contentType: 'text/csv' }],
      })
        .compile()
        .build();
      await deliverToMaildir(join(data, 'mailbox'), raw);
      // And a mail of 26 MB, past limits.messageBytes (25 MB): answered without being parsed.
      const huge = await new MailComposer({
        from: 'Compta Atelier Démo <compta@demo-atelier.example>',
        to: 'factures@mailbot.localhost',
        subject: 'Lot énorme',
        text: 'Bonjour, voici les lots.',
        attachments: [{ filename: 'archive.csv', content: Buffer.alloc(19 * 1024 * 1024, 'invoice_ref;buyer_name\n'), contentType: 'text/csv' }],
      })
        .compile()
        .build();
      assert.ok(huge.length > 25 * 1024 * 1024, `${huge.length} bytes`);
      await deliverToMaildir(join(data, 'mailbox'), huge);

      const run = mailbot(data, ['start', '--once']);
      assert.equal(run.signal, null, run.stderr.slice(-2000));
      assert.equal(run.status, 0, run.stderr.slice(-2000));

      const replies = await Promise.all(files(join(data, 'outbox')).map((f) => simpleParser(readFileSync(join(data, 'outbox', f)))));
      assert.equal(replies.length, 5, 'every mail answered');
      assert.match(replies.find((m) => /Lot énorme/.test(m.subject ?? ''))?.text ?? '', /trop volumineu/);
      assert.ok(replies.some((m) => m.attachments.some((a) => a.filename === 'DEMO-2026-0001.pdf')), 'the good CSV issued its invoices');
      const refusal = replies.find((m) => /Lot très large/.test(m.subject ?? ''));
      assert.match(refusal?.text ?? '', /Ligne 1 : trop de valeurs sur cette ligne : au plus 200 colonnes/);
      const status = JSON.parse(mailbot(data, ['status', '--json']).stdout) as { setAside: unknown[]; inHand: number };
      assert.deepEqual([status.setAside.length, status.inHand], [0, 0], 'nothing set aside, nothing left in hand');
    } finally {
      dir.cleanup();
    }
  });
});
