/**
 * Open the store the configuration names. PostgreSQL's driver is loaded
 * only when it is used: the embedded default (and every command that does
 * not touch a database) starts without it.
 */
import type { Config } from '../config/schema.js';
import { auditKey } from '../config/secrets.js';
import { EmbeddedStore } from './embedded/store.js';
import type { Store } from './port.js';

export async function openStore(dataDir: string, config: Pick<Config, 'store' | 'botAddress' | 'operatorAddress' | 'audit'>, env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  const reserved = [config.botAddress, ...(config.operatorAddress ? [config.operatorAddress] : [])];
  // The audit trail is chained with the key its identities are hashed with.
  const { key, keyId } = await auditKey(dataDir, config, env);
  const seal = { key, keyId };
  if (config.store.type === 'postgres') {
    const { PostgresStore } = await import('./postgres/store.js');
    return PostgresStore.open(dataDir, config.store, env, { reserved, seal });
  }
  return EmbeddedStore.open(dataDir, { reserved, seal });
}
