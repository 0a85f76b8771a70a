/**
 * OAuth2 access tokens for IMAP and SMTP (XOAUTH2 / OAUTHBEARER), from a
 * refresh token and the provider's token endpoint (RFC 6749 §6). A new token
 * is fetched a minute before the old one expires; a rotated refresh token is
 * persisted (0600) so the next start uses it.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MailbotError } from '../core/errors.js';
import type { AuthConfig } from '../config/schema.js';
import { writePrivateFile } from '../store/files.js';

type OAuthConfig = Extract<AuthConfig, { type: 'oauth2' }>;

export interface TokenProvider {
  accessToken(): Promise<string>;
}

export class OAuthTokens implements TokenProvider {
  private token?: { value: string; expiresAt: number };
  private readonly stateFile: string;

  constructor(
    private readonly config: OAuthConfig,
    dataDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.stateFile = join(dataDir, 'secrets', `oauth-${config.user.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
  }

  async accessToken(): Promise<string> {
    if (this.token && Date.now() < this.token.expiresAt - 60_000) return this.token.value;
    const refreshToken = await this.refreshToken();
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: this.config.clientId });
    const secret = this.config.clientSecretEnv ? this.env[this.config.clientSecretEnv] : undefined;
    if (secret) body.set('client_secret', secret);
    if (this.config.scope) body.set('scope', this.config.scope);
    const res = await this.fetchImpl(this.config.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const json = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; refresh_token?: string; error?: string };
    if (!res.ok || !json.access_token) {
      // The response may echo secrets: only the status and the error code are reported.
      throw new MailbotError('OAUTH_FAILED', `token endpoint answered ${res.status}${json.error ? ` (${json.error})` : ''}`);
    }
    if (json.refresh_token && json.refresh_token !== refreshToken) {
      await writePrivateFile(this.stateFile, JSON.stringify({ refreshToken: json.refresh_token, rotatedAt: new Date().toISOString() }));
    }
    this.token = { value: json.access_token, expiresAt: Date.now() + (json.expires_in ?? 3600) * 1000 };
    return this.token.value;
  }

  /** The persisted (rotated) refresh token wins over the configured one. */
  private async refreshToken(): Promise<string> {
    if (existsSync(this.stateFile)) {
      const saved = JSON.parse(await readFile(this.stateFile, 'utf8')) as { refreshToken?: string };
      if (saved.refreshToken) return saved.refreshToken;
    }
    const configured = this.env[this.config.refreshTokenEnv];
    if (!configured) throw new MailbotError('OAUTH_FAILED', `environment variable ${this.config.refreshTokenEnv} is not set`);
    return configured;
  }
}
