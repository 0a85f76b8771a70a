/**
 * The audit trail: one JSON line per action, in the store, committed with
 * the action it records (a killed process leaves no action without its
 * line, and no line without its action). Identities appear only as keyed
 * hashes, HMAC-SHA-256 with a secret key and its id ("hmac:k1:…"), so
 * entries about one address can be found and counted without the address
 * being stored, and the key can rotate. No bodies, no attachments, no tokens
 * or codes in clear (invariant 10).
 */
import { createHmac } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { auditKey } from '../config/secrets.js';
import type { Store } from '../store/port.js';
import type { AuditEntry } from './entry.js';

export { AUDIT_ACTIONS, type AuditAction, type AuditEntry } from './entry.js';

/** An entry as callers write it: the time is added when it is made. */
export type AuditInput = Omit<AuditEntry, 'time'> & { time?: string };

export function auditEntry(input: AuditInput, now = new Date()): AuditEntry {
  return { ...input, time: input.time ?? now.toISOString() };
}

export class AuditTrail {
  constructor(
    private readonly store: Store,
    private readonly key: Buffer,
    readonly keyId: string,
  ) {}

  /** "hmac:<key id>:<hex>" of a normalised identity (addresses are case-folded). */
  hash(identity: string): string {
    const mac = createHmac('sha256', this.key).update(identity.trim().toLowerCase()).digest('hex');
    return `hmac:${this.keyId}:${mac}`;
  }

  /**
   * A text (an error message, a server's answer) with every address in it
   * replaced by its keyed hash: "550 <jane@x.org>: no such user" must not
   * carry the address into a log or an error field.
   */
  redact(text: string): string {
    return text.replace(/[^\s<>"'(),;:[\]]+@[^\s<>"'(),;:[\]]+\.[A-Za-z]{2,}/g, (a) => this.hash(a));
  }

  /** An entry on its own (daemon start and stop, an error): its own small commit. */
  async record(input: AuditInput): Promise<void> {
    await this.store.transact((tx) => Promise.resolve(tx.audit(auditEntry(input))));
  }
}

/** The trail of a store, with the key the configuration names (or the local one). */
export async function auditTrailFor(store: Store, config: Config): Promise<AuditTrail> {
  const key = await auditKey(store.dataDir, config);
  return new AuditTrail(store, key.key, key.keyId);
}
