/**
 * The bot's state in one lowdb JSON file (data/mailbot.json). Each change is
 * one atomic write (lowdb writes a temporary file and renames it), so a batch
 * and its invoice numbers are committed together or not at all.
 */
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import type { ClientRecord } from '../clients/record.js';
import type { BatchRecord } from '../batch/types.js';
import type { LedgerEntry, OutboxEntry } from '../mail/state.js';
import { ensurePrivateDir, FILE_MODE } from './files.js';

/** Per seller, per series (see invoice/numbering.ts): the last number used and its issue date. */
export interface SeriesState {
  last: number;
  lastIssueDate: string;
}

export interface DbShape {
  schemaVersion: 1;
  clients: ClientRecord[];
  sequences: Record<string, Record<string, SeriesState>>;
  batches: BatchRecord[];
  /** Processed-mail ledger, keyed by mailbox, UIDVALIDITY and UID (see mail/state.ts). */
  ledger: Record<string, LedgerEntry>;
  /** Replies stored before they are sent; the raw message is a file beside the store. */
  outbox: OutboxEntry[];
}

const empty = (): DbShape => ({ schemaVersion: 1, clients: [], sequences: {}, batches: [], ledger: {}, outbox: [] });

export class Store {
  private constructor(
    readonly dataDir: string,
    private readonly db: Low<DbShape>,
    private readonly file: string,
  ) {}

  static async open(dataDir: string): Promise<Store> {
    await ensurePrivateDir(dataDir);
    const file = join(dataDir, 'mailbot.json');
    const db = new Low<DbShape>(new JSONFile<DbShape>(file), empty());
    await db.read();
    db.data = { ...empty(), ...db.data };
    return new Store(dataDir, db, file);
  }

  /** The current state. Treat it as read-only; change it through `update`. */
  get data(): Readonly<DbShape> {
    return this.db.data;
  }

  /**
   * Apply a change and write it in one go. If the mutator throws, nothing is
   * written and the in-memory state is restored.
   */
  async update<T>(mutator: (data: DbShape) => T): Promise<T> {
    const before = structuredClone(this.db.data);
    let result: T;
    try {
      result = mutator(this.db.data);
      await this.db.write();
    } catch (err) {
      this.db.data = before;
      throw err;
    }
    await chmod(this.file, FILE_MODE);
    return result;
  }

  /** Re-read from disk (another process may have written). */
  async reload(): Promise<void> {
    await this.db.read();
    this.db.data = { ...empty(), ...this.db.data };
  }
}
