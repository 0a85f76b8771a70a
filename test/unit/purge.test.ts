/** Purging mail files by age, by address, and keeping the ones named by Message-ID. */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { headerAddresses, headerMessageId, purgeMessageFiles } from '../../src/mail/purge.js';
import { tempDir } from '../helpers/tools.js';

const mail = (id: string, to: string) => `Message-ID:\r\n <${id}@studio.test>\r\nFrom: factures@studio.test\r\nTo: ${to}\r\nSubject: x\r\n\r\nbody\r\n`;

describe('purging mail files', () => {
  it('reads a folded Message-ID', () => {
    assert.equal(headerMessageId('Subject: a\r\nMessage-Id:\r\n <abc@x>\r\n'), '<abc@x>');
    assert.equal(headerMessageId('Subject: a\r\n'), undefined);
  });

  it('removes the mails about an address up to an instant, except those kept by Message-ID', async () => {
    const dir = tempDir('mailbot-purge-');
    try {
      const folder = join(dir.path, 'Sent');
      mkdirSync(folder);
      const at = Date.parse('2026-11-20T10:00:00Z');
      const put = (name: string, body: string, ms: number) => {
        writeFileSync(join(folder, name), body);
        utimesSync(join(folder, name), new Date(ms), new Date(ms));
      };
      put('code', mail('code', 'jane@example.org'), at - 60_000);
      put('answer', mail('answer', 'jane@example.org'), at - 1000);
      put('other', mail('other', 'bob@example.org'), at - 60_000);
      put('later', mail('later', 'jane@example.org'), at + 60_000);
      const spec = { folders: ['Sent'], addresses: ['Jane@Example.org'], before: new Date(at).toISOString(), keepMessageIds: ['<answer@studio.test>'] };
      const dry = await purgeMessageFiles([{ folder: 'Sent', dirs: [folder] }], spec, true);
      assert.equal(dry[0]?.count, 1);
      assert.equal(readdirSync(folder).length, 4, 'a dry run removes nothing');
      await purgeMessageFiles([{ folder: 'Sent', dirs: [folder] }], spec, false);
      assert.deepEqual(readdirSync(folder).sort(), ['answer', 'later', 'other']);
    } finally {
      dir.cleanup();
    }
  });

  it('reads the addresses of a header block, and a forged long line without backtracking over it', () => {
    const block = `From: "Claire" <Compta@Atelier.test>\r\nTo: a@x.test,\r\n b@y.test\r\nSubject: c@z.test\r\nCc: ${'a'.repeat(200_000)}\r\n`;
    assert.deepEqual([...headerAddresses(block)].sort(), ['a@x.test', 'b@y.test', 'compta@atelier.test']);
  });
});
