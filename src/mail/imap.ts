/**
 * The studio's mailbox over IMAP (imapflow). Push first: imapflow IDLEs on
 * the inbox once it has been idle for `autoIdleDelay` (lowered from 15 s to
 * half a second) and reports new mail as "exists". imapflow does not
 * reconnect: on "close" a new client is built and connected again with a
 * capped exponential backoff, each attempt logged. Mailbox locks are held for
 * one command and released in `finally`.
 */
import { readFileSync } from 'node:fs';
import { ImapFlow, type SearchObject } from 'imapflow';
import { MailbotError } from '../core/errors.js';
import type { Logger } from 'pino';
import type { ImapConfig } from '../config/schema.js';
import type { TokenProvider } from './oauth.js';
import type { MailboxPurge } from '../store/records.js';
import { noteFailure, type FolderPurge } from './purge.js';
import type { MailRef, MailSource } from './source.js';

const BACKOFF_MS = [1000, 2000, 5000, 10_000, 30_000, 60_000];
/** Connections that copy sent replies to the Sent folder (with the inbox's, within Dovecot's default of 10 per user and address). */
export const SENT_CONNECTIONS = 3;
/** Mails fetched in one command at most. */
export const FETCH_GROUP = 32;

export class ImapSource implements MailSource {
  readonly name = 'imap';
  private client?: ImapFlow;
  private connecting?: Promise<ImapFlow>;
  private closed = false;
  private attempts = 0;
  private connState = 'disconnected';
  private readonly listeners: (() => void)[] = [];
  private readonly knownFolders = new Set<string>();

  constructor(
    private readonly config: ImapConfig,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: Logger,
    private readonly tokens?: TokenProvider,
  ) {}

  /**
   * The mailbox as the ledger names it: the account and the folder. UIDVALIDITY
   * and UID identify a message only within one mailbox of one server, and two
   * accounts' inboxes can share a UIDVALIDITY (it is often a timestamp): daemons
   * sharing a store must never take one mailbox's mail for another's.
   */
  get mailboxName(): string {
    return `imap://${this.config.auth.user}@${this.config.host}:${this.config.port}/${this.config.inbox}`;
  }

  get description(): string {
    return `IMAP ${this.config.auth.user}@${this.config.host}:${this.config.port} (${this.config.security})`;
  }

  state(): string {
    return this.connState;
  }

  async open(options: { deadlineMs?: number } = {}): Promise<void> {
    this.deadline = options.deadlineMs !== undefined ? Date.now() + options.deadlineMs : undefined;
    try {
      await this.ready();
    } finally {
      this.deadline = undefined;
    }
  }

  /** While opening with a deadline: when to give up. */
  private deadline?: number;

  private async build(): Promise<ImapFlow> {
    const auth = this.config.auth;
    const credentials =
      auth.type === 'password'
        ? { user: auth.user, pass: this.env[auth.passwordEnv] ?? '' }
        : { user: auth.user, accessToken: await (this.tokens as TokenProvider).accessToken(), ...(auth.method === 'OAUTHBEARER' ? { loginMethod: 'OAUTHBEARER' } : {}) };
    return new ImapFlow({
      host: this.config.host,
      port: this.config.port,
      secure: this.config.security === 'tls',
      doSTARTTLS: this.config.security === 'starttls' ? true : this.config.security === 'plain' ? false : undefined,
      auth: credentials,
      logger: false,
      autoIdleDelay: 500,
      ...(this.config.caFile ? { tls: { ca: readFileSync(this.config.caFile) } } : {}),
    });
  }

