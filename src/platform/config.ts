/**
 * A seller's approved platform, in its client record: where its Flow
 * Service is (AFNOR XP Z12-013, `url` is the base the `/v1/…` paths hang
 * from), where a token comes from (OAuth2 client credentials at
 * `tokenUrl`), which environment variable holds the secret (never the
 * secret itself), and whether invoices are deposited (`mode`).
 */
import { z } from 'zod';

const LOOPBACK = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);

/** HTTPS, or plain HTTP to this machine only (a platform stand-in, a local relay): invoices never cross a network in clear. */
const serviceUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname))) && !u.username && !u.password && !u.search && !u.hash;
    } catch {
      return false;
    }
  }, 'an https:// address (http:// only to this machine), without credentials, query or fragment')
  .transform((v) => v.replace(/\/+$/, ''));

export const platformSchema = z.object({
  url: serviceUrl,
  tokenUrl: serviceUrl,
  clientId: z.string().trim().min(1).max(200),
  /** The environment variable that holds the client secret: read when a token is needed, never stored nor logged. */
  secretEnv: z.string().trim().regex(/^[A-Z_][A-Z0-9_]{0,63}$/, 'the name of an environment variable, e.g. MAILBOT_PA_SECRET_DUPONT'),
  /** off: invoices stay with the bot and the client (as before); deposit: each issued invoice is deposited. */
  mode: z.enum(['off', 'deposit']).default('off'),
  /** The statuses that need no action, once a day by mail; alerts (rejection, refusal, dispute, suspension) always leave at once. */
  digest: z.enum(['daily', 'off']).default('daily'),
});

export type PlatformConfig = z.output<typeof platformSchema>;
