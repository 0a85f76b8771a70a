/**
 * The records the store keeps about mails, replies and number series. The
 * other records (clients, batches, rights requests) are defined beside the
 * code that makes them; the store port (port.ts) names them all.
 */

/** Per seller, per series (see invoice/numbering.ts): the last number used and its issue date. */
export interface SeriesState {
  last: number;
  lastIssueDate: string;
}

/**
 * A mail is known by its mailbox, the mailbox's UIDVALIDITY and its UID
 * (RFC 3501 §2.3.1.1): together they never name another message.
 */
export interface MailKey {
  mailbox: string;
  uidValidity: string;
  uid: string;
}

export function ledgerKey(k: MailKey): string {
  return `${k.mailbox}|${k.uidValidity}|${k.uid}`;
}

export function parseLedgerKey(key: string): MailKey | undefined {
  const parts = key.split('|');
  if (parts.length < 3) return undefined;
  const uid = parts.pop() ?? '';
  const uidValidity = parts.pop() ?? '';
  return { mailbox: parts.join('|'), uidValidity, uid };
}

export type LedgerState = 'handled' | 'moved';

/**
 * The processed-mail ledger: the outcome of a mail, written in the same
 * commit as what the mail caused, before the mail is moved (invariant 1).
 */
export interface LedgerEntry extends MailKey {
  messageId?: string;
  state: LedgerState;
  /** How many times handling started. */
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

/** What a claim on a mail found (store.mail.claim). */
export type MailClaim =
  /**
   * Ours to handle; `attempts` counts this one. `errors`: earlier attempts
   * that failed with an error (they alone count against the mail);
   * `crashes`: earlier attempts the process did not survive, never the
   * mail's error (invariant 23).
   */
  | { status: 'claimed'; attempts: number; errors: number; crashes: number; firstSeenAt: string; error?: string }
  /** Handled already (the move is what is left). */
  | { status: 'handled'; folder: string; messageId?: string }
  /** Another live daemon is handling it. */
  | { status: 'taken' };

export type OutboxState = 'queued' | 'failed';

/** A reply stored before it is sent; the raw message is a stored file (`file`). */
export interface OutboxEntry {
  id: string;
  createdAt: string;
  /** The mail this answers (ledger key), if any. */
  inReplyTo?: string;
  messageId: string;
  envelope: { from: string; to: string[] };
  /** The raw RFC 5322 message, a stored file name (see store.files). */
  file: string;
  /** Its size, as composed: the senders' byte budget needs no look at the file. */
  bytes?: number;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: string;
  lastError?: string;
  clientId?: string;
  kind: string;
}

/** A mail set aside after repeated failures, listed by `mailbot status`. */
export interface SetAsideEntry {
  key: string;
  error: string;
  at: string;
  /** The keyed hash of its Message-ID, to find it again in the folder it was set aside in. */
  messageId?: string;
}

/** What `mailbot status` counts, kept as counters so that it never reads the history. */
export interface StoreStats {
  clients: number;
  batches: number;
  invoices: number;
  /** Mails in hand: handled, waiting for their move. */
  inHand: number;
  /** Mails by outcome, since the store was created. */
  outcomes: Record<string, number>;
  outbox: { queued: number; failed: number; sent: number };
  requestsOpen: number;
  setAside: SetAsideEntry[];
}

/** Mails to remove from the bot's folders: by age (retention), by address (erasure), or both. */
export interface MailboxPurge {
  /** Folder names (the bot's folders and Sent; never the inbox). */
  folders: string[];
  /** Only mails that arrived before this instant (ISO). */
  before?: string;
  /** Mails kept whatever they match, by Message-ID: an erasure keeps its own answer, its proof. */
  keepMessageIds?: string[];
  /** Mails from, to or copied to these addresses are kept (a client under restriction, GDPR Art. 18). */
  exceptAddresses?: string[];
  /** Only mails from, to or copied to one of these addresses. */
  addresses?: string[];
}

/**
 * Work outside the store that a commit decided (the mailbox is the daemon's
 * to touch): kept in the store until done, so a crash only delays it.
 */
export interface Task {
  id: string;
  kind: 'mailbox-purge';
  purge: MailboxPurge;
  /** Why: "erasure RGPD-2026-0007", "retention". */
  reason: string;
  createdAt: string;
  attempts: number;
  lastError?: string;
  /** The mailboxes (source descriptions) that did it: with a shared store, each daemon purges its own. */
  doneBy?: string[];
}
