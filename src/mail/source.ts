/** Where mails come from: one small interface, an IMAP mailbox or a local Maildir. */
import type { MailboxPurge, MailKey } from '../store/records.js';
import type { FolderPurge } from './purge.js';

export interface MailRef {
  key: MailKey;
  /** Size in bytes when the source knows it before fetching. */
  size?: number;
}

export interface MailSource {
  readonly name: string;
  readonly description: string;
  /** The mailbox part of its mails' ledger keys. */
  readonly mailboxName: string;
  /** Connect. With `deadlineMs`, give up after that long (MAILBOX_UNREACHABLE) instead of retrying forever. */
  open(options?: { deadlineMs?: number }): Promise<void>;
  /** Every message now in the inbox, oldest first. */
  list(): Promise<MailRef[]>;
  fetch(ref: MailRef): Promise<Buffer>;
  /** The header block only (at most 64 KB): enough to know who wrote, without reading the mail. */
  fetchHeader(ref: MailRef): Promise<string>;
  /** Move to a folder (created if absent), several at once (one IMAP MOVE with a UID set). Never deletes. */
  moveMany(refs: readonly MailRef[], folder: string): Promise<void>;
  /** Keep a copy of a sent reply (IMAP Sent folder); a no-op where there is none. */
  saveSent(raw: Buffer): Promise<void>;
  /** The copy of a sent reply kept in Sent, found by its Message-ID (the console shows its text); undefined when none is kept. */
  sentCopy(messageId: string): Promise<Buffer | undefined>;
  /**
   * Remove mails from the bot's folders (the folders named, never the
   * inbox): by age, by address, or both (IMAP: flagged \Deleted, then
   * UID EXPUNGE; Maildir: overwritten, then unlinked). With `dryRun`, only
   * count them.
   */
  purge(spec: MailboxPurge, dryRun: boolean): Promise<FolderPurge[]>;
  /**
   * Put a mail set aside back in the inbox, as a new message (`mailbot
   * retry`): found in `folder` by the unique part of its old key (Maildir)
   * or by the keyed hash of its Message-ID. false when it is not there.
   */
  restore(folder: string, mail: { uid: string; messageRef?: string }, hash: (messageId: string) => string): Promise<boolean>;
  /** Called when new mail may have arrived (IDLE, a new file). */
  onActivity(listener: () => void): void;
  close(): Promise<void>;
  /** Connection state for `mailbot status`. */
  state(): string;
}