  /** The connected client, connecting (again) if needed. */
  private ready(): Promise<ImapFlow> {
    if (this.client?.usable) return Promise.resolve(this.client);
    this.connecting ??= this.connectWithBackoff().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connectWithBackoff(): Promise<ImapFlow> {
    for (;;) {
      if (this.closed) throw new Error('IMAP source closed');
      this.connState = this.attempts === 0 ? 'connecting' : `reconnecting (attempt ${this.attempts + 1})`;
      try {
        const client = await this.build();
        client.on('error', (err: Error) => this.log.warn({ err: err.message }, 'imap error'));
        client.on('exists', () => {
          for (const l of this.listeners) l();
        });
        client.on('close', () => {
          if (this.client === client) this.client = undefined;
          this.connState = 'disconnected';
          if (!this.closed) {
            this.log.warn('imap connection closed; reconnecting');
            // Reconnect now so IDLE resumes; the poll would also bring it back.
            void this.ready().then(
              () => this.listeners.forEach((l) => l()),
              () => undefined,
            );
          }
        });
        await client.connect();
        // Select the inbox so that IDLE watches it between commands.
        await client.mailboxOpen(this.config.inbox);
        this.client = client;
        this.attempts = 0;
        this.connState = 'connected';
        this.log.info({ host: this.config.host }, 'imap connected');
        return client;
      } catch (err) {
        const delay = BACKOFF_MS[Math.min(this.attempts, BACKOFF_MS.length - 1)] ?? 60_000;
        this.attempts++;
        if (this.deadline !== undefined && Date.now() + delay > this.deadline) {
          this.connState = 'unreachable';
          throw new MailbotError('MAILBOX_UNREACHABLE', `the IMAP server ${this.config.host}:${this.config.port} could not be reached (${this.attempts} attempt(s)): ${err instanceof Error ? err.message : String(err)}. Check that it runs and the configuration (mailbot check-config)`);
        }
        this.log.warn({ attempt: this.attempts, delayMs: delay, err: err instanceof Error ? err.message : String(err) }, 'imap connection failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async withInbox<T>(fn: (client: ImapFlow) => Promise<T>): Promise<T> {
    const client = await this.ready();
    const lock = await client.getMailboxLock(this.config.inbox);
    try {
      return await fn(client);
    } finally {
      lock.release();
    }
  }

  /** One login attempt, no retry: for `mailbot check-config`. */
  async checkLogin(): Promise<string> {
    const client = await this.build();
    client.on('error', () => undefined);
    await client.connect();
    try {
      const box = await client.mailboxOpen(this.config.inbox);
      return `${box.exists} message(s) in ${this.config.inbox}`;
    } finally {
      await client.logout().catch(() => undefined);
    }
  }

  async list(): Promise<MailRef[]> {
    return this.withInbox(async (client) => {
      const box = client.mailbox;
      if (!box || box.exists === 0) return [];
      const uidValidity = String(box.uidValidity);
      const refs: MailRef[] = [];
      for await (const msg of client.fetch('1:*', { uid: true, size: true })) {
        refs.push({ key: { mailbox: this.mailboxName, uidValidity, uid: String(msg.uid) }, ...(msg.size ? { size: msg.size } : {}) });
      }
      return refs.sort((a, b) => Number(a.key.uid) - Number(b.key.uid));
    });
  }

  /**
   * Mails asked for while a FETCH is under way go together in the next one
   * (a UID set, at most FETCH_GROUP): the connection answers one command at
   * a time, and a few mails in one round trip cost little more than one.
   * Their bytes are already counted by the caller's budget (daemon.ts).
   */
  fetch(ref: MailRef): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      this.wanted.push({ ref, resolve, reject });
      void this.fetchWanted();
    });
  }

  private readonly wanted: { ref: MailRef; resolve: (raw: Buffer) => void; reject: (err: unknown) => void }[] = [];
  private fetchingWanted = false;

  private async fetchWanted(): Promise<void> {
    if (this.fetchingWanted) return;
    this.fetchingWanted = true;
    try {
      while (this.wanted.length > 0) {
        const group = this.wanted.splice(0, FETCH_GROUP);
        try {
          await this.withInbox(async (client) => {
            const uidValidity = String(client.mailbox ? client.mailbox.uidValidity : '');
            const asked = group.filter((w) => w.ref.key.uidValidity === uidValidity);
            for (const w of group) if (!asked.includes(w)) w.reject(new Error('UIDVALIDITY changed: the inbox was recreated'));
            const got = new Map<string, Buffer>();
            if (asked.length > 0) {
              for await (const msg of client.fetch(asked.map((w) => w.ref.key.uid).join(','), { uid: true, source: true }, { uid: true })) {
                if (msg.source) got.set(String(msg.uid), msg.source);
              }
            }
            for (const w of asked) {
              const raw = got.get(w.ref.key.uid);
              if (raw) w.resolve(raw);
              else w.reject(new Error(`message UID ${w.ref.key.uid} is no longer in the inbox`));
            }
          });
        } catch (err) {
          for (const w of group) w.reject(err); // a promise settles once: those already answered keep their answer
        }
      }
    } finally {
      this.fetchingWanted = false;
    }
  }

  async fetchHeader(ref: MailRef): Promise<string> {
    return this.withInbox(async (client) => {
      const msg = await client.fetchOne(ref.key.uid, { headers: true }, { uid: true });
      return msg && msg.headers ? msg.headers.toString('latin1') : '';
    });
  }

  private async ensureFolder(client: ImapFlow, folder: string): Promise<void> {
    if (this.knownFolders.has(folder)) return;
    const list = await client.list();
    if (!list.some((b) => b.path === folder)) await client.mailboxCreate(folder).catch(() => undefined);
    this.knownFolders.add(folder);
  }

  async moveMany(refs: readonly MailRef[], folder: string): Promise<void> {
    if (refs.length === 0) return;
    await this.withInbox(async (client) => {
      await this.ensureFolder(client, folder);
      // RFC 6851 MOVE with a UID set; imapflow falls back to COPY + EXPUNGE of those UIDs only.
      await client.messageMove(refs.map((r) => r.key.uid).join(','), folder, { uid: true });
    });
  }

  /**
   * Copies of sent replies go over connections of their own (SENT_CONNECTIONS,
   * each taking the next copy when it has the fewest in hand): an APPEND (a
   * new file on the server, flushed to its disk) then never waits in line
   * with the inbox's FETCH and MOVE commands, nor they with it. A failure
   * drops its connection; the next copy connects again (one attempt, no
   * backoff: the caller logs a failed copy and goes on).
   */
  async saveSent(raw: Buffer): Promise<void> {
    if (!this.config.sentFolder) return;
    const folder = this.config.sentFolder;
    const slot = this.sentSlots.reduce((best, s) => (s.busy < best.busy ? s : best));
    slot.busy++;
    try {
      const client = await this.sentConnection(slot);
      try {
        await this.ensureFolder(client, folder);
        await client.append(folder, raw, ['\\Seen']);
      } catch (err) {
        if ((await slot.client?.catch(() => undefined)) === client) slot.client = undefined;
        await client.logout().catch(() => undefined);
        throw err;
      }
    } finally {
      slot.busy--;
    }
  }

  async sentCopy(messageId: string): Promise<Buffer | undefined> {
    const folder = this.config.sentFolder;
    if (!folder) return undefined;
    const client = await this.ready();
    const lock = await client.getMailboxLock(folder).catch(() => undefined); // no Sent folder yet: nothing kept
    if (!lock) return undefined;
    try {
      const uids = await client.search({ header: { 'message-id': messageId } }, { uid: true });
      const uid = Array.isArray(uids) ? uids.at(-1) : undefined;
      if (uid === undefined) return undefined;
      const m = await client.fetchOne(String(uid), { source: true }, { uid: true });
      return m && m.source ? m.source : undefined;
    } finally {
      lock.release();
    }
  }

  private readonly sentSlots: { client?: Promise<ImapFlow>; busy: number }[] = Array.from({ length: SENT_CONNECTIONS }, () => ({ busy: 0 }));

  private async sentConnection(slot: { client?: Promise<ImapFlow> }): Promise<ImapFlow> {
    if (this.closed) throw new Error('IMAP source closed');
    const known = slot.client;
    if (known) {
      const client = await known.catch(() => undefined);
      if (client?.usable) return client;
      if (slot.client === known) slot.client = undefined;
    }
    slot.client ??= (async () => {
      const client = await this.build();
      client.on('error', (err: Error) => this.log.warn({ err: err.message }, 'imap error (Sent folder connection)'));
      await client.connect();
      return client;
    })();
    return slot.client;
  }

  async purge(spec: MailboxPurge, dryRun: boolean): Promise<FolderPurge[]> {
    const client = await this.ready();
    const existing = new Set((await client.list()).map((b) => b.path));
    const report: FolderPurge[] = [];
    for (const folder of spec.folders) {
      const r: FolderPurge = { folder, count: 0, bytes: 0 };
      report.push(r);
      if (!existing.has(folder) || folder === this.config.inbox) continue;
      // One folder that fails (a lock, a server error) is reported; the next is still purged.
      try {
        await this.purgeFolder(client, folder, spec, dryRun, r);
      } catch (err) {
        noteFailure(r, err);
      }
    }
    return report;
  }

  private async purgeFolder(client: ImapFlow, folder: string, spec: MailboxPurge, dryRun: boolean, r: FolderPurge): Promise<void> {
    const lock = await client.getMailboxLock(folder);
    try {
      const query: SearchObject = {};
      // BEFORE compares dates only: ask for a day more, then keep what arrived before the instant.
      if (spec.before) query.before = new Date(Date.parse(spec.before) + 86_400_000);
      if (spec.addresses?.length) query.or = spec.addresses.flatMap((a) => [{ from: a }, { to: a }, { cc: a }]);
      const found = await client.search(query, { uid: true });
      if (!found || found.length === 0) return;
      // INTERNALDATE has whole seconds: a mail of the cutoff's own second is kept.
      const cutoff = spec.before ? new Date(Math.floor(Date.parse(spec.before) / 1000) * 1000).toISOString() : undefined;
      const uids: number[] = [];
      const keep = new Set(spec.keepMessageIds ?? []);
      const except = new Set((spec.exceptAddresses ?? []).map((a) => a.toLowerCase()));
      const envelope = keep.size > 0 || except.size > 0;
      for await (const m of client.fetch(found, { uid: true, size: true, internalDate: true, ...(envelope ? { envelope: true } : {}) }, { uid: true })) {
        const at = m.internalDate ? new Date(m.internalDate).toISOString() : undefined;
        if (cutoff && at && at >= cutoff) continue;
        if (m.envelope?.messageId && keep.has(m.envelope.messageId)) continue;
        if (except.size > 0) {
          const e = m.envelope;
          const named = [...(e?.from ?? []), ...(e?.sender ?? []), ...(e?.to ?? []), ...(e?.cc ?? []), ...(e?.bcc ?? []), ...(e?.replyTo ?? [])].map((x) => x.address?.toLowerCase());
          if (named.some((a) => a !== undefined && except.has(a))) continue;
        }
        uids.push(m.uid);
        r.count++;
        r.bytes += m.size ?? 0;
        if (at && (!r.oldest || at < r.oldest)) r.oldest = at;
        if (at && (!r.newest || at > r.newest)) r.newest = at;
      }
      // STORE +FLAGS (\Deleted) then UID EXPUNGE of these UIDs only (RFC 4315).
      if (!dryRun && uids.length > 0) await client.messageDelete(uids.join(','), { uid: true });
    } finally {
      lock.release();
    }
  }

  async restore(folder: string, mail: { messageRef?: string }, hash: (messageId: string) => string): Promise<boolean> {
    if (!mail.messageRef) return false;
    const client = await this.ready();
    const lock = await client.getMailboxLock(folder);
    try {
      for await (const m of client.fetch('1:*', { uid: true, envelope: true })) {
        if (m.envelope?.messageId && hash(m.envelope.messageId) === mail.messageRef) {
          // MOVE gives it a new UID in the inbox: a new mail to the bot, its attempts counted afresh.
          await client.messageMove(String(m.uid), this.config.inbox, { uid: true });
          return true;
        }
      }
      return false;
    } finally {
      lock.release();
    }
  }

  onActivity(listener: () => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.connState = 'closed';
    await this.client?.logout().catch(() => undefined);
    for (const slot of this.sentSlots) {
      const sent = await slot.client?.catch(() => undefined);
      await sent?.logout().catch(() => undefined);
    }
  }
}
