// CSV read + validate in a worker thread under the worker pool's own heap limits, as production reads
// every CSV (the pool's plan task): plain JavaScript, the compiled product, no TypeScript loader.
// workerData: { root, csv (bytes), client, today, runs }; posts the time of each run in ms, the first
// one (JIT still cold) included.
import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const { root, csv, client, today, runs } = workerData;
const mod = (path) => import(pathToFileURL(join(root, 'dist', path)).href);
const { DEFAULT_LIMITS, readCsv } = await mod('csv/read.js');
const { recordsToDrafts } = await mod('csv/rows.js');
const bytes = new Uint8Array(csv);
const times = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const drafts = recordsToDrafts(await readCsv(bytes), client, today, DEFAULT_LIMITS).drafts;
  times.push(performance.now() - t0);
  if (drafts.length === 0) throw new Error('no drafts read');
}
parentPort.postMessage(times);
