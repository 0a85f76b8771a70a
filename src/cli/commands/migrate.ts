/**
 * `mailbot migrate --to postgres`: copy the embedded store of the data
 * directory into the PostgreSQL database the configuration names (store
 * type "postgres", URL in the environment), check the copy, and fence the
 * embedded store so that it never numbers an invoice again (invariant 24).
 *
 * The audit trail moves with the key that sealed it: the PostgreSQL daemons
 * seal with the key of `audit.keyEnv` under the id `audit.keyId`, so the
 * copy is refused unless that key and id verify the whole embedded trail.
 * Then the configuration this command names starts, and `log --verify`
 * passes on the copy.
 */
import type { Command } from 'commander';
import { MailbotError } from '../../core/errors.js';
import { decodeKey } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { acquireDataLock } from '../../store/lock.js';
import { commandConfig, type GlobalOptions } from '../context.js';

export function registerMigrateCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('migrate')
    .description('copy the embedded store into PostgreSQL, checked by counts and a checksum of the invoice register; the embedded store then refuses every write')
    .requiredOption('--to <backend>', 'postgres')
    .option('--config <file>', 'configuration file naming the database (store.type "postgres", store.urlEnv)')
    .action(async (f: { to: string; config?: string }) => {
      if (f.to !== 'postgres') throw new MailbotError('BAD_VALUE', '--to: only "postgres" is supported');
      const { dataDir, config } = await commandConfig(globals(), f.config);
      if (config.store.type !== 'postgres') throw new MailbotError('BAD_VALUE', 'the configuration must name the target first: "store": { "type": "postgres", "urlEnv": "MAILBOT_DATABASE_URL" }');
      const say = (line: string) => console.log(`mailbot: ${line}`);
      // No daemon of this data directory may commit while its store is copied.
      const lock = await acquireDataLock(dataDir, 'migrate');
      try {
        await migrate(dataDir, config, say);
      } finally {
        await lock.release();
      }
    });
}

async function migrate(dataDir: string, config: Config, say: (line: string) => void): Promise<void> {
  if (config.store.type !== 'postgres') return;
  const { EmbeddedStore } = await import('../../store/embedded/store.js');
  const { PostgresStore } = await import('../../store/postgres/store.js');
  const { migrateToPostgres, registerDigest, targetName } = await import('../../store/migrate-to-postgres.js');
  const { verifyTrail } = await import('../../audit/verify.js');
  const { LEGACY_UNSEALED } = await import('../../audit/legacy.js');
  const reserved = [config.botAddress, ...(config.operatorAddress ? [config.operatorAddress] : [])];
  const seal = targetSeal(dataDir, config);
  const source = await EmbeddedStore.open(dataDir, { reserved, seal });
  try {
    const fence = await source.movedTo();
    if (fence?.state === 'moved') throw new MailbotError('STORE_MOVED', `this data directory's store was already moved to PostgreSQL (${fence.target}) on ${fence.at}`);
    const trail = await verifyTrail(source, seal);
    if (trail.problem?.code === LEGACY_UNSEALED) {
      throw new MailbotError('MIGRATION_AUDIT_UNSEALED', `the audit trail holds lines written before the chain began: read them, seal them once with \`mailbot log --seal-legacy\` (with the embedded configuration), then run this command again`);
    }
    if (!trail.ok) {
      const at = trail.problem ? ` (line ${trail.problem.position}: ${trail.problem.problem})` : '';
      throw new MailbotError('MIGRATION_AUDIT_KEY', `the key in ${config.audit.keyEnv} with audit.keyId "${config.audit.keyId}" does not verify this data directory's audit trail${at}. The PostgreSQL daemons must seal with the key that sealed it. If ${config.audit.keyEnv} was never set for the embedded store, its key is the data directory's own: export ${config.audit.keyEnv}="$(cat ${dataDir}/secrets/audit.key)" and set "audit": { "keyId": "local" } in the configuration, then run this command again`);
    }
    const target = await PostgresStore.open(dataDir, config.store, process.env, { reserved, seal });
    const where = targetName(process.env[config.store.urlEnv] ?? '');
    try {
      // Fenced before the copy: a transaction of another process either is in the copy or is refused.
      await source.setMovedTo({ backend: 'postgres', state: 'moving', at: new Date().toISOString(), target: where });
      let sha256: string;
      const [from, to] = await Promise.all([registerDigest(source), registerDigest(target)]);
      if (fence?.state === 'moving' && to.clients + to.batches > 0 && from.sha256 === to.sha256 && from.invoices === to.invoices) {
        // An earlier run committed its copy and stopped before fencing: the copy is whole (one transaction).
        sha256 = to.sha256;
        say(`an earlier migration's copy is in PostgreSQL and matches this store (${to.invoices} invoice(s), register SHA-256 ${to.sha256})`);
      } else {
        let r;
        try {
          r = await migrateToPostgres(source, target, say);
        } catch (err) {
          // Nothing was copied (one transaction) or the copy differs: this store stays the one in use.
          const now = await registerDigest(target).catch(() => undefined);
          if (now && now.clients + now.batches === 0) await source.setMovedTo(undefined);
          throw err;
        }
        sha256 = r.registerSha256;
        say(`copied ${r.clients} client(s), ${r.batches} batch(es) with ${r.invoices} invoice(s), ${r.files} file(s), ${r.requests} request(s), ${r.outbox} queued repl(ies), ${r.mails} mail ledger entries, ${r.auditEntries} audit entries`);
        say(`verified: same counts on both sides, invoice register SHA-256 ${r.registerSha256}`);
      }
      const { auditEntry } = await import('../../audit/trail.js');
      await target.transact((tx) => Promise.resolve(tx.audit(auditEntry({ action: 'store-migrated', outcome: 'ok', details: { from: 'embedded', registerSha256: sha256, operator: 'cli' } }))));
      await source.setMovedTo({ backend: 'postgres', state: 'moved', at: new Date().toISOString(), target: where, registerSha256: sha256 });
      say(`the embedded store is fenced: it refuses every write and names ${where}`);
      say(`the daemon now uses PostgreSQL with this configuration and ${config.audit.keyEnv} as set now (audit.keyId "${config.audit.keyId}"): the same key on every daemon`);
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/** The seal the PostgreSQL daemons will use: the environment's key, never the data directory's file. */
function targetSeal(dataDir: string, config: Config): { key: Buffer; keyId: string } {
  const value = process.env[config.audit.keyEnv];
  if (!value) {
    throw new MailbotError(
      'MIGRATION_AUDIT_KEY',
      `${config.audit.keyEnv} is not set: PostgreSQL daemons seal the audit trail with it, and it must be the key that sealed this data directory's trail. If it was never set for the embedded store, that key is the data directory's own: export ${config.audit.keyEnv}="$(cat ${dataDir}/secrets/audit.key)" and set "audit": { "keyId": "local" } in the configuration`,
    );
  }
  return { key: decodeKey(value), keyId: config.audit.keyId };
}
