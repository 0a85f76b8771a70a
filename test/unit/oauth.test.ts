import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OAuthTokens } from '../../src/mail/oauth.js';
import { tempDir } from '../helpers/tools.js';

/** A token endpoint on 127.0.0.1 that rotates the refresh token on every use (RFC 6749 §6). */
describe('OAuth2 access tokens', () => {
  let server: Server;
  let url = '';
  const seen: URLSearchParams[] = [];
  let expiresIn = 3600;
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        seen.push(form);
        res.setHeader('content-type', 'application/json');
        if (form.get('refresh_token') === 'revoked') {
          res.statusCode = 400;
          return res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'secret-ish detail' }));
        }
        res.end(JSON.stringify({ access_token: `access-${seen.length}`, expires_in: expiresIn, refresh_token: `refresh-${seen.length}` }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/token`;
  });
  after(() => server.close());

  const config = (tokenUrl: string) => ({ type: 'oauth2' as const, user: 'bot@studio.test', tokenUrl, clientId: 'mailbot', clientSecretEnv: 'OAUTH_SECRET', refreshTokenEnv: 'OAUTH_REFRESH', method: 'XOAUTH2' as const });

  it('gets a token with the refresh token, reuses it until shortly before expiry, and keeps the rotated refresh token', async () => {
    const dir = tempDir();
    try {
      const env = { OAUTH_REFRESH: 'initial', OAUTH_SECRET: 's3cret' };
      const tokens = new OAuthTokens(config(url), dir.path, env);
      assert.equal(await tokens.accessToken(), 'access-1');
      assert.equal(seen[0]?.get('refresh_token'), 'initial');
      assert.equal(seen[0]?.get('client_secret'), 's3cret');
      assert.equal(await tokens.accessToken(), 'access-1'); // still valid: no new request
      assert.equal(seen.length, 1);
      const state = join(dir.path, 'secrets', 'oauth-bot_studio.test.json');
      assert.ok(existsSync(state));
      assert.equal((statSync(state).mode & 0o777), 0o600);
      assert.equal((JSON.parse(readFileSync(state, 'utf8')) as { refreshToken: string }).refreshToken, 'refresh-1');
      // A new process uses the rotated token, not the configured one; a token about to expire is renewed.
      expiresIn = 30;
      const again = new OAuthTokens(config(url), dir.path, env);
      assert.equal(await again.accessToken(), 'access-2');
      assert.equal(seen[1]?.get('refresh_token'), 'refresh-1');
      assert.equal(await again.accessToken(), 'access-3'); // 30 s left is under the one-minute margin
    } finally {
      dir.cleanup();
    }
  });

  it('reports a refusal without echoing what the endpoint said', async () => {
    const dir = tempDir();
    try {
      const tokens = new OAuthTokens(config(url), dir.path, { OAUTH_REFRESH: 'revoked' });
      await assert.rejects(tokens.accessToken(), (err: Error) => /400 \(invalid_grant\)/.test(err.message) && !err.message.includes('secret-ish'));
    } finally {
      dir.cleanup();
    }
  });
});
