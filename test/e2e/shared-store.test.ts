/**
 * Several daemons sharing one PostgreSQL store, end to end through Dovecot
 * and an SMTP relay on 127.0.0.1: two mailboxes, one mailbox read by two
 * daemons, a daemon killed in the middle of a 500-invoice batch, and an
 * embedded store migrated into the database.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { unzipSync } from 'fflate';
import { generateBatchCsv } from '../../bench/generate.js';
import { mailbot, mailbotAsync } from '../helpers/cli.js';
import { BOT, CLIENT, prepareData, startDaemon } from '../helpers/daemon.js';
import { e2eSkipReason, PASSWORD, waitFor, withMailServers, type Dovecot, type SmtpRelay } from '../helpers/mailservers.js';
import { postgresSkipReason, privatePostgresForSuite } from '../helpers/postgres.js';

const skip = e2eSkipReason() || postgresSkipReason();
if (skip) console.log(`# SKIPPED shared-store end-to-end tests: ${skip}`);

const AUDIT_KEY = 'a'.repeat(64);
const compose = (opts: ConstructorParameters<typeof MailComposer>[0]) => new MailComposer(opts).compile().build();
const csvMail = (tag: string, invoices: number) =>
  compose({ from: CLIENT, to: BOT, subject: `Lot ${tag}`, text: 'ci-joint', attachments: [{ filename: `lot-${tag}.csv`, content: Buffer.from(generateBatchCsv(invoices, 2).replaceAll('B-0', `${tag}-`)), contentType: 'text/csv' }] });

/** Invoice numbers in the replies, PDFs attached directly or in a ZIP. */
function numbersIn(mails: ParsedMail[]): string[] {
  const names: string[] = [];
  for (const m of mails) {
    for (const a of m.attachments) {
      if (a.contentType === 'application/zip') names.push(...Object.keys(unzipSync(new Uint8Array(a.content))));
      else names.push(a.filename ?? '');
    }
  }
  return names.filter((n) => n.endsWith('.pdf')).map((n) => n.replace('.pdf', ''));
}

const series = (n: number) => Array.from({ length: n }, (_, i) => `FA-2026-${String(i + 1).padStart(5, '0')}`);

