/**
 * `mailbot console [--port N] [--host H]`: the operator's web console. Its
 * first line of output is a one-time login link, valid five minutes; each
 * Enter on its standard input prints a new one. Ctrl-C stops it.
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { withStore, type GlobalOptions } from '../context.js';

export function registerConsoleCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('console')
    .description('the operator\'s web console on loopback: prints a one-time login link (Enter prints a new one)')
    .option('--port <n>', 'port (default: console.port, or a free one)')
    .option('--host <h>', 'address to listen on (default 127.0.0.1; another one needs console.tls)')
    .action(async (f: { port?: string; host?: string }) => {
      const port = f.port === undefined ? undefined : Number(f.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError(`--port: "${f.port ?? ''}" is not a port number`);
      await withStore(globals(), async (store, config) => {
        const { startConsole } = await import('../../console/start.js');
        const running = await startConsole(store, config, store.dataDir, { ...(f.host ? { host: f.host } : {}), ...(port !== undefined ? { port } : {}) });
        console.log(running.loginUrl());
        console.log(`console on ${running.origin} (loopback only); the link above works once, for 5 minutes; press Enter for a new one, Ctrl-C to stop`);
        process.stdin.on('data', () => console.log(running.loginUrl()));
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        process.stdin.destroy();
        await running.close();
      });
    });
}
