/**
 * Whether a seller's platform answers, without sending anything: the token
 * endpoint gives a token for its credentials, the Flow Service's
 * healthcheck answers 200. What `mailbot check-config`, `client show` and
 * `platform check` print.
 */
import type { ClientRecord } from '../clients/record.js';
import { errorMessage } from '../core/errors.js';
import { FlowClient } from './flows.js';
import { TokenSource } from './token.js';

export interface PlatformCheck {
  clientId: string;
  ok: boolean;
  /** "ok (url, mode deposit)" or what failed: the token, the healthcheck. */
  message: string;
}

export async function checkPlatform(client: Pick<ClientRecord, 'id' | 'platform'>, tokens = new TokenSource()): Promise<PlatformCheck | undefined> {
  const cfg = client.platform;
  if (!cfg) return undefined;
  try {
    await tokens.token(cfg);
  } catch (err) {
    return { clientId: client.id, ok: false, message: `token: ${errorMessage(err).replace(/^token: /, '')}` };
  }
  try {
    await new FlowClient(cfg, tokens).healthcheck();
    return { clientId: client.id, ok: true, message: `ok (${cfg.url}, mode ${cfg.mode})` };
  } catch (err) {
    return { clientId: client.id, ok: false, message: errorMessage(err) };
  }
}
