/**
 * `npm run bench:retention`: what the nightly purge costs on a big history.
 * An embedded store seeded with 50,000 handled mails (5,000 batches, 50,000
 * invoices, 300,000 audit lines; bench/seed.ts), then, as if a year had
 * passed: the dry run, the first purge (every copy, the ledger, the audit
 * trail behind its checkpoint) and the next night's. Printed, never asserted;
 * run it under the daemon's heap cap (`npm run bench:retention` sets it) to
 * see that one purge of a year fits. BENCH_HISTORY changes the size.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateClient } from '../src/clients/record.js';
import { configSchema } from '../src/config/schema.js';
import { planRetention, runRetention, type RetentionReport } from '../src/retention/run.js';
import { openStore } from '../src/store/open.js';
import { sellerInput } from '../test/helpers/sample.js';
import { tempDir } from '../test/helpers/tools.js';
import { seedHistory } from './seed.js';

const MAILS = Number(process.env.BENCH_HISTORY ?? 50_000);
const DAY = 86_400_000;

const counts = (r: RetentionReport) => r.categories.filter((c) => c.count > 0).map((c) => `${c.category} ${c.count.toLocaleString('en-GB')}`).join(', ') || 'nothing';

async function main(): Promise<void> {
  const dir = tempDir('mailbot-retention-bench-');
  try {
    writeFileSync(join(dir.path, 'config.json'), '{}');
    const config = configSchema.parse({});
    const store = await openStore(dir.path, config);
    try {
      await store.transact((tx) => tx.clients.add(validateClient(sellerInput)));
      const seeded = await seedHistory(store, { clientId: String(sellerInput.id), mails: MAILS, auditKey: Buffer.alloc(32, 7) });
      console.log(`retention bench: embedded store with ${MAILS.toLocaleString('en-GB')} handled mails, ${seeded.batches.toLocaleString('en-GB')} batches, ${seeded.invoices.toLocaleString('en-GB')} invoices (heap cap ${process.execArgv.find((a) => a.startsWith('--max-old-space-size')) ?? 'none'})`);
      const year = new Date(Date.now() + 400 * DAY);
      const timed = async (what: string, fn: () => Promise<RetentionReport>) => {
        const t0 = performance.now();
        const r = await fn();
        console.log(`${what.padEnd(20)}${((performance.now() - t0) / 1000).toFixed(2).padStart(7)} s   ${counts(r)}`);
      };
      await timed('dry run', () => planRetention(store, config, year));
      await timed('purge after a year', () => runRetention(store, config, year, (s) => s));
      await timed('the next night', () => runRetention(store, config, new Date(year.getTime() + DAY), (s) => s));
      console.log(`peak RSS            ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB for the whole bench process (seeding included)`);
    } finally {
      await store.close();
    }
  } finally {
    dir.cleanup();
  }
}

await main();
