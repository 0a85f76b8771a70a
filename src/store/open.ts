/**
 * Open the store the configuration names. PostgreSQL's driver is loaded
 * only when it is used: the embedded default (and every command that does
 * not touch a database) starts without it.
 */
import type { Config } from '../config/schema.js';
import { EmbeddedStore } from './embedded/store.js';
import type { Store } from './port.js';

export async function openStore(dataDir: string, config: Pick<Config, 'store' | 'botAddress' | 'operatorAddress'>, env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  const reserved = [config.botAddress, ...(config.operatorAddress ? [config.operatorAddress] : [])];
  if (config.store.type === 'postgres') {
    const { PostgresStore } = await import('./postgres/store.js');
    return PostgresStore.open(dataDir, config.store, env, { reserved });
  }
  return EmbeddedStore.open(dataDir, { reserved });
}
