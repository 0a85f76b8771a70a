/**
 * The audit trail: one JSON line per action, appended, never rewritten
 * (data/audit.log). Identities appear only as keyed hashes, HMAC-SHA-256
 * with a secret key and its id ("hmac:k1:…"), so entries about one address
 * can be found and counted without the address being stored, and the key can
 * rotate. No bodies, no attachments, no tokens or codes in clear (invariant 10).
 */
import { createHmac } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FILE_MODE } from '../store/files.js';

export const AUDIT_ACTIONS = [
  'received',
  'guarded',
  'rate-limited',
  'spoofing-suspected',
  'routed',
  'invoices-issued',
  'batch-duplicate',
  'batch-rejected',
  'sender-refused',
  'reply-queued',
  'reply-sent',
  'reply-failed',
  'moved',
  'set-aside',
  'error',
  'daemon-started',
  'daemon-stopped',
  'connection',
  'gdpr-request',
  'gdpr-code-wrong',
  'gdpr-confirmed',
  'gdpr-done',
  'gdpr-forwarded',
  'gdpr-refused',
  'gdpr-expired',
  'gdpr-extended',
  'gdpr-restriction-lifted',
  'digest-sent',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  time: string;
  action: AuditAction;
  outcome: 'ok' | 'refused' | 'ignored' | 'failed' | 'info';
  /** Message-ID of the mail concerned (a technical identifier, not content). */
  messageId?: string;
  mailKey?: string;
  clientId?: string;
  /** Keyed hashes of identities. */
  sender?: string;
  ip?: string;
  /** Short, non-personal facts: counts, numbers, codes, folder names. */
  details?: Record<string, string | number | boolean>;
}

export class AuditTrail {
  readonly path: string;

  constructor(
    dataDir: string,
    private readonly key: Buffer,
    readonly keyId: string,
  ) {
    this.path = join(dataDir, 'audit.log');
  }

  /** "hmac:<key id>:<hex>" of a normalised identity (addresses are case-folded). */
  hash(identity: string): string {
    const mac = createHmac('sha256', this.key).update(identity.trim().toLowerCase()).digest('hex');
    return `hmac:${this.keyId}:${mac}`;
  }

  async record(entry: Omit<AuditEntry, 'time'> & { time?: string }): Promise<void> {
    const line = `${JSON.stringify({ time: entry.time ?? new Date().toISOString(), ...entry })}\n`;
    // One handle opened in append mode for the process: each line is one write(2) at the end
    // of the file (O_APPEND), so lines from concurrent mails never interleave.
    this.handle ??= open(this.path, 'a', FILE_MODE);
    await (await this.handle).write(line);
  }

  private handle?: Promise<FileHandle>;

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h).close();
  }

  /** Make sure the file exists with private permissions before anyone reads or follows it. */
  async touch(): Promise<void> {
    const handle = await open(this.path, 'a', FILE_MODE);
    await handle.close();
  }
}
