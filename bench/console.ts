/**
 * `npm run bench:console`: the console's first byte per page on the bench
 * data set (50,000 handled mails, 50,000 invoices, their audit lines; see
 * seed.ts), on each backend. The console runs in this process, as
 * `mailbot console` builds it, and each page is asked for over loopback
 * with a logged-in session: the time to the response's first byte, median
 * of five, and the process's peak RSS. Printed, never asserted.
 *
 * BENCH_HISTORY=5000 scales it down; BENCH_BACKENDS=embedded,postgres.
 */
import { request } from 'node:http';
import pg from 'pg';
import { validateClient } from '../src/clients/record.js';
import { configSchema } from '../src/config/schema.js';
import { startConsole } from '../src/console/start.js';
import { EmbeddedStore } from '../src/store/embedded/store.js';
import type { Store } from '../src/store/port.js';
import { PostgresStore } from '../src/store/postgres/store.js';
import { PrivatePostgres, postgresSkipReason } from '../test/helpers/postgres.js';
import { sellerInput } from '../test/helpers/sample.js';
import { tempDir } from '../test/helpers/tools.js';
import { seedHistory } from './seed.js';

const HISTORY = Number(process.env.BENCH_HISTORY ?? 50_000);
const AUDIT_KEY = 'c4'.repeat(32);
const TARGET_MS = 100;
process.env.MAILBOT_AUDIT_KEY = AUDIT_KEY;

/** One GET with the session cookie: ms to the first byte (the status line), to the last, and the status. */
function firstByte(url: string, cookie: string): Promise<{ ms: number; whole: number; status: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(url, { headers: { cookie } }, (res) => {
      const ms = performance.now() - t0;
      res.resume();
      res.once('end', () => resolve({ ms, whole: performance.now() - t0, status: res.statusCode ?? 0 }));
    });
    req.once('error', reject);
    req.end();
  });
}

function login(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      res.resume();
      const set = res.headers['set-cookie']?.find((c) => c.startsWith('mailbot_session='));
      if (!set) reject(new Error(`login refused: ${res.statusCode ?? 0}`));
      else resolve(set.split(';')[0] ?? '');
    });
    req.once('error', reject);
    req.end();
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function measure(name: string, store: Store, dataDir: string, config: ReturnType<typeof configSchema.parse>): Promise<void> {
  await store.transact((tx) => tx.clients.add(validateClient(sellerInput, new Date('2026-01-01T00:00:00Z'))));
  const seeded = await seedHistory(store, { clientId: sellerInput.id, mails: HISTORY, auditKey: Buffer.from(AUDIT_KEY, 'hex') });
  console.log(`\n${name}: ${seeded.mails.toLocaleString('en-GB')} mails, ${seeded.invoices.toLocaleString('en-GB')} invoices, ${seeded.auditLines.toLocaleString('en-GB')} audit lines (seeded in ${seeded.seconds.toFixed(1)} s)`);
  const running = await startConsole(store, config, dataDir, { port: 0 });
  try {
    const cookie = await login(running.loginUrl());
    // A mail of the middle of the history, for its story page.
    const keys: string[] = [];
    for await (const line of store.auditLinesBackward()) {
      const key = (JSON.parse(line.text) as { mailKey?: string; action: string }).mailKey;
      if (key) keys.push(key);
      if (keys.length > 500) break;
    }
    const pages = ['/', '/mails', `/mails?client=${sellerInput.id}`, '/mails?from=jane%40example.org', '/mails?action=invoices-issued', `/mails/story?key=${encodeURIComponent(keys.at(-1) ?? '')}`, '/invoices', '/requests?all=1', '/retention', '/audit'];
    let peak = process.memoryUsage().rss;
    console.log(`page${' '.repeat(44)}first byte   whole page (medians of 5)   [target: first byte ≤ ${TARGET_MS} ms]`);
    for (const p of pages) {
      const runs: number[] = [];
      const wholes: number[] = [];
      let status = 0;
      for (let i = 0; i < 5; i++) {
        const r = await firstByte(`${running.origin}${p}`, cookie);
        runs.push(r.ms);
        wholes.push(r.whole);
        status = r.status;
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      const ms = median(runs);
      console.log(`${p.slice(0, 46).padEnd(48)}${ms.toFixed(1).padStart(8)} ms ${median(wholes).toFixed(1).padStart(9)} ms   ${status === 200 ? '' : `HTTP ${status} `}${ms <= TARGET_MS ? 'met' : 'NOT MET'}`);
    }
    console.log(`peak RSS of this process (store, console, seeding): ${(peak / 1024 / 1024).toFixed(0)} MB`);
  } finally {
    await running.close();
  }
}

async function main(): Promise<void> {
  const wanted = (process.env.BENCH_BACKENDS ?? 'embedded,postgres').split(',');
  const dir = tempDir('mailbot-consolebench-');
  const seal = { key: Buffer.from(AUDIT_KEY, 'hex'), keyId: 'k1' };
  try {
    if (wanted.includes('embedded')) {
      const dataDir = `${dir.path}/embedded`;
      const store = await EmbeddedStore.open(dataDir, { seal });
      try {
        await measure('embedded store', store, dataDir, configSchema.parse({}));
      } finally {
        await store.close();
      }
    }
    const skip = wanted.includes('postgres') ? postgresSkipReason() : 'not asked for';
    if (skip) {
      if (wanted.includes('postgres')) console.log(`\nPostgreSQL not measured: ${skip}`);
      return;
    }
    const server = new PrivatePostgres();
    await server.start();
    try {
      const admin = new pg.Client({ connectionString: server.url() });
      await admin.connect();
      await admin.query('CREATE DATABASE consolebench');
      await admin.end();
      const env = { BENCH_DB_URL: server.url('consolebench') };
      const storeConfig = { type: 'postgres' as const, urlEnv: 'BENCH_DB_URL', leaseSeconds: 60, poolSize: 8 };
      const dataDir = `${dir.path}/postgres`;
      process.env.BENCH_DB_URL = env.BENCH_DB_URL;
      const store = await PostgresStore.open(dataDir, storeConfig, env, { seal });
      try {
        await measure('PostgreSQL store', store, dataDir, configSchema.parse({ store: storeConfig }));
      } finally {
        await store.close();
      }
    } finally {
      await server.stop();
    }
  } finally {
    dir.cleanup();
  }
}

await main();
