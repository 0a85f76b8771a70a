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
import type { ImapFlow } from 'imapflow';
import { BOT } from '../test/helpers/daemon.js';
import type { Dovecot, SmtpRelay } from '../test/helpers/mailservers.js';
import { FETCH_GROUP, SENT_CONNECTIONS } from '../src/mail/imap.js';
import { SENDERS } from '../src/mail/outbox.js';
import { cpuWindow, type CpuShares } from './machine.js';

export interface FloorRun {
  /** From the first command to the last reply sent and copied (the inbox is empty long before: nothing waits for the replies to move a mail). */
  replied: number;
  shares: CpuShares;
}

/** A help reply's shape: text and HTML alternatives of about the daemon's length. */
function reply(): Promise<Buffer> {
  const text = "Bonjour,\n\nCette adresse reçoit les fichiers CSV de factures de nos clients et les demandes relatives à vos données personnelles.\n".repeat(4);
  return new MailComposer({ from: BOT, to: 'jane@example.org', subject: 'Re: Question', text, html: `<p>${text.replaceAll('\n', '<br>')}</p>` }).compile().build();
}

/** Runs the floor client on `user`'s inbox (already filled) and returns when every reply is sent. */
export async function protocolFloor(dovecot: Dovecot, smtp: SmtpRelay, user: string): Promise<FloorRun> {
  const raw = await reply();
  const inbox = dovecot.client(user);
  const sentClients: ImapFlow[] = Array.from({ length: SENT_CONNECTIONS }, () => dovecot.client(user));
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, ignoreTLS: true, pool: true, maxConnections: SENDERS });
  await inbox.connect();
  await Promise.all(sentClients.map((c) => c.connect()));
  await inbox.mailboxCreate('Sent').catch(() => undefined);
  await inbox.mailboxCreate('Processed').catch(() => undefined);
  const t0 = performance.now();
  const window = cpuWindow(undefined);
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
    return { replied: (performance.now() - t0) / 1000, shares: window() };
  } finally {
    transport.close();
    await Promise.all([inbox, ...sentClients].map((c) => c.logout().catch(() => undefined)));
  }
}
