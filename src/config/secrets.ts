/**
 * The audit key: from the environment variable named in the configuration;
 * without it (the embedded default), a random key is created once in
 * data/secrets/ (0600) so that a fresh checkout runs with no setup.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writePrivateFile } from '../store/files.js';
import { decodeKey } from './load.js';
import type { Config } from './schema.js';

export async function auditKey(dataDir: string, config: Pick<Config, 'audit'>, env: NodeJS.ProcessEnv = process.env): Promise<{ key: Buffer; keyId: string; source: 'env' | 'file' }> {
  const fromEnv = env[config.audit.keyEnv];
  if (fromEnv) return { key: decodeKey(fromEnv), keyId: config.audit.keyId, source: 'env' };
  return { ...(await localAuditSeal(dataDir)), source: 'file' };
}

/**
 * The data directory's own key, made once. Two processes starting together
 * must not each make one (the second would overwrite the first's and break
 * the audit chain): the key is written aside and linked into place, which
 * fails if another process linked first; then both read the one that won.
 */
export async function localAuditSeal(dataDir: string): Promise<{ key: Buffer; keyId: string }> {
  const file = join(dataDir, 'secrets', 'audit.key');
  if (!existsSync(file)) {
    const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await writePrivateFile(aside, randomBytes(32).toString('hex'));
    try {
      await link(aside, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      await unlink(aside).catch(() => undefined);
    }
  }
  return { key: decodeKey(await readFile(file, 'utf8')), keyId: 'local' };
}
