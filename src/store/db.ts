/**
 * The bot's state in one lowdb JSON file (data/mailbot.json). Each change is
 * one atomic write (lowdb writes a temporary file and renames it), so a batch
 * and its invoice numbers are committed together or not at all.
 */
import { statSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';
import type { ClientRecord } from '../clients/record.js';
import type { BatchRecord } from '../batch/types.js';
import type { RightsRequest } from '../gdpr/requests.js';
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
  /** GDPR rights requests (gdpr/requests.ts). */
  requests: RightsRequest[];
}

const empty = (): DbShape => ({ schemaVersion: 1, clients: [], sequences: {}, batches: [], ledger: {}, outbox: [], requests: [] });

export class Store {
  private constructor(
    readonly dataDir: string,
    private readonly db: Low<DbShape>,
    private readonly file: string,
  ) {}

  static async open(dataDir: string): Promise<Store> {
    await ensurePrivateDir(dataDir);
    const file = join(dataDir, 'mailbot.json');
    // Compact JSON: the file is rewritten on every change, and indentation only costs time.
    const adapter = new DataFile<DbShape>(file, { parse: (text) => JSON.parse(text) as DbShape, stringify: (data) => JSON.stringify(data) });
    const db = new Low<DbShape>(adapter, empty());
    await db.read();
    db.data = { ...empty(), ...db.data };
    const store = new Store(dataDir, db, file);
    store.seen = fileStamp(file);
    return store;
  }

  /** The current state. Treat it as read-only; change it through `update`. */
  get data(): Readonly<DbShape> {
    return this.db.data;
  }

  /**
   * Apply a change and write it. The mutator must check before it changes
   * anything: when it throws, nothing has changed and nothing is written.
   */
  async update<T>(mutator: (data: DbShape) => T): Promise<T> {
    // Another process (an operator's command while the daemon runs) may have written the file:
    // take its state first, when nothing of ours is waiting to be written.
    if (!this.writing && !this.dirty && this.changedOnDisk()) await this.reload();
    // Mutators check before they change anything, so one that throws leaves the state as it was.
    const result = mutator(this.db.data);
    await this.flush();
    return result;
  }

  /**
   * Group commit: changes made while a write is under way go out together in
   * the next write, and every caller returns only once a write holding its
   * change has completed. If a write fails, the state is read back from the
   * file and every waiting caller gets the error.
   */
  private flush(): Promise<void> {
    this.dirty = true;
    this.writing ??= (async () => {
      try {
        while (this.dirty) {
          this.dirty = false;
          await this.db.write();
        }
        await chmod(this.file, FILE_MODE);
        this.seen = fileStamp(this.file);
      } catch (err) {
        this.dirty = false;
        await this.reload();
        throw err;
      } finally {
        this.writing = undefined;
      }
    })();
    return this.writing;
  }

  private writing?: Promise<void>;
  private dirty = false;
  /** mtime and size of the file as this process last read or wrote it. */
  private seen = '';

  private changedOnDisk(): boolean {
    return fileStamp(this.file) !== this.seen;
  }

  /** Re-read from disk (another process may have written). */
  async reload(): Promise<void> {
    await this.db.read();
    this.db.data = { ...empty(), ...this.db.data };
    this.seen = fileStamp(this.file);
  }
}

function fileStamp(path: string): string {
  try {
    const st = statSync(path);
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return '';
  }
}
