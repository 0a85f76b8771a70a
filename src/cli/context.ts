/** What every command shares: the data directory, its configuration and the store they name. */
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { resolveDataDir } from '../store/files.js';
import { openStore as open } from '../store/open.js';
import type { Store } from '../store/port.js';

export interface GlobalOptions {
  data?: string;
}

/**
 * The configuration as the operator's commands need it: the store's place
 * and the bot's own addresses. The mail servers' secrets need not be set.
 */
export async function commandConfig(opts: GlobalOptions, explicit?: string): Promise<{ dataDir: string; config: Config }> {
  const dataDir = resolveDataDir(opts.data);
  return { dataDir, config: await loadConfig(dataDir, explicit, process.env, { secrets: false }) };
}

export async function openStore(opts: GlobalOptions, explicit?: string): Promise<Store> {
  const { dataDir, config } = await commandConfig(opts, explicit);
  return open(dataDir, config);
}

/** Run a command's work with its store open, closing it whatever happens. */
export async function withStore<T>(opts: GlobalOptions, fn: (store: Store, config: Config) => Promise<T>, explicit?: string): Promise<T> {
  const { dataDir, config } = await commandConfig(opts, explicit);
  const store = await open(dataDir, config);
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}
