/**
 * `mailbot migrate --to postgres`: copy the embedded store of the data
 * directory into the PostgreSQL database the configuration names (store
 * type "postgres", URL in the environment), then check the copy.
 */
import type { Command } from 'commander';
import { MailbotError } from '../../core/errors.js';
import { commandConfig, type GlobalOptions } from '../context.js';

export function registerMigrateCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('migrate')
    .description('copy the embedded store into PostgreSQL, checked by counts and a checksum of the invoice register')
    .requiredOption('--to <backend>', 'postgres')
    .option('--config <file>', 'configuration file naming the database (store.type "postgres", store.urlEnv)')
    .action(async (f: { to: string; config?: string }) => {
      if (f.to !== 'postgres') throw new MailbotError('BAD_VALUE', '--to: only "postgres" is supported');
      const { dataDir, config } = await commandConfig(globals(), f.config);
      if (config.store.type !== 'postgres') throw new MailbotError('BAD_VALUE', 'the configuration must name the target first: "store": { "type": "postgres", "urlEnv": "MAILBOT_DATABASE_URL" }');
      const { EmbeddedStore } = await import('../../store/embedded/store.js');
      const { PostgresStore } = await import('../../store/postgres/store.js');
      const { migrateToPostgres } = await import('../../store/migrate-to-postgres.js');
      const reserved = [config.botAddress, ...(config.operatorAddress ? [config.operatorAddress] : [])];
      const { auditKey } = await import('../../config/secrets.js');
      const { key, keyId } = await auditKey(dataDir, config);
      const source = await EmbeddedStore.open(dataDir, { reserved, seal: { key, keyId } });
      const target = await PostgresStore.open(dataDir, config.store, process.env, { reserved, seal: { key, keyId } });
      try {
        const r = await migrateToPostgres(source, target, (line) => console.log(`mailbot: ${line}`));
        console.log(`mailbot: copied ${r.clients} client(s), ${r.batches} batch(es) with ${r.invoices} invoice(s), ${r.files} file(s), ${r.requests} request(s), ${r.outbox} queued repl(ies), ${r.mails} mail ledger entries, ${r.auditEntries} audit entries`);
        console.log(`mailbot: verified: same counts on both sides, invoice register SHA-256 ${r.registerSha256}`);
        console.log('mailbot: the daemon now uses PostgreSQL with this configuration; the embedded files stay in the data directory until you remove them');
      } finally {
        await source.close();
        await target.close();
      }
    });
}
