/** What every command shares: the data directory, its configuration and the store they name. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import { UsageError } from '../core/errors.js';
import { DOC_FILE, HISTORY_FILES } from '../store/embedded/store.js';
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

/**
 * A command that reads or changes what the bot did needs a store that
 * exists: a mistyped --data must not leave a new empty store (and a new
 * audit key) where the operator pointed by mistake. Only `demo` and
 * `client add`, which begin a data directory, and the daemon create one.
 */
export function assertStoreExists(dataDir: string, config: Config): void {
  if (config.store.type !== 'embedded') return; // a shared store is named by its URL; reaching it is the test
  // A journal without its document is a lost store, not none: opening it says so (STORE_MISSING).
  if ([DOC_FILE, ...HISTORY_FILES].some((f) => existsSync(join(dataDir, f)))) return;
  throw new UsageError(`no store in ${dataDir}: is --data (or $MAILBOT_DATA) the daemon's data directory? \`mailbot start\`, \`mailbot demo\` or \`mailbot client add\` begin one`);
}

/** Run a command's work with its store open, closing it whatever happens. */
export async function withStore<T>(opts: GlobalOptions, fn: (store: Store, config: Config) => Promise<T>, explicit?: string, mode: 'existing' | 'create' = 'existing'): Promise<T> {
  const { dataDir, config } = await commandConfig(opts, explicit);
  if (mode === 'existing') assertStoreExists(dataDir, config);
  const store = await open(dataDir, config);
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}
