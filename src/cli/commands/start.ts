/**
 * `mailbot start` (npm start): the daemon. The mail pipeline that reads the
 * mailbox comes next; for now it reports what it would watch and exits.
 */
import type { Command } from 'commander';
import { recoverStaging } from '../../batch/run.js';
import { withDataLock } from '../../store/lock.js';
import { openStore, type GlobalOptions } from '../context.js';

export function registerStartCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('start')
    .description('run the mail daemon')
    .action(async () => {
      const store = await openStore(globals());
      await withDataLock(store.dataDir, 'daemon', async () => {
        const recovered = await recoverStaging(store);
        console.log(`mailbot: data directory ${store.dataDir}`);
        console.log(`mailbot: ${store.data.clients.length} client(s), ${store.data.batches.length} batch(es) issued`);
        if (recovered.completed + recovered.discarded > 0) console.log(`mailbot: recovered ${recovered.completed} committed and discarded ${recovered.discarded} unfinished batch folder(s)`);
        console.log('mailbot: no mailbox is watched yet: the mail pipeline is not part of this version.');
        console.log('mailbot: meanwhile, issue invoices with `mailbot invoice FILE.csv --client ID`.');
      });
    });
}
