/**
 * The embedded store reuses the inodes of staged replies (spares.ts): a
 * promoted staging folder is renamed to the next staging, and a shredded
 * reply's file, zeroed, is written over by the next reply. What a reused
 * file holds is the new reply alone, nothing of the old one stays readable,
 * and what is kept goes when the store closes or its process dies.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { EmbeddedStore } from '../../src/store/embedded/store.js';
import { promote } from '../../src/store/embedded/staging.js';
import { tempDir } from '../helpers/tools.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await sleep(10);
  assert.ok(check(), what);
}

/** Stage one file through a stream (as a composed reply is), and commit it. */
async function queueFile(store: EmbeddedStore, name: string, content: string): Promise<{ stagedIno: number; stagingIno: number }> {
  const staging = await store.files.stage();
  const stagingIno = statSync(dirname(staging.path(name))).ino;
  const bytes = await staging.pipe(name, Readable.from([Buffer.from(content.slice(0, 100)), Buffer.from(content.slice(100))]));
  assert.equal(bytes, content.length);
  const stagedIno = statSync(staging.path(name)).ino;
  await store.transact((tx) => Promise.resolve(tx.files.adopt(staging)));
  return { stagedIno, stagingIno };
}

async function shred(store: EmbeddedStore, name: string): Promise<void> {
  await store.transact((tx) => Promise.resolve(tx.files.shred([name])));
  await until(() => !existsSync(join(store.dataDir, name)), `${name} is shredded`);
}

/** A store on a fresh data directory for one test, closed (closing twice is harmless) and removed after. */
async function withStore(fn: (store: EmbeddedStore, dataDir: string) => Promise<void>): Promise<void> {
  const dir = tempDir('mailbot-spares-');
  try {
    const store = await EmbeddedStore.open(dir.path);
    try {
      await fn(store, dir.path);
    } finally {
      await store.close();
    }
  } finally {
    dir.cleanup();
  }
}

/** The kept folders under .staging and the files in each. */
const kept = (dataDir: string) => readdirSync(join(dataDir, '.staging')).map((f) => ({ folder: f, files: readdirSync(join(dataDir, '.staging', f)) }));

describe('staged replies on reused inodes', () => {
  it('writes the next reply over the last one shredded, cut to its length, and leaves nothing of the old one', async () => {
    await withStore(async (store, dataDir) => {
      const first = 'A'.repeat(3000);
      const a = await queueFile(store, 'queue/a.eml', first);
      const aIno = statSync(join(dataDir, 'queue/a.eml')).ino;
      assert.equal(aIno, a.stagedIno, 'the staged file is the stored one (renamed)');
      await shred(store, 'queue/a.eml');
      // The promoted folder is kept, with the shredded file in it as a spare: zeros, nothing else.
      const folders = kept(dataDir);
      assert.equal(folders.length, 1);
      const [spareName] = folders[0]?.files ?? [];
      assert.match(spareName ?? '', /^\.spare-\d+$/);
      const sparePath = join(dataDir, '.staging', folders[0]?.folder ?? '', spareName ?? '');
      assert.equal(statSync(sparePath).ino, aIno, 'the shredded file is the spare');
      const zeros = readFileSync(sparePath);
      assert.equal(zeros.length, 3000);
      assert.ok(zeros.every((b) => b === 0), 'the spare holds only zeros');

      const keptIno = statSync(join(dataDir, '.staging', folders[0]?.folder ?? '')).ino;
      assert.equal(keptIno, a.stagingIno, 'the folder kept is the one the first reply was staged in');
      const second = 'B'.repeat(1000);
      const b = await queueFile(store, 'queue/b.eml', second);
      assert.equal(b.stagedIno, aIno, 'the next reply is written on the spare');
      assert.equal(b.stagingIno, keptIno, 'in the kept folder, renamed');
      assert.equal(readFileSync(join(dataDir, 'queue/b.eml')).toString(), second, 'the new reply alone, cut to its length');
      assert.equal(await store.files.size('queue/b.eml'), 1000);
      await store.close();
      assert.deepEqual(readdirSync(join(dataDir, '.staging')), [], 'closing removes what was kept');
      assert.equal(readFileSync(join(dataDir, 'queue/b.eml')).toString(), second, 'the stored reply stays');
    });
  });

  it('keeps no spare of a big file: a batch\'s PDF is zeroed and unlinked', async () => {
    await withStore(async (store, dataDir) => {
      await queueFile(store, 'batches/b1/FA-2026-00001.pdf', 'P'.repeat(100_000));
      await shred(store, 'batches/b1/FA-2026-00001.pdf');
      assert.deepEqual(kept(dataDir).flatMap((f) => f.files), [], 'nothing kept of it');
    });
  });

  it('reuses the promoted staging folder itself for the next staging', async () => {
    await withStore(async (store, dataDir) => {
      const one = await queueFile(store, 'queue/one.eml', 'x'.repeat(500));
      const two = await queueFile(store, 'queue/two.eml', 'y'.repeat(500));
      assert.equal(two.stagingIno, one.stagingIno, 'one folder, renamed from staging to staging');
      assert.equal(readFileSync(join(dataDir, 'queue/one.eml')).toString(), 'x'.repeat(500));
      assert.equal(readFileSync(join(dataDir, 'queue/two.eml')).toString(), 'y'.repeat(500));
    });
  });

  it('never keeps a discarded staging, and never writes a spare over a file already staged', async () => {
    await withStore(async (store, dataDir) => {
      await queueFile(store, 'queue/a.eml', 'A'.repeat(2000));
      await queueFile(store, 'queue/a2.eml', 'A'.repeat(2000));
      await shred(store, 'queue/a.eml');
      await shred(store, 'queue/a2.eml');
      assert.equal(kept(dataDir)[0]?.files.length, 2, 'two spares kept');
      const staging = await store.files.stage();
      await staging.pipe('queue/c.eml', Readable.from([Buffer.from('first text of c')]));
      // The same name again: written over in place; the other spare is not renamed over it.
      await staging.pipe('queue/c.eml', Readable.from([Buffer.from('c')]));
      assert.equal(readFileSync(staging.path('queue/c.eml')).toString(), 'c');
      assert.equal(readdirSync(join(staging.path('queue/c.eml'), '..')).length, 2, 'c, and the spare left alone');
      await staging.discard();
      assert.deepEqual(kept(dataDir), [], 'a discarded staging is shredded, not kept');
      // The next staging makes a folder of its own.
      await queueFile(store, 'queue/d.eml', 'D'.repeat(10));
      assert.equal(readFileSync(join(dataDir, 'queue/d.eml')).toString(), 'D'.repeat(10));
    });
  });

  it('leaves spares where they are when a folder is promoted, and removes the folder (a killed process\'s)', async () => {
    const dir = tempDir('mailbot-spares-');
    try {
      const root = join(dir.path, '.staging', '999999-killed');
      mkdirSync(root, { recursive: true });
      writeFileSync(join(root, 'queue~r.eml'), 'the reply');
      writeFileSync(join(root, '.spare-7'), Buffer.alloc(64));
      assert.equal(await promote(dir.path, root), 1);
      assert.equal(readFileSync(join(dir.path, 'queue/r.eml')).toString(), 'the reply');
      assert.ok(!existsSync(root), 'the folder and its spare are gone');
      assert.ok(!existsSync(join(dir.path, '.spare-7')), 'a spare is never stored');
    } finally {
      dir.cleanup();
    }
  });
});
