/**
 * The mail servers' own floor: the same inbox of questions handled by a
 * client that does only the mail protocol work any bot must do for them,
 * with the same libraries and settings as the daemon (imapflow, nodemailer's
 * pooled SMTP): FETCH in groups of 32, one reply sent per mail, its copy
 * APPENDed to Sent over three connections, MOVE of each group. No parsing, no
 * store, one reply composed once. What this reaches is the most the
 * machine allows with these servers; the daemon cannot go faster.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import nodemailer from 'nodemailer';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ImapFlow } from 'imapflow';
import { BOT } from '../test/helpers/daemon.js';
import { imapClientAt, type Dovecot, type SmtpRelay } from '../test/helpers/mailservers.js';
import { FETCH_GROUP, SENT_CONNECTIONS } from '../src/mail/imap.js';
import { SENDERS } from '../src/mail/outbox.js';
import { cpuWindow, type CpuShares } from './machine.js';

export interface FloorRun {
  /** From the first command to the last reply sent and copied (the inbox is empty long before: nothing waits for the replies to move a mail). */
  replied: number;
  shares: CpuShares;
  /** The floor client's own CPU (its process: imapflow, nodemailer, the kernel work of its sockets), ms. */
  clientMs: number;
}

/** A help reply's shape: text and HTML alternatives of about the daemon's length. */
function reply(): Promise<Buffer> {
  const text = "Bonjour,\n\nCette adresse reçoit les fichiers CSV de factures de nos clients et les demandes relatives à vos données personnelles.\n".repeat(4);
  return new MailComposer({ from: BOT, to: 'jane@example.org', subject: 'Re: Question', text, html: `<p>${text.replaceAll('\n', '<br>')}</p>` }).compile().build();
}

interface FloorTarget {
  imapPort: number;
  smtpPort: number;
  user: string;
}

/** The protocol work itself, in this process; returns the seconds to the last reply and this process's CPU over them. */
async function runFloorClient(target: FloorTarget): Promise<{ replied: number; clientMs: number }> {
  const raw = await reply();
  const client = () => imapClientAt(target.imapPort, target.user);
  const inbox = client();
  const sentClients: ImapFlow[] = Array.from({ length: SENT_CONNECTIONS }, client);
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: target.smtpPort, ignoreTLS: true, pool: true, maxConnections: SENDERS });
  await inbox.connect();
  await Promise.all(sentClients.map((c) => c.connect()));
  await inbox.mailboxCreate('Sent').catch(() => undefined);
  await inbox.mailboxCreate('Processed').catch(() => undefined);
  process.stdout.write('ready\n');
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    const replies: Promise<void>[] = [];
    let next = 0;
    const box = await inbox.mailboxOpen('INBOX');
    const uids: number[] = [];
    if (box.exists > 0) for await (const m of inbox.fetch('1:*', { uid: true })) uids.push(m.uid);
    for (let i = 0; i < uids.length; i += FETCH_GROUP) {
      const group = uids.slice(i, i + FETCH_GROUP).join(',');
      for await (const m of inbox.fetch(group, { uid: true, source: true }, { uid: true })) {
        if (!m.source) throw new Error(`UID ${m.uid} came without its source`);
        const sent = sentClients[next++ % SENT_CONNECTIONS] as ImapFlow;
        replies.push(transport.sendMail({ envelope: { from: BOT, to: ['jane@example.org'] }, raw }).then(async () => void (await sent.append('Sent', raw, ['\\Seen']))));
      }
      await inbox.messageMove(group, 'Processed', { uid: true });
    }
    await Promise.all(replies);
    const cpu = process.cpuUsage(cpu0);
    return { replied: (performance.now() - t0) / 1000, clientMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    transport.close();
    await Promise.all([inbox, ...sentClients].map((c) => c.logout().catch(() => undefined)));
  }
}

/**
 * Runs the floor client on `user`'s inbox (already filled) in a process of
 * its own, as the daemon is one, and returns when every reply is sent: the
 * machine's shares then tell the client's CPU apart from the SMTP relay's,
 * which stays in this process.
 */
export async function protocolFloor(dovecot: Dovecot, smtp: SmtpRelay, user: string): Promise<FloorRun> {
  const target: FloorTarget = { imapPort: dovecot.imapPort, smtpPort: smtp.port, user };
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), JSON.stringify(target)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let rest = '';
  let window: (() => CpuShares) | undefined;
  let shares: CpuShares | undefined;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    const parts = (rest + d).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      // The window opens once the client is connected (its start-up left out) and closes while its process can still be read.
      if (line === 'ready') window = cpuWindow(child.pid);
      else shares = window?.();
    }
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  const done = lines.at(-1);
  if (code !== 0 || !shares || !done) throw new Error(`the floor client exited with ${code}: ${lines.join(' | ')}`);
  const result = JSON.parse(done) as { replied: number; clientMs: number };
  return { ...result, shares };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const done = await runFloorClient(JSON.parse(process.argv[2] ?? '{}') as FloorTarget);
  process.stdout.write(`${JSON.stringify(done)}\n`);
}
