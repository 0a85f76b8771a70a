/**
 * The embedded store's claims on mails: how many times handling a mail has
 * started, and its last error, in an append-only journal (data/attempts.log). Appending a line before each
 * attempt costs one write, where rewriting the store would cost a whole
 * file; it is what lets a mail that crashed the handler, or the process,
 * twice be set aside (invariant 4). A mail that reached its folder gets a
 * "done" line; done mails are dropped when the journal is loaded, so start-up
 * reads the journal only, never the whole mail history.
 */
import { existsSync } from 'node:fs';
import { type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { openForWriting, readPrivateFile, writePrivateFile } from '../files.js';

interface Attempt {
  attempts: number;
  error?: string;
  firstSeenAt: string;
}

export class AttemptJournal {
  private readonly entries = new Map<string, Attempt>();
  private handle?: Promise<FileHandle>;
  private size = 0;

  private constructor(
    private readonly path: string,
    private readonly dataDir: string,
  ) {}

  /** Read the journal, keep the mails not yet done, and rewrite it that small. */
  static async load(dataDir: string): Promise<AttemptJournal> {
    const journal = new AttemptJournal(join(dataDir, 'attempts.log'), dataDir);
    if (existsSync(journal.path)) {
      for (const line of (await readPrivateFile(journal.path)).toString('utf8').split('\n')) {
        if (!line) continue;
        let rec: { k?: string; e?: string; t?: string; done?: boolean; undo?: boolean };
        try {
          rec = JSON.parse(line) as { k?: string; e?: string; t?: string; done?: boolean; undo?: boolean };
        } catch {
          continue; // a line cut by a crash
        }
        if (!rec.k) continue;
        if (rec.done) {
          journal.entries.delete(rec.k);
          continue;
        }
        const cur = journal.entries.get(rec.k) ?? { attempts: 0, firstSeenAt: rec.t ?? new Date().toISOString() };
        if (rec.e !== undefined) cur.error = rec.e;
        else if (rec.undo) cur.attempts = Math.max(0, cur.attempts - 1);
        else cur.attempts++;
        journal.entries.set(rec.k, cur);
      }
      const lines: string[] = [];
      for (const [k, a] of journal.entries) {
        for (let i = 0; i < a.attempts; i++) lines.push(JSON.stringify({ k, t: a.firstSeenAt }));
        if (a.error !== undefined) lines.push(JSON.stringify({ k, e: a.error }));
      }
      await writePrivateFile(journal.path, lines.map((l) => `${l}\n`).join(''), dataDir);
    }
    return journal;
  }

  get(key: string): Attempt | undefined {
    return this.entries.get(key);
  }

  private async append(record: object): Promise<void> {
    // Lines are appended at the end: only the daemon that holds the data directory writes here.
    this.handle ??= openForWriting(this.path, this.dataDir).then(async (h) => {
      this.size = (await h.stat()).size;
      return h;
    });
    const h = await this.handle;
    const buf = Buffer.from(`${JSON.stringify(record)}\n`);
    const at = this.size;
    this.size += buf.length;
    await h.write(buf, 0, buf.length, at);
  }

  /** Count an attempt, written before the work starts. */
  async begin(key: string): Promise<Attempt> {
    const now = new Date().toISOString();
    const cur = this.entries.get(key) ?? { attempts: 0, firstSeenAt: now };
    cur.attempts++;
    this.entries.set(key, cur);
    await this.append({ k: key, t: cur.firstSeenAt });
    return cur;
  }

  async fail(key: string, error: string): Promise<void> {
    const cur = this.entries.get(key);
    if (cur) cur.error = error;
    await this.append({ k: key, e: error });
  }

  /** The attempt did not count (the mail was deferred, untouched). */
  async undo(key: string): Promise<void> {
    const cur = this.entries.get(key);
    if (!cur) return;
    cur.attempts = Math.max(0, cur.attempts - 1);
    await this.append({ k: key, undo: true });
  }

  /** The mail reached its folder: nothing more to count. */
  async done(keys: readonly string[]): Promise<void> {
    const known = keys.filter((k) => this.entries.delete(k));
    for (const k of known) await this.append({ k, done: true });
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h).close();
  }
}
