/**
 * Removing mails from the bot's folders on the local disk (the embedded
 * Maildir's folders, the embedded outbox of sent replies): by age, by
 * address, or both. A file is overwritten, flushed, then unlinked; a link is
 * never followed. The IMAP source does the same on the server (imap.ts).
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openNoFollow, shredFile } from '../store/files.js';
import type { MailboxPurge } from '../store/port.js';

export interface FolderPurge {
  folder: string;
  count: number;
  bytes: number;
  oldest?: string;
  newest?: string;
  /** Mails that could not be removed (or a folder that could not be read), and the first error: the rest went on. */
  errors?: number;
  error?: string;
}

/** Note a failure on one item of a folder; the purge goes on with the next. */
export function noteFailure(r: FolderPurge, err: unknown): void {
  r.errors = (r.errors ?? 0) + 1;
  r.error ??= err instanceof Error ? err.message : String(err);
}

/** The addresses a message's header names as sender or recipient (From, Sender, To, Cc, Bcc, the envelope). */
export function headerAddresses(header: string): Set<string> {
  const unfolded = header.replace(/\r?\n[ \t]+/g, ' ');
  const out = new Set<string>();
  for (const line of unfolded.split(/\r?\n/)) {
    const m = /^(from|sender|to|cc|bcc|reply-to|x-envelope-to|x-envelope-from|delivered-to|return-path)\s*:(.*)$/i.exec(line);
    if (!m?.[2]) continue;
    // Split on the separators, then keep what holds an "@": linear, however long a forged header is.
    for (const token of m[2].split(/[\s<>,;:"()[\]]+/)) if (/^[^@]+@.*[^@]$/.test(token)) out.add(token.toLowerCase());
  }
  return out;
}

/** The header block of a stored message (at most 64 KB), read without following a link. */
export async function readHeaderBlock(path: string): Promise<string> {
  const handle = await openNoFollow(path);
  try {
    const buf = Buffer.alloc(65_536);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString('latin1');
    const end = text.search(/\r?\n\r?\n/);
    return end >= 0 ? text.slice(0, end) : text;
  } finally {
    await handle.close();
  }
}

/** The Message-ID a header block gives, as written between its angle brackets. */
export function headerMessageId(header: string): string | undefined {
  return /^message-id\s*:\s*(<[^>\r\n]*>)/im.exec(header.replace(/\r?\n[ \t]+/g, ' '))?.[1];
}

/** Whether a stored message falls under a purge: old enough, about one of the addresses when some are given, not one to keep. */
async function matches(path: string, mtimeMs: number, spec: MailboxPurge): Promise<boolean> {
  if (spec.before && mtimeMs >= Date.parse(spec.before)) return false;
  const narrowed = (spec.addresses?.length ?? 0) > 0 || (spec.keepMessageIds?.length ?? 0) > 0 || (spec.exceptAddresses?.length ?? 0) > 0;
  if (!narrowed) return true;
  const header = await readHeaderBlock(path);
  const id = headerMessageId(header);
  if (id && spec.keepMessageIds?.includes(id)) return false;
  const named = headerAddresses(header);
  if (spec.exceptAddresses?.some((a) => named.has(a.toLowerCase()))) return false;
  if (!spec.addresses || spec.addresses.length === 0) return true;
  return spec.addresses.some((a) => named.has(a.toLowerCase()));
}

/** Purge the message files of some folders (each a list of directories); with `dryRun`, only count. */
export async function purgeMessageFiles(folders: readonly { folder: string; dirs: string[] }[], spec: MailboxPurge, dryRun: boolean): Promise<FolderPurge[]> {
  const report: FolderPurge[] = [];
  for (const { folder, dirs } of folders) {
    const r: FolderPurge = { folder, count: 0, bytes: 0 };
    for (const dir of dirs) {
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (name.startsWith('.')) continue;
        const path = join(dir, name);
        try {
          const st = await lstat(path).catch(() => null);
          if (!st?.isFile()) continue; // a link or a folder is not a mail
          if (!(await matches(path, st.mtimeMs, spec))) continue;
          if (!dryRun) await shredFile(path);
          const at = new Date(st.mtimeMs).toISOString();
          r.count++;
          r.bytes += st.size;
          if (!r.oldest || at < r.oldest) r.oldest = at;
          if (!r.newest || at > r.newest) r.newest = at;
        } catch (err) {
          noteFailure(r, err);
        }
      }
    }
    report.push(r);
  }
  return report;
}