describe('daemons sharing a PostgreSQL store', { skip: skip || false, timeout: 600_000 }, () => {
  const pg = privatePostgresForSuite();

  function world(fn: (w: { dovecot: Dovecot; smtp: SmtpRelay; dir: string; env: NodeJS.ProcessEnv; storeConfig: Record<string, unknown> }) => Promise<void>): Promise<void> {
    return withMailServers(
      ['factures', 'factures2', 'compta', 'jane'],
      async ({ dovecot, smtp, dir }) => {
        const env = { TEST_DB_URL: await pg().database(), MAILBOT_AUDIT_KEY: AUDIT_KEY };
        await fn({ dovecot, smtp, dir, env, storeConfig: { store: { type: 'postgres', urlEnv: 'TEST_DB_URL', leaseSeconds: 5 } } });
      },
      { prefix: 'mailbot-shared-' },
    );
  }

  const messages = async (dovecot: Dovecot, user: string, folder = 'INBOX') => Promise.all((await dovecot.messages(user, folder)).map((m) => simpleParser(m.source ?? Buffer.alloc(0))));

  it('two daemons on two mailboxes number one seller gaplessly, answer each mail once, and each purges its own mailbox', async () => {
    await world(async ({ dovecot, smtp, dir, env, storeConfig }) => {
      const a = join(dir, 'a');
      const b = join(dir, 'b');
      prepareData(a, dovecot, smtp, storeConfig, {}, { user: 'factures', env });
      prepareData(b, dovecot, smtp, storeConfig, null, { user: 'factures2', env });
      for (let i = 0; i < 4; i++) {
        await dovecot.append('factures', await csvMail(`A${i}`, 3));
        await dovecot.append('factures2', await csvMail(`B${i}`, 3));
      }
      const da = startDaemon(a, env);
      const db = startDaemon(b, env);
      try {
        await waitFor('8 replies', async () => ((await dovecot.count('compta')) >= 8 ? true : undefined), 90_000, 250).catch((err: Error) => {
          throw new Error(`${err.message}\n--- daemon a:\n${da.output().slice(-3000)}\n--- daemon b:\n${db.output().slice(-3000)}`);
        });
        await waitFor('both inboxes empty', async () => ((await dovecot.count('factures')) + (await dovecot.count('factures2')) === 0 ? true : undefined), 30_000);
        await new Promise((r) => setTimeout(r, 2000));
        const replies = await messages(dovecot, 'compta');
        assert.equal(replies.length, 8, 'each mail answered once');
        assert.deepEqual(numbersIn(replies).sort(), series(24), 'one series, no gap, no number twice');
        assert.equal(await dovecot.count('factures', 'Processed'), 4);
        assert.equal(await dovecot.count('factures2', 'Processed'), 4);
        const status = JSON.parse((await mailbotAsync(a, ['status', '--json'], env)).stdout) as { backend: string; batches: number; invoices: number; daemons: unknown[] };
        assert.deepEqual([status.backend, status.batches, status.invoices, status.daemons.length], ['postgres', 8, 24, 2]);

        // A purge decided once is carried out in each mailbox: the retention run by hand from a's side
        // purges a's mailbox at once, and daemon b purges its own at its next round.
        const old = new Date(Date.now() - 200 * 86_400_000);
        for (const user of ['factures', 'factures2']) await dovecot.append(user, await compose({ from: CLIENT, to: BOT, subject: `Ancien ${user}`, text: 'vieux' }), 'Processed', old);
        const withImap = { ...env, MAILBOT_IMAP_PASSWORD: PASSWORD };
        const run = await mailbotAsync(a, ['retention', 'run', '--json'], withImap);
        assert.equal(run.status, 0, run.stderr + run.stdout);
        await waitFor('the old mail gone from both mailboxes', async () => ((await dovecot.count('factures', 'Processed')) + (await dovecot.count('factures2', 'Processed')) === 8 ? true : undefined), 30_000, 250);
        await waitFor('the task done by both, then gone', async () => {
          const lines = (await mailbotAsync(a, ['log', '--json', '--action', 'mails-purged'], env)).stdout.trim().split('\n').filter(Boolean);
          return lines.length === 2 ? lines : undefined;
        }, 30_000, 250);
        const dry = JSON.parse((await mailbotAsync(b, ['retention', '--dry-run', '--json'], withImap)).stdout) as { categories: { category: string; count: number }[] };
        assert.equal(dry.categories.find((c) => c.category === 'mailbox:Processed')?.count, 0);
      } finally {
        await da.stop();
        await db.stop();
      }
    });
  });

  it('two outages of the store under two working daemons: no exit, status says paused and since when, nothing charged to the mails, each answered once', async () => {
    await world(async ({ dovecot, smtp, dir, env, storeConfig }) => {
      const a = join(dir, 'a');
      const b = join(dir, 'b');
      prepareData(a, dovecot, smtp, storeConfig, {}, { env });
      prepareData(b, dovecot, smtp, storeConfig, null, { user: 'factures2', env });
      const da = startDaemon(a, env);
      const db = startDaemon(b, env);
      const outputs = () => `--- daemon a:\n${da.output().slice(-3000)}\n--- daemon b:\n${db.output().slice(-3000)}`;
      let paused = false;
      const outage = async (round: number) => {
        // Stopped at once, as a crash would, while both daemons have work in hand.
        const from = new Date().toISOString();
        pg().pause();
        paused = true;
        // Each daemon says it in its local status (the store is away) and logs it once, at error level.
        const pausedSince = (data: string) => (JSON.parse(readFileSync(join(data, 'status.json'), 'utf8')) as { fault?: { cause: string; since: string } }).fault;
        await waitFor(`both paused (${round})`, () => [a, b].every((d) => (pausedSince(d)?.since ?? '') >= from) || undefined, 60_000, 100).catch((err: Error) => {
          throw new Error(`${err.message}: ${JSON.stringify([pausedSince(a), pausedSince(b)])}\n${outputs()}`);
        });
        // The status file can be read before this process has read the line from the daemon's pipe: wait for it, then count.
        const told = (d: typeof da) => d.output().split('store unreachable: not taking new mail').length - 1;
        await waitFor(`the episode told (${round})`, () => [da, db].every((d) => told(d) >= round) || undefined, 10_000, 50).catch(() => undefined);
        for (const d of [da, db]) assert.equal(told(d), round, `one error line per episode\n${outputs()}`);
        const status = await mailbotAsync(a, ['status', '--json'], env);
        assert.equal(status.status, 2, 'status exits 2 while the store is away');
        const s = JSON.parse(status.stdout) as { daemon: string; faults: { cause: string; since?: string }[] };
        assert.match(s.daemon, /^paused \(pid /);
        assert.ok(s.faults.some((f) => /store unreachable/.test(f.cause) && f.since), JSON.stringify(s.faults));
        await new Promise((r) => setTimeout(r, 3000));
        assert.deepEqual([da.child.exitCode, db.child.exitCode], [null, null], `no daemon exits\n${outputs()}`);
        pg().resume();
        paused = false;
        await waitFor(`both resumed (${round})`, () => [a, b].every((d) => !pausedSince(d)) || undefined, 90_000, 250).catch((err: Error) => {
          throw new Error(`${err.message}: ${JSON.stringify([pausedSince(a), pausedSince(b)])}\n${outputs()}`);
        });
      };
      try {
        for (let i = 0; i < 4; i++) {
          await dovecot.append('factures', await csvMail(`P${i}`, 40));
          await dovecot.append('factures2', await csvMail(`Q${i}`, 40));
        }
        await dovecot.append('factures', await compose({ from: 'jane@example.org', to: BOT, subject: 'Question', text: 'Bonjour, à quoi sert cette adresse ?' }));
        await waitFor('the first reply', async () => ((await dovecot.count('compta')) >= 1 ? true : undefined), 60_000, 100);
        await outage(1);
        await waitFor('work goes on', async () => ((await dovecot.count('compta')) >= 3 ? true : undefined), 120_000, 250);
        await outage(2);
        await waitFor('all answered', async () => ((await dovecot.count('compta')) >= 8 && (await dovecot.count('jane')) >= 1 ? true : undefined), 180_000, 500).catch((err: Error) => {
          throw new Error(`${err.message}\n${outputs()}`);
        });
        await waitFor('the inboxes empty', async () => ((await dovecot.count('factures')) + (await dovecot.count('factures2')) === 0 ? true : undefined), 30_000);
        await new Promise((r) => setTimeout(r, 2000));
        const answered = await messages(dovecot, 'compta');
        assert.equal(answered.length, 8, `each batch answered once: ${answered.map((m) => `${m.subject ?? ''} ${m.messageId ?? ''}`).join(' | ')}`);
        const status = JSON.parse((await mailbotAsync(a, ['status', '--json'], env)).stdout) as { setAside: unknown[]; batches: number; faults: unknown[]; daemon: string };
        assert.deepEqual([status.setAside.length, status.batches, status.faults.length], [0, 8, 0], `nothing set aside, each batch once, the episode over: ${JSON.stringify(status.setAside)}`);
        assert.match(status.daemon, /running \(pid .*running \(pid /);
        assert.deepEqual(numbersIn(await messages(dovecot, 'compta')).sort(), series(320), 'one series, no gap, no number twice');
      } finally {
        if (paused) pg().resume(); // the next tests need it
        await da.stop();
        await db.stop();
      }
      // What the daemons staged and never committed is gone with them: nothing in clear stays behind.
      for (const data of [a, b]) {
        const staged = existsSync(join(data, '.staging')) ? readdirSync(join(data, '.staging'), { recursive: true }).map(String) : [];
        const withContent = staged.filter((f) => statSync(join(data, '.staging', f)).isFile() && statSync(join(data, '.staging', f)).size > 0);
        assert.deepEqual(withContent, [], `${data}/.staging`);
      }
    });
  });

  it('two daemons on one mailbox never handle a mail twice', async () => {
    await world(async ({ dovecot, smtp, dir, env, storeConfig }) => {
      const a = join(dir, 'a');
      const b = join(dir, 'b');
      prepareData(a, dovecot, smtp, storeConfig, {}, { env });
      prepareData(b, dovecot, smtp, storeConfig, null, { env });
      for (let i = 0; i < 10; i++) await dovecot.append('factures', await csvMail(`S${i}`, 3));
      for (let i = 0; i < 20; i++) await dovecot.append('factures', await compose({ from: 'jane@example.org', to: BOT, subject: `Question ${i}`, text: 'Bonjour, à quoi sert cette adresse ?' }));
      const da = startDaemon(a, env);
      const db = startDaemon(b, env);
      try {
        await waitFor('every mail answered', async () => ((await dovecot.count('compta')) >= 10 && (await dovecot.count('jane')) >= 20 ? true : undefined), 120_000, 250);
        await waitFor('the inbox empty', async () => ((await dovecot.count('factures')) === 0 ? true : undefined), 30_000);
        await new Promise((r) => setTimeout(r, 3000)); // further rounds must answer nothing again
        const toClient = await messages(dovecot, 'compta');
        const toJane = await messages(dovecot, 'jane');
        assert.equal(toClient.length, 10);
        assert.equal(toJane.length, 20);
        assert.equal(new Set(toJane.map((m) => m.inReplyTo)).size, 20, 'one answer per question');
        const withoutPdf = toClient.filter((m) => numbersIn([m]).length === 0).map((m) => `${m.subject ?? ''}: ${(m.text ?? '').slice(0, 400)}`);
        assert.deepEqual(numbersIn(toClient).sort(), series(30), `replies without invoices: ${withoutPdf.join(' | ')}`);
        assert.equal(await dovecot.count('factures', 'Processed'), 30);
        // Both daemons took part.
        const logs = [da.output(), db.output()].map((o) => (o.match(/"msg":"mail handled"/g) ?? []).length);
        assert.equal(logs[0]! + logs[1]!, 30);
        assert.ok(logs.every((n) => n > 0), `both daemons handled mails: ${logs.join(' + ')}`);
      } finally {
        await da.stop();
        await db.stop();
      }
    });
  });

  it('a daemon killed in the middle of a 500-invoice batch: the other takes the mail over, no number missing or twice, one reply', async () => {
    await world(async ({ dovecot, smtp, dir, env, storeConfig }) => {
      const a = join(dir, 'a');
      const b = join(dir, 'b');
      prepareData(a, dovecot, smtp, { ...storeConfig, replies: { zipAboveCount: 5 } }, {}, { env });
      prepareData(b, dovecot, smtp, { ...storeConfig, replies: { zipAboveCount: 5 } }, null, { env });
      await dovecot.append('factures', await csvMail('BIG', 500));
      const daemons = { a: startDaemon(a, env), b: startDaemon(b, env) };
      const staged = (dir: string) => readdirSync(dir).some((f) => f.startsWith('batches~'));
      const rendering = (data: string) => existsSync(join(data, '.staging')) && readdirSync(join(data, '.staging')).some((n) => staged(join(data, '.staging', n)));
      const victim = await waitFor('a daemon rendering the batch', () => (rendering(a) ? 'a' : rendering(b) ? 'b' : undefined), 60_000, 20);
      await daemons[victim].stop('SIGKILL');
      const survivor = victim === 'a' ? daemons.b : daemons.a;
      try {
        await waitFor('the reply', async () => ((await dovecot.count('compta')) >= 1 ? true : undefined), 180_000, 500);
        await waitFor('the mail moved', async () => ((await dovecot.count('factures')) === 0 ? true : undefined), 30_000);
        await new Promise((r) => setTimeout(r, 3000));
        // One answer: a single mail, or (500 PDFs outgrow one mail) its parts 1/N … N/N, each once.
        const replies = await messages(dovecot, 'compta');
        const tags = replies.map((m) => /\((\d+)\/(\d+)\)/.exec(m.subject ?? '')?.slice(1).join('/') ?? 'whole').sort();
        const n = replies.length;
        assert.deepEqual(tags, n === 1 ? ['whole'] : Array.from({ length: n }, (_, i) => `${i + 1}/${n}`).sort(), 'one reply');
        assert.deepEqual(numbersIn(replies).sort(), series(500));
        assert.equal(await dovecot.count('factures', 'Processed'), 1);
        const status = JSON.parse((await mailbotAsync(victim === 'a' ? b : a, ['status', '--json'], env)).stdout) as { batches: number; invoices: number; outcomes: Record<string, number> };
        assert.deepEqual([status.batches, status.invoices, status.outcomes['invoices-issued']], [1, 500, 1]);
      } finally {
        await survivor.stop();
      }
    });
  });

  it('migrates an embedded store into PostgreSQL with its audit key, fences the embedded store, and the daemon goes on from the copy', async () => {
    await world(async ({ dovecot, smtp, dir, env, storeConfig }) => {
      const data = join(dir, 'data');
      prepareData(data, dovecot, smtp, {}, {});
      // The embedded daemon runs first, with no audit key set: its trail is sealed with the data directory's own key.
      await dovecot.append('factures', await csvMail('BEFORE', 2));
      const first = await mailbotAsync(data, ['start', '--once'], { MAILBOT_IMAP_PASSWORD: PASSWORD });
      assert.equal(first.status, 0, first.stderr);
      const csv = join(dir, 'lot.csv');
      await import('node:fs/promises').then((fs) => fs.writeFile(csv, generateBatchCsv(3, 2)));
      assert.equal(mailbot(data, ['invoice', csv, '--client', 'atelier-dupont']).status, 0);
      const embeddedConfig = readFileSync(join(data, 'config.json'), 'utf8');
      const config = JSON.parse(embeddedConfig) as Record<string, unknown>;
      const writeConfig = (value: Record<string, unknown>) => import('node:fs/promises').then((fs) => fs.writeFile(join(data, 'config.json'), JSON.stringify(value)));
      await writeConfig({ ...config, ...storeConfig });
      // Another key than the one that sealed the trail: refused before anything is copied, with the way out.
      const wrongKey = mailbot(data, ['migrate', '--to', 'postgres'], env);
      assert.equal(wrongKey.status, 2, wrongKey.stdout);
      assert.match(wrongKey.stderr, /MIGRATION_AUDIT_KEY/);
      assert.match(wrongKey.stderr, /secrets\/audit\.key/);
      assert.match(wrongKey.stderr, /"keyId": "local"/);
      await import('node:fs/promises').then((fs) => fs.writeFile(join(data, 'config.json'), embeddedConfig));
      assert.equal(mailbot(data, ['invoice', csv, '--client', 'atelier-dupont', '--json']).status, 0, 'a refused migration leaves the embedded store in use');
      // The data directory's key, under its id: the copy is made, checked and the source fenced.
      const key = readFileSync(join(data, 'secrets', 'audit.key'), 'utf8').trim();
      const pgEnv = { ...env, MAILBOT_AUDIT_KEY: key };
      await writeConfig({ ...config, ...storeConfig, audit: { keyId: 'local' } });
      const migrated = mailbot(data, ['migrate', '--to', 'postgres'], pgEnv);
      assert.equal(migrated.status, 0, migrated.stderr);
      assert.match(migrated.stdout, /copied 1 client\(s\), 2 batch\(es\) with 5 invoice\(s\)/);
      assert.match(migrated.stdout, /verified: .* SHA-256 [0-9a-f]{64}/);
      assert.match(migrated.stdout, /fenced/);
      assert.equal(mailbot(data, ['migrate', '--to', 'postgres'], pgEnv).status, 2, 'never twice');
      // The copy's trail verifies with the configuration migrate named, and records the move.
      const verified = mailbot(data, ['log', '--verify', '--json'], pgEnv);
      assert.equal(verified.status, 0, verified.stdout + verified.stderr);
      assert.match(mailbot(data, ['log', '--action', 'store-migrated', '--json'], pgEnv).stdout, /store-migrated/);
      // The old configuration: every write and the daemon are refused, naming the new store; reads still work.
      await import('node:fs/promises').then((fs) => fs.writeFile(join(data, 'config.json'), embeddedConfig));
      await import('node:fs/promises').then((fs) => fs.writeFile(csv.replace('lot.csv', 'lot2.csv'), generateBatchCsv(2, 2).replaceAll('B-0', 'Z-')));
      const oldIssue = mailbot(data, ['invoice', csv.replace('lot.csv', 'lot2.csv'), '--client', 'atelier-dupont']);
      assert.equal(oldIssue.status, 2, oldIssue.stdout);
      assert.match(oldIssue.stderr, /STORE_MOVED/);
      assert.match(oldIssue.stderr, /127\.0\.0\.1/);
      await dovecot.append('factures', await csvMail('OLD', 2));
      const oldDaemon = await mailbotAsync(data, ['start', '--once'], { MAILBOT_IMAP_PASSWORD: PASSWORD });
      assert.equal(oldDaemon.status, 2, oldDaemon.stdout);
      assert.match(oldDaemon.stderr, /STORE_MOVED/);
      assert.equal(mailbot(data, ['status', '--json']).status, 0, 'the fenced store is still readable');
      // The configuration migrate named: the same file is known, the next numbers follow, once each.
      await writeConfig({ ...config, ...storeConfig, audit: { keyId: 'local' } });
      const again = JSON.parse(mailbot(data, ['invoice', csv, '--client', 'atelier-dupont', '--json'], pgEnv).stdout) as { status: string; invoices: { number: string }[] };
      assert.deepEqual([again.status, again.invoices.map((i) => i.number)], ['duplicate', ['FA-2026-00003', 'FA-2026-00004', 'FA-2026-00005']]);
      await dovecot.append('factures', await csvMail('AFTER', 2));
      const daemon = startDaemon(data, pgEnv);
      try {
        await waitFor('the replies', async () => ((await dovecot.count('compta')) >= 3 ? true : undefined), 60_000, 250);
        // 1–2 by the embedded daemon, 3–5 by the operator's CSV, 6–9 (the mail the fenced daemon left, then the new one) from PostgreSQL.
        const numbers = numbersIn(await messages(dovecot, 'compta')).sort();
        assert.deepEqual(numbers, series(9).filter((n) => !/0000[345]$/.test(n)), 'one series, no number twice');
      } finally {
        await daemon.stop();
      }
      assert.equal(mailbot(data, ['log', '--verify'], pgEnv).status, 0);
    });
  });
});
