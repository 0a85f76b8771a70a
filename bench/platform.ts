/**
 * `npm run bench:platform`: deposit of a 1,000-invoice batch on the stand-in
 * platform (test/helpers/platform-standin.ts, loopback), with the default
 * concurrency (config `platform.concurrency`): flows per second and the
 * process's peak RSS, from the committed batch to every deposit recorded.
 * The stand-in runs in a process of its own, so the figures are the bot's.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { runBatch } from '../src/batch/run.js';
import { addClient } from '../src/clients/service.js';
import { configSchema } from '../src/config/schema.js';
import { runDeposits } from '../src/platform/deposit.js';
import { TokenSource } from '../src/platform/token.js';
import { EmbeddedStore } from '../src/store/embedded/store.js';
import { workerPool } from '../src/work/pool.js';
import { sellerInput } from '../test/helpers/sample.js';
import { tempDir } from '../test/helpers/tools.js';
import { generateBatchCsv } from './generate.js';

const INVOICES = Number(process.env.BENCH_INVOICES ?? 1000);

if (process.argv[2] === 'standin') {
  const { PlatformStandin } = await import('../test/helpers/platform-standin.js');
  const standin = await new PlatformStandin().start();
  process.send?.({ url: standin.url, tokenUrl: standin.tokenUrl, clientId: standin.clientId, secret: standin.secret });
  process.on('message', (m) => {
    if (m === 'count') process.send?.({ deposits: standin.deposits().length, violations: standin.violations.length });
    if (m === 'stop') void standin.stop().then(() => process.exit(0));
  });
} else {
  const child = fork(import.meta.filename, ['standin'], { execArgv: ['--import', 'tsx'] });
  const info = await new Promise<{ url: string; tokenUrl: string; clientId: string; secret: string }>((resolve) => child.once('message', (m) => resolve(m as never)));
  const ask = () => new Promise<{ deposits: number; violations: number }>((resolve) => {
    child.once('message', (m) => resolve(m as never));
    child.send('count');
  });
  const dir = tempDir('mailbot-bench-platform-');
  const pool = workerPool({ work: { workerMemoryMb: 192, taskSeconds: 300 } });
  try {
    const store = await EmbeddedStore.open(join(dir.path, 'data'));
    await addClient(store, { ...sellerInput, platform: { url: info.url, tokenUrl: info.tokenUrl, clientId: info.clientId, secretEnv: 'BENCH_PA_SECRET', mode: 'deposit' } }, { actor: 'bench' });
    const issued = await runBatch(store, { clientId: sellerInput.id, fileName: 'bench.csv', bytes: Buffer.from(generateBatchCsv(INVOICES, 10)), today: '2026-11-26', work: pool }, { actor: 'bench' });
    if (issued.status !== 'issued') throw new Error(`batch ${issued.status}`);
    const concurrency = configSchema.parse({}).platform.concurrency;
    const t0 = performance.now();
    const report = await runDeposits(store, { tokens: new TokenSource({ BENCH_PA_SECRET: info.secret }), concurrency });
    const seconds = (performance.now() - t0) / 1000;
    const counted = await ask();
    await store.close();
    console.log(`platform deposit   ${INVOICES} invoices in ${seconds.toFixed(2)} s = ${(report.deposited / seconds).toFixed(0)} flows/s (concurrency ${concurrency}, stand-in on loopback in its own process); ${counted.deposits} received, ${counted.violations} request(s) outside the description; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (batch included)`);
  } finally {
    await pool.close();
    child.send('stop');
    dir.cleanup();
  }
}
