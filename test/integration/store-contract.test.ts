/**
 * The store port's contract, run against both backends: every invariant the
 * port enforces, files and after-commit work, concurrent processes, and a
 * kill between the commit and what follows it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AuditEntry } from '../../src/audit/entry.js';
import { verifyTrail } from '../../src/audit/verify.js';
import type { BatchRecord } from '../../src/batch/types.js';
import { localAuditSeal } from '../../src/config/secrets.js';
import { validateClient, type ClientRecord } from '../../src/clients/record.js';
import { MailbotError } from '../../src/core/errors.js';
import type { RightsRequest } from '../../src/gdpr/requests.js';
import { configSchema } from '../../src/config/schema.js';
import { runRetention } from '../../src/retention/run.js';
import type { Store } from '../../src/store/port.js';
import { PostgresStore } from '../../src/store/postgres/store.js';
import { sellerInput } from '../helpers/sample.js';
import { embeddedBackend, postgresBackend, type Backend } from '../helpers/store-backends.js';

const WORKER = join(import.meta.dirname, '..', 'helpers', 'commit-worker.ts');
const client = (over: Partial<ClientRecord> = {}): ClientRecord => ({ ...validateClient(sellerInput, new Date('2026-11-01T00:00:00Z')), ...over });
const code = (p: Promise<unknown>, expected: string) => assert.rejects(p, (err: { code?: string }) => err.code === expected);
const now = () => new Date().toISOString();

/** A reply as the outbox holds it, and its message staged and queued in one commit. */
function replyEntry(last: string, to: string, kind: string) {
  const id = `00000000-0000-4000-8000-0000000000${last}`;
  return { id, createdAt: now(), messageId: `<${last}@x>`, envelope: { from: 'factures@studio.test', to: [to] }, file: `queue/${id}.eml`, state: 'queued' as const, attempts: 0, nextAttemptAt: now(), kind };
}
async function queueReply(store: Store, entry: ReturnType<typeof replyEntry>): Promise<void> {
  const staging = await store.files.stage();
  await staging.write(entry.file, 'Subject: hi\r\n\r\nhello');
  await store.transact(async (tx) => {
    tx.files.adopt(staging);
    await tx.outbox.queue(entry);
  });
}

function batch(id: string, clientId: string, sha: string, numbers: string[], buyerEmail?: string): BatchRecord {
  return {
    id,
    clientId,
    fileName: 'f.csv',
    fileSha256: sha,
    committedAt: '2026-11-02T10:00:00.000Z',
    invoices: numbers.map((number, i) => ({ ref: `R${i}`, number, issueDate: '2026-11-02', dueDate: '2026-12-02', buyerName: 'B SAS', currency: 'EUR', totalExclVat: '10.00', totalVat: '2.00', totalInclVat: '12.00', amountDue: '12.00', lineCount: 1, pdfFile: `${number}.pdf`, series: 'S-#', seq: i + 1, ...(buyerEmail ? { buyerEmail } : {}) })),
    warnings: [],
    reportFile: 'report.csv',
    sourceFile: 'source.csv',
  };
}

function request(ref: string, requester: string, kind: RightsRequest['kind'] = 'access'): RightsRequest {
  return { ref, kind, status: 'awaiting-confirmation', requester, lang: 'fr', receivedAt: '2026-11-03T10:00:00.000Z', dueAt: '2026-12-03T10:00:00.000Z', messageIds: [] };
}

function runWorker(env: Record<string, string>, name: string, count: number, mode = 'series'): Promise<{ committed: number; conflicts: number; signal?: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, name, String(count), mode], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('close', (status, signal) => {
      if (signal) resolve({ committed: 0, conflicts: 0, signal });
      else if (status === 0) resolve(mode === 'series' ? (JSON.parse(out) as { committed: number; conflicts: number }) : { committed: 1, conflicts: 0 });
      else reject(new Error(`worker ${name} exited ${status}: ${err}`));
    });
  });
}

