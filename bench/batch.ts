/**
 * The whole batch in a process of its own, so that its peak RSS is the
 * batch's and not the benchmark's: prints {"seconds":…,"cpuSeconds":…,"rssMb":…,"invoices":…} (the CPU of every thread of the process).
 *
 * It runs the compiled product of a checkout (`dist/`, as production runs
 * it): this one by default, or the one given as third argument (bench/run.ts
 * passes the previous commit's, built in a worktree, to print both side by
 * side). Where that product has the worker pool, the batch is drawn on it.
 * A fifth argument "mixed" makes the batch mix every kind of document.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sellerInput } from '../test/helpers/sample.js';
import { tempDir } from '../test/helpers/tools.js';
import { generateBatchCsv, generateMixedCsv } from './generate.js';

interface Product {
  runBatch(this: void, store: unknown, input: Record<string, unknown>, by: { actor: string }): Promise<{ status: string; invoices: unknown[] }>;
  addClient(this: void, store: unknown, input: unknown, by: { actor: string }): Promise<unknown>;
  open(dir: string): Promise<{ close(): Promise<void> }>;
  pool?: { close(): Promise<void> };
}

async function product(root: string): Promise<Product> {
  const mod = async <T>(path: string) => (await import(pathToFileURL(join(root, 'dist', path)).href)) as T;
  const { runBatch } = await mod<Pick<Product, 'runBatch'>>('batch/run.js');
  const { addClient } = await mod<Pick<Product, 'addClient'>>('clients/service.js');
  const embedded = await mod<{ EmbeddedStore: { open(this: void, dir: string): Promise<{ close(): Promise<void> }> } }>('store/embedded/store.js');
  const out: Product = { runBatch, addClient, open: (dir) => embedded.EmbeddedStore.open(dir) };
  if (existsSync(join(root, 'dist', 'work', 'pool.js'))) {
    const { workerPool } = await mod<{ workerPool(this: void, config: { work: { workerMemoryMb: number; taskSeconds: number } }): { close(): Promise<void> } }>('work/pool.js');
    out.pool = workerPool({ work: { workerMemoryMb: 192, taskSeconds: 300 } });
  }
  return out;
}

const invoices = Number(process.argv[2] ?? 1000);
const lines = Number(process.argv[3] ?? 10);
const root = resolve(process.argv[4] || join(import.meta.dirname, '..'));
// "mixed": every kind of document of contract v2 (generate.ts), for a seller with a SEPA creditor id.
const mixed = process.argv[5] === 'mixed';
const csv = Buffer.from(mixed ? generateMixedCsv(invoices, lines) : generateBatchCsv(invoices, lines), 'utf8');
const dir = tempDir('mailbot-bench-');
const p = await product(root);
try {
  const store = await p.open(join(dir.path, 'data'));
  await p.addClient(store, mixed ? { ...sellerInput, sepaCreditorId: 'FR72ZZZ123456' } : sellerInput, { actor: 'bench' });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = await p.runBatch(store, { clientId: sellerInput.id, fileName: 'bench.csv', bytes: csv, today: '2026-11-26', ...(p.pool ? { work: p.pool } : {}) }, { actor: 'bench' });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (result.status !== 'issued') throw new Error(`batch ${result.status}: ${JSON.stringify((result as { errors?: unknown[] }).errors?.slice(0, 3))}`);
  await store.close();
  console.log(JSON.stringify({ seconds, cpuSeconds, rssMb: process.resourceUsage().maxRSS / 1024, invoices: result.invoices.length, pool: Boolean(p.pool) }));
} finally {
  await p.pool?.close();
  dir.cleanup();
}
