/**
 * The embedded store's commit log (src/store/embedded/commit-log.ts): a
 * commit appends what it changed; the document is rewritten only at a
 * checkpoint. Each test reads the files as another process would, and
 * breaks them the ways a kill or a restore by hand would.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MailbotError } from '../../src/core/errors.js';
import { readDocument } from '../../src/store/embedded/doc.js';
import { EmbeddedStore } from '../../src/store/embedded/store.js';
import { mailbotAsync } from '../helpers/cli.js';
import { tempDir } from '../helpers/tools.js';

const CLIENT_FILE = join(import.meta.dirname, '..', '..', 'data', 'client.example.json');

/** `n` commits, one after the other, each counting one event under its own key. */
async function commits(store: EmbeddedStore, n: number, tag: string): Promise<void> {
  // An hour's window: none expires while a test waits for the lock a killed process held (30 s until stale).
  for (let i = 0; i < n; i++) await store.transact((tx) => tx.rate.hit(`${tag}${i}`, 3_600_000, 10, Date.now()));
}

/** A test in a data directory of its own, removed after it. */
async function inDataDir(fn: (data: string, docPath: string) => Promise<void>): Promise<void> {
  const dir = tempDir('mailbot-commitlog-');
  try {
    const data = join(dir.path, 'data');
    await fn(data, join(data, 'mailbot.json'));
  } finally {
    dir.cleanup();
  }
}

const rateKeys = async (path: string) => Object.keys((await readDocument(path)).rates).sort();
const logLines = (data: string) => readFileSync(join(data, 'commits.log'), 'utf8').split('\n').filter(Boolean);

