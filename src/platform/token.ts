/**
 * OAuth2 client credentials (RFC 6749 §4.4) at the seller's `tokenUrl`, the
 * client authenticated with HTTP Basic (§2.3.1). A token is kept in memory
 * only, per seller, until shortly before it expires; a 401 from the Flow
 * Service drops it and asks once more. The secret is read from the
 * environment variable the record names, at the moment it is needed.
 */
import type { PlatformConfig } from './config.js';
import { failureOf, PlatformError, request } from './http.js';

interface Held {
  token: string;
  expiresAt: number;
}

/** Seconds before the announced expiry when a token is no longer used (a request in flight must not outlive it). */
const MARGIN_MS = 30_000;

export class TokenSource {
  private readonly held = new Map<string, Held>();
  /** One request for a token at a time per seller: deposits in flight that all met a 401 share the new token. */
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly timeoutMs = 15_000,
  ) {}

  private key(c: PlatformConfig): string {
    return `${c.tokenUrl}\u0000${c.clientId}`;
  }

  /** Forget the token the platform refused (401); a newer one another request already got stays. */
  drop(c: PlatformConfig, refused?: string): void {
    const held = this.held.get(this.key(c));
    if (held && (refused === undefined || held.token === refused)) this.held.delete(this.key(c));
  }

  async token(c: PlatformConfig, now = Date.now()): Promise<string> {
    const key = this.key(c);
    const held = this.held.get(key);
    if (held && held.expiresAt - MARGIN_MS > now) return held.token;
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const asked = this.fetchToken(c, now).finally(() => this.pending.delete(key));
    this.pending.set(key, asked);
    return asked;
  }

  private async fetchToken(c: PlatformConfig, now: number): Promise<string> {
    const secret = this.env[c.secretEnv];
    if (!secret) throw new PlatformError('auth', `the environment variable ${c.secretEnv} that holds the platform secret is not set`);
    const basic = Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(secret)}`).toString('base64');
    const res = await request(c.tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
    }, this.timeoutMs, 'token');
    if (!res.ok) {
      const err = await failureOf(res, 'token');
      // A refused client id or secret is an authentication failure, whatever the status the server chose (400 invalid_client).
      throw err.failure === 'refused' ? new PlatformError('auth', err.message, err.httpStatus !== undefined ? { httpStatus: err.httpStatus } : {}) : err;
    }
    const body = (await res.json().catch(() => ({}))) as { access_token?: unknown; token_type?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string' || body.access_token === '' || (typeof body.token_type === 'string' && body.token_type.toLowerCase() !== 'bearer')) {
      throw new PlatformError('auth', 'token: the answer holds no bearer access_token');
    }
    const ttl = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in * 1000 : 300_000;
    this.held.set(this.key(c), { token: body.access_token, expiresAt: now + ttl });
    return body.access_token;
  }
}
