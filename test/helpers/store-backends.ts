/** The two backends of the store port, opened the same way for the tests that run against both. */
import { join } from 'node:path';
import { EmbeddedStore } from '../../src/store/embedded/store.js';
import { PostgresStore } from '../../src/store/postgres/store.js';
import type { Store } from '../../src/store/port.js';
import { PrivatePostgres, postgresSkipReason } from './postgres.js';
import { tempDir } from './tools.js';

export const RESERVED = ['factures@studio.test', 'ops@studio.test'];

export interface Backend {
  name: 'embedded' | 'postgres';
  skip: string | false;
  /** A new, empty store; `env` tells a child process how to open the same one. */
  fresh(): Promise<{ store: Store; dataDir: string; env: Record<string, string>; reopen(): Promise<Store>; cleanup(): Promise<void> }>;
  setup(): Promise<void>;
  teardown(): Promise<void>;
}

export function embeddedBackend(): Backend {
  return {
    name: 'embedded',
    skip: false,
    setup: () => Promise.resolve(),
    teardown: () => Promise.resolve(),
    async fresh() {
      const dir = tempDir('mailbot-store-');
      const dataDir = join(dir.path, 'data');
      const open = () => EmbeddedStore.open(dataDir, { reserved: RESERVED });
      const store = await open();
      return { store, dataDir, env: { STORE_BACKEND: 'embedded', STORE_DATA: dataDir }, reopen: open, cleanup: () => Promise.resolve(dir.cleanup()) };
    },
  };
}

export function postgresBackend(): Backend {
  const skip = postgresSkipReason();
  let server: PrivatePostgres | undefined;
  return {
    ...postgresBackendOn(() => server),
    skip,
    async setup() {
      if (skip) return;
      server = new PrivatePostgres();
      await server.start();
    },
    async teardown() {
      await server?.stop();
    },
  };
}

/** Stores in a server the caller starts and stops (and may pause, as an outage would). */
export function postgresBackendOn(on: PrivatePostgres | (() => PrivatePostgres | undefined)): Backend {
  return {
    name: 'postgres',
    skip: false,
    setup: () => Promise.resolve(),
    teardown: () => Promise.resolve(),
    async fresh() {
      const server = typeof on === 'function' ? on() : on;
      if (!server) throw new Error('postgres backend not set up');
      const url = await server.database();
      const dir = tempDir('mailbot-store-');
      const dataDir = join(dir.path, 'data');
      const open = () => PostgresStore.open(dataDir, { type: 'postgres', urlEnv: 'TEST_DB_URL', leaseSeconds: 5, poolSize: 6 }, { TEST_DB_URL: url }, { reserved: RESERVED });
      const store = await open();
      return { store, dataDir, env: { STORE_BACKEND: 'postgres', STORE_DATA: dataDir, TEST_DB_URL: url }, reopen: open, cleanup: () => Promise.resolve(dir.cleanup()) };
    },
  };
}

/** In a child process: the store the parent's `env` names. */
export async function storeFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  const dataDir = env.STORE_DATA ?? '';
  if (env.STORE_BACKEND === 'postgres') return PostgresStore.open(dataDir, { type: 'postgres', urlEnv: 'TEST_DB_URL', leaseSeconds: 5, poolSize: 4 }, env, { reserved: RESERVED });
  return EmbeddedStore.open(dataDir, { reserved: RESERVED });
}
