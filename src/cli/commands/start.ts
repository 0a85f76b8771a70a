/**
 * `mailbot start` (npm start): the mail daemon. With no configuration it
 * runs on the embedded mailbox (data/mailbox, a Maildir) and writes replies
 * to data/outbox as .eml files, and says so. One daemon per data directory.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { resolveDataDir } from '../../store/files.js';
import { acquireDataLock } from '../../store/lock.js';
import { openStore } from '../../store/open.js';
import type { GlobalOptions } from '../context.js';

export function registerStartCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('start')
    .description('run the mail daemon')
    .option('--config <file>', 'configuration file (default $MAILBOT_CONFIG or DATA/config.json)')
    .option('--once', 'handle what is in the mailbox now, send the outbox, and exit')
    .option('--timeout <seconds>', 'with --once: give up when the mail server cannot be reached for this long', '60')
    .action(async (opts: { config?: string; once?: boolean; timeout: string }) => {
      const dataDir = resolveDataDir(globals().data);
      // The whole configuration, secrets included, is checked before anything starts (invariant 14).
      const config = await loadConfig(dataDir, opts.config);
      const lock = await acquireDataLock(dataDir, 'daemon');
      let store: Awaited<ReturnType<typeof openStore>> | undefined;
      try {
        store = await openStore(dataDir, config);
        await store.check();
        const { buildRuntime } = await import('../../mail/runtime.js');
        const rt = await buildRuntime(store, config);
        const say = (line: string) => console.log(`mailbot: ${line}`);
        say(`data directory ${dataDir}; store ${store.backend}`);
        say(`watching ${rt.source.description}`);
        if (rt.embedded) say('no IMAP configured: running on the local embedded mailbox; put .eml files in its new/ folder, or run `mailbot demo`');
        if (rt.embedded) say('the embedded mailbox is a local drop: its senders are not authenticated, so whoever can write into it is trusted as the From it gives');
        else if (!config.authservId) say('WARNING: trustUnauthenticatedSenders is set: a forged From is taken at its word');
        say(`replies go ${rt.transport.name === 'smtp' ? 'out by SMTP' : `to ${dataDir}/outbox as .eml files`}`);
        say(`${(await store.stats()).clients} client(s) configured`);
        // Signals are taken from the start: one that arrives while connecting still stops cleanly.
        let signalled: (name: string) => void = () => undefined;
        const stopRequested = new Promise<string>((resolve) => (signalled = resolve));
        const onSignal = (name: string) => () => signalled(name);
        process.once('SIGTERM', onSignal('SIGTERM'));
        process.once('SIGINT', onSignal('SIGINT'));
        try {
          await rt.daemon.start(opts.once ? { connectDeadlineMs: Number(opts.timeout) * 1000 } : {});
        } catch (err) {
          // Nothing keeps trying in the background: the source and the transport close before the error is told.
          await rt.source.close().catch(() => undefined);
          rt.transport.close();
          await rt.work.close();
          throw err;
        }
        if (opts.once) {
          await rt.daemon.drain();
        } else {
          say(`${await stopRequested} received: finishing the mails in hand`);
        }
        await rt.daemon.stop();
        await rt.work.close();
        if (!opts.once) say('stopped');
      } finally {
        await store?.close();
        await lock.release();
      }
    });
}
