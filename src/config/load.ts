/** Read, validate and complete the configuration; every problem names its field and the fix. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MailbotError } from '../core/errors.js';
import { configSchema, type AuthConfig, type Config } from './schema.js';

export class ConfigError extends MailbotError {
  constructor(readonly problems: string[]) {
    super('CONFIG_INVALID', `configuration invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { problems });
    this.name = 'ConfigError';
  }
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

export function configPath(dataDir: string, explicit?: string): string {
  return explicit ?? process.env.MAILBOT_CONFIG ?? join(dataDir, 'config.json');
}

/**
 * No file means the embedded defaults: local Maildir, outbox folder. With
 * `secrets: false` (the operator's commands other than `start` and
 * `check-config`), the variables holding the mail servers' secrets need not
 * be set: those commands never log in.
 */
export async function loadConfig(dataDir: string, explicit?: string, env: NodeJS.ProcessEnv = process.env, options: { secrets?: boolean } = {}): Promise<Config> {
  const checkSecrets = options.secrets ?? true;
  const path = configPath(dataDir, explicit);
  let raw: unknown = {};
  if (existsSync(path)) {
    try {
      raw = JSON.parse(await readFile(path, 'utf8'));
    } catch (err) {
      throw new ConfigError([`${path}: not valid JSON (${(err as Error).message})`]);
    }
  } else if (explicit) {
    throw new ConfigError([`${path}: no such file`]);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  const config = parsed.data;
  const problems: string[] = [];
  const checkAuth = (where: string, auth: AuthConfig | undefined) => {
    if (!auth) return;
    const vars = auth.type === 'password' ? [auth.passwordEnv] : [auth.refreshTokenEnv, auth.clientSecretEnv].filter((v): v is string => Boolean(v));
    if (checkSecrets) for (const v of vars) if (!env[v]) problems.push(`${where}.auth: environment variable ${v} is not set`);
  };
  if (config.imap) {
    checkAuth('imap', config.imap.auth);
    if (config.imap.security === 'plain' && !LOOPBACK.test(config.imap.host)) {
      problems.push(`imap.security: "plain" is only allowed on a loopback host, not ${config.imap.host}; use "tls" or "starttls"`);
    }
    if (!config.smtp) problems.push('smtp: required when imap is set (replies must leave by SMTP)');
    if (!config.authservId && !config.trustUnauthenticatedSenders) {
      problems.push(
        'authservId: not set, so any sender could put a client\'s address in From and have invoices issued in its name. Set it to the authserv-id your mail server writes in Authentication-Results (e.g. "mx.studio.example"), or set "trustUnauthenticatedSenders": true to accept that risk knowingly',
      );
    }
  }
  if (config.smtp) {
    checkAuth('smtp', config.smtp.auth);
    if (config.smtp.security === 'plain' && !LOOPBACK.test(config.smtp.host)) {
      problems.push(`smtp.security: "plain" is only allowed on a loopback host, not ${config.smtp.host}; use "tls" or "starttls"`);
    }
  }
  if (config.store.type === 'postgres' && checkSecrets && !env[config.audit.keyEnv]) {
    problems.push(`audit.keyEnv: with a shared PostgreSQL store, ${config.audit.keyEnv} must be set, and the same on every daemon, so that identities hash alike in the one audit trail`);
  }
  if (config.store.type === 'postgres' && !env[config.store.urlEnv]) problems.push(`store.urlEnv: environment variable ${config.store.urlEnv} is not set (postgresql://user:password@host:port/database)`);
  const key = env[config.audit.keyEnv];
  if (key !== undefined && decodeKey(key).length < 32) problems.push(`audit: ${config.audit.keyEnv} must hold at least 32 bytes (hex or base64)`);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

export function decodeKey(text: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-f]+$/i.test(t) && t.length % 2 === 0) return Buffer.from(t, 'hex');
  return Buffer.from(t, 'base64');
}
