/**
 * Transports share one tiny interface (as in nodemailer): hand over raw bytes
 * and an envelope. SMTP for real servers; a folder of .eml files for the
 * embedded mode, where nothing leaves the machine.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { SmtpConfig } from '../config/schema.js';
import type { MailboxPurge } from '../store/records.js';
import { purgeMessageFiles, type FolderPurge } from './purge.js';
import { writePrivateFile } from '../store/files.js';
import type { TokenProvider } from './oauth.js';
import { SENDERS } from './outbox.js';

export interface MailTransport {
  readonly name: string;
  send(raw: Buffer, envelope: { from: string; to: string[] }): Promise<void>;
  verify(): Promise<void>;
  close(): void;
  /** Copies of sent mail this transport keeps itself (the embedded outbox folder), purged like a folder. */
  purge?(spec: MailboxPurge, dryRun: boolean): Promise<FolderPurge[]>;
}

/** Embedded mode: each outgoing mail becomes data/outbox/<time>-<id>.eml. */
export class FolderTransport implements MailTransport {
  readonly name = 'folder';

  constructor(private readonly dir: string) {}

  async send(raw: Buffer, envelope: { from: string; to: string[] }): Promise<void> {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const id = Math.random().toString(36).slice(2, 10);
    const head = Buffer.from(`X-Envelope-From: ${envelope.from}\r\nX-Envelope-To: ${envelope.to.join(', ')}\r\n`);
    await writePrivateFile(join(this.dir, `${stamp}-${id}.eml`), [head, raw]);
  }

  async verify(): Promise<void> {}

  close(): void {}

  /** The .eml files of sent replies count as the embedded mailbox's Sent folder. */
  purge(spec: MailboxPurge, dryRun: boolean): Promise<FolderPurge[]> {
    return purgeMessageFiles([{ folder: 'outbox', dirs: [this.dir] }], spec, dryRun);
  }
}

export class SmtpTransport implements MailTransport {
  readonly name = 'smtp';
  private readonly transporter: Transporter;

  constructor(config: SmtpConfig, env: NodeJS.ProcessEnv, tokens?: TokenProvider) {
    const auth = config.auth;
    this.transporter = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: config.security === 'tls',
      requireTLS: config.security === 'starttls',
      ignoreTLS: config.security === 'plain',
      pool: true,
      maxConnections: SENDERS,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
      ...(config.caFile ? { tls: { ca: readFileSync(config.caFile) } } : {}),
      ...(auth?.type === 'password' ? { auth: { user: auth.user, pass: env[auth.passwordEnv] ?? '' } } : {}),
    });
    if (auth?.type === 'oauth2' && tokens) {
      // nodemailer asks for a token when it needs one; ours refreshes before expiry.
      this.transporter.set('oauth2_provision_cb', (_user: string, _renew: boolean, cb: (err: Error | null, token?: string) => void) => {
        tokens.accessToken().then((t) => cb(null, t), (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))));
      });
      this.oauthUser = auth.user;
    }
  }

  private oauthUser?: string;

  async send(raw: Buffer, envelope: { from: string; to: string[] }): Promise<void> {
    await this.transporter.sendMail({ envelope, raw, ...(this.oauthUser ? { auth: { type: 'OAuth2', user: this.oauthUser } } : {}) });
  }

  async verify(): Promise<void> {
    await this.transporter.verify();
  }

  close(): void {
    this.transporter.close();
  }
}