describe('the embedded store commit log', () => {
  it('appends a line per commit and leaves the document alone; another reader and another writer see every commit; closing folds the log into the document', () =>
    inDataDir(async (data, docPath) => {
      const store = await EmbeddedStore.open(data);
      const before = readFileSync(docPath);
      await commits(store, 20, 'a');
      assert.deepEqual(readFileSync(docPath), before, 'no commit rewrote the document');
      assert.equal(logLines(data).length, 20);
      assert.equal((await readDocument(docPath)).rates.a19?.times.length, 1, 'a reader reads the document and the log');
      // Another writer takes the last commit into account and adds its own after it.
      const other = await EmbeddedStore.open(data);
      await commits(other, 3, 'b');
      await commits(store, 1, 'c');
      const keys = await rateKeys(docPath);
      assert.equal(keys.length, 24);
      assert.equal((await readDocument(docPath)).commit, 24, 'a commit number each');
      await other.close();
      await store.close();
      assert.equal(statSync(join(data, 'commits.log')).size, 0, 'the log is folded and cut');
      const doc = JSON.parse(readFileSync(docPath, 'utf8')) as { commit: number; rates: Record<string, unknown> };
      assert.equal(doc.commit, 24);
      assert.deepEqual(Object.keys(doc.rates).sort(), keys, 'the document alone holds the whole state');
    }));

  it('a read under way keeps the state it began with while commits change what it reads; the next read sees them', () =>
    inDataDir(async (data, docPath) => {
      const store = await EmbeddedStore.open(data);
      await commits(store, 2, 'a');
      const recent = (tx: Parameters<Parameters<EmbeddedStore['read']>[0]>[0]) => tx.rate.recent('a0', 3_600_000, Date.now());
      const seen = await store.read(async (tx) => {
        const before = await recent(tx);
        // Two commits while the read is under way: one changes the entry it reads, one adds another.
        await store.transact(async (w) => {
          await w.rate.hit('a0', 3_600_000, 10, Date.now());
          await w.rate.hit('n0', 3_600_000, 10, Date.now());
        });
        return [before, await recent(tx), await tx.rate.recent('n0', 3_600_000, Date.now())];
      });
      assert.deepEqual(seen, [1, 1, 0]);
      assert.deepEqual(await store.read(async (tx) => [await recent(tx), await tx.rate.recent('n0', 3_600_000, Date.now())]), [2, 1]);
      // With no read under way, a commit changes the collections in place: the next read sees it all the same.
      await store.transact((w) => w.rate.hit('a0', 3_600_000, 10, Date.now()));
      assert.equal(await store.read(recent), 3);
      assert.equal((await readDocument(docPath)).rates.a0?.times.length, 3);
      await store.close();
    }));

  it('a line cut by a kill is not a commit, and the next commit writes over it', () =>
    inDataDir(async (data, docPath) => {
      const store = await EmbeddedStore.open(data);
      await commits(store, 5, 'a');
      const whole = readFileSync(join(data, 'commits.log'));
      const last = logLines(data).at(-1) ?? '';
      // The process dies inside its append: part of a line, no newline.
      appendFileSync(join(data, 'commits.log'), last.slice(0, last.length - 7).replace('"c":6', '"c":7'));
      assert.equal((await rateKeys(docPath)).length, 5, 'the cut line is not read');
      const next = await EmbeddedStore.open(data);
      await commits(next, 1, 'b');
      assert.deepEqual(readFileSync(join(data, 'commits.log')).subarray(0, whole.length), whole, 'the whole lines are kept');
      assert.equal(logLines(data).length, 6, 'the cut line was written over');
      assert.deepEqual(await rateKeys(docPath), ['a0', 'a1', 'a2', 'a3', 'a4', 'b0']);
      await next.close();
    }));

  it('refuses a log whose damaged line comes before commits the document lacks, and a document restored without its log, and changes neither', () =>
    inDataDir(async (data, docPath) => {
      const logPath = join(data, 'commits.log');
      const store = await EmbeddedStore.open(data);
      const restored = readFileSync(docPath);
      await commits(store, 4, 'a');
      await store.close();
      // Commits 1 to 4 are in the document now; 5 to 8 go to the log.
      const reopened = await EmbeddedStore.open(data);
      await commits(reopened, 4, 'b');
      const good = readFileSync(logPath, 'utf8');
      // A byte changed in the second line: the two lines after it must not be lost.
      const lines = good.split('\n');
      lines[1] = (lines[1] ?? '').replace('"b1"', '"b9"');
      writeFileSync(logPath, lines.join('\n'));
      await assert.rejects(readDocument(docPath), (err: unknown) => err instanceof MailbotError && err.code === 'STORE_INVALID' && /commits\.log/.test(err.message) && /damaged line comes before commit 7/.test(err.message));
      await assert.rejects(EmbeddedStore.open(data), /commits\.log/);
      assert.equal(readFileSync(logPath, 'utf8'), lines.join('\n'), 'left as it is');
      // The document of before the first commits, the log of after them: a gap in the numbers.
      writeFileSync(logPath, good);
      writeFileSync(docPath, restored);
      await assert.rejects(readDocument(docPath), (err: unknown) => err instanceof MailbotError && err.code === 'STORE_INVALID' && /commit 5 follows 0/.test(err.message));
      assert.equal(readFileSync(logPath, 'utf8'), good);
    }));

  it('a process killed between the checkpoint and the clearing of the log loses nothing and applies nothing twice', () =>
    inDataDir(async (data, docPath) => {
      const store = await EmbeddedStore.open(data);
      await commits(store, 5, 'a');
      // A new client is a checkpoint (a commit that changes a client's record): the real command, killed after the document is
      // written, holding the commit lock (the next commit waits until the lock is stale, 30 s).
      const killed = await mailbotAsync(data, ['client', 'add', '--file', CLIENT_FILE], { MAILBOT_FAILPOINT: 'embedded-checkpoint-written' });
      assert.equal(killed.signal, 'SIGKILL', killed.stderr);
      const doc = JSON.parse(readFileSync(docPath, 'utf8')) as { commit: number; clients: Record<string, unknown>; rates: Record<string, unknown> };
      assert.equal(Object.keys(doc.clients).length, 1, 'the document holds the new client');
      assert.equal(Object.keys(doc.rates).length, 5, 'and the logged commits');
      assert.equal(logLines(data).length, 5, 'the log was not cleared');
      // Its lines are older than the document: skipped, and the next commit goes after them.
      const state = await readDocument(docPath);
      assert.equal(state.commit, doc.commit);
      await commits(store, 1, 'b');
      const after = await readDocument(docPath);
      assert.equal(after.commit, doc.commit + 1);
      assert.equal(Object.keys(after.rates).length, 6);
      assert.equal(after.rates.a0?.times.length, 1, 'no commit applied twice');
      assert.equal(Object.keys(after.clients).length, 1);
      await store.close();
      assert.equal(statSync(join(data, 'commits.log')).size, 0);
    }));

  it('a commit that changes a client record folds the log into the document and empties it at once', () =>
    inDataDir(async (data) => {
      const store = await EmbeddedStore.open(data);
      await commits(store, 3, 'claire.dupont@example.org ');
      assert.ok(readFileSync(join(data, 'commits.log'), 'utf8').includes('claire.dupont@example.org'));
      const r = await mailbotAsync(data, ['client', 'add', '--file', CLIENT_FILE]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(statSync(join(data, 'commits.log')).size, 0);
      // A missing document beside a log that holds commits is a lost store, not a new one.
      await commits(store, 1, 'x');
      rmSync(join(data, 'mailbot.json'));
      await assert.rejects(EmbeddedStore.open(data), (err: unknown) => err instanceof MailbotError && err.code === 'STORE_MISSING');
    }));
});
