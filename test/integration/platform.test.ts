/**
 * The approved platform, against the stand-in (test/helpers/platform-standin.ts)
 * that checks every request against our description of the Flow Service,
 * on both store backends: invoices queued in their batch's commit and
 * deposited, 429 with Retry-After and 503 honoured, a token that expires
 * mid-run, an attempt cut between the platform's 202 and the commit found
 * by its trackingId and never deposited twice, a refusal reported and
 * resubmitted; then the lifecycle: acknowledgements, 202→205→211→212 kept
 * in order, a rejection (213) and a dispute (207) mailed to the seller at
 * once with their reason, nothing new on a second poll, the daily digest.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { runBatch } from '../../src/batch/run.js';
import { addClient } from '../../src/clients/service.js';
import { configSchema } from '../../src/config/schema.js';
import { mailStager } from '../../src/mail/standalone.js';
import { Templates } from '../../src/mail/templates.js';
import { parseCdar } from '../../src/platform/cdar.js';
import { runDeposits } from '../../src/platform/deposit.js';
import { declarePayments } from '../../src/platform/payments.js';
import { pollLifecycle, sendDigests } from '../../src/platform/lifecycle.js';
import { TokenSource } from '../../src/platform/token.js';
import type { Store } from '../../src/store/port.js';
import { PlatformStandin } from '../helpers/platform-standin.js';
import { sellerInput } from '../helpers/sample.js';
import { embeddedBackend, postgresBackend, type Backend } from '../helpers/store-backends.js';

const SECRET_ENV = 'MAILBOT_TEST_PA_SECRET';
const head = 'invoice_ref,issue_date,buyer_name,buyer_siren,buyer_address,buyer_postcode,buyer_city,description,quantity,unit_price,vat_rate\n';
const row = (ref: string) => `${ref},2026-11-20,Boulangerie Lefèvre SARL,812453678,14 rue de la République,69002,Lyon,Conseil ${ref},1,100,20\n`;

for (const backend of [embeddedBackend(), postgresBackend()] as Backend[]) {
  describe(`the approved platform, against a stand-in that checks every request: ${backend.name}`, { skip: backend.skip || false, timeout: 240_000 }, () => {
    before(() => backend.setup());
    after(() => backend.teardown());

    it('deposits each issued invoice once whatever fails on the way, follows its lifecycle and tells the seller', async () => {
      const standin = await new PlatformStandin().start();
      const ctx = await backend.fresh();
      const store: Store = ctx.store;
      const env = { ...process.env, [SECRET_ENV]: standin.secret };
      const tokens = new TokenSource(env);
      let clock = new Date('2026-11-20T10:00:00.000Z');
      const now = () => clock;
      const config = configSchema.parse({ botAddress: 'factures@studio.test', operatorAddress: 'ops@studio.test' });
      const stageMail = mailStager(store, config, new Templates());
      try {
        await addClient(store, { ...sellerInput, platform: { url: standin.url, tokenUrl: standin.tokenUrl, clientId: standin.clientId, secretEnv: SECRET_ENV, mode: 'deposit' } }, { actor: 'test' });
        const issue = async (name: string, refs: string[]) => {
          const r = await runBatch(store, { clientId: 'atelier-dupont', fileName: name, bytes: Buffer.from(head + refs.map(row).join('')), today: '2026-11-30', now: clock }, { actor: 'test' });
          assert.equal(r.status, 'issued', JSON.stringify(r.errors));
          return r.invoices.map((i) => i.number);
        };
        const numbers = await issue('a.csv', ['R1', 'R2', 'R3']);
        // Queued in the batch's own commit.
        assert.deepEqual((await store.read((tx) => tx.platform.list({ clientId: 'atelier-dupont' }))).map((f) => [f.number, f.state]), numbers.map((n) => [n, 'queued']));

        // 429 with Retry-After, then 503 without: both wait; the third is deposited.
        standin.failNext({ status: 429, retryAfter: '120' }, { status: 503 });
        const first = await runDeposits(store, { tokens, now, concurrency: 1 });
        assert.deepEqual(first, { deposited: 1, found: 0, retried: 2, failed: 0 });
        const waiting = await store.read((tx) => tx.platform.list({ state: 'queued' }));
        assert.deepEqual(waiting.map((f) => f.nextAttemptAt).sort(), ['2026-11-20T10:00:30.000Z', '2026-11-20T10:02:00.000Z']);
        assert.match(waiting.map((f) => f.lastError).join(' '), /HTTP 429 TOO_MANY_REQUESTS/);
        assert.deepEqual(await runDeposits(store, { tokens, now, concurrency: 1 }), { deposited: 0, found: 0, retried: 0, failed: 0 }, 'nothing is due yet');

        // The token expires mid-run: the client asks for another one and goes on.
        standin.expireTokens();
        const issuedTokens = standin.tokensIssued;
        clock = new Date('2026-11-20T10:05:00.000Z');
        assert.deepEqual(await runDeposits(store, { tokens, now }), { deposited: 2, found: 0, retried: 0, failed: 0 });
        assert.equal(standin.tokensIssued, issuedTokens + 1);

        // Cut between the platform's 202 and the commit: the next attempt finds the flow by its trackingId.
        const [cut] = await issue('b.csv', ['R4']);
        process.env.MAILBOT_FAILPOINT = 'platform-deposited=throw';
        try {
          assert.deepEqual(await runDeposits(store, { tokens, now }), { deposited: 1, found: 0, retried: 1, failed: 0 });
        } finally {
          delete process.env.MAILBOT_FAILPOINT;
        }
        clock = new Date('2026-11-20T10:10:00.000Z');
        assert.deepEqual(await runDeposits(store, { tokens, now }), { deposited: 0, found: 1, retried: 0, failed: 0 });
        for (const n of [...numbers, cut ?? '']) assert.equal(standin.deposits(n).length, 1, `${n} deposited once`);

        // A refusal (422) is final and reported; resubmitted once fixed, it goes.
        const [refused] = await issue('c.csv', ['R5']);
        standin.failNext({ status: 422 });
        assert.deepEqual(await runDeposits(store, { tokens, now }), { deposited: 0, found: 0, retried: 0, failed: 1 });
        const summary = await store.read((tx) => tx.platform.summary());
        assert.equal(summary.failed, 1);
        assert.match(summary.lastError?.error ?? '', /HTTP 422 UNPROCESSABLE_ENTITY/);
        await store.transact((tx) => tx.platform.update('atelier-dupont', refused ?? '', { state: 'queued', nextAttemptAt: clock.toISOString(), clear: ['lastError'] }, clock.toISOString()));
        assert.deepEqual(await runDeposits(store, { tokens, now }), { deposited: 1, found: 0, retried: 0, failed: 0 });

        // Each deposit as the platform holds it: the PDF, its SHA-256, B2B, Factur-X, CIUS, a trackingId of 36 characters.
        for (const f of standin.deposits()) {
          assert.equal(f.file.subarray(0, 5).toString('latin1'), '%PDF-');
          assert.deepEqual([f.flowSyntax, f.flowProfile, f.processingRule, f.trackingId?.length], ['Factur-X', 'CIUS', 'B2B', 36]);
        }

        // The lifecycle: an acknowledgement, statuses in order, an alert at once for 213 and 207.
        const [n1, n2, n3] = numbers as [string, string, string];
        standin.ack(n1, 'Ok');
        for (const code of [202, 205, 211, 212] as const) standin.emit(n1, code);
        standin.emit(n2, 213, { code: 'REJ_SEMAN', text: 'Rejet pour erreur sémantique' });
        standin.emit(n3, 207, { code: 'TX_TVA_ERR', text: 'Taux de TVA erroné' });
        standin.ack(cut ?? '', 'Error', [{ level: 'Error', item: 'BT-48', reasonCode: 'REJ_COH', reasonMessage: 'numéro de TVA incohérent' }]);
        clock = new Date('2026-11-21T09:00:00.000Z');
        const polled = await pollLifecycle(store, { tokens, stageMail, now });
        assert.deepEqual([polled.statuses, polled.acks, polled.alerts, polled.errors], [6, 2, 3, []]);
        const records = new Map((await store.read((tx) => tx.platform.list({ clientId: 'atelier-dupont' }))).map((f) => [f.number, f]));
        assert.deepEqual(records.get(n1)?.history.map((h) => h.code), [202, 205, 211, 212]);
        assert.equal(records.get(n1)?.status?.code, 212);
        assert.equal(records.get(n1)?.ack?.status, 'Ok');
        assert.deepEqual([records.get(n2)?.status?.code, records.get(n2)?.status?.reasonCode], [213, 'REJ_SEMAN']);
        assert.equal(records.get(cut ?? '')?.ack?.status, 'Error');
        const mails = await store.read((tx) => tx.outbox.list());
        const alerts = mails.filter((m) => m.kind === 'platform-alert');
        assert.equal(alerts.length, 3);
        const textOf = async (file: string) => {
          const parsed = await simpleParser(await store.files.read(file));
          return `${parsed.subject ?? ''}\n${parsed.text ?? ''}`;
        };
        const texts = await Promise.all(alerts.map((m) => textOf(m.file)));
        const rejected = texts.find((t) => t.includes(`${n2}`) && t.includes('REJ_SEMAN'));
        assert.ok(rejected, 'the rejection names its invoice and its reason');
        assert.match(rejected ?? '', /considérée comme non émise/);
        assert.ok(texts.some((t) => t.includes(n3) && /TX_TVA_ERR/.test(t)), 'the dispute names its reason');
        assert.ok(texts.some((t) => t.includes(cut ?? '') && /REJ_COH/.test(t)), 'a deposit refused by the platform is an alert too');

        // Read again: nothing new, no second mail; the cursor moved.
        const again = await pollLifecycle(store, { tokens, stageMail, now });
        assert.deepEqual([again.statuses, again.acks, again.alerts], [0, 0, 0]);
        assert.ok(await store.read((tx) => tx.platform.cursor('atelier-dupont')));
        assert.equal((await store.read((tx) => tx.outbox.list())).filter((m) => m.kind === 'platform-alert').length, 3);

        // The daily digest carries what needed no action, once.
        // The statuses bear the platform's own times (now); the digest runs after them.
        clock = new Date(Date.now() + 60_000);
        assert.equal(await sendDigests(store, { stageMail, now }), 1);
        const digest = (await store.read((tx) => tx.outbox.list())).find((m) => m.kind === 'platform-digest');
        const digestText = await textOf(digest?.file ?? '');
        for (const label of ['Reçue', 'Approuvée', 'Paiement transmis', 'Encaissée']) assert.match(digestText, new RegExp(label));
        assert.doesNotMatch(digestText, /Rejetée|En litige/, 'alerts left at once, not in the digest');
        assert.equal(await sendDigests(store, { stageMail, now }), 0);

        // Payments received: a CSV as the client writes it; each payment becomes a status 212 deposited as CDAR.
        const client = await store.read((tx) => tx.clients.get('atelier-dupont'));
        assert.ok(client);
        const payments = (rows: string[]) => Buffer.from(`Numéro facture;Date paiement;Montant\r\n${rows.join('\r\n')}\r\n`, 'latin1');
        clock = new Date(Date.now() + 120_000);
        const refusedFile = await declarePayments(store, client, payments([`${n1};21/11/2026;200,00`, 'FA-2099-99999;21/11/2026;10,00', `${n3};21/11/2099;10,00`, `${n2};21/11/2026;-5`]), clock);
        assert.deepEqual(refusedFile.issues.map((i) => [i.line, i.code]), [[2, 'PAYMENT_TOO_LARGE'], [3, 'PAYMENT_INVOICE_UNKNOWN'], [4, 'PAYMENT_IN_FUTURE'], [5, 'PAYMENT_AMOUNT_INVALID']]);
        assert.deepEqual(refusedFile.declared, [], 'nothing is declared from a file with an error');
        const file = payments([`${n1};21/11/2026;70,00`, `${n1};22/11/2026;50,00`]);
        const ok = await declarePayments(store, client, file, clock);
        assert.deepEqual(ok.issues, []);
        assert.deepEqual(ok.declared.map((d) => [d.key, d.amount]), [[`${n1}#P1`, '70.00'], [`${n1}#P2`, '50.00']]);
        assert.equal((await declarePayments(store, client, file, clock)).duplicate, true, 'the same file declares nothing again');
        assert.deepEqual((await declarePayments(store, client, payments([`${n1};23/11/2026;0,01`]), clock)).issues.map((i) => [i.code, i.params?.remaining]), [['PAYMENT_TOO_LARGE', '0.00']], 'what remains counts what was declared');
        assert.deepEqual(await runDeposits(store, { tokens, now }), { deposited: 2, found: 0, retried: 0, failed: 0 });
        const statusFlows = standin.flows.filter((f) => f.flowSyntax === 'CDAR' && f.flowType === 'CustomerInvoice');
        assert.equal(statusFlows.length, 2);
        const declaredStatuses = statusFlows.map((f) => parseCdar(f.file.toString('utf8')));
        assert.deepEqual(declaredStatuses.map((d) => d.map((x) => [x.number, x.code])), [[[n1, 212]], [[n1, 212]]]);
        assert.match(statusFlows[0]?.file.toString('utf8') ?? '', /<ram:TypeCode>MEN<\/ram:TypeCode>.*<ram:ValueAmount currencyID="EUR">70\.00<\/ram:ValueAmount>.*<ram:ValuePercent>20<\/ram:ValuePercent>/s);

        assert.deepEqual(standin.violations, [], 'every request followed the description');
      } finally {
        await standin.stop();
        await ctx.store.close();
        await ctx.cleanup();
      }
    });
  });
}
