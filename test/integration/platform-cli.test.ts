/**
 * The platform from the operator's commands, each a real `mailbot` process
 * against the stand-in: a `platform sync` killed (-9) between the
 * platform's 202 and its commit, and the next one finding what was
 * deposited instead of depositing it again; `invoices`, `status`,
 * `platform check` with good and bad credentials, a refusal resubmitted.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mailbotAsync } from '../helpers/cli.js';
import { PlatformStandin } from '../helpers/platform-standin.js';
import { sellerInput } from '../helpers/sample.js';
import { tempDir } from '../helpers/tools.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'csv', 'excel-fr-cp1252.csv');

describe('the platform from the command line', { timeout: 180_000 }, () => {
  it('a sync killed after the platform took an invoice deposits nothing twice; invoices, status, check and resubmit say and do what they should', async () => {
    const standin = await new PlatformStandin().start();
    const dir = tempDir();
    const data = join(dir.path, 'data');
    const env = { MAILBOT_PA_SECRET: standin.secret };
    const run = async (args: string[], extra: NodeJS.ProcessEnv = {}) => mailbotAsync(data, args, { ...env, ...extra });
    try {
      // A short lease, so that the pass after a kill may take the killed attempt's deposits again within the test.
      mkdirSync(data, { recursive: true, mode: 0o700 });
      writeFileSync(join(data, 'config.json'), JSON.stringify({ platform: { leaseSeconds: 6 } }));
      const clientFile = join(dir.path, 'client.json');
      writeFileSync(clientFile, JSON.stringify({ ...sellerInput, platform: { url: standin.url, tokenUrl: standin.tokenUrl, clientId: standin.clientId, secretEnv: 'MAILBOT_PA_SECRET', mode: 'deposit' } }));
      assert.equal((await run(['client', 'add', '--file', clientFile])).status, 0);
      const issued = await run(['invoice', FIXTURE, '--client', 'atelier-dupont', '--json']);
      assert.equal(issued.status, 0, issued.stderr);
      const numbers = (JSON.parse(issued.stdout) as { invoices: { number: string }[] }).invoices.map((i) => i.number);
      assert.equal(numbers.length, 3);

      const check = await run(['platform', 'check']);
      assert.equal(check.status, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /atelier-dupont: ok/);
      const shown = await run(['client', 'show', 'atelier-dupont']);
      assert.match(shown.stdout, /platform +http:\/\/127\.0\.0\.1:\d+\/flow-service \(mode deposit, digest daily\): ok/);
      const checked = await run(['check-config']);
      assert.match(checked.stdout, /platform of atelier-dupont: ok/);
      const bad = await run(['platform', 'check'], { MAILBOT_PA_SECRET: 'wrong' });
      assert.equal(bad.status, 1);
      assert.match(bad.stdout, /atelier-dupont: token: HTTP 401/);
      assert.doesNotMatch(bad.stdout + bad.stderr, /wrong|s3cret/, 'no secret printed');

      // Killed right after the platform answered 202 for the first invoice, before the commit.
      const killed = await run(['platform', 'sync'], { MAILBOT_FAILPOINT: `platform-deposited~${numbers[0]}=kill` });
      assert.equal(killed.status, null, 'the process died');
      assert.equal(standin.deposits(numbers[0]).length, 1);
      // While the killed attempt's lease holds, nothing of it is taken again.
      const during = JSON.parse((await run(['platform', 'sync', '--json'])).stdout) as { deposits: Record<string, number> };
      assert.deepEqual(during.deposits, { deposited: 0, found: 0, retried: 0, failed: 0 });
      assert.match((await run(['status'])).stdout, /platform {4}3 deposit\(s\) waiting since/);
      // Once it ran out: what the platform took is found by its trackingId, the rest deposited; nothing twice.
      await new Promise((resolve) => setTimeout(resolve, 6500));
      const after = JSON.parse((await run(['platform', 'sync', '--json'])).stdout) as { deposits: Record<string, number> };
      assert.ok((after.deposits.found ?? 0) >= 1, JSON.stringify(after));
      assert.equal((after.deposits.found ?? 0) + (after.deposits.deposited ?? 0), 3, JSON.stringify(after));
      for (const n of numbers) assert.equal(standin.deposits(n).length, 1, `${n} deposited once`);
      const listed = JSON.parse((await run(['invoices', '--json'])).stdout) as { number: string; platform: { state: string; flowId?: string } }[];
      assert.deepEqual(listed.map((r) => [r.number, r.platform.state, r.platform.flowId === standin.deposits(r.number)[0]?.flowId]), numbers.map((n) => [n, 'deposited', true]));
      assert.match((await run(['status'])).stdout, /platform {4}0 deposit\(s\) waiting, 0 refused for good/);

      // A refusal is final and listed; resubmitted, it goes.
      const more = await run(['invoice', join(import.meta.dirname, '..', 'fixtures', 'csv', 'google-sheets.csv'), '--client', 'atelier-dupont', '--json']);
      assert.equal(more.status, 0, more.stderr);
      const [refusedNumber] = (JSON.parse(more.stdout) as { invoices: { number: string }[] }).invoices.map((i) => i.number);
      standin.failNext({ status: 422 });
      await run(['platform', 'sync']);
      const failed = JSON.parse((await run(['invoices', '--status', 'failed', '--json'])).stdout) as { number: string; platform: { lastError?: string } }[];
      assert.equal(failed.length, 1);
      assert.match(failed[0]?.platform.lastError ?? '', /HTTP 422/);
      assert.match((await run(['status'])).stdout, /1 refused for good[\s\S]*last error: atelier-dupont/);
      const resubmitted = await run(['platform', 'resubmit', failed[0]?.number ?? '']);
      assert.equal(resubmitted.status, 0, resubmitted.stderr);
      await run(['platform', 'sync']);
      assert.equal(standin.deposits(failed[0]?.number).length, 1);
      assert.ok(refusedNumber);
      assert.equal((await run(['invoices', '--status', 'failed', '--json'])).stdout.trim(), '[]');
      assert.equal((await run(['invoices', '--status', 'bogus'])).status, 2, 'an unknown status is a usage error');
      assert.deepEqual(standin.violations, []);
    } finally {
      await standin.stop();
      dir.cleanup();
    }
  });
});
