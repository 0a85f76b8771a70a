/**
 * Processes that meet on one data directory: eight taking the daemon lock at
 * the same instant, and the operator's commands writing while the daemon
 * handles a long run of mails.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import MailComposer from 'nodemailer/lib/mail-composer';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { mailbotAsync } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/mailservers.js';
import { sellerInput } from '../helpers/sample.js';
import { readState } from '../helpers/state.js';
import { tempDir } from '../helpers/tools.js';
import { frenchVatId, luhnValid } from '../../src/core/identifiers.js';

const LOCK_WORKER = join(import.meta.dirname, '..', 'helpers', 'lock-worker.ts');

function lockWorker(dataDir: string): Promise<{ held?: [number, number]; refused?: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', LOCK_WORKER, dataDir, '400']);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.once('close', (status) => (status === 0 ? resolve(JSON.parse(out) as { held?: [number, number] }) : reject(new Error(`lock worker exited ${status}`))));
  });
}

/** Luhn-valid SIRENs for more sellers. */
function sirens(count: number): string[] {
  const out: string[] = [];
  for (let n = 400_000_000; out.length < count; n++) if (luhnValid(String(n))) out.push(String(n));
  return out;
}

describe('processes sharing a data directory', () => {
  it('eight processes taking the daemon lock at the same instant: never two hold it at once', async () => {
    const dir = tempDir();
    try {
      const data = join(dir.path, 'data');
      for (let round = 0; round < 3; round++) {
        const results = await Promise.all(Array.from({ length: 8 }, () => lockWorker(data)));
        const held = results.flatMap((r) => (r.held ? [r.held] : [])).sort((a, b) => a[0] - b[0]);
        assert.ok(held.length >= 1, 'someone got it');
        for (let i = 1; i < held.length; i++) assert.ok((held[i]?.[0] ?? 0) >= (held[i - 1]?.[1] ?? 0), `held at once: ${JSON.stringify(held)}`);
        assert.equal(results.filter((r) => r.refused).length, 8 - held.length);
        assert.deepEqual(readdirSync(data).filter((n) => n.includes('lock')), [], 'no lock left behind');
      }
      // A lock whose process died is stale and taken over.
      writeFileSync(join(data, 'mailbot.lock'), JSON.stringify({ pid: 999_999_9, purpose: 'daemon', token: 'dead' }));
      assert.ok((await lockWorker(data)).held);
    } finally {
      dir.cleanup();
    }
  });

  it('operator commands while the daemon handles 1,500 mails: every reply sent, no update lost', { timeout: 300_000 }, async () => {
    const dir = tempDir();
    try {
      const data = join(dir.path, 'data');
      const inbox = join(data, 'mailbox');
      mkdirSync(data, { recursive: true });
      // 1,500 different people write: above the default hourly cap on replies to unknown senders.
      writeFileSync(join(data, 'config.json'), JSON.stringify({ limits: { repliesToUnknownPerHour: 10_000 } }));
      for (let i = 0; i < 1500; i++) {
        await deliverToMaildir(inbox, await new MailComposer({ from: `person${i}@example.org`, to: 'factures@mailbot.localhost', subject: `Question ${i}`, text: 'Bonjour, à quoi sert cette adresse ?' }).compile().build());
      }
      const daemon = startDaemon(data);
      try {
        // While the daemon works, the operator adds sellers and changes one, each in its own process.
        const ids = sirens(6);
        for (const [i, siren] of ids.entries()) {
          writeFileSync(join(dir.path, `c${i}.json`), JSON.stringify({ ...sellerInput, id: `seller-${i}`, siren, vatId: frenchVatId(siren), emails: [`seller${i}@s.test`] }));
          const add = await mailbotAsync(data, ['client', 'add', '--file', join(dir.path, `c${i}.json`)]);
          assert.equal(add.status, 0, add.stderr);
        }
        const update = await mailbotAsync(data, ['client', 'update', 'seller-0', '--phone', '0102030405']);
        assert.equal(update.status, 0, update.stderr);
        await waitFor('1,500 replies written', () => (readdirSync(join(data, 'outbox')).length >= 1500 ? true : undefined), 240_000, 500);
        await waitFor('the outbox empty', async () => ((await readState(data)).outbox.length === 0 ? true : undefined), 30_000, 250);
      } finally {
        await daemon.stop();
      }
      assert.equal(readdirSync(join(data, 'outbox')).length, 1500, 'each mail answered once');
      const state = await readState(data);
      assert.deepEqual(state.clients.map((c) => c.id).sort(), ['seller-0', 'seller-1', 'seller-2', 'seller-3', 'seller-4', 'seller-5']);
      assert.equal(state.clients.find((c) => c.id === 'seller-0')?.phone, '0102030405');
      const status = JSON.parse((await mailbotAsync(data, ['status', '--json'])).stdout) as { outbox: { sent: number; queued: number }; outcomes: Record<string, number> };
      assert.deepEqual(status.outbox, { queued: 0, failed: 0, sent: 1500 });
      assert.equal(status.outcomes['help-sent'], 1500);
      assert.doesNotMatch(daemon.output(), /file missing|unreadable/);
      assert.equal(readdirSync(join(data, 'queue')).length, 0, 'sent replies leave the queue');
    } finally {
      dir.cleanup();
    }
  });
});
