/**
 * The audit trail survives a kill -9 at any moment: twenty times, mails
 * arrive and the daemon is killed after a random delay; a last run finishes
 * the work. Every reply that left has its lines (queued, sending, sent),
 * every batch issued has its line, the chain verifies, and no temporary
 * file a killed process wrote aside is left after the next start.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { EmbeddedStore } from '../../src/store/embedded/store.js';
import { mailbot } from '../helpers/cli.js';
import { CLIENT, startDaemon, trialMails } from '../helpers/daemon.js';
import { waitFor } from '../helpers/mailservers.js';
import { sellerInput } from '../helpers/sample.js';
import { tempDir } from '../helpers/tools.js';

const TRIALS = 20;

/** Every file under a folder, with its path relative to it. */
function walk(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, rel))) {
    const path = join(rel, name);
    if (statSync(join(root, path)).isDirectory()) out.push(...walk(root, path));
    else out.push(path);
  }
  return out;
}

describe('the audit trail under kill -9', { timeout: 600_000 }, () => {
  it(`keeps a line for every reply sent and every batch issued over ${TRIALS} kills, and no temporary file`, async () => {
    const dir = tempDir('mailbot-kill-');
    try {
      const data = join(dir.path, 'data');
      const inbox = join(data, 'mailbox');
      mkdirSync(data, { recursive: true, mode: 0o700 });
      // Sixty mails from one client in a few minutes: above the default hourly limit, which is not what this test is about.
      writeFileSync(join(data, 'config.json'), JSON.stringify({ botAddress: 'factures@mailbot.localhost', limits: { mailsPerSenderPerHour: 1000 } }));
      writeFileSync(join(dir.path, 'client.json'), JSON.stringify({ ...sellerInput, emails: [CLIENT] }));
      assert.equal(mailbot(data, ['client', 'add', '--file', join(dir.path, 'client.json')]).status, 0);
      let delivered = 0;
      for (let trial = 0; trial < TRIALS; trial++) {
        for (const mail of await trialMails(trial, 'factures@mailbot.localhost')) {
          await deliverToMaildir(inbox, mail);
          delivered++;
        }
        const daemon = startDaemon(data);
        await new Promise((r) => setTimeout(r, 700 + Math.floor(Math.random() * 1800)));
        await daemon.stop('SIGKILL');
      }
      // A last run finishes what the kills interrupted.
      const daemon = startDaemon(data);
      try {
        await waitFor(
          'every mail handled and every reply sent',
          () => {
            const s = JSON.parse(mailbot(data, ['status', '--json']).stdout) as { daemon: string; inHand: number; outcomes: Record<string, number>; outbox: { queued: number } };
            const handled = Object.values(s.outcomes).reduce((n, v) => n + v, 0);
            // The last daemon must have started (its first commit takes over what the killed ones left), not only the work be done.
            const started = s.daemon.includes(`pid ${daemon.child.pid} `);
            return started && handled === delivered && s.inHand === 0 && s.outbox.queued === 0 ? true : undefined;
          },
          120_000,
          500,
        ).catch((err: unknown) => {
          throw new Error(`${String(err)}; ${delivered} delivered; status ${mailbot(data, ['status', '--json']).stdout}; daemon: ${daemon.output().slice(-3000)}`);
        });
      } finally {
        await daemon.stop();
      }

      const audit = mailbot(data, ['log', '--json']).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { action: string; messageId?: string; details?: Record<string, unknown> });
      const lines = (action: string) => new Set(audit.filter((a) => a.action === action).map((a) => (action === 'reply-queued' ? a.details?.reply : a.messageId)));
      const [queued, sending, sent] = [lines('reply-queued'), lines('reply-sending'), lines('reply-sent')];
      const outbox = readdirSync(join(data, 'outbox')).filter((n) => n.endsWith('.eml'));
      assert.ok(outbox.length >= delivered, `${outbox.length} replies for ${delivered} mails`);
      for (const name of outbox) {
        const id = /^Message-ID:\s*(\S+)/im.exec(readFileSync(join(data, 'outbox', name), 'latin1'))?.[1] ?? '';
        assert.ok(queued.has(id) && sending.has(id) && sent.has(id), `reply ${name} (${id}) has its lines: queued ${queued.has(id)}, sending ${sending.has(id)}, sent ${sent.has(id)}; ${JSON.stringify(audit.filter((a) => a.messageId === id))}`);
      }
      const issuedLines = new Set(audit.filter((a) => a.action === 'invoices-issued').map((a) => a.details?.batchId));
      const batches = readFileSync(join(data, 'batches.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; fileName: string });
      assert.equal(new Set(batches.map((b) => b.fileName)).size, batches.length, 'no CSV issued twice');
      // A mail that was in hand at two kills in a row, the second time alone, is taken for the cause
      // and set aside (invariant 17): a kill -9 looks like a crash. It is never lost silently.
      const setAside = audit.filter((a) => a.action === 'set-aside').length;
      assert.ok(batches.length + setAside >= (delivered / 3) * 2, `${batches.length} CSVs issued and ${setAside} mail(s) set aside for ${(delivered / 3) * 2} CSVs`);
      for (const b of batches) assert.ok(issuedLines.has(b.id), `batch ${b.id} has its invoices-issued line`);
      const verify = mailbot(data, ['log', '--verify']);
      assert.equal(verify.status, 0, verify.stderr);

      const leftovers = walk(data).filter((p) => /(^|\/)\.\d+\.[0-9a-f]{12}\.tmp$/.test(p) || /(^|\/)tmp\/[^/]+$/.test(p) || p.startsWith('.staging/'));
      assert.deepEqual(leftovers, [], 'no temporary file left');
    } finally {
      dir.cleanup();
    }
  });

  it('does not count in hand forever a mail that a killed process moved before committing the move', async () => {
    const dir = tempDir('mailbot-moved-');
    try {
      const data = join(dir.path, 'data');
      mkdirSync(data, { recursive: true, mode: 0o700 });
      writeFileSync(join(data, 'config.json'), JSON.stringify({ botAddress: 'factures@mailbot.localhost' }));
      // The state such a process leaves: the mail recorded as handled (with its folder), the move not noted.
      const store = await EmbeddedStore.open(data);
      const mail = { mailbox: 'maildir:INBOX', uidValidity: '1', uid: 'gone.M1' };
      const key = 'maildir:INBOX|1|gone.M1';
      assert.equal((await store.mail.claim(key, mail)).status, 'claimed');
      await store.transact((tx) => tx.ledger.record({ ...mail, state: 'handled', attempts: 1, outcome: 'help-sent', folder: 'Processed', firstSeenAt: new Date().toISOString(), updatedAt: new Date().toISOString() }));
      await store.close();
      const inHand = () => (JSON.parse(mailbot(data, ['status', '--json']).stdout) as { inHand: number }).inHand;
      assert.equal(inHand(), 1);
      assert.equal(mailbot(data, ['start', '--once']).status, 0);
      assert.equal(inHand(), 0, 'the inbox no longer holds it: noted as moved');
    } finally {
      dir.cleanup();
    }
  });
});
