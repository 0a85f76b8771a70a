/**
 * Replies under kill -9, counted where they land: twenty trials, each
 * delivering three mails to the real IMAP server and killing the daemon
 * twice after a random delay, then a last run that finishes the work. The
 * server's acceptance is written down right after its 250 (before the sent
 * commit and the copy to Sent), so a reply goes again only when a kill lands
 * between the end of its DATA and that line: invariant 3 allows one extra
 * copy per crash. The count is printed: every mail answered, each copy past
 * the first matched by an attempt that was interrupted and tried again, and
 * no more extra copies than kills. Two kills may both land inside the same
 * reply's exchange (its second run reaches it at about the same time), and
 * that reply then arrives three times, as the invariant allows.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { mailbotAsync } from '../helpers/cli.js';
import { BOT, prepareData, startDaemon, trialMails } from '../helpers/daemon.js';
import { e2eSkipReason, waitFor, withMailServers } from '../helpers/mailservers.js';

const skip = e2eSkipReason();
const TRIALS = 20;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('replies under kill -9, counted at the server', { skip: skip || false, timeout: 900_000 }, () => {
  it(`answers every mail over ${TRIALS} trials of two kills each, sending a reply again only for an attempt a kill interrupted, and counts the copies`, async () => {
    await withMailServers(
      ['factures', 'compta'],
      async ({ dovecot, smtp, dir }) => {
        const data = join(dir, 'data');
        // Sixty mails from one client in a few minutes: above the default hourly limit, which is not what this test is about.
        prepareData(data, dovecot, smtp, { limits: { mailsPerSenderPerHour: 1000 }, pollCron: '* * * * * *' });
        let delivered = 0;
        for (let trial = 0; trial < TRIALS; trial++) {
          for (const mail of await trialMails(trial, BOT)) {
            await dovecot.append('factures', mail);
            delivered++;
          }
          for (let kill = 0; kill < 2; kill++) {
            const daemon = startDaemon(data);
            await pause(900 + Math.floor(Math.random() * 1600));
            await daemon.stop('SIGKILL');
          }
        }
        // A last run finishes what the kills interrupted.
        const daemon = startDaemon(data);
        try {
          await waitFor(
            'every mail handled and every reply sent',
            async () => {
              const s = JSON.parse((await mailbotAsync(data, ['status', '--json'])).stdout) as { daemon: string; inHand: number; outcomes: Record<string, number>; outbox: { queued: number } };
              const handled = Object.values(s.outcomes).reduce((n, v) => n + v, 0);
              const started = s.daemon.includes(`pid ${daemon.child.pid} `);
              return started && handled === delivered && s.inHand === 0 && s.outbox.queued === 0 && (await dovecot.count('factures')) === 0 ? true : undefined;
            },
            180_000,
            500,
          ).catch((err: unknown) => {
            throw new Error(`${String(err)}; daemon: ${daemon.output().slice(-3000)}`);
          });
        } finally {
          await daemon.stop();
        }
        const ids = await Promise.all((await dovecot.messages('compta')).map(async (m) => (await simpleParser(m.source ?? Buffer.alloc(0))).messageId ?? ''));
        const copies = new Map<string, number>();
        for (const id of ids) copies.set(id, (copies.get(id) ?? 0) + 1);
        const twice = ids.length - copies.size;
        console.log(`${delivered} mails, ${TRIALS * 2} kills: ${ids.length} replies received, ${copies.size} distinct, ${twice} extra copies (${[...copies.values()].filter((n) => n > 2).length} replies three times or more)`);
        // A kill is never charged to a mail (invariant 23): whatever it interrupted, nothing is set aside.
        assert.equal(await setAsideCount(data), 0, 'nothing set aside for a kill');
        assert.equal(copies.size, delivered, `every mail answered: ${copies.size} distinct replies for ${delivered} mails`);
        // The server's acceptance is recorded right after its 250 (store/embedded/accepted.ts): a reply goes
        // again only for a kill inside its own SMTP exchange, whose length is the server's and the machine's
        // (2 or 3 in 40 kills measured inside a loaded full suite, 0 alone). What holds whatever the load: each
        // copy of a reply was an attempt of its own, every attempt but the last was interrupted (tried again
        // after a restart), none came once it was recorded as sent, and there are no more extra copies than kills.
        const trail = (await mailbotAsync(data, ['log', '--action', 'reply-sending,reply-sent', '--json'])).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { action: string; messageId?: string });
        for (const [id, n] of copies) {
          if (n < 2) continue;
          const lines = trail.filter((e) => e.messageId === id).map((e) => e.action);
          assert.ok(lines.filter((a) => a === 'reply-sending').length >= n, `${id} arrived ${n} times but was tried fewer times: ${lines.join(',')}`);
          assert.ok(lines.lastIndexOf('reply-sending') < lines.indexOf('reply-sent'), `${id} was tried again after it was recorded as sent: ${lines.join(',')}`);
        }
        assert.ok(twice <= TRIALS * 2, `${twice} extra copies for ${TRIALS * 2} kills: more than one per kill`);
      },
      { prefix: 'mailbot-killsend-' },
    );
  });
});

/** Mails set aside: none may be, since no kill is the mail's error. */
async function setAsideCount(data: string): Promise<number> {
  const s = JSON.parse((await mailbotAsync(data, ['status', '--json'])).stdout) as { setAside: unknown[] };
  return s.setAside.length;
}
