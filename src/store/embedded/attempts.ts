/**
 * The embedded store's claims on mails, in an append-only journal
 * (data/attempts.log): a line when handling starts, a line when it fails
 * with an error, a line when the attempt is given back, a line when the
 * mail reached its folder.
 *
 * An attempt with no line after its start is one the process did not
 * survive (kill -9, a power cut, the out-of-memory killer): it is counted
 * apart and never against the mail (invariant 23). A mail that failed with
 * an error of its own twice is set aside (invariant 4).
 *
 * Done mails are dropped when the journal is loaded, so start-up reads the
 * journal only, never the whole mail history.
 */
import { existsSync } from 'node:fs';
import { type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { openForWriting, readPrivateFile, writeAllSync, writePrivateFile } from '../files.js';

export interface Attempt {
  /** Attempts started and not given back. */
  attempts: number;
  /** Attempts that ended with an error. */
  errors: number;
  /** Attempts the process did not survive (never the mail's error: invariant 23). */
  crashes: number;
  error?: string;
  firstSeenAt: string;
  /** The current attempt has started and not ended. */
  open: boolean;
}

interface Line {
  k?: string;
  t?: string;
  e?: string;
  undo?: boolean;
  done?: boolean;
}

export class AttemptJournal {
  private readonly entries = new Map<string, Attempt>();
  private handle?: Promise<FileHandle>;
  private size = 0;
  /** Mails whose attempt the last process did not finish: retried alone first. */
  readonly unfinished: string[] = [];

  private constructor(
    private readonly path: string,
    private readonly dataDir: string,
  ) {}

  /** Read the journal, keep the mails not yet done, and rewrite it that small. */
  static async load(dataDir: string): Promise<AttemptJournal> {
    const journal = new AttemptJournal(join(dataDir, 'attempts.log'), dataDir);
    if (!existsSync(journal.path)) return journal;
    for (const line of (await readPrivateFile(journal.path)).toString('utf8').split('\n')) {
      if (!line) continue;
      let rec: Line;
      try {
        rec = JSON.parse(line) as Line;
      } catch {
        continue; // a line cut by a crash
      }
      if (rec.k) journal.replay(rec.k, rec);
    }
    const lines: Line[] = [];
    for (const [k, a] of journal.entries) {
      // An attempt left open was one the process did not survive.
      if (a.open) {
        a.crashes++;
        a.open = false;
        journal.unfinished.push(k);
      }
      lines.push({ k, t: a.firstSeenAt, ...compact(a) });
    }
    await writePrivateFile(journal.path, lines.map((l) => `${JSON.stringify(l)}\n`).join(''), dataDir);
    return journal;
  }

  private replay(k: string, rec: Line & { n?: number; errs?: number; crashes?: number }): void {
    if (rec.done) {
      this.entries.delete(k);
      return;
    }
    const cur = this.entries.get(k) ?? { attempts: 0, errors: 0, crashes: 0, firstSeenAt: rec.t ?? new Date().toISOString(), open: false };
    if (rec.n !== undefined) {
      // A line of a compacted journal: the counts as they were.
      Object.assign(cur, { attempts: rec.n, errors: rec.errs ?? 0, crashes: rec.crashes ?? 0, ...(rec.e !== undefined ? { error: rec.e } : {}) });
    } else if (rec.e !== undefined) {
      cur.errors++;
      cur.error = rec.e;
      cur.open = false;
    } else if (rec.undo) {
      cur.attempts = Math.max(0, cur.attempts - 1);
      cur.open = false;
    } else {
      if (cur.open) {
        // A new start while the last one never ended: that one died with its process.
        cur.crashes++;
      }
      cur.attempts++;
      cur.open = true;
    }
    this.entries.set(k, cur);
  }

  get(key: string): Attempt | undefined {
    return this.entries.get(key);
  }

  private async append(...records: Line[]): Promise<void> {
    if (records.length === 0) return;
    // Lines are appended at the end: only the daemon that holds the data directory writes here.
    this.handle ??= openForWriting(this.path, this.dataDir).then(async (h) => {
      this.size = (await h.stat()).size;
      return h;
    });
    const h = await this.handle;
    const buf = Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const at = this.size;
    this.size += buf.length;
    // A line into a file that exists: written at once (files.ts, SMALL_FILE_BYTES), in the order the lines come.
    writeAllSync(h.fd, buf, at);
  }

  /** Count an attempt, written before the work starts. */
  async begin(key: string): Promise<Attempt> {
    const line: Line = { k: key, t: this.entries.get(key)?.firstSeenAt ?? new Date().toISOString() };
    await this.append(line);
    this.replay(key, line);
    return { ...(this.entries.get(key) as Attempt) };
  }

  async fail(key: string, error: string): Promise<void> {
    const line: Line = { k: key, e: error };
    await this.append(line);
    this.replay(key, line);
  }

  /** The attempt did not count (the mail was deferred, untouched). */
  async undo(key: string): Promise<void> {
    if (!this.entries.has(key)) return;
    await this.append({ k: key, undo: true });
    this.replay(key, { undo: true });
  }

  /** The mail reached its folder: nothing more to count. */
  async done(keys: readonly string[]): Promise<void> {
    const known = keys.filter((k) => this.entries.delete(k));
    await this.append(...known.map((k) => ({ k, done: true })));
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h).close();
  }
}

function compact(a: Attempt): Record<string, unknown> {
  return { n: a.attempts, errs: a.errors, crashes: a.crashes, ...(a.error !== undefined ? { e: a.error } : {}) };
}
