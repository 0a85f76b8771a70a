/**
 * The PostgreSQL store's staging (store/postgres/staging.ts): a queued
 * reply's message stays in memory until the commit; everything else is a
 * local file, as a caller reading it back by its path needs.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { IN_MEMORY_FILE_BYTES, PgStaging } from '../../src/store/postgres/staging.js';

/** A fresh data directory for `fn`, removed after it. */
async function inDataDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const path = mkdtempSync(join(tmpdir(), 'mailbot-pgstaging-'));
  try {
    await fn(path);
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}

const stagingFolders = (dir: string) => (existsSync(join(dir, '.staging')) ? readdirSync(join(dir, '.staging')) : []);

describe('PostgreSQL staging', () => {
  it('keeps a queued message in memory: no folder, no file, the bytes as written', () =>
    inDataDir(async (dir) => {
      const s = new PgStaging(dir);
      const raw = Buffer.from('From: bot\r\n\r\nBonjour\r\n');
      await s.write('queue/a.eml', raw);
      raw.fill(0); // the caller's buffer may be reused: the staging kept its own copy
      assert.deepEqual(stagingFolders(dir), []);
      assert.deepEqual(s.names, ['queue/a.eml']);
      assert.equal((await s.read('queue/a.eml')).toString(), 'From: bot\r\n\r\nBonjour\r\n');
      assert.throws(() => s.path('queue/a.eml'), { code: 'STAGED_IN_MEMORY' });
      await s.discard();
      assert.deepEqual(stagingFolders(dir), []);
    }));

  it('writes other files, streams and big messages to a private local folder, readable by path, shredded on discard', () =>
    inDataDir(async (dir) => {
      const s = new PgStaging(dir);
      await s.write('queue/small.eml', 'x');
      await s.write('batches/b1/FA-1.pdf', Buffer.from('%PDF-1.7'));
      const big = Buffer.alloc(IN_MEMORY_FILE_BYTES + 1, 0x41);
      await s.write('queue/big.eml', big);
      assert.equal(await s.pipe('queue/streamed.eml', Readable.from([Buffer.from('a'), Buffer.from('b')])), 2);
      assert.deepEqual(s.names, ['queue/small.eml', 'batches/b1/FA-1.pdf', 'queue/big.eml', 'queue/streamed.eml']);
      assert.equal(readFileSync(s.path('batches/b1/FA-1.pdf'), 'utf8'), '%PDF-1.7');
      assert.equal((statSync(s.path('batches/b1/FA-1.pdf')).mode & 0o777).toString(8), '600');
      assert.equal((await s.read('queue/big.eml')).length, big.length);
      assert.equal((await s.read('queue/streamed.eml')).toString(), 'ab');
      assert.equal((await s.read('queue/small.eml')).toString(), 'x');
      assert.equal(stagingFolders(dir).length, 1);
      // Written again under the same name, a file is where its last version is, once.
      await s.write('queue/small.eml', Buffer.alloc(IN_MEMORY_FILE_BYTES + 10, 0x42));
      assert.equal((await s.read('queue/small.eml')).length, IN_MEMORY_FILE_BYTES + 10);
      assert.equal(s.names.filter((n) => n === 'queue/small.eml').length, 1);
      await s.discard();
      assert.deepEqual(stagingFolders(dir), []);
    }));

  it('makes one local folder for files written side by side, and shreds it on discard', () =>
    inDataDir(async (dir) => {
      const s = new PgStaging(dir);
      await Promise.all(Array.from({ length: 8 }, (_, i) => s.write(`batches/b/FA-${i}.pdf`, Buffer.from(`%PDF ${i}`))));
      assert.equal(stagingFolders(dir).length, 1);
      assert.deepEqual((await Promise.all(s.names.map((n) => s.read(n)))).map(String).sort(), Array.from({ length: 8 }, (_, i) => `%PDF ${i}`));
      await s.discard();
      assert.deepEqual(stagingFolders(dir), []);
    }));

  it('refuses a name that is not a stored file name', () =>
    inDataDir(async (dir) => {
      const s = new PgStaging(dir);
      await assert.rejects(s.write('../escape.eml', 'x'), { code: 'BAD_FILE_NAME' });
      await assert.rejects(s.write('queue/../../x', 'x'), { code: 'BAD_FILE_NAME' });
    }));
});
