/**
 * The audit key: from the environment variable named in the configuration;
 * without it (the embedded default), a random key is created once in
 * data/secrets/ (0600) so that a fresh checkout runs with no setup.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writePrivateFile } from '../store/files.js';
import { decodeKey } from './load.js';
import type { Config } from './schema.js';

export async function auditKey(dataDir: string, config: Config, env: NodeJS.ProcessEnv = process.env): Promise<{ key: Buffer; keyId: string; source: 'env' | 'file' }> {
  const fromEnv = env[config.audit.keyEnv];
  if (fromEnv) return { key: decodeKey(fromEnv), keyId: config.audit.keyId, source: 'env' };
  const file = join(dataDir, 'secrets', 'audit.key');
  if (!existsSync(file)) await writePrivateFile(file, randomBytes(32).toString('hex'));
  return { key: decodeKey(await readFile(file, 'utf8')), keyId: 'local', source: 'file' };
}
