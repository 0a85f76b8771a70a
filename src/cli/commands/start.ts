/**
 * `mailbot start` (npm start): the mail daemon. With no configuration it
 * runs on the embedded mailbox (data/mailbox, a Maildir) and writes replies
 * to data/outbox as .eml files, and says so. One daemon per data directory.
 */
import type { Command } from 'commander';
import { acquireDataLock } from '../../store/lock.js';
import { buildRuntime } from '../../mail/runtime.js';
import { openStore, type GlobalOptions } from '../context.js';

export function registerStartCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('start')
    .description('run the mail daemon')
    .option('--config <file>', 'configuration file (default $MAILBOT_CONFIG or DATA/config.json)')
    .option('--once', 'handle what is in the mailbox now, send the outbox, and exit')
    .action(async (opts: { config?: string; once?: boolean }) => {
      const store = await openStore(globals());
      const lock = await acquireDataLock(store.dataDir, 'daemon');
      const rt = await buildRuntime(store, opts.config ? { config: opts.config } : {}).catch(async (err: unknown) => {
        await lock.release();
        throw err;
      });
      const say = (line: string) => console.log(`mailbot: ${line}`);
      say(`data directory ${store.dataDir}`);
      say(`watching ${rt.source.description}`);
      if (rt.embedded) say('no IMAP configured: running on the local embedded mailbox; put .eml files in its new/ folder, or run `mailbot demo`');
      say(`replies go ${rt.transport.name === 'smtp' ? 'out by SMTP' : `to ${store.dataDir}/outbox as .eml files`}`);
      say(`${store.data.clients.length} client(s) configured`);
      // Signals are taken from the start: one that arrives while connecting still stops cleanly.
      let signalled: (name: string) => void = () => undefined;
      const stopRequested = new Promise<string>((resolve) => (signalled = resolve));
      const onSignal = (name: string) => () => signalled(name);
      process.once('SIGTERM', onSignal('SIGTERM'));
      process.once('SIGINT', onSignal('SIGINT'));
      try {
        await rt.daemon.start();
        if (opts.once) {
          await rt.daemon.drain();
        } else {
          say(`${await stopRequested} received: finishing the current mail`);
        }
        await rt.daemon.stop();
        if (!opts.once) say('stopped');
      } finally {
        await lock.release();
      }
    });
}
