/**
 * The embedded mailbox: a Maildir under data/mailbox/ (new/, cur/, tmp/),
 * folders as Maildir++ (".Processed/"). Reading moves a message from new/ to
 * cur/ (its name keeps its unique part, which serves as UID); moving it to a
 * folder is a rename. Nothing is ever deleted.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { lstat, readdir, readFile, rename } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { ensurePrivateDir, readPrivateFile, writePrivateFile } from '../store/files.js';
import type { MailboxPurge } from '../store/records.js';
import { purgeMessageFiles, readHeaderBlock, type FolderPurge } from './purge.js';
import type { MailRef, MailSource } from './source.js';

export class MaildirSource implements MailSource {
  readonly name = 'maildir';
  private watcher?: FSWatcher;
  private uidValidity = '';
  private readonly listeners: (() => void)[] = [];

  constructor(readonly root: string) {}

  readonly mailboxName = 'maildir:INBOX';

  get description(): string {
    return `local Maildir ${this.root}`;
  }

  async open(_options: { deadlineMs?: number } = {}): Promise<void> {
    for (const sub of ['new', 'cur', 'tmp']) await ensurePrivateDir(join(this.root, sub));
    const file = join(this.root, '.uidvalidity');
    if (!existsSync(file)) await writePrivateFile(file, String(Math.floor(Date.now() / 1000)));
    this.uidValidity = (await readFile(file, 'utf8')).trim();
    this.watcher = watch(join(this.root, 'new'), () => {
      for (const l of this.listeners) l();
    });
  }

  async list(): Promise<MailRef[]> {
    // Claim what is new: new/NAME → cur/NAME:2, (Maildir spec: the info suffix marks it seen by a reader).
    for (const name of await readdir(join(this.root, 'new'))) {
      if (name.startsWith('.')) continue;
      await rename(join(this.root, 'new', name), join(this.root, 'cur', `${name.split(':')[0] ?? name}:2,`)).catch(() => undefined);
    }
    const names = (await readdir(join(this.root, 'cur'))).filter((n) => !n.startsWith('.'));
    const refs: (MailRef & { mtime: number })[] = [];
    // The file of each unique name, from this listing: fetch and move need no new look at cur/.
    this.files.clear();
    for (const name of names) {
      // lstat: a planted link is not a mail, and is never opened.
      const s = await lstat(join(this.root, 'cur', name)).catch(() => null);
      if (!s?.isFile()) continue;
      const uid = name.split(':')[0] ?? name;
      this.files.set(uid, name);
      refs.push({ key: { mailbox: this.mailboxName, uidValidity: this.uidValidity, uid }, size: s.size, mtime: s.mtimeMs });
    }
    return refs.sort((a, b) => a.mtime - b.mtime || a.key.uid.localeCompare(b.key.uid)).map(({ key, size }) => ({ key, ...(size !== undefined ? { size } : {}) }));
  }

  private readonly files = new Map<string, string>();

  private pathOf(ref: MailRef): string {
    const name = this.files.get(ref.key.uid);
    if (!name) throw new Error(`message ${ref.key.uid} is no longer in the inbox`);
    return join(this.root, 'cur', name);
  }

  async fetch(ref: MailRef): Promise<Buffer> {
    return readPrivateFile(this.pathOf(ref));
  }

  fetchHeader(ref: MailRef): Promise<string> {
    return readHeaderBlock(this.pathOf(ref));
  }

  async move(ref: MailRef, folder: string): Promise<void> {
    const name = this.files.get(ref.key.uid);
    if (!name) return; // already moved (a retry after a crash)
    const dir = join(this.root, `.${folder.replace(/[/\\]/g, '.')}`);
    for (const sub of ['new', 'cur', 'tmp']) await ensurePrivateDir(join(dir, sub), this.root);
    await rename(join(this.root, 'cur', name), join(dir, 'cur', name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err; // gone already: moved by an earlier attempt
    });
    this.files.delete(ref.key.uid);
  }

  async moveMany(refs: readonly MailRef[], folder: string): Promise<void> {
    for (const ref of refs) await this.move(ref, folder);
  }

  async saveSent(raw: Buffer): Promise<void> {
    await deliverToMaildir(join(this.root, '.Sent'), raw);
  }

  async sentCopy(messageId: string, within = 2_000): Promise<Buffer | undefined> {
    // The newest copies first (Maildir names begin with their time), a bounded number of them.
    const dir = join(this.root, '.Sent');
    const names = (await Promise.all(['new', 'cur'].map(async (sub) => (await readdir(join(dir, sub)).catch(() => [] as string[])).map((n) => join(dir, sub, n))))).flat();
    const wanted = `message-id: ${messageId}`.toLowerCase();
    for (const path of names.sort((a, b) => basename(b).localeCompare(basename(a))).slice(0, within)) {
      const header = await readHeaderBlock(path).catch(() => '');
      // Header lines may be folded ("Message-ID:\r\n <…>"): unfolded before they are compared.
      if (header.replace(/\r?\n[ \t]+/g, ' ').toLowerCase().includes(wanted)) return readFile(path).catch(() => undefined);
    }
    return undefined;
  }

  async purge(spec: MailboxPurge, dryRun: boolean): Promise<FolderPurge[]> {
    const folders = spec.folders.map((folder) => {
      const dir = join(this.root, `.${folder.replace(/[/\\]/g, '.')}`);
      return { folder, dirs: [join(dir, 'cur'), join(dir, 'new')] };
    });
    return purgeMessageFiles(folders, spec, dryRun);
  }

  async restore(folder: string, mail: { uid: string }): Promise<boolean> {
    const dir = join(this.root, `.${folder.replace(/[/\\]/g, '.')}`, 'cur');
    const name = (await readdir(dir).catch(() => [] as string[])).find((n) => (n.split(':')[0] ?? n) === mail.uid);
    if (!name) return false;
    // A new unique name: to the bot it is a new mail, with its attempts counted afresh.
    const fresh = `${Date.now()}.M${String(delivered++ % 1e6).padStart(6, '0')}${randomBytes(4).toString('hex')}P${process.pid}.${hostname().replace(/[/:]/g, '_')}`;
    await rename(join(dir, name), join(this.root, 'new', fresh));
    return true;
  }

  onActivity(listener: () => void): void {
    this.listeners.push(listener);
  }

  close(): Promise<void> {
    this.watcher?.close();
    this.watcher = undefined;
    return Promise.resolve();
  }

  state(): string {
    return this.watcher ? 'watching' : 'closed';
  }
}

let delivered = 0;

/**
 * Deliver a message the Maildir way: write in tmp/, rename into new/. The
 * unique name starts with the time and a counter, so that mails delivered
 * in the same millisecond keep their order.
 */
export async function deliverToMaildir(root: string, raw: Buffer): Promise<string> {
  for (const sub of ['new', 'cur', 'tmp']) await ensurePrivateDir(join(root, sub));
  const name = `${Date.now()}.M${String(delivered++ % 1e6).padStart(6, '0')}${randomBytes(4).toString('hex')}P${process.pid}.${hostname().replace(/[/:]/g, '_')}`;
  await writePrivateFile(join(root, 'tmp', name), raw);
  await rename(join(root, 'tmp', name), join(root, 'new', name));
  return name;
}
