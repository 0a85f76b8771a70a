/**
 * Real mail servers for end-to-end tests, on 127.0.0.1 only: a private
 * Dovecot (IMAP + LMTP, passwd-file users, Maildir in a temp folder, run in
 * the foreground as our child) and an SMTP server (the smtp-server package)
 * that delivers what it receives into Dovecot by LMTP.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ImapFlow, type FetchMessageObject } from 'imapflow';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { tempDir } from './tools.js';

export const MAIL_UID = 8; // Debian's "mail" user: Dovecot refuses to run mail processes as root
export const PASSWORD = 'test-secret';

export function dovecotAvailable(): boolean {
  return spawnSync('dovecot', ['--version']).status === 0;
}

/** In CI a missing Dovecot fails the run; elsewhere the end-to-end tests are skipped, saying why. */
export function e2eSkipReason(): string | false {
  if (dovecotAvailable()) return false;
  if (process.env.CI === 'true') throw new Error('Dovecot is required in CI (apt-get install dovecot-imapd dovecot-lmtpd)');
  return 'Dovecot is not installed: run `apt-get install dovecot-imapd dovecot-lmtpd` to enable the end-to-end mail tests';
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
}
export { waitFor };

/** A client of the test Dovecot listening on `port`, for `user` (with the tests' password): another process can make one from the port alone. */
export function imapClientAt(port: number, user: string): ImapFlow {
  const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user, pass: PASSWORD }, logger: false });
  c.on('error', () => undefined);
  return c;
}

export class Dovecot {
  readonly dir = tempDir('mailbot-dovecot-');
  imapPort = 0;
  lmtpPort = 0;
  private child?: ChildProcess;
  private readonly passwd: string;
  private readonly conf: string;

  /** With `tls`, a self-signed certificate for 127.0.0.1: STARTTLS on the IMAP port, implicit TLS on `imapsPort`. */
  imapsPort = 0;
  caFile = '';

  constructor(private readonly options: { tls?: boolean } = {}) {
    this.passwd = join(this.dir.path, 'passwd');
    this.conf = join(this.dir.path, 'dovecot.conf');
  }

  private makeCertificate(): void {
    const key = join(this.dir.path, 'key.pem');
    this.caFile = join(this.dir.path, 'cert.pem');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', this.caFile, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
    chmodSync(key, 0o644);
  }

