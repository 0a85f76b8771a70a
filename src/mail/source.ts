/** Where mails come from: one small interface, an IMAP mailbox or a local Maildir. */
import type { MailKey } from '../store/records.js';

export interface MailRef {
  key: MailKey;
  /** Size in bytes when the source knows it before fetching. */
  size?: number;
}

export interface MailSource {
  readonly name: string;
  readonly description: string;
  open(): Promise<void>;
  /** Every message now in the inbox, oldest first. */
  list(): Promise<MailRef[]>;
  fetch(ref: MailRef): Promise<Buffer>;
  /** Move to a folder (created if absent), several at once (one IMAP MOVE with a UID set). Never deletes. */
  moveMany(refs: readonly MailRef[], folder: string): Promise<void>;
  /** Keep a copy of a sent reply (IMAP Sent folder); a no-op where there is none. */
  saveSent(raw: Buffer): Promise<void>;
  /** Called when new mail may have arrived (IDLE, a new file). */
  onActivity(listener: () => void): void;
  close(): Promise<void>;
  /** Connection state for `mailbot status`. */
  state(): string;
}
