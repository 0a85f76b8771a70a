/**
 * The worker pool (work/pool.ts) with real worker threads: a batch drawn on
 * the pool is the batch drawn inline, byte for byte and in the same order;
 * a worker that runs out of memory, throws or hangs fails its task only,
 * with a stable code, and the next task runs on a fresh worker.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateBatchCsv } from '../../bench/generate.js';
import { runBatch } from '../../src/batch/run.js';
import { addClient } from '../../src/clients/service.js';
import { MailbotError } from '../../src/core/errors.js';
import { isEnvironmentFault } from '../../src/mail/faults.js';
import { DEFAULT_LIMITS } from '../../src/csv/read.js';
import { EmbeddedStore } from '../../src/store/embedded/store.js';
import { WorkerPool, type Work } from '../../src/work/pool.js';
import { seller, sellerInput } from '../helpers/sample.js';
import { tempDir } from '../helpers/tools.js';

const NOW = new Date('2026-11-26T10:00:00Z');

async function batchWith(work: Work | undefined, bytes: Buffer) {
  const dir = tempDir('mailbot-pool-');
  try {
    const store = await EmbeddedStore.open(join(dir.path, 'data'));
    await addClient(store, sellerInput, { actor: 'test' });
    const result = await runBatch(store, { clientId: sellerInput.id, fileName: 'lot.csv', bytes, today: '2026-11-26', now: NOW, ...(work ? { work } : {}) }, { actor: 'test' });
    await store.close();
    return result;
  } finally {
    dir.cleanup();
  }
}

const planArgs = (fileName: string, bytes: Uint8Array) => ({ client: seller(), fileName, bytes, today: '2026-11-26', limits: DEFAULT_LIMITS, sequencesBefore: {} });
const code = (err: unknown) => (err instanceof MailbotError ? err.code : String(err));

describe('the worker pool', () => {
  const saved = process.env.MAILBOT_FAILPOINT;
  before(() => {
    // Workers copy the environment when they start: these points fire only on the files named so.
    process.env.MAILBOT_FAILPOINT = undefined;
  });
  after(() => {
    if (saved === undefined) delete process.env.MAILBOT_FAILPOINT;
    else process.env.MAILBOT_FAILPOINT = saved;
  });

  it('draws a batch on every worker with the same numbers, in the same order, and the same PDF bytes as inline', async () => {
    const csv = Buffer.from(generateBatchCsv(40, 3), 'utf8');
    const pool = new WorkerPool({ threads: 2, memoryMb: 128, taskSeconds: 120 });
    try {
      const [inline, pooled] = [await batchWith(undefined, csv), await batchWith(pool, csv)];
      assert.equal(pooled.status, 'issued');
      assert.equal(pooled.invoices.length, 40);
      assert.deepEqual(pooled.invoices.map((i) => [i.ref, i.number, i.seq]), inline.invoices.map((i) => [i.ref, i.number, i.seq]));
      assert.deepEqual(pooled.invoices.map((i) => i.number), Array.from({ length: 40 }, (_, i) => `FA-2026-${String(i + 1).padStart(5, '0')}`));
      assert.deepEqual(pooled.invoices.map((i) => i.pdfSha256), inline.invoices.map((i) => i.pdfSha256), 'the same bytes from the same input');
      assert.deepEqual(pooled.invoices.map((i) => i.totalInclVat), inline.invoices.map((i) => i.totalInclVat));
    } finally {
      await pool.close();
    }
  });

  it('fails only the task whose worker ran out of memory, with its code; the next task in the same slot succeeds', async () => {
    process.env.MAILBOT_FAILPOINT = 'batch-plan~oom.csv=oom';
    const lost: string[] = [];
    const pool = new WorkerPool({ threads: 1, memoryMb: 64, taskSeconds: 120, onWorkerLost: (e) => lost.push(e.code) });
    try {
      const csv = Buffer.from(generateBatchCsv(3, 2), 'utf8');
      await assert.rejects(pool.run('plan', planArgs('oom.csv', csv)), (err) => code(err) === 'WORKER_OUT_OF_MEMORY' && /64 MB/.test((err as Error).message));
      const plan = await pool.run('plan', planArgs('fine.csv', csv));
      assert.equal(plan.numbered?.invoices.length, 3);
      assert.deepEqual(lost, ['WORKER_OUT_OF_MEMORY']);
    } finally {
      await pool.close();
      process.env.MAILBOT_FAILPOINT = undefined;
    }
  });

  it('returns a thrown error with its code and message, keeps the worker, and stops a task that overruns its time', async () => {
    process.env.MAILBOT_FAILPOINT = 'batch-plan~bad.csv=throw';
    const pool = new WorkerPool({ threads: 1, memoryMb: 64, taskSeconds: 1 });
    try {
      const csv = Buffer.from(generateBatchCsv(2, 1), 'utf8');
      await assert.rejects(pool.run('plan', planArgs('bad.csv', csv)), (err) => code(err) === 'WORK_FAILED' && /failure injected at batch-plan/.test((err as Error).message));
      // A typed error of the core keeps its code across the thread boundary.
      await assert.rejects(pool.run('plan', { ...planArgs('pattern.csv', csv), client: { ...seller(), numberPattern: 'no-counter' } }), (err) => code(err) === 'BAD_PATTERN');
      assert.equal((await pool.run('plan', planArgs('ok.csv', csv))).numbered?.invoices.length, 2);
      await pool.close();
      process.env.MAILBOT_FAILPOINT = 'batch-plan~hang.csv=hang';
      const timed = new WorkerPool({ threads: 1, memoryMb: 64, taskSeconds: 1 });
      try {
        await assert.rejects(timed.run('plan', planArgs('hang.csv', csv)), (err) => code(err) === 'WORK_TIMEOUT');
        assert.equal((await timed.run('plan', planArgs('ok.csv', csv))).numbered?.invoices.length, 2, 'a fresh worker took the slot');
      } finally {
        await timed.close();
      }
    } finally {
      await pool.close();
      process.env.MAILBOT_FAILPOINT = undefined;
    }
  });

  it('starts its workers from the compiled product as production does: no loader, no flag of the process, the heap capped all the same', { skip: existsSync(join(import.meta.dirname, '..', '..', 'dist', 'work', 'pool.js')) ? false : 'dist/ is not built (npm ci builds it)' }, () => {
    const dist = join(import.meta.dirname, '..', '..', 'dist');
    const script = `
      const { WorkerPool } = await import(${JSON.stringify(join(dist, 'work', 'pool.js'))});
      const { DEFAULT_LIMITS } = await import(${JSON.stringify(join(dist, 'csv', 'read.js'))});
      const client = JSON.parse(process.argv[1]);
      const bytes = Buffer.from('invoice_ref;buyer_name;buyer_siren;buyer_address;buyer_postcode;buyer_city;description;quantity;unit_price;vat_rate\\nA-1;Client SAS;123456790;1 rue X;75001;Paris;Conseil;1;100;20\\n');
      const pool = new WorkerPool({ threads: 1, memoryMb: 64, taskSeconds: 60 });
      const plan = await pool.run('plan', { client, fileName: 'a.csv', bytes, today: '2026-11-26', limits: DEFAULT_LIMITS, sequencesBefore: {} });
      const docs = await pool.run('render', { client, invoices: plan.numbered.invoices, createdAt: new Date() });
      await pool.close();
      console.log(JSON.stringify({ issues: plan.issues.map((i) => i.code), numbers: plan.numbered.summaries.map((s) => s.number), pdf: Buffer.from(docs[0].pdf).subarray(0, 8).toString('latin1') }));`;
    // The product's own flags (bin/mailbot.js's first line), and no tsx anywhere in the process.
    const r = spawnSync(process.execPath, ['--max-old-space-size=192', '--input-type=module', '-e', script, JSON.stringify(seller())], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim()) as { issues: string[]; numbers: string[]; pdf: string };
    assert.deepEqual(out.issues, []);
    assert.deepEqual(out.numbers, ['FA-2026-00001']);
    assert.equal(out.pdf, '%PDF-1.7');
  });

  it('fails a task whose worker cannot start with WORK_UNAVAILABLE, a fault of the environment that charges no mail', async () => {
    process.env.MAILBOT_FAILPOINT = 'worker-start=throw';
    const lost: string[] = [];
    const pool = new WorkerPool({ threads: 1, memoryMb: 64, taskSeconds: 60, onWorkerLost: (e) => lost.push(e.code) });
    try {
      const csv = Buffer.from(generateBatchCsv(2, 1), 'utf8');
      let failure: unknown;
      await pool.run('plan', planArgs('a.csv', csv)).catch((err: unknown) => (failure = err));
      assert.equal(code(failure), 'WORK_UNAVAILABLE');
      assert.ok(isEnvironmentFault(failure), 'the daemon pauses; the mail is not counted');
      assert.deepEqual(lost, ['WORK_UNAVAILABLE']);
      process.env.MAILBOT_FAILPOINT = undefined;
      assert.equal((await pool.run('plan', planArgs('a.csv', csv))).numbered?.invoices.length, 2, 'a worker that can start takes the slot');
    } finally {
      await pool.close();
      process.env.MAILBOT_FAILPOINT = undefined;
    }
    // The errors a mail's own work gives stay that mail's.
    for (const c of ['WORKER_OUT_OF_MEMORY', 'WORK_TIMEOUT', 'WORKER_FAILED', 'WORK_FAILED']) assert.equal(isEnvironmentFault(new MailbotError(c, c)), false, c);
    assert.equal(isEnvironmentFault(new MailbotError('WORK_FAILED', 'EMFILE', { systemCode: 'EMFILE' })), true, 'a system fault inside a worker');
  });

  it('runs its workers at a lower priority than the main thread, which keeps reading the servers on a busy machine', { skip: process.platform === 'linux' ? false : 'per-thread priorities are read from /proc' }, async () => {
    const nice = (tid: string) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ')[16]);
    const before = new Set(readdirSync('/proc/self/task'));
    const mainNice = nice(String(process.pid));
    const pool = new WorkerPool({ threads: 2, memoryMb: 64, taskSeconds: 60 });
    try {
      const csv = Buffer.from(generateBatchCsv(2, 1), 'utf8');
      await Promise.all([pool.run('plan', planArgs('a.csv', csv)), pool.run('plan', planArgs('b.csv', csv))]);
      const added = readdirSync('/proc/self/task').filter((t) => !before.has(t));
      const reniced = added.filter((t) => nice(t) > mainNice);
      assert.ok(reniced.length >= 2, `two worker threads below the main thread's priority (new threads: ${added.map((t) => `${t}:${nice(t)}`).join(' ')})`);
      assert.equal(nice(String(process.pid)), mainNice, 'the main thread keeps its priority');
    } finally {
      await pool.close();
    }
  });

  it('starts every worker with its first task, so that the drawing after a batch\'s reading finds them all ready', { skip: process.platform === 'linux' ? false : 'worker threads are counted in /proc' }, async () => {
    const nice = (tid: string) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ')[16]);
    const before = new Set(readdirSync('/proc/self/task'));
    const mainNice = nice(String(process.pid));
    // A worker thread lowers its own priority as it starts (see above): those are the pool's threads.
    const workers = () => readdirSync('/proc/self/task').filter((t) => !before.has(t) && nice(t) > mainNice).length;
    const pool = new WorkerPool({ threads: 3, memoryMb: 64, taskSeconds: 60 });
    try {
      assert.equal(workers(), 0, 'an unused pool starts nothing');
      await pool.run('plan', planArgs('a.csv', Buffer.from(generateBatchCsv(2, 1), 'utf8')));
      for (let waited = 0; workers() < 3 && waited < 20_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      assert.equal(workers(), 3, 'one task started the three workers');
    } finally {
      await pool.close();
    }
  });

  it('refuses tasks once closed, and fails those still queued', async () => {
    const lost: string[] = [];
    const pool = new WorkerPool({ threads: 1, memoryMb: 64, taskSeconds: 60, onWorkerLost: (e) => lost.push(e.code) });
    const csv = Buffer.from(generateBatchCsv(2, 1), 'utf8');
    const running = pool.run('plan', planArgs('a.csv', csv));
    const queued = pool.run('plan', planArgs('b.csv', csv));
    const outcomes = Promise.allSettled([running, queued]);
    await pool.close();
    assert.deepEqual((await outcomes).map((o) => (o.status === 'rejected' ? code(o.reason) : o.status)), ['WORK_POOL_CLOSED', 'WORK_POOL_CLOSED']);
    await assert.rejects(pool.run('plan', planArgs('c.csv', csv)), (err) => code(err) === 'WORK_POOL_CLOSED');
    assert.deepEqual(lost, [], 'closing loses no worker');
  });
});
