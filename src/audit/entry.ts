/**
 * One line of the audit trail: what was done, to what, with what outcome.
 * Identities appear only as keyed hashes (see trail.ts); details are short,
 * non-personal facts (invariant 10).
 */
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
  'reply-requeued',
  'reply-dismissed',
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
  'deferred',
  'mails-purged',
  'retried',
  'reply-withheld',
  'reply-sending',
  'audit-checkpoint',
  'audit-legacy-sealed',
  'retention-run',
  'store-migrated',
  'client-closed',
  'client-added',
  'client-updated',
  'gdpr-grounds-recorded',
  'gdpr-restriction-lift-scheduled',
  'platform-queued',
  'platform-deposited',
  'platform-deposit-failed',
  'platform-resubmitted',
  'platform-status',
  'console-login',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The actor of an entry, as `AuditEntry` names it. */
export type AuditActor = Pick<AuditEntry, 'actor' | 'actorId'>;

export interface AuditEntry {
  time: string;
  action: AuditAction;
  outcome: 'ok' | 'refused' | 'ignored' | 'failed' | 'info';
  /** Message-ID of the mail concerned (a technical identifier, not content). */
  messageId?: string;
  mailKey?: string;
  clientId?: string;
  /**
   * Who acted, when it was not the bot handling a mail or running a job: the
   * operator's commands write "operator:cli" (the access traces of a
   * processing, GDPR Art. 5(2) and 32).
   */
  actor?: string;
  /** The system account that ran the operator's command, as a keyed hash: several people may share the server. */
  actorId?: string;
  /** Keyed hashes of identities. */
  sender?: string;
  ip?: string;
  /** Short, non-personal facts: counts, numbers, codes, folder names. */
  details?: Record<string, string | number | boolean>;
  /** Its place in the trail and its keyed hash, chained to the line before (chain.ts); set by the store when it commits the line. */
  seq?: number;
  mac?: string;
}
