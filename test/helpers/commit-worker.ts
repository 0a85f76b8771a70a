/**
 * A separate process committing to a shared store, for the concurrency
 * tests: `node --import tsx commit-worker.ts <name> <count>` advances the
 * series of the client "shared" by one, `count` times, each in its own
 * transaction with an audit line, renumbering when another process took the
 * number first (as a batch does). Prints how many it committed.
 */
import { MailbotError } from '../../src/core/errors.js';
import { storeFromEnv } from './store-backends.js';

const [name = 'w', countText = '100', mode = 'series'] = process.argv.slice(2);
const store = await storeFromEnv();
if (mode === 'file') {
  // One transaction that stores a file; with $MAILBOT_FAILPOINT set to "<backend>-after-commit",
  // the process is killed right after its commit, before anything that follows it.
  const staging = await store.files.stage();
  await staging.write(`batches/${name}/report.csv`, `written by ${name}`);
  await store.transact((tx) => Promise.resolve(tx.files.adopt(staging)));
  await store.close();
  process.exit(0);
}
let committed = 0;
let conflicts = 0;
for (let i = 0; i < Number(countText); i++) {
  for (;;) {
    const before = await store.read((tx) => tx.series.of('shared'));
    const last = before['S-#']?.last ?? 0;
    try {
      await store.transact(async (tx) => {
        await tx.series.advance('shared', before, { 'S-#': { last: last + 1, lastIssueDate: '2026-12-01' } });
        tx.audit({ time: new Date().toISOString(), action: 'invoices-issued', outcome: 'ok', clientId: 'shared', details: { worker: name, number: last + 1 } });
      });
      committed++;
      break;
    } catch (err) {
      if (!(err instanceof MailbotError && err.code === 'SEQUENCE_MOVED')) throw err;
      conflicts++;
    }
  }
}
await store.close();
console.log(JSON.stringify({ name, committed, conflicts }));
