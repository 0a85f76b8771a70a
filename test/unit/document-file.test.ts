/**
 * The store's document is replaced at every commit without a new inode
 * (files.ts, replaceKeepingInode): the replace stays atomic, the version it
 * replaced keeps no data, and a reader tells a whole document from a torn one.
 */
import assert from 'node:assert/strict';
import { closeSync, linkSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MailbotError } from '../../src/core/errors.js';
import { replaceKeepingInode } from '../../src/store/files.js';
import { documentText, emptyDoc, readDocument, tornDocument } from '../../src/store/embedded/doc.js';
import { tempDir } from '../helpers/tools.js';

const docAt = (commit: number, note = '') => documentText({ ...emptyDoc(), commit, counters: note ? { [note]: 1 } : {} });

describe('the document replaced in place of a spare inode', () => {
  it('holds the new version after each replace, on an inode that is never the spare, and zeroes the version it replaced', async () => {
    const dir = tempDir('mailbot-docfile-');
    try {
      const path = join(dir.path, 'mailbot.json');
      const spare = join(dir.path, '.mailbot.json.spare');
      await replaceKeepingInode(path, docAt(1, 'client-alpha'));
      // A reader in another process holds the first version open.
      const reader = openSync(path, 'r');
      await replaceKeepingInode(path, docAt(2, 'client-beta'));
      await replaceKeepingInode(path, docAt(3, 'client-gamma'));
      for (let i = 4; i <= 6; i++) {
        await replaceKeepingInode(path, docAt(i));
        assert.notEqual(statSync(path).ino, statSync(spare).ino, 'the spare is an inode of its own');
      }
      assert.equal((JSON.parse(readFileSync(path, 'utf8')) as { commit: number }).commit, 6);
      // Only the live file holds data: the spare is zeros, and what the old reader sees is not a document.
      assert.ok(!readFileSync(spare).some((b) => b !== 0), 'the replaced version is overwritten with zeros');
      const buf = Buffer.alloc(4096);
      const n = readSync(reader, buf, 0, buf.length, 0);
      closeSync(reader);
      assert.ok(!buf.subarray(0, n).toString('utf8').includes('client-alpha'), 'the first version is gone from its inode');
    } finally {
      dir.cleanup();
    }
  });

  it('never writes through a link an interrupted replace left: the live version stays whole until the rename', async () => {
    const dir = tempDir('mailbot-docfile-');
    try {
      const path = join(dir.path, 'mailbot.json');
      await replaceKeepingInode(path, docAt(1, 'before'));
      // Killed between its link and its rename, .next and the live file are one inode; and a spare
      // that is the live file too (a restore by hand made with hard links).
      linkSync(path, join(dir.path, '.mailbot.json.next'));
      rmSync(join(dir.path, '.mailbot.json.spare'), { force: true });
      linkSync(path, join(dir.path, '.mailbot.json.spare'));
      linkSync(path, join(dir.path, '.mailbot.json.other'));
      const live = join(dir.path, '.mailbot.json.other'); // a second name for the live inode, to watch it
      await replaceKeepingInode(path, docAt(2, 'after'));
      assert.equal((JSON.parse(readFileSync(path, 'utf8')) as { commit: number }).commit, 2);
      // The old live inode was kept as the spare and zeroed, never half-written with the new version.
      assert.ok(!readFileSync(live).toString('utf8').includes('after'));
    } finally {
      dir.cleanup();
    }
  });

  it('tells a torn read from a whole one, and refuses a document whose ends stay different', async () => {
    const whole = docAt(7, 'x');
    const newer = docAt(8, 'longer-name-here');
    assert.equal(tornDocument(whole), false);
    // A read that began in version 7 and went on in version 8, or stopped short, or met zeros.
    assert.equal(tornDocument(whole.slice(0, 40) + newer.slice(40)), true);
    assert.equal(tornDocument(whole.slice(0, whole.length - 10)), true);
    assert.equal(tornDocument('\0'.repeat(whole.length)), true);
    // A document written before the end mark existed reads as whole.
    assert.equal(tornDocument(JSON.stringify({ ...emptyDoc(), commit: 3 })), false);

    const dir = tempDir('mailbot-docfile-');
    try {
      const path = join(dir.path, 'mailbot.json');
      writeFileSync(path, whole);
      assert.equal((await readDocument(path)).commit, 7);
      assert.equal('commitEnd' in (await readDocument(path)), false, 'the end mark is not part of the state');
      const spliced = JSON.stringify({ ...(JSON.parse(whole) as object), commitEnd: 9 });
      writeFileSync(path, spliced);
      await assert.rejects(readDocument(path), (err: unknown) => err instanceof MailbotError && err.code === 'STORE_INVALID' && /commit numbers/.test(err.message));
    } finally {
      dir.cleanup();
    }
  });
});
