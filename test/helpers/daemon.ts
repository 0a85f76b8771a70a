/** The real `mailbot start` process against the test mail servers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { generateBatchCsv } from '../../bench/generate.js';
import { mailbot } from './cli.js';
import { PASSWORD, type Dovecot, type SmtpRelay } from './mailservers.js';
import { productArgs } from './product.js';
import { sellerInput } from './sample.js';

export const BOT = 'factures@studio.test';
export const CLIENT = 'compta@atelier-dupont.test';

/** The three raw mails of one kill -9 trial, from the client to `to`: two CSV batches of their own and a question. */
export function trialMails(trial: number, to: string): Promise<Buffer[]> {
  return Promise.all(
    [0, 1, 2].map((i) => {
      const tag = `T${trial}M${i}`;
      const mail =
        i === 2
          ? { from: CLIENT, to, subject: `Question ${tag}`, text: 'Comment envoyer un fichier ?' }
          : { from: CLIENT, to, subject: `Lot ${tag}`, text: 'ci-joint', attachments: [{ filename: `${tag}.csv`, content: Buffer.from(generateBatchCsv(4, 2).replaceAll('B-0', `${tag}-`)), contentType: 'text/csv' }] };
      return new MailComposer(mail).compile().build();
    }),
  );
}

export interface DaemonHandle {
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * A data directory with a configuration pointing at the test servers (the
 * mailbox of `user`, "factures" by default) and, unless `client` is null,
 * the test client.
 */
export function prepareData(dataDir: string, dovecot: Dovecot, smtp: SmtpRelay, extra: Record<string, unknown> = {}, client: Record<string, unknown> | null = {}, options: { user?: string; env?: NodeJS.ProcessEnv } = {}): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeJson(join(dataDir, 'config.json'), {
    botAddress: BOT,
    imap: { host: '127.0.0.1', port: dovecot.imapPort, security: 'plain', auth: { type: 'password', user: options.user ?? 'factures', passwordEnv: 'MAILBOT_IMAP_PASSWORD' } },
    smtp: { host: '127.0.0.1', port: smtp.port, security: 'plain' },
    pollCron: '*/5 * * * * *',
    // The test mails carry no Authentication-Results of a real MX; the tests that check it set authservId.
    trustUnauthenticatedSenders: true,
    ...extra,
  });
  if (client === null) return;
  const add = mailbot(dataDir, ['client', 'add', '--file', writeJson(join(dataDir, '..', `client-${typeof client.id === "string" ? client.id : sellerInput.id}.json`), { ...sellerInput, emails: [CLIENT], ...client })], options.env);
  if (add.status !== 0) throw new Error(add.stderr);
}

function writeJson(path: string, value: unknown): string {
  writeFileSync(path, JSON.stringify(value, null, 2));
  return path;
}

export function startDaemon(dataDir: string, env: NodeJS.ProcessEnv = {}): DaemonHandle {
  // MAILBOT_NODE_ARGS adds flags to the daemon's node, after the production ones (e.g. --cpu-prof when profiling the mail bench).
  const nodeArgs = (process.env.MAILBOT_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, productArgs(['--data', dataDir, 'start'], nodeArgs), {
    env: { ...process.env, MAILBOT_IMAP_PASSWORD: PASSWORD, MAILBOT_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return {
    child,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}

export function auditActions(dataDir: string): { action: string; outcome: string; messageId?: string; clientId?: string; sender?: string; ip?: string; details?: Record<string, unknown> }[] {
  try {
    return readFileSync(join(dataDir, 'audit.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { action: string; outcome: string });
  } catch {
    return [];
  }
}

export function fixtureMail(name: string): Buffer {
  return readFileSync(join(import.meta.dirname, '..', 'fixtures', 'mail', name));
}
