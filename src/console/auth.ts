/**
 * Who may use the console: whoever opened the one-time login link the
 * command printed (a terminal on the server, or an SSH tunnel to it). The
 * link's token works once, for a few minutes; the login sets a session
 * cookie (HttpOnly, SameSite=Strict, expiring). Tokens and sessions live in
 * this process only: a restart logs everyone out, nothing is written.
 */
import { createHash, randomBytes } from 'node:crypto';

const digest = (secret: string) => createHash('sha256').update(secret).digest();

export interface Session {
  id: string;
  createdAt: number;
  expiresAt: number;
}

export class ConsoleAuth {
  /** Login tokens by their SHA-256: the token itself is kept nowhere. */
  private readonly tokens = new Map<string, number>();
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly tokenTtlMs = 5 * 60_000,
    readonly sessionTtlMs = 8 * 3_600_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new one-time login token (256 random bits, URL-safe). */
  issueToken(): string {
    this.sweep();
    const token = randomBytes(32).toString('base64url');
    this.tokens.set(digest(token).toString('hex'), this.now() + this.tokenTtlMs);
    return token;
  }

  /** The token's session, or undefined when it is unknown, spent or expired: a token works once. */
  redeem(token: string): Session | undefined {
    this.sweep();
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const key = digest(token).toString('hex');
    const until = this.tokens.get(key);
    this.tokens.delete(key);
    if (until === undefined || until < this.now()) return undefined;
    const session = { id: randomBytes(32).toString('base64url'), createdAt: this.now(), expiresAt: this.now() + this.sessionTtlMs };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The session a cookie names, while it lasts. */
  session(id: string | undefined): Session | undefined {
    // 256 random bits: a session id is found by lookup, never guessed.
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const found = this.sessions.get(id);
    if (!found) return undefined;
    if (found.expiresAt < this.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return found;
  }

  end(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, until] of this.tokens) if (until < now) this.tokens.delete(k);
    for (const [k, s] of this.sessions) if (s.expiresAt < now) this.sessions.delete(k);
  }
}

/** Hosts a console may listen on without TLS: the loopback interface only. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}