  async start(): Promise<void> {
    if (!this.imapPort) {
      this.imapPort = await freePort();
      this.lmtpPort = await freePort();
      if (this.options.tls) {
        this.imapsPort = await freePort();
        this.makeCertificate();
      }
      const root = this.dir.path;
      chmodSync(root, 0o755);
      mkdirSync(join(root, 'mail'), { recursive: true });
      chownSync(join(root, 'mail'), MAIL_UID, MAIL_UID);
      writeFileSync(this.passwd, '');
      writeFileSync(
        this.conf,
        [
          `base_dir = ${root}/run`,
          `state_dir = ${root}/state`,
          `log_path = ${root}/dovecot.log`,
          `info_log_path = ${root}/dovecot.log`,
          'listen = 127.0.0.1',
          'protocols = imap lmtp',
          ...(this.options.tls
            ? ['ssl = yes', `ssl_cert = <${this.caFile}`, `ssl_key = <${join(root, 'key.pem')}`, ...(existsSync('/usr/share/dovecot/dh.pem') ? ['ssl_dh = </usr/share/dovecot/dh.pem'] : [])]
            : ['ssl = no']),
          'disable_plaintext_auth = no',
          'auth_mechanisms = plain login',
          'auth_username_format = %Ln',
          `mail_location = maildir:${root}/mail/%n`,
          `mail_uid = ${MAIL_UID}`,
          `mail_gid = ${MAIL_UID}`,
          `first_valid_uid = ${MAIL_UID}`,
          `first_valid_gid = ${MAIL_UID}`,
          'default_internal_user = dovecot',
          'default_login_user = dovenull',
          `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%n ${this.passwd}\n}`,
          `userdb {\n  driver = static\n  args = uid=${MAIL_UID} gid=${MAIL_UID} home=${root}/mail/%n\n}`,
          'namespace inbox {\n  inbox = yes\n  separator = /\n}',
          `service imap-login {\n  inet_listener imap {\n    address = 127.0.0.1\n    port = ${this.imapPort}\n  }\n  inet_listener imaps {\n    address = 127.0.0.1\n    port = ${this.imapsPort}\n  }\n}`,
          `service lmtp {\n  inet_listener lmtp {\n    address = 127.0.0.1\n    port = ${this.lmtpPort}\n  }\n}`,
          'service anvil {\n  chroot =\n}',
          'service stats {\n  unix_listener stats-writer {\n    mode = 0666\n  }\n}',
          '',
        ].join('\n'),
      );
    }
    this.child = spawn('dovecot', ['-F', '-c', this.conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    await waitFor('Dovecot to accept IMAP logins', async () => {
      const c = new ImapFlow({ host: '127.0.0.1', port: this.imapPort, secure: false, doSTARTTLS: false, auth: { user: 'probe', pass: 'x' }, logger: false });
      c.on('error', () => undefined);
      try {
        await c.connect();
        return true;
      } catch (err) {
        // An authentication failure means the server is up.
        return /auth/i.test(String((err as { authenticationFailed?: boolean; message?: string }).message)) || (err as { authenticationFailed?: boolean }).authenticationFailed ? true : undefined;
      } finally {
        c.close();
      }
    });
  }

  addUser(name: string): void {
    appendFileSync(this.passwd, `${name}:{PLAIN}${PASSWORD}::::::\n`);
  }

  /** Stop the server as a restart would: the master, and the sessions it leaves running for a few seconds. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.pid === undefined) return;
    const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.child = undefined;
  }

  async destroy(): Promise<void> {
    await this.stop();
    this.dir.cleanup();
  }

  client(user: string): ImapFlow {
    return imapClientAt(this.imapPort, user);
  }

  /** Put a raw message straight into a user's folder (as a delivery would), with its arrival date if given (INTERNALDATE). */
  async append(user: string, raw: Buffer | string, folder = 'INBOX', internalDate?: Date): Promise<void> {
    const c = this.client(user);
    await c.connect();
    try {
      if (folder !== 'INBOX') await c.mailboxCreate(folder).catch(() => undefined);
      await c.append(folder, raw, [], internalDate);
    } finally {
      await c.logout();
    }
  }

  /** How many messages a folder holds (0 when it does not exist), without fetching them. */
  async count(user: string, folder = 'INBOX'): Promise<number> {
    const c = this.client(user);
    await c.connect();
    try {
      const status = await c.status(folder, { messages: true }).catch(() => undefined);
      return status ? (status.messages ?? 0) : 0;
    } finally {
      await c.logout();
    }
  }

  /** Every message of a folder, with its source. */
  async messages(user: string, folder = 'INBOX'): Promise<FetchMessageObject[]> {
    const c = this.client(user);
    await c.connect();
    try {
      const list = await c.list();
      if (!list.some((b) => b.path === folder)) return [];
      const lock = await c.getMailboxLock(folder);
      try {
        if (!c.mailbox || c.mailbox.exists === 0) return [];
        const out: FetchMessageObject[] = [];
        for await (const m of c.fetch('1:*', { uid: true, source: true, envelope: true })) out.push(m);
        return out;
      } finally {
        lock.release();
      }
    } finally {
      await c.logout();
    }
  }
}

/** An SMTP server on 127.0.0.1 that delivers into Dovecot by LMTP; it can be stopped and started again on its port. */
export class SmtpRelay {
  port = 0;
  received = 0;
  private server?: SMTPServer;

  /**
   * With `tls`, STARTTLS with the Dovecot instance's certificate. With
   * `rcpt`, the answer to each RCPT TO: a reply code (e.g. 550, 451) refuses
   * the recipient, undefined accepts it.
   */
  constructor(
    private readonly dovecot: Dovecot,
    private readonly options: { tls?: boolean; rcpt?: (address: string) => number | undefined } = {},
  ) {}

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const lmtp = nodemailer.createTransport({ host: '127.0.0.1', port: this.dovecot.lmtpPort, lmtp: true, ignoreTLS: true } as Parameters<typeof nodemailer.createTransport>[0]);
    const tls = this.options.tls ? { key: readFileSync(join(this.dovecot.dir.path, 'key.pem')), cert: readFileSync(this.dovecot.caFile) } : undefined;
    this.server = new SMTPServer({
      ...(tls ? { ...tls, disabledCommands: [] } : { disabledCommands: ['STARTTLS'] }),
      authOptional: true,
      allowInsecureAuth: true,
      logger: false,
      onRcptTo: (address, _session, callback) => {
        const code = this.options.rcpt?.(address.address);
        if (code === undefined) return callback();
        callback(Object.assign(new Error(`${code} ${code >= 500 ? '5.1.1' : '4.2.0'} <${address.address}>: ${code >= 500 ? 'no such user' : 'try again later'}`), { responseCode: code }));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          const to = session.envelope.rcptTo.map((r) => r.address);
          this.received++;
          lmtp.sendMail({ envelope: { from, to }, raw: Buffer.concat(chunks) }).then(
            () => callback(),
            (err: Error) => callback(err),
          );
        });
      },
    });
    // A client killed in the middle of a session resets its connection: expected in the kill -9 tests, not a fault of the relay.
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve) => this.server?.listen(this.port, '127.0.0.1', () => resolve()));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * A Dovecot with these users, an SMTP relay delivering into it and a
 * temporary folder, for one test: all stopped and removed afterwards,
 * whatever the test did.
 */
export async function withMailServers<T>(users: readonly string[], fn: (w: { dovecot: Dovecot; smtp: SmtpRelay; dir: string }) => Promise<T>, options: { prefix?: string; rcpt?: (address: string) => number | undefined } = {}): Promise<T> {
  const dovecot = new Dovecot();
  const smtp = new SmtpRelay(dovecot, options.rcpt ? { rcpt: options.rcpt } : {});
  const dir = tempDir(options.prefix ?? 'mailbot-servers-');
  try {
    await dovecot.start();
    for (const user of users) dovecot.addUser(user);
    await smtp.start();
    return await fn({ dovecot, smtp, dir: dir.path });
  } finally {
    await smtp.stop();
    await dovecot.destroy();
    dir.cleanup();
  }
}
