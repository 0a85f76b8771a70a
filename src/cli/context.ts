/** What every command shares: the data directory and the store in it. */
import { Store } from '../store/db.js';
import { resolveDataDir } from '../store/files.js';

export interface GlobalOptions {
  data?: string;
}

export async function openStore(opts: GlobalOptions): Promise<Store> {
  return Store.open(resolveDataDir(opts.data));
}
