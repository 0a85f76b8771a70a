/**
 * The embedded mailbox: a Maildir under data/mailbox/ (new/, cur/, tmp/),
 * folders as Maildir++ (".Processed/"). Reading moves a message from new/ to
 * cur/ (its name keeps its unique part, which serves as UID); moving it to a
 * folder is a rename. Nothing is ever deleted.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, rename, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateDir, writePrivateFile } from '../store/files.js';
import type { MailRef, MailSource } from './source.js';

export class MaildirSource implements MailSource {
  readonly name = 'maildir';
  private watcher?: FSWatcher;
  private uidValidity = '';
  private readonly listeners: (() => void)[] = [];

  constructor(readonly root: string) {}

  get description(): string {
    return `local Maildir ${this.root}`;
  }

  async open(): Promise<void> {
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
    for (const name of names) {
      const s = await stat(join(this.root, 'cur', name)).catch(() => null);
      if (s?.isFile()) refs.push({ key: { mailbox: 'maildir:INBOX', uidValidity: this.uidValidity, uid: name.split(':')[0] ?? name }, size: s.size, mtime: s.mtimeMs });
    }
    return refs.sort((a, b) => a.mtime - b.mtime || a.key.uid.localeCompare(b.key.uid)).map(({ key, size }) => ({ key, ...(size !== undefined ? { size } : {}) }));
  }

  private async pathOf(ref: MailRef): Promise<string> {
    const names = await readdir(join(this.root, 'cur'));
    const name = names.find((n) => (n.split(':')[0] ?? n) === ref.key.uid);
    if (!name) throw new Error(`message ${ref.key.uid} is no longer in the inbox`);
    return join(this.root, 'cur', name);
  }

  async fetch(ref: MailRef): Promise<Buffer> {
    return readFile(await this.pathOf(ref));
  }

  async move(ref: MailRef, folder: string): Promise<void> {
    const from = await this.pathOf(ref).catch(() => null);
    if (!from) return; // already moved (a retry after a crash)
    const dir = join(this.root, `.${folder.replace(/[/\\]/g, '.')}`);
    for (const sub of ['new', 'cur', 'tmp']) await ensurePrivateDir(join(dir, sub));
    await rename(from, join(dir, 'cur', from.split('/').pop() ?? ref.key.uid));
  }

  async moveMany(refs: readonly MailRef[], folder: string): Promise<void> {
    for (const ref of refs) await this.move(ref, folder);
  }

  async saveSent(raw: Buffer): Promise<void> {
    await deliverToMaildir(join(this.root, '.Sent'), raw);
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

/** Deliver a message the Maildir way: write in tmp/, rename into new/. */
export async function deliverToMaildir(root: string, raw: Buffer): Promise<string> {
  for (const sub of ['new', 'cur', 'tmp']) await ensurePrivateDir(join(root, sub));
  const name = `${Date.now()}.M${randomBytes(6).toString('hex')}P${process.pid}.${hostname().replace(/[/:]/g, '_')}`;
  await writePrivateFile(join(root, 'tmp', name), raw);
  await rename(join(root, 'tmp', name), join(root, 'new', name));
  return name;
}