for (const backend of [embeddedBackend(), postgresBackend()] as Backend[]) {
  if (backend.skip) console.log(`# SKIPPED store contract on ${backend.name}: ${backend.skip}`);
  describe(`store port contract: ${backend.name}`, { skip: backend.skip || false, timeout: 240_000 }, () => {
    before(() => backend.setup());
    after(() => backend.teardown());

    const withStore = async (fn: (store: Store, ctx: Awaited<ReturnType<Backend['fresh']>>) => Promise<void>) => {
      const ctx = await backend.fresh();
      try {
        await fn(ctx.store, ctx);
      } finally {
        await ctx.store.close();
        await ctx.cleanup();
      }
    };

    it('keeps each address to one client, never the bot nor the operator, in every writer', async () => {
      await withStore(async (store) => {
        await store.transact((tx) => tx.clients.add(client()));
        assert.equal((await store.read((tx) => tx.clients.byEmail('COMPTA@Atelier-Dupont.test')))?.id, 'atelier-dupont');
        await code(store.transact((tx) => tx.clients.add(client())), 'CLIENT_EXISTS');
        await code(store.transact((tx) => tx.clients.add(client({ id: 'other', emails: ['Compta@atelier-dupont.test'] }))), 'EMAIL_TAKEN');
        await code(store.transact((tx) => tx.clients.add(client({ id: 'bot', emails: ['factures@studio.test'] }))), 'EMAIL_RESERVED');
        await store.transact((tx) => tx.clients.add(client({ id: 'other', emails: ['other@b.test'] })));
        // A change of record (a rectification, `client update`) goes through the same check.
        await code(store.transact((tx) => tx.clients.put(client({ id: 'other', emails: ['other@b.test', 'compta@atelier-dupont.test'] }))), 'EMAIL_TAKEN');
        await code(store.transact((tx) => tx.clients.put(client({ id: 'other', emails: ['ops@studio.test'] }))), 'EMAIL_RESERVED');
        await store.transact((tx) => tx.clients.put(client({ id: 'atelier-dupont', emails: ['new@atelier-dupont.test'] })));
        await store.transact((tx) => tx.clients.put(client({ id: 'other', emails: ['other@b.test', 'compta@atelier-dupont.test'] })));
        assert.equal((await store.read((tx) => tx.clients.byEmail('compta@atelier-dupont.test')))?.id, 'other');
        assert.deepEqual((await store.read((tx) => tx.clients.list())).map((c) => c.id), ['atelier-dupont', 'other']);
      });
    });

    it('commits all of a transaction or nothing of it', async () => {
      await withStore(async (store) => {
        await assert.rejects(
          store.transact(async (tx) => {
            await tx.clients.add(client());
            tx.audit({ time: now(), action: 'routed', outcome: 'info' });
            throw new Error('stop');
          }),
          /stop/,
        );
        assert.equal(await store.read((tx) => tx.clients.get('atelier-dupont')), undefined);
        const entries = [];
        for await (const e of store.auditEntries({})) entries.push(e);
        assert.equal(entries.length, 0);
        assert.equal((await store.stats()).clients, 0);
      });
    });

    it('moves a series forward only, from the snapshot a batch was numbered from', async () => {
      await withStore(async (store) => {
        await store.transact((tx) => tx.clients.add(client()));
        const s1 = { 'S-#': { last: 2, lastIssueDate: '2026-11-02' } };
        await store.transact(async (tx) => {
          await tx.series.advance('atelier-dupont', {}, s1);
          await tx.batches.record(batch('00000000-0000-4000-8000-000000000001', 'atelier-dupont', 'a'.repeat(64), ['S-1', 'S-2'], 'buyer@b.test'));
        });
        // Numbered from the old snapshot: another batch took the numbers meanwhile.
        await code(store.transact((tx) => tx.series.advance('atelier-dupont', {}, { 'S-#': { last: 1, lastIssueDate: '2026-11-02' } })), 'SEQUENCE_MOVED');
        await code(store.transact((tx) => tx.series.advance('atelier-dupont', s1, { 'S-#': { last: 1, lastIssueDate: '2026-11-02' } })), 'SEQUENCE_BACKWARDS');
        await code(store.transact((tx) => tx.series.advance('atelier-dupont', s1, { 'S-#': { last: 3, lastIssueDate: '2026-11-01' } })), 'SEQUENCE_BACKWARDS');
        // The same bytes again are refused: they were issued once.
        await code(
          store.transact(async (tx) => {
            await tx.series.advance('atelier-dupont', s1, { 'S-#': { last: 4, lastIssueDate: '2026-11-02' } });
            await tx.batches.record(batch('00000000-0000-4000-8000-000000000002', 'atelier-dupont', 'a'.repeat(64), ['S-3', 'S-4']));
          }),
          'BATCH_DUPLICATE',
        );
        const seen = await store.read(async (tx) => ({
          series: await tx.series.of('atelier-dupont'),
          byFile: await tx.batches.byFile('atelier-dupont', 'a'.repeat(64)),
          sellers: await tx.batches.sellersOfBuyer('Buyer@B.test'),
          all: await tx.batches.ofClient('atelier-dupont'),
        }));
        assert.deepEqual(seen.series, s1);
        assert.deepEqual(seen.byFile?.invoices.map((i) => i.number), ['S-1', 'S-2']);
        assert.deepEqual(seen.sellers, ['atelier-dupont']);
        assert.equal(seen.all.length, 1);
        const id = '00000000-0000-4000-8000-000000000001';
        assert.deepEqual((await store.read((tx) => tx.batches.committedBefore('2026-11-03T00:00:00.000Z'))).map((b) => [b.id, b.minimized]), [[id, false]]);
        assert.deepEqual(await store.read((tx) => tx.batches.committedBefore('2026-11-02T00:00:00.000Z')), [], 'not before its date');
        await store.transact((tx) => tx.batches.filesRemoved(id, ['source.csv']));
        assert.deepEqual((await store.read((tx) => tx.batches.get(id)))?.filesRemoved, ['source.csv']);
        await store.transact((tx) => tx.batches.minimize([id], '2027-02-01T00:00:00.000Z'));
        const register = await store.read((tx) => tx.batches.get(id));
        assert.deepEqual(register?.invoices.map((i) => [i.number, i.issueDate, i.totalInclVat, i.buyerName, i.buyerEmail]), [['S-1', '2026-11-02', '12.00', '', undefined], ['S-2', '2026-11-02', '12.00', '', undefined]]);
        assert.equal(register?.fileName, '');
        assert.ok(await store.read((tx) => tx.batches.byFile('atelier-dupont', 'a'.repeat(64))), 'the file hash outlives the copies');
        assert.deepEqual(await store.read((tx) => tx.batches.committedBefore('2030-01-01T00:00:00.000Z')), [], 'nothing left to purge');
        const stats = await store.stats();
        assert.equal(stats.batches, 1);
        assert.equal(stats.invoices, 2);
      });
    });

    it('keeps the register true: no invoice credited beyond its total, replaced twice, or a deposit deducted twice, whatever the writer', async () => {
      await withStore(async (store) => {
        await store.transact((tx) => tx.clients.add(client()));
        const doc = (id: string, sha: string, inv: Partial<BatchRecord['invoices'][number]> & { number: string }): BatchRecord => {
          const b = batch(id, 'atelier-dupont', sha, [inv.number]);
          return { ...b, invoices: b.invoices.map((i) => ({ ...i, ...inv, series: inv.number.replace(/\d+$/, '#') })) };
        };
        const id = (n: number) => `00000000-0000-4000-8000-0000000001${String(n).padStart(2, '0')}`;
        const commit = (b: BatchRecord) => store.transact((tx) => tx.batches.record(b));
        await commit(doc(id(1), '1'.repeat(64), { number: 'FA-1', totalInclVat: '120.00' }));
        await commit(doc(id(2), '2'.repeat(64), { number: 'FA-2', documentType: '386', totalInclVat: '60.00' }));
        // 100 of 120 credited, then 20 more: fine; one cent more: refused, whoever writes it.
        await commit(doc(id(3), '3'.repeat(64), { number: 'AV-1', documentType: '381', totalInclVat: '100.00', preceding: [{ number: 'FA-1', issueDate: '2026-11-02', credited: '100.00' }] }));
        await code(commit(doc(id(4), '4'.repeat(64), { number: 'AV-2', documentType: '381', totalInclVat: '20.01', preceding: [{ number: 'FA-1', credited: '20.01' }] })), 'REGISTER_CONFLICT');
        // A credited invoice cannot be cancelled and replaced; a credit note is never credited.
        await code(commit(doc(id(5), '5'.repeat(64), { number: 'FA-3', documentType: '384', preceding: [{ number: 'FA-1' }] })), 'REGISTER_CONFLICT');
        await code(commit(doc(id(6), '6'.repeat(64), { number: 'AV-3', documentType: '381', totalInclVat: '1.00', preceding: [{ number: 'AV-1', credited: '1.00' }] })), 'REGISTER_CONFLICT');
        await commit(doc(id(7), '7'.repeat(64), { number: 'AV-4', documentType: '381', totalInclVat: '20.00', preceding: [{ number: 'FA-1', credited: '20.00' }] }));
        // A deposit is deducted once; an invoice that is no deposit is never deducted.
        await commit(doc(id(8), '8'.repeat(64), { number: 'FA-4', prepaidAmount: '60.00', preceding: [{ number: 'FA-2' }] }));
        await code(commit(doc(id(9), '9'.repeat(64), { number: 'FA-5', prepaidAmount: '60.00', preceding: [{ number: 'FA-2' }] })), 'REGISTER_CONFLICT');
        await code(commit(doc(id(10), 'a'.repeat(64), { number: 'FA-6', prepaidAmount: '1.00', preceding: [{ number: 'FA-4' }] })), 'REGISTER_CONFLICT');
        // Replaced once, never twice.
        await commit(doc(id(11), 'b'.repeat(64), { number: 'FA-7', documentType: '384', preceding: [{ number: 'FA-4' }] }));
        await code(commit(doc(id(12), 'c'.repeat(64), { number: 'FA-8', documentType: '384', preceding: [{ number: 'FA-4' }] })), 'REGISTER_CONFLICT');
        const concerning = await store.read((tx) => tx.batches.concerning('atelier-dupont', ['FA-1']));
        assert.deepEqual(concerning.flatMap((b) => b.invoices.map((i) => i.number)).sort(), ['AV-1', 'AV-4', 'FA-1']);
      });
    });

    it('keeps each invoice’s platform record, leases its deposit to one taker, and lets it go with the register entry it belongs to', async () => {
      await withStore(async (store) => {
        await store.transact((tx) => tx.clients.add(client()));
        const id = '00000000-0000-4000-8000-000000000201';
        await store.transact((tx) => tx.batches.record(batch(id, 'atelier-dupont', 'd'.repeat(64), ['FA-9'])));
        const at = '2026-11-20T10:00:00.000Z';
        const base = { clientId: 'atelier-dupont', batchId: id, pdfFile: 'FA-9.pdf', trackingId: 't', state: 'queued' as const, attempts: 0, nextAttemptAt: at, history: [], queuedAt: at, updatedAt: at };
        const staging = await store.files.stage();
        await staging.write('platform/atelier-dupont/p1.xml', '<x/>');
        await store.transact(async (tx) => {
          tx.files.adopt(staging);
          await tx.platform.queue([{ ...base, number: 'FA-9' }, { ...base, number: 'FA-9#P1', kind: 'payment', payment: { invoice: 'FA-9', date: '2026-11-21', amount: '12.00', currency: 'EUR', file: 'platform/atelier-dupont/p1.xml' } }]);
          await tx.platform.queue([{ ...base, number: 'FA-9', attempts: 7 }]); // idempotent: the first stays
        });
        assert.equal((await store.read((tx) => tx.platform.get('atelier-dupont', 'FA-9')))?.attempts, 0);
        // Several at once (the console's page of invoices): those that have a record, none of another seller.
        assert.deepEqual((await store.read((tx) => tx.platform.getMany('atelier-dupont', ['FA-9', 'FA-404', 'FA-9#P1']))).map((f) => f.number).sort(), ['FA-9', 'FA-9#P1']);
        assert.deepEqual(await store.read((tx) => tx.platform.getMany('other', ['FA-9'])), []);
        assert.deepEqual(await store.read((tx) => tx.platform.getMany('atelier-dupont', [])), []);
        // Taken under a lease: not due again until it runs out.
        await store.transact(async (tx) => {
          for (const f of await tx.platform.due(at, 10)) await tx.platform.update(f.clientId, f.number, { attempts: 1, leaseUntil: '2026-11-20T10:05:00.000Z' }, at);
        });
        assert.deepEqual(await store.read((tx) => tx.platform.due('2026-11-20T10:01:00.000Z', 10)), []);
        assert.equal((await store.read((tx) => tx.platform.due('2026-11-20T10:06:00.000Z', 10))).length, 2);
        await store.transact((tx) => tx.platform.update('atelier-dupont', 'FA-9', { state: 'deposited', flowId: 'flow-1', status: { code: 212, at }, clear: ['leaseUntil'] }, at));
        assert.equal((await store.read((tx) => tx.platform.byFlowId('atelier-dupont', 'flow-1')))?.number, 'FA-9');
        assert.deepEqual((await store.read((tx) => tx.platform.list({ status: 212 }))).map((f) => f.number), ['FA-9']);
        assert.deepEqual(await store.read((tx) => tx.platform.summary()), { queued: 1, failed: 0, oldestQueuedAt: at });
        await store.transact((tx) => tx.batches.drop([id]));
        assert.deepEqual(await store.read((tx) => tx.platform.list()), []);
        assert.equal(await store.files.exists('platform/atelier-dupont/p1.xml'), false, 'the payment message is shredded with its record');
      });
    });

    it('gives each request its reference once and keeps one open request per kind and address', async () => {
      await withStore(async (store) => {
        const ref = await store.read((tx) => tx.requests.nextRef(2026));
        assert.equal(ref, 'RGPD-2026-0001');
        await store.transact((tx) => tx.requests.open(request(ref, 'Jane@Example.org')));
        await code(store.transact((tx) => tx.requests.open(request('RGPD-2026-0002', 'jane@example.org'))), 'REQUEST_OPEN');
        // A reference read before another request took it is refused: the code mail named it.
        await code(store.transact((tx) => tx.requests.open(request('RGPD-2026-0001', 'bob@example.org'))), 'STORE_CONFLICT');
        await store.transact((tx) => tx.requests.open(request('RGPD-2026-0002', 'jane@example.org', 'erasure')));
        assert.equal((await store.read((tx) => tx.requests.openFor('JANE@example.org', 'access')))?.ref, 'RGPD-2026-0001');
        await store.transact((tx) => tx.requests.update('RGPD-2026-0001', { status: 'done', code: undefined, outcome: 'data sent' }));
        const open = await store.read((tx) => tx.requests.list({ open: true }));
        assert.deepEqual(open.map((r) => r.ref), ['RGPD-2026-0002']);
        const done = await store.read((tx) => tx.requests.get('RGPD-2026-0001'));
        assert.equal(done?.outcome, 'data sent');
        assert.ok(!('code' in (done ?? {})));
        await store.transact((tx) => tx.requests.open(request('RGPD-2026-0003', 'jane@example.org')));
        await store.transact((tx) => tx.requests.remove(['RGPD-2026-0001']));
        assert.deepEqual((await store.read((tx) => tx.requests.list())).map((r) => r.ref), ['RGPD-2026-0002', 'RGPD-2026-0003']);
        assert.equal((await store.stats()).requestsOpen, 2);
      });
    });

    // Only PostgreSQL has more than one daemon on a store.
    if (backend.name === 'postgres') it('leaves the move of a handled mail to the daemon that handled it while that one beats', async () => {
      await withStore(async (store, ctx) => {
        const mk = { mailbox: 'INBOX', uidValidity: '7', uid: '43' };
        const key = 'INBOX|7|43';
        await store.reportStatus({ pid: process.pid, node: 'a', startedAt: now(), source: 'test', transport: 'test', connection: 'connected', updatedAt: now() });
        assert.equal((await store.mail.claim(key, mk)).status, 'claimed');
        await store.transact((tx) => tx.ledger.record({ ...mk, state: 'handled', attempts: 1, outcome: 'help-sent', folder: 'Processed', firstSeenAt: now(), updatedAt: now() }));
        const other = await PostgresStore.open(ctx.dataDir, { type: 'postgres', urlEnv: 'TEST_DB_URL', leaseSeconds: 1, poolSize: 2, node: 'node-b' }, ctx.env, {});
        try {
          assert.deepEqual(await other.mail.claim(key, mk), { status: 'taken' }, 'the handler is alive: the move is its own');
          assert.deepEqual(await store.mail.claim(key, mk), { status: 'handled', folder: 'Processed' }, 'the handler itself moves it');
          await store.close(); // the handler stops beating
          await new Promise((r) => setTimeout(r, 1_300));
          assert.deepEqual(await other.mail.claim(key, mk), { status: 'handled', folder: 'Processed' }, 'its handler gone, another daemon moves it');
        } finally {
          await other.close();
        }
      });
    });

    if (backend.name === 'postgres') it('keeps a reply taken by a daemon its own while it beats, and frees it once it stops beating for leaseSeconds, not minutes later', async () => {
      await withStore(async (_store, ctx) => {
        const open = (node: string) => PostgresStore.open(ctx.dataDir, { type: 'postgres', urlEnv: 'TEST_DB_URL', leaseSeconds: 1, poolSize: 2, node }, ctx.env, {});
        const a = await open('node-a');
        const b = await open('node-b');
        try {
          const entry = replyEntry('cd', 'x@b.test', 'help');
          await queueReply(a, entry);
          await a.reportStatus({ pid: process.pid, node: 'a', startedAt: now(), source: 'test', transport: 'test', connection: 'connected', updatedAt: now() });
          await b.reportStatus({ pid: process.pid, node: 'b', startedAt: now(), source: 'test', transport: 'test', connection: 'connected', updatedAt: now() });
          assert.equal((await a.outbox.takeDue(new Date(Date.now() + 1000), 10)).length, 1);
          await new Promise((r) => setTimeout(r, 1_500));
          assert.deepEqual(await b.outbox.takeDue(new Date(Date.now() + 1000), 10), [], 'its taker beats: still its own past leaseSeconds');
          await a.close(); // killed: it stops beating, and never releases what it took
          await new Promise((r) => setTimeout(r, 1_300));
          assert.deepEqual((await b.outbox.takeDue(new Date(Date.now() + 1000), 10)).map((e) => e.id), [entry.id], 'free once its taker stopped beating');
        } finally {
          await a.close();
          await b.close();
        }
      });
    });

    it('verifies its audit trail while another process commits lines to it: a line added meanwhile is never taken for a cut end', async () => {
      await withStore(async (store, ctx) => {
        await store.transact(async (tx) => tx.clients.add(client({ id: 'shared', emails: ['shared@x.test'] })));
        const seal = await localAuditSeal(ctx.dataDir);
        const writing = runWorker(ctx.env, 'w', 150);
        let checks = 0;
        let done = false;
        void writing.finally(() => (done = true)).catch(() => undefined);
        try {
          while (!done) {
            const r = await verifyTrail(store, seal);
            assert.equal(r.ok, true, JSON.stringify(r.problem));
            checks++;
          }
        } finally {
          await writing.catch(() => undefined); // the other process ends before the store is removed
        }
        assert.equal((await writing).committed, 150);
        // A read may be up to 25 ms behind another process's commit (the embedded store looks that often): past it, the whole trail.
        await new Promise((resolve) => setTimeout(resolve, 30));
        const last = await verifyTrail(store, seal);
        assert.deepEqual([last.ok, last.head.seq], [true, (await store.auditHead()).seq]);
        assert.ok(checks >= 3, `${checks} verifications while the other process wrote`);
      });
    });

    it('never offers again a reply the server took; a process that died before its sent commit leaves it to be recorded, not sent', async () => {
      await withStore(async (store, ctx) => {
        const entry = replyEntry('ce', 'x@b.test', 'help');
        await queueReply(store, entry);
        const beat = (s: Store, node: string) => s.reportStatus({ pid: process.pid, node, startedAt: now(), source: 'test', transport: 'test', connection: 'connected', updatedAt: now() });
        // The sender: another node on PostgreSQL (it beats, then dies); the process itself on the embedded store.
        const sender = backend.name === 'postgres' ? await PostgresStore.open(ctx.dataDir, { type: 'postgres', urlEnv: 'TEST_DB_URL', leaseSeconds: 1, poolSize: 2, node: 'node-a' }, ctx.env, {}) : store;
        await beat(sender, 'a');
        assert.deepEqual((await sender.outbox.takeDue(new Date(Date.now() + 1000), 10)).map((e) => e.id), [entry.id]);
        await sender.outbox.accepted(entry.id);
        assert.deepEqual(await sender.outbox.acceptedUnrecorded(), [], 'its own sender is recording it');
        if (sender !== store) await sender.close();
        const next = backend.name === 'postgres' ? await PostgresStore.open(ctx.dataDir, { type: 'postgres', urlEnv: 'TEST_DB_URL', leaseSeconds: 1, poolSize: 2, node: 'node-b' }, ctx.env, {}) : await ctx.reopen();
        try {
          await beat(next, 'b');
          await new Promise((r) => setTimeout(r, 1_300));
          assert.deepEqual(await next.outbox.takeDue(new Date(Date.now() + 86_400_000), 10), [], 'never offered again');
          assert.deepEqual((await next.outbox.acceptedUnrecorded()).map((e) => e.id), [entry.id]);
          await next.transact((tx) => tx.outbox.sent(entry.id));
          assert.deepEqual(await next.outbox.acceptedUnrecorded(), []);
          assert.equal((await next.stats()).outbox.sent, 1);
        } finally {
          await next.close();
        }
      });
    });

    it('lets only the claim holder record a mail, once, and counts each attempt', async () => {
      await withStore(async (store) => {
        const mk = { mailbox: 'INBOX', uidValidity: '7', uid: '42' };
        const key = 'INBOX|7|42';
        const entry = (attempts: number) => ({ ...mk, state: 'handled' as const, attempts, outcome: 'help-sent', folder: 'Processed', firstSeenAt: now(), updatedAt: now() });
        await code(store.transact((tx) => tx.ledger.record(entry(1))), 'MAIL_NOT_CLAIMED');
        const first = await store.mail.claim(key, mk);
        assert.equal(first.status === 'claimed' && first.attempts, 1);
        await store.mail.failed(key, 'boom');
        const second = await store.mail.claim(key, mk);
        assert.deepEqual(second.status === 'claimed' ? [second.attempts, second.error] : [], [2, 'boom']);
        await store.transact((tx) => tx.ledger.record(entry(2)));
        await code(store.transact((tx) => tx.ledger.record(entry(2))), 'MAIL_NOT_CLAIMED');
        assert.deepEqual(await store.mail.claim(key, mk), { status: 'handled', folder: 'Processed' });
        assert.equal((await store.stats()).inHand, 1);
        await store.transact((tx) => tx.ledger.moved([key], now()));
        const stats = await store.stats();
        assert.equal(stats.inHand, 0);
        assert.equal(stats.outcomes['help-sent'], 1);
      });
    });

    it('stores files only with the commit that adopts them, and shreds them after the one that says so', async () => {
      await withStore(async (store) => {
        const kept = await store.files.stage();
        await kept.write('batches/b1/report.csv', 'a;b\n1;2\n');
        await store.transact((tx) => Promise.resolve(tx.files.adopt(kept)));
        assert.equal((await store.files.read('batches/b1/report.csv')).toString(), 'a;b\n1;2\n');
        const lost = await store.files.stage();
        await lost.write('batches/b2/report.csv', 'secret');
        await assert.rejects(store.transact(() => Promise.reject(new Error('no commit'))));
        await lost.discard();
        assert.equal(await store.files.exists('batches/b2/report.csv'), false);
        await store.transact((tx) => Promise.resolve(tx.files.shred(['batches/b1/report.csv'])));
        assert.equal(await store.files.exists('batches/b1/report.csv'), false);
        await assert.rejects(store.files.read('../config.json'), (err: { code?: string }) => err.code === 'BAD_FILE_NAME');
      });
    });

    it('queues a reply only with its message, hands it to one sender at a time, and forgets it once sent', async () => {
      await withStore(async (store) => {
        const entry = replyEntry('aa', 'a@b.test', 'help');
        await code(store.transact((tx) => tx.outbox.queue(entry)), 'OUTBOX_FILE_MISSING');
        await queueReply(store, entry);
        const taken = await store.outbox.takeDue(new Date(Date.now() + 1000), 10);
        assert.deepEqual(taken.map((e) => e.id), [entry.id]);
        assert.deepEqual(await store.outbox.takeDue(new Date(Date.now() + 1000), 10), [], 'not handed out twice');
        await store.outbox.release([entry.id]);
        assert.equal((await store.outbox.takeDue(new Date(Date.now() + 1000), 10)).length, 1);
        await store.transact((tx) => tx.outbox.retry(entry.id, { attempts: 1, nextAttemptAt: new Date(Date.now() + 60_000).toISOString(), lastError: '451 try later' }));
        assert.deepEqual(await store.outbox.takeDue(new Date(), 10), [], 'not due before its retry time');
        assert.equal((await store.read((tx) => tx.outbox.list()))[0]?.lastError, '451 try later');
        await store.transact((tx) => tx.outbox.sent(entry.id));
        assert.equal(await store.files.exists(entry.file), false);
        const stats = await store.stats();
        assert.deepEqual(stats.outbox, { queued: 0, failed: 0, sent: 1 });
      });
    });

    it('keeps a reply refused for good with its message, never handed out again by itself; resend queues it again, cancel shreds it', async () => {
      await withStore(async (store) => {
        const entry = replyEntry('ab', 'gone@b.test', 'batch-result');
        await queueReply(store, entry);
        assert.equal((await store.outbox.takeDue(new Date(Date.now() + 1000), 10)).length, 1);
        await store.transact((tx) => tx.outbox.fail(entry.id, { error: '550 mailbox full' }));
        assert.equal((await store.files.read(entry.file)).toString(), 'Subject: hi\r\n\r\nhello', 'the message is kept for a resend');
        const [kept] = await store.read((tx) => tx.outbox.list());
        assert.equal(kept?.state, 'failed');
        assert.equal(kept?.attempts, 1);
        assert.equal(kept?.lastError, '550 mailbox full');
        assert.deepEqual(kept?.envelope.to, ['gone@b.test']);
        assert.deepEqual(await store.outbox.takeDue(new Date(Date.now() + 86_400_000), 10), [], 'never tried again by itself');
        assert.deepEqual((await store.stats()).outbox, { queued: 0, failed: 1, sent: 0 });
        await assert.rejects(store.transact((tx) => tx.outbox.resend('00000000-0000-4000-8000-0000000000ff', now())), { code: 'NOT_FOUND' });
        const again = await store.transact((tx) => tx.outbox.resend(entry.id, now()));
        assert.equal(again.state, 'queued');
        await assert.rejects(store.transact((tx) => tx.outbox.resend(entry.id, now())), { code: 'NOT_FOUND' }, 'only a failed reply is resent');
        assert.deepEqual((await store.outbox.takeDue(new Date(Date.now() + 1000), 10)).map((e) => e.id), [entry.id]);
        await store.outbox.release([entry.id]);
        await store.transact((tx) => tx.outbox.fail(entry.id, { error: '550 again' }));
        await store.transact((tx) => tx.outbox.cancel(entry.id));
        assert.equal(await store.files.exists(entry.file), false, 'dismissed: the message is shredded');
        assert.deepEqual((await store.stats()).outbox, { queued: 0, failed: 0, sent: 0 });
      });
    });

    it('commits transactions started together as if each were alone: an error reaches only its own, the others commit, the chain holds each line once', async () => {
      await withStore(async (store, ctx) => {
        await store.transact(async (tx) => tx.clients.add(client({ id: 'g', emails: ['g@g.test'] })));
        // 40 at once, in the same turn: a group commit takes them together. Every 7th fails after writing.
        const outcomes = await Promise.allSettled(
          Array.from({ length: 40 }, (_, i) =>
            store.transact(async (tx) => {
              tx.audit({ time: new Date().toISOString(), action: 'received', outcome: 'info', clientId: 'g', details: { i } });
              await tx.rate.hit('group:x', 3_600_000, 1000, 1_800_000_000_000 + i);
              if (i % 7 === 3) throw new MailbotError('STORE_CONFLICT', `job ${i} refused`);
              return i;
            }),
          ),
        );
        const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [[i, (o.reason as MailbotError).message]] : []));
        assert.deepEqual(failed, [3, 10, 17, 24, 31, 38].map((i) => [i, `job ${i} refused`]));
        assert.deepEqual(outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : [])), Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 7 !== 3));
        const seen: number[] = [];
        for await (const e of store.auditEntries({ clientId: 'g' })) seen.push(Number(e.details?.i));
        assert.deepEqual([...seen].sort((x, y) => x - y), Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 7 !== 3), 'what a failed transaction wrote is gone; the others are there once');
        assert.equal(await store.read((tx) => tx.rate.recent('group:x', 3_600_000, 1_800_000_000_100)), 34, 'the failed ones counted nothing');
        const chain = await verifyTrail(store, await localAuditSeal(ctx.dataDir));
        assert.equal(chain.ok, true, JSON.stringify(chain.problem));
      });
    });

    it('counts events in sliding windows that survive a reopening', async () => {
      await withStore(async (store, ctx) => {
        const t = 1_800_000_000_000;
        for (let i = 0; i < 3; i++) assert.equal(await store.transact((tx) => tx.rate.hit('sender:x', 3_600_000, 3, t + i)), true);
        assert.equal(await store.transact((tx) => tx.rate.hit('sender:x', 3_600_000, 3, t + 10)), false);
        const again = await ctx.reopen();
        try {
          assert.equal(await again.read((tx) => tx.rate.recent('sender:x', 3_600_000, t + 20)), 3);
          assert.equal(await again.read((tx) => tx.rate.recent('sender:x', 3_600_000, t + 3_600_020)), 0);
        } finally {
          await again.close();
        }
      });
    });

    it('counts a hit whose clock is behind in its place, and lets hits leave the window one by one', async () => {
      await withStore(async (store) => {
        const t = 1_800_000_000_000;
        const hour = 3_600_000;
        const hit = (key: string, at: number, limit = 10) => store.transact((tx) => tx.rate.hit(key, hour, limit, at));
        const recent = (key: string, at: number) => store.read((tx) => tx.rate.recent(key, hour, at));
        await hit('sender:a', t + 100);
        await hit('sender:a', t + 300);
        await hit('sender:a', t + 200); // another daemon's clock, a little behind
        assert.equal(await recent('sender:a', t + 1000), 3);
        assert.equal(await recent('sender:a', t + hour + 150), 2, 'the first hit left the window');
        assert.equal(await recent('sender:a', t + hour + 250), 1, 'the one behind left it in its turn');
        assert.equal(await hit('sender:a', t + hour + 250, 2), true, 'one in the window, a limit of 2');
        assert.equal(await hit('sender:a', t + hour + 260, 2), false, 'two in the window');
        assert.equal(await recent('sender:a', t + hour + 260), 2, 'a window keeps no more hits than its limit');
        await hit('sender:b', t + 5 * hour);
        assert.equal(await recent('sender:a', t + 5 * hour), 0, 'a window that ended counts nothing');
      });
    });

    it('keeps the audit trail in commit order, filters it, and follows it from a cursor', async () => {
      await withStore(async (store) => {
        for (let i = 0; i < 5; i++) await store.transact((tx) => Promise.resolve(tx.audit({ time: new Date(Date.UTC(2026, 10, 1, 10, i)).toISOString(), action: i % 2 ? 'reply-sent' : 'received', outcome: 'ok', clientId: i === 4 ? 'c1' : 'c0', details: { i } })));
        const all = [];
        for await (const e of store.auditEntries({})) all.push(e.details?.i);
        assert.deepEqual(all, [0, 1, 2, 3, 4]);
        const sent = [];
        for await (const e of store.auditEntries({ actions: ['reply-sent'] })) sent.push(e.details?.i);
        assert.deepEqual(sent, [1, 3]);
        const c1 = [];
        for await (const e of store.auditEntries({ clientId: 'c1', since: Date.UTC(2026, 10, 1, 10, 2) })) c1.push(e.details?.i);
        assert.deepEqual(c1, [4]);
        const end = await store.auditSince({});
        assert.deepEqual(end.entries, []);
        await store.transact((tx) => Promise.resolve(tx.audit({ time: now(), action: 'moved', outcome: 'ok', details: { i: 5 } })));
        const next = await store.auditSince({}, end.cursor);
        assert.deepEqual(next.entries.map((e) => e.details?.i), [5]);
        assert.deepEqual((await store.auditSince({}, 'start')).entries.length, 6);
        // The lines as stored, for the chain verifier: every one, in order, each sealed, and resumable from a cursor.
        const lines = [];
        for await (const l of store.auditLines()) lines.push(l);
        assert.deepEqual(lines.map((l) => (JSON.parse(l.text) as { seq: number }).seq), [1, 2, 3, 4, 5, 6]);
        const rest = [];
        for await (const l of store.auditLines(lines[3]?.cursor)) rest.push((JSON.parse(l.text) as { details: { i: number } }).details.i);
        assert.deepEqual(rest, [4, 5]);
        // Newest first (the console's pages): every line, and from a line's own cursor, those before it; forward again from there.
        const back = [];
        for await (const l of store.auditLinesBackward()) back.push(l);
        assert.deepEqual(back.map((l) => l.text), [...lines].reverse().map((l) => l.text));
        const older = [];
        for await (const l of store.auditLinesBackward(back[2]?.cursor)) older.push((JSON.parse(l.text) as { seq: number }).seq);
        assert.deepEqual(older, [3, 2, 1]);
        // Forward from a line read backward: that line first, then those after it.
        const story = [];
        for await (const l of store.auditLines(back[2]?.forward)) story.push((JSON.parse(l.text) as { seq: number }).seq);
        assert.deepEqual(story, [4, 5, 6]);
      });
    });

    it('pages a seller\'s batches newest first, counting them all', async () => {
      await withStore(async (store) => {
        await store.transact((tx) => tx.clients.add(client()));
        for (const [i, day] of ['03', '01', '02'].entries()) {
          const b = { ...batch(`00000000-0000-4000-8000-00000000030${i}`, 'atelier-dupont', String(i).repeat(64), [`P-${day}`]), committedAt: `2026-11-${day}T10:00:00.000Z` };
          await store.transact((tx) => tx.batches.record(b));
        }
        const page = (offset: number) => store.read((tx) => tx.batches.pageOfClient('atelier-dupont', offset, 2));
        const first = await page(0);
        assert.equal(first.total, 3);
        const second = await page(2);
        assert.equal(second.total, 3);
        // Newest first by date, whatever the order they were recorded in, each once.
        assert.deepEqual([...first.batches, ...second.batches].map((b) => b.invoices[0]?.number), ['P-03', 'P-02', 'P-01']);
        assert.deepEqual(await store.read((tx) => tx.batches.pageOfClient('nobody', 0, 2)), { batches: [], total: 0 });
      });
    });

    it('pages the trail newest first with the filters, and tells one mail\'s story, in constant memory', async () => {
      await withStore(async (store) => {
        const at = (m: number) => new Date(Date.UTC(2026, 10, 1, 10, m)).toISOString();
        const lines: AuditEntry[] = [
          { time: at(0), action: 'received', outcome: 'info', mailKey: 'K1', clientId: 'c1', details: { bytes: 1 } },
          { time: at(1), action: 'received', outcome: 'info', mailKey: 'K2', details: { bytes: 2 } },
          { time: at(2), action: 'routed', outcome: 'info', mailKey: 'K1', clientId: 'c1', details: { handler: 'invoice' } },
          { time: at(3), action: 'reply-queued', outcome: 'ok', mailKey: 'K1', clientId: 'c1', details: { kind: 'batch-result', reply: '<r1@x>' } },
          { time: at(4), action: 'moved', outcome: 'ok', mailKey: 'K2', details: { folder: 'Processed' } },
          { time: at(5), action: 'moved', outcome: 'ok', mailKey: 'K1', details: { folder: 'Processed' } },
          { time: at(6), action: 'reply-sent', outcome: 'ok', messageId: '<r1@x>', details: { kind: 'batch-result' } },
          { time: at(7), action: 'gdpr-request', outcome: 'info', mailKey: 'K3', details: { ref: 'RGPD-2026-0009', kind: 'access' } },
          { time: at(8), action: 'gdpr-extended', outcome: 'ok', details: { ref: 'RGPD-2026-0009', months: 1 } },
        ];
        for (const l of lines) await store.transact((tx) => Promise.resolve(tx.audit(l)));
        const { mailStory, trailPage } = await import('../../src/console/trail.js');
        const story = await mailStory(store, 'K1');
        assert.deepEqual(story.entries.map((e) => e.action), ['received', 'routed', 'reply-queued', 'moved', 'reply-sent']);
        // A client's lines, two at a time from the newest; the next page goes on where the last stopped.
        const first = await trailPage(store, { clientId: 'c1' }, undefined, 2);
        assert.deepEqual(first.entries.map((e) => e.time), [at(3), at(2)]);
        const second = await trailPage(store, { clientId: 'c1' }, first.next, 2);
        assert.deepEqual(second.entries.map((e) => e.time), [at(0)]);
        assert.equal(second.next, undefined);
        const request = await trailPage(store, { ref: 'RGPD-2026-0009' }, undefined);
        assert.deepEqual(request.entries.map((e) => e.action), ['gdpr-extended', 'gdpr-request']);
        // Older than `since`: the page stops there.
        assert.deepEqual((await trailPage(store, { since: Date.parse(at(6)) }, undefined)).entries.map((e) => e.time), [at(8), at(7), at(6)]);
      });
    });

    it('loses nothing when processes interleave 1,000 commits: two, then eight at once', async () => {
      await withStore(async (store, ctx) => {
        await store.transact((tx) => tx.clients.add(client({ id: 'shared', emails: ['shared@s.test'] })));
        const [a, b] = await Promise.all([runWorker(ctx.env, 'a', 500), runWorker(ctx.env, 'b', 500)]);
        assert.equal((a?.committed ?? 0) + (b?.committed ?? 0), 1000);
        const eight = await Promise.all(Array.from({ length: 8 }, (_, i) => runWorker(ctx.env, `p${i}`, 25)));
        assert.equal(eight.reduce((n, r) => n + r.committed, 0), 200);
        assert.deepEqual(await store.read((tx) => tx.series.of('shared')), { 'S-#': { last: 1200, lastIssueDate: '2026-12-01' } });
        const seen: number[] = [];
        for await (const e of store.auditEntries({ clientId: 'shared' })) seen.push(Number(e.details?.number));
        assert.deepEqual([...seen].sort((x, y) => x - y), Array.from({ length: 1200 }, (_, i) => i + 1), 'each number committed once, none lost');
        const chain = await verifyTrail(store, await localAuditSeal(ctx.dataDir));
        assert.equal(chain.ok, true, JSON.stringify(chain.problem));
        assert.deepEqual([chain.lines, chain.head.seq], [1200, 1200], 'ten processes wrote one chain');
      });
    });

    it('chains the audit trail; a prune drops only the old run at its start behind a checkpoint, and the rest still verifies', async () => {
      await withStore(async (store, ctx) => {
        const seal = await localAuditSeal(ctx.dataDir);
        const at = (day: number) => new Date(Date.UTC(2026, 0, day)).toISOString();
        for (let day = 1; day <= 10; day++) await store.transact((tx) => Promise.resolve(tx.audit({ time: at(day), action: 'received', outcome: 'ok', details: { day } })));
        const head = await store.auditHead();
        assert.equal(head.seq, 10);
        assert.match(head.mac, /^local:[0-9a-f]{64}$/);
        await store.transact((tx) => {
          tx.pruneAudit(at(4));
          tx.audit({ time: at(20), action: 'retention-run', outcome: 'ok' });
          return Promise.resolve();
        });
        const kept: AuditEntry[] = [];
        for await (const e of store.auditEntries({})) kept.push(e);
        assert.deepEqual(kept.map((e) => e.details?.day ?? e.action), [4, 5, 6, 7, 8, 9, 10, 'audit-checkpoint', 'retention-run']);
        assert.deepEqual(kept[7]?.details && [kept[7].details.firstKeptSeq, kept[7].details.dropped], [4, 3]);
        const report = await verifyTrail(store, seal);
        assert.equal(report.ok, true, JSON.stringify(report.problem));
        assert.deepEqual(report.start, { seq: 4, anchoredBy: 'checkpoint' });
        // A second prune that drops everything old leaves the checkpoint as the whole anchor.
        await store.transact((tx) => Promise.resolve(tx.pruneAudit(new Date(Date.now() + 60_000).toISOString())));
        const again = await verifyTrail(store, seal);
        assert.equal(again.ok, true, JSON.stringify(again.problem));
        assert.equal(again.lines, 1);
        // Another key cannot verify (nor forge) it.
        assert.equal((await verifyTrail(store, { key: Buffer.alloc(32, 7), keyId: 'local' })).ok, false);
      });
    });

    it('keeps a mailbox task until each mailbox did it, each counted once', async () => {
      await withStore(async (store) => {
        const task = { id: randomUUID(), kind: 'mailbox-purge' as const, purge: { folders: ['Processed'], before: now() }, reason: 'retention', createdAt: now(), attempts: 0 };
        await store.transact((tx) => tx.tasks.add(task));
        await store.transact((tx) => tx.tasks.doneIn(task.id, 'IMAP a@h:1 (tls)'));
        await store.transact((tx) => tx.tasks.doneIn(task.id, 'IMAP a@h:1 (tls)'));
        await store.transact((tx) => tx.tasks.doneIn(task.id, 'IMAP b@h:1 (tls)'));
        assert.deepEqual((await store.read((tx) => tx.tasks.list()))[0]?.doneBy, ['IMAP a@h:1 (tls)', 'IMAP b@h:1 (tls)']);
        await store.transact((tx) => tx.tasks.done(task.id));
        assert.deepEqual(await store.read((tx) => tx.tasks.list()), []);
      });
    });

    it('ages the history for the retention: the source file, then the copies, then the register; the ledger and the requests by date', async () => {
      await withStore(async (store) => {
        const config = configSchema.parse({});
        const B1 = randomUUID();
        const hash = (s: string) => `hmac:t:${s.length}`;
        await store.transact((tx) => tx.clients.add(client()));
        const staged = await store.files.stage();
        for (const f of ['source.csv', 'report.csv', 'N1.pdf']) await staged.write(`batches/${B1}/${f}`, `content of ${f}`);
        await store.transact(async (tx) => {
          tx.files.adopt(staged);
          await tx.batches.record(batch(B1, 'atelier-dupont', 'f'.repeat(64), ['N1']));
          await tx.requests.open({ ...request('RGPD-2026-0001', 'jane@example.org'), status: 'done', closedAt: '2026-11-01T10:00:00.000Z', outcome: 'sent' });
        });
        const mk = { mailbox: 'INBOX', uidValidity: '7', uid: '1' };
        assert.equal((await store.mail.claim('INBOX|7|1', mk)).status, 'claimed');
        await store.transact((tx) => tx.ledger.record({ ...mk, state: 'handled', attempts: 1, outcome: 'help-sent', folder: 'Processed', firstSeenAt: now(), updatedAt: now() }));
        await store.transact((tx) => tx.ledger.moved(['INBOX|7|1'], now()));
        const exists = (f: string) => store.files.exists(`batches/${B1}/${f}`);

        // Thirty days and a second after the batch: its source file only; the request's content too.
        await runRetention(store, config, new Date('2026-12-02T10:00:01Z'), hash);
        assert.deepEqual([await exists('source.csv'), await exists('report.csv'), await exists('N1.pdf')], [false, true, true]);
        const proof = await store.read((tx) => tx.requests.get('RGPD-2026-0001'));
        assert.deepEqual([proof?.requester, proof?.outcome, proof?.kind, Boolean(proof?.proofSince)], ['hmac:t:16', 'sent', 'access', true]);
        assert.equal((await store.read((tx) => tx.batches.get(B1)))?.invoices[0]?.buyerName, 'B SAS');

        // Ninety days: the copies go, the batch keeps its register.
        await runRetention(store, config, new Date('2027-02-01T10:00:01Z'), hash);
        assert.deepEqual([await exists('report.csv'), await exists('N1.pdf')], [false, false]);
        const reg = await store.read((tx) => tx.batches.get(B1));
        assert.deepEqual([reg?.invoices[0]?.number, reg?.invoices[0]?.buyerName, reg?.fileName, Boolean(reg?.minimizedAt)], ['N1', '', '', true]);
        assert.ok(await store.read((tx) => tx.batches.byFile('atelier-dupont', 'f'.repeat(64))), 'the file hash still refuses the same file');

        // Past the ledger's, the proof's and the register's ends.
        assert.equal((await store.historyBefore('ledger', '2100-01-01T00:00:00Z')).count, 1);
        await runRetention(store, config, new Date('2036-11-03T10:00:01Z'), hash);
        assert.equal(await store.read((tx) => tx.batches.get(B1)), undefined);
        assert.equal(await store.read((tx) => tx.batches.byFile('atelier-dupont', 'f'.repeat(64))), undefined);
        assert.equal((await store.read((tx) => tx.requests.list({}))).length, 0);
        assert.equal((await store.historyBefore('ledger', '2100-01-01T00:00:00Z')).count, 0);
        await store.check();
      });
    });

    it('keeps what a killed process committed: its after-commit work is finished by the next process', async () => {
      await withStore(async (store, ctx) => {
        const killed = await runWorker({ ...ctx.env, MAILBOT_FAILPOINT: `${backend.name}-after-commit` }, 'killed', 1, 'file');
        assert.equal(killed.signal, 'SIGKILL');
        // Killed before its commit: nothing of it exists.
        const never = await runWorker({ ...ctx.env, MAILBOT_FAILPOINT: `${backend.name}-before-commit` }, 'never', 1, 'file');
        assert.equal(never.signal, 'SIGKILL');
        const next = await ctx.reopen();
        try {
          await next.transact((tx) => Promise.resolve(tx.audit({ time: now(), action: 'daemon-started', outcome: 'info' })));
          assert.equal((await next.files.read('batches/killed/report.csv')).toString(), 'written by killed');
          assert.equal(await next.files.exists('batches/never/report.csv'), false);
          assert.deepEqual(readdirSync(join(ctx.dataDir, '.staging')), [], 'no staged copy left behind');
        } finally {
          await next.close();
        }
      });
    });
  });
}
