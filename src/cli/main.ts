/**
 * The `mailbot` command. Every subcommand takes --data DIR (or
 * $MAILBOT_DATA); errors print one clear line and a non-zero exit code:
 * 1 for a rejected input, 2 for a usage or configuration error, 3 for a bug.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.js';
import { MailbotError, UsageError, ValidationError, errorMessage } from '../core/errors.js';
import { isEnvironmentFault } from '../mail/faults.js';
import { setPrivateUmask } from '../store/files.js';
import { registerClientCommands } from './commands/client.js';
import { registerConsoleCommand } from './commands/console.js';
import { registerInvoiceCommand } from './commands/invoice.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerOutboxCommands } from './commands/outbox.js';
import { registerPlatformCommands } from './commands/platform.js';
import { registerStatusCommand } from './commands/status.js';
import { registerOperatorCommands, registerRetryCommand } from './commands/operator.js';
import { registerRequestsCommands } from './commands/requests.js';
import { registerRetentionCommand } from './commands/retention.js';
import { registerStartCommand } from './commands/start.js';
import type { GlobalOptions } from './context.js';

// Files the bot creates are private to its user (invariant 12), whatever the shell's umask.
setPrivateUmask();
// `mailbot log | head`: the reader has what it wanted once it closes the pipe; that is no error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

const program = new Command('mailbot')
  .description('Mail bot of the invoicing studio: Factur-X invoices from CSV batches')
  .option('--data <dir>', 'data directory (default $MAILBOT_DATA or ./data)')
  .showHelpAfterError()
  .exitOverride();
const globals = () => program.opts<GlobalOptions>();

registerStartCommand(program, globals);
registerDemoCommand(program, globals);
registerOperatorCommands(program, globals);
registerPlatformCommands(program, globals);
registerStatusCommand(program, globals);
registerOutboxCommands(program, globals);
registerRetryCommand(program, globals);
registerRequestsCommands(program, globals);
registerClientCommands(program, globals);
registerInvoiceCommand(program, globals);
registerMigrateCommand(program, globals);
registerRetentionCommand(program, globals);
registerConsoleCommand(program, globals);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof ValidationError) {
    const lines = (err.details.issues as string[] | undefined) ?? [err.message];
    console.error(`mailbot: refused, fix these fields:\n${lines.map((l) => `  - ${l}`).join('\n')}`);
    process.exitCode = 2;
  } else if (err instanceof ConfigError) {
    console.error(`mailbot: ${err.message}`);
    process.exitCode = 2;
  } else if (err instanceof UsageError) {
    console.error(`mailbot: ${err.message}`);
    process.exitCode = 2;
  } else if (err instanceof MailbotError) {
    console.error(`mailbot: ${err.message} [${err.code}]`);
    process.exitCode = err.code === 'SELF_CHECK_FAILED' ? 3 : 2;
  } else if (isEnvironmentFault(err)) {
    // A full disk, a read-only volume, too many open files: the machine, not mailbot, needs a hand.
    const e = err as NodeJS.ErrnoException;
    console.error(`mailbot: the machine refused (${e.code ?? 'fault'}${e.path ? ` on ${e.path}` : ''}): ${errorMessage(err)}; free space or fix the volume, then run the command again`);
    process.exitCode = 2;
  } else if (err instanceof SyntaxError || (err as NodeJS.ErrnoException).code === 'ENOENT') {
    console.error(`mailbot: ${errorMessage(err)}`);
    process.exitCode = 2;
  } else {
    console.error('mailbot: unexpected error', err);
    process.exitCode = 3;
  }
}
