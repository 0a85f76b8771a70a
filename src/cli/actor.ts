/**
 * The operator as the actor of the audit lines its commands write: "operator:cli",
 * and the system account that ran the command as a keyed hash (several people
 * may share the server; the trail holds no name in clear, invariant 10).
 */
import { userInfo } from 'node:os';
import type { AuditActor } from '../audit/entry.js';
import { auditTrailFor } from '../audit/trail.js';
import type { Config } from '../config/schema.js';
import type { Store } from '../store/port.js';

export const OPERATOR_CLI = 'operator:cli';

function account(): string {
  try {
    return userInfo().username;
  } catch {
    // No entry in the password database (a container's arbitrary uid): the uid names the account.
    return `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}

export async function operatorActor(store: Store, config: Config): Promise<AuditActor> {
  const trail = await auditTrailFor(store, config);
  return { actor: OPERATOR_CLI, actorId: trail.hash(`account:${account()}`) };
}
