/**
 * Staged files of the PostgreSQL store. Their bytes go into the database at
 * the commit (tx.ts), so a queued reply's message (queue/…, a few kilobytes,
 * written whole) is kept in memory until then and never touches the local
 * disk: no folder made, no file written, read back, zeroed and flushed.
 * Every other file (a PDF a reply attaches by its path, a report, a
 * stream, a big message) is written to a local staging folder as before
 * (embedded/staging.ts), shredded once the commit is done or abandoned. A
 * killed process leaves nothing in memory to clean, and its folder, if it
 * made one, is shredded as an orphan at the next start.
 */
import { readFile } from 'node:fs/promises';
import { MailbotError } from '../../core/errors.js';
import type { Staging } from '../port.js';
import { checkStoredName, LocalStaging } from '../embedded/staging.js';

/** A queued message up to this size stays in memory until the commit. */
export const IN_MEMORY_FILE_BYTES = 256 * 1024;
/** What one staging keeps in memory at most; beyond, files go to disk. */
export const IN_MEMORY_STAGING_BYTES = 4 * 1024 * 1024;

export class PgStaging implements Staging {
  private readonly held = new Map<string, Buffer>();
  private heldBytes = 0;
  private disk?: LocalStaging;
  private making?: Promise<LocalStaging>;
  private readonly order: string[] = [];

  constructor(private readonly dataDir: string) {}

  get names(): readonly string[] {
    return this.order;
  }

  private named(name: string): void {
    if (!this.order.includes(name)) this.order.push(name);
  }

  private forget(name: string): void {
    const was = this.held.get(name);
    if (was) this.heldBytes -= was.length;
    this.held.delete(name);
  }

  /** The local folder, made once: writes running side by side share it (each making its own would leave one behind). */
  private local(): Promise<LocalStaging> {
    this.making ??= LocalStaging.create(this.dataDir).then((disk) => (this.disk = disk));
    return this.making;
  }

  async write(name: string, data: Uint8Array | string): Promise<void> {
    checkStoredName(name);
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.forget(name);
    if (name.startsWith('queue/') && bytes.length <= IN_MEMORY_FILE_BYTES && this.heldBytes + bytes.length <= IN_MEMORY_STAGING_BYTES) {
      // A copy: the caller may reuse its buffer before the commit.
      this.held.set(name, Buffer.from(bytes));
      this.heldBytes += bytes.length;
    } else {
      await (await this.local()).write(name, bytes);
    }
    this.named(name);
  }

  async pipe(name: string, from: NodeJS.ReadableStream): Promise<number> {
    checkStoredName(name);
    this.forget(name);
    const size = await (await this.local()).pipe(name, from);
    this.named(name);
    return size;
  }

  /**
   * The file on the local disk. A queued message is never read back by its
   * path (the outbox reads it from the store once committed): asking for
   * one kept in memory is a mistake of the caller, said as such.
   */
  path(name: string): string {
    if (this.held.has(name)) throw new MailbotError('STAGED_IN_MEMORY', `staged message ${name} is kept in memory until the commit and has no local file`);
    if (!this.disk) throw new MailbotError('NOT_FOUND', `nothing is staged under ${name}`);
    return this.disk.path(name);
  }

  /** A staged file's bytes, for the commit. */
  async read(name: string): Promise<Buffer> {
    return this.held.get(name) ?? readFile(this.path(name));
  }

  async discard(): Promise<void> {
    this.held.clear();
    this.heldBytes = 0;
    await (await this.making?.catch(() => undefined))?.discard();
  }
}
