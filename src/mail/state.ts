/**
 * What the store remembers about mails and replies.
 *
 * A mail is known by its mailbox, the mailbox's UIDVALIDITY and its UID
 * (RFC 3501 §2.3.1.1): together they never name another message. The ledger
 * entry is written before a mail is handled (so a mail that crashes the
 * handler is counted) and again, with its outcome, before the mail is moved.
 */
export type LedgerState = 'processing' | 'handled' | 'moved';

export interface MailKey {
  mailbox: string;
  uidValidity: string;
  uid: string;
}

export interface LedgerEntry extends MailKey {
  messageId?: string;
  state: LedgerState;
  /** How many times handling started; a mail that crashed the handler twice is set aside. */
  attempts: number;
  /** e.g. "invoices-issued", "batch-rejected", "ignored:auto-submitted", "set-aside". */
  outcome?: string;
  /** Folder the mail goes to once handled. */
  folder?: string;
  error?: string;
  clientId?: string;
  firstSeenAt: string;
  updatedAt: string;
}

export type OutboxState = 'queued' | 'sent';

export interface OutboxEntry {
  id: string;
  createdAt: string;
  /** The mail this answers (ledger key), if any. */
  inReplyTo?: string;
  messageId: string;
  envelope: { from: string; to: string[] };
  /** Raw RFC 5322 message, relative to the data directory. */
  file: string;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: string;
  lastError?: string;
  sentAt?: string;
  /** Copied to the IMAP Sent folder (when configured). */
  savedToSent?: boolean;
  clientId?: string;
  kind: string;
}

export function ledgerKey(k: MailKey): string {
  return `${k.mailbox}|${k.uidValidity}|${k.uid}`;
}
