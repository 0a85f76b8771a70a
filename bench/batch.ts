/**
 * The whole batch in a process of its own, so that its peak RSS is the
 * batch's and not the benchmark's: prints {"seconds":…,"rssMb":…,"invoices":…}.
 */
import { join } from 'node:path';
import { runBatch } from '../src/batch/run.js';
import { addClient } from '../src/clients/service.js';
import { EmbeddedStore } from '../src/store/embedded/store.js';
import { sellerInput } from '../test/helpers/sample.js';
import { tempDir } from '../test/helpers/tools.js';
import { generateBatchCsv } from './generate.js';

const invoices = Number(process.argv[2] ?? 1000);
const lines = Number(process.argv[3] ?? 10);
const csv = Buffer.from(generateBatchCsv(invoices, lines), 'utf8');
const dir = tempDir('mailbot-bench-');
try {
  const store = await EmbeddedStore.open(join(dir.path, 'data'));
  await addClient(store, sellerInput, { actor: 'bench' });
  const t0 = performance.now();
  const result = await runBatch(store, { clientId: sellerInput.id, fileName: 'bench.csv', bytes: csv, today: '2026-11-26' }, { actor: 'bench' });
  const seconds = (performance.now() - t0) / 1000;
  if (result.status !== 'issued') throw new Error(`batch ${result.status}`);
  console.log(JSON.stringify({ seconds, rssMb: process.resourceUsage().maxRSS / 1024, invoices: result.invoices.length }));
} finally {
  dir.cleanup();
}
