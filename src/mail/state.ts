import { existsSync, readFileSync } from 'node:fs';
import { appendFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FILE_MODE } from '../store/files.js';

/**
 * What the store remembers about mails and replies.
 *
 * A mail is known by its mailbox, the mailbox's UIDVALIDITY and its UID
 * (RFC 3501 §2.3.1.1): together they never name another message. The ledger
 * entry is written with the mail's outcome, before the mail is moved; once
 * moved, it goes to data/ledger.jsonl (append-only). Attempts are counted
 * apart, in mail/attempts.ts.
 */
export type LedgerState = 'handled' | 'moved';

export interface MailKey {
  mailbox: string;
  uidValidity: string;
  uid: string;
}

export interface LedgerEntry extends MailKey {
  messageId?: string;
  state: LedgerState;
  /** How many times handling started (see mail/attempts.ts). */
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

/** A sent reply leaves the store (the audit trail keeps "reply-sent"). */
export type OutboxState = 'queued';

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
  clientId?: string;
  kind: string;
}

/** data/ledger.jsonl: the entries of mails that reached their folder, one JSON line each. */
export const LEDGER_ARCHIVE = 'ledger.jsonl';

export async function archiveLedger(dataDir: string, entries: readonly LedgerEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await appendFile(join(dataDir, LEDGER_ARCHIVE), entries.map((e) => `${JSON.stringify(e)}\n`).join(''), { mode: FILE_MODE });
}

export function readLedgerArchive(dataDir: string): LedgerEntry[] {
  const path = join(dataDir, LEDGER_ARCHIVE);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LedgerEntry);
}

/** Rewrite the archive without the entries a predicate drops (GDPR erasure). */
export async function pruneLedgerArchive(dataDir: string, drop: (e: LedgerEntry) => boolean): Promise<number> {
  const kept = readLedgerArchive(dataDir);
  const remaining = kept.filter((e) => !drop(e));
  if (remaining.length === kept.length) return 0;
  const path = join(dataDir, LEDGER_ARCHIVE);
  await writeFile(`${path}.tmp`, remaining.map((e) => `${JSON.stringify(e)}\n`).join(''), { mode: FILE_MODE });
  await rename(`${path}.tmp`, path);
  return kept.length - remaining.length;
}

export function ledgerKey(k: MailKey): string {
  return `${k.mailbox}|${k.uidValidity}|${k.uid}`;
}
