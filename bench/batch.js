// The whole batch in a process of its own, run as production runs the product: plain node with the
// product's flags and its compiled JavaScript, no TypeScript loader (whose thread and modules would
// add some 30 MB to the peak RSS measured here). Prints {"seconds":…,"cpuSeconds":…,"rssMb":…,
// "invoices":…,"pool":…}: the batch's time, the CPU of every thread of the process, its peak RSS.
//
// Arguments: the checkout whose dist/ runs (bench/run.ts passes this one, then the base commit's,
// built in a worktree), the CSV file, and the seller's JSON (as addClient takes it). Where that
// product has the worker pool, the batch is drawn on it.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [root, csvPath, sellerPath] = process.argv.slice(2).map((a) => resolve(a));
const mod = (path) => import(pathToFileURL(join(root, 'dist', path)).href);
const { runBatch } = await mod('batch/run.js');
const { addClient } = await mod('clients/service.js');
const { EmbeddedStore } = await mod('store/embedded/store.js');
const pool = existsSync(join(root, 'dist', 'work', 'pool.js')) ? (await mod('work/pool.js')).workerPool({ work: { workerMemoryMb: 192, taskSeconds: 300 } }) : undefined;

const seller = JSON.parse(readFileSync(sellerPath, 'utf8'));
const bytes = readFileSync(csvPath);
const dir = mkdtempSync(join(tmpdir(), 'mailbot-bench-'));
try {
  const store = await EmbeddedStore.open(join(dir, 'data'));
  await addClient(store, seller, { actor: 'bench' });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = await runBatch(store, { clientId: seller.id, fileName: 'bench.csv', bytes, today: '2026-11-26', ...(pool ? { work: pool } : {}) }, { actor: 'bench' });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (result.status !== 'issued') throw new Error(`batch ${result.status}: ${JSON.stringify(result.errors?.slice(0, 3))}`);
  await store.close();
  console.log(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, rssMb: process.resourceUsage().maxRSS / 1024, invoices: result.invoices.length, pool: Boolean(pool) }));
} finally {
  await pool?.close();
  rmSync(dir, { recursive: true, force: true });
}
