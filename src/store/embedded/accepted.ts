/**
 * Replies the mail server took (its 250), written down the moment it says
 * so (data/outbox-accepted.log, one reply id a line), before the commit that
 * marks them sent. That commit waits in the commit queue behind the batches
 * of other mails; this line does not. A process killed in between leaves the
 * line: the reply is never sent again, and the next process commits it as
 * sent. So a kill sends a reply twice only inside the SMTP transaction
 * itself (invariant 3).
 *
 * A line is in the kernel's cache once `write` returns, which a kill -9
 * cannot take away; a power cut may, and then the reply goes again, as
 * invariant 3 allows. Ids are random, nothing personal. Replies no longer
 * queued are dropped when the journal is loaded.
 */
import { existsSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { openForWriting, readPrivateFile, writeAllSync, writePrivateFile } from '../files.js';

export class AcceptedJournal {
  private readonly ids = new Set<string>();
  private handle?: Promise<FileHandle>;
  private size = 0;

  private constructor(
    private readonly path: string,
    private readonly dataDir: string,
  ) {}

  /** Read the journal, keep the replies still queued (`queued`), and rewrite it that small. */
  static async load(dataDir: string, queued: (id: string) => boolean): Promise<AcceptedJournal> {
    const journal = new AcceptedJournal(join(dataDir, 'outbox-accepted.log'), dataDir);
    if (!existsSync(journal.path)) return journal;
    for (const line of (await readPrivateFile(journal.path)).toString('utf8').split('\n')) {
      // A line cut by a kill is no id: its reply was not recorded as taken, and goes again.
      if (/^[0-9a-f-]{36}$/.test(line) && queued(line)) journal.ids.add(line);
    }
    await writePrivateFile(journal.path, [...journal.ids].map((id) => `${id}\n`).join(''), dataDir);
    return journal;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  list(): string[] {
    return [...this.ids];
  }

  async add(id: string): Promise<void> {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    // Appended at the end: only the daemon that holds the data directory sends replies.
    this.handle ??= openForWriting(this.path, this.dataDir).then(async (h) => {
      this.size = (await h.stat()).size;
      return h;
    });
    const h = await this.handle;
    const buf = Buffer.from(`${id}\n`);
    const at = this.size;
    this.size += buf.length;
    // A line into a file that exists: written at once (files.ts, SMALL_FILE_BYTES).
    writeAllSync(h.fd, buf, at);
  }

  /** Its sent commit is done: the line is no longer needed (the file is emptied once none is). */
  async forget(id: string): Promise<void> {
    if (!this.ids.delete(id) || this.ids.size > 0 || this.size < 64 * 1024 || !this.handle) return;
    const h = await this.handle;
    if (this.ids.size > 0) return;
    await h.truncate(0);
    this.size = 0;
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h).close();
  }
}
