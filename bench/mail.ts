/**
 * `npm run bench:mail`: the daemon end to end against a local Dovecot and SMTP
 * relay (loopback only). Prints mails per second for 1,000 mails (a mix of
 * small CSV batches, questions and automatic mails) and the IDLE latency from
 * delivery to the reply being queued (median and p95 over single mails).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { auditActions, BOT, CLIENT, prepareData, startDaemon } from '../test/helpers/daemon.js';
import { dovecotAvailable, waitFor, withMailServers } from '../test/helpers/mailservers.js';
import { ensureBuilt } from './build.js';
import { generateBatchCsv } from './generate.js';

const MAILS = Number(process.env.BENCH_MAILS ?? 1000);
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 20);

const build = (opts: ConstructorParameters<typeof MailComposer>[0]) => new MailComposer(opts).compile().build();
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

async function main(): Promise<void> {
  if (!dovecotAvailable()) {
    console.log('mail bench: Dovecot is not installed (apt-get install dovecot-imapd dovecot-lmtpd); nothing measured');
    return;
  }
  ensureBuilt();
  await withMailServers(['factures', 'compta', 'jane'], async ({ dovecot, smtp, dir }) => {
    const data = join(dir, 'data');
    prepareData(data, dovecot, smtp, { limits: { mailsPerSenderPerHour: 100_000, repliesToUnknownPerHour: 100_000 } });

    // The mix: every 10th mail a 3-invoice CSV batch from the client, the rest questions and automatic mails.
    const mails: Buffer[] = [];
    for (let i = 0; i < MAILS; i++) {
      if (i % 10 === 0) {
        const csv = generateBatchCsv(3, 3).replace(/B-0000/g, `M${i}-`);
        mails.push(await build({ from: CLIENT, to: BOT, subject: `Lot ${i}`, text: 'ci-joint', attachments: [{ filename: `lot-${i}.csv`, content: Buffer.from(csv), contentType: 'text/csv' }] }));
      } else if (i % 3 === 0) {
        mails.push(await build({ from: 'compta@atelier-dupont.test', to: BOT, subject: 'Absent', text: 'Je suis absent.', headers: { 'Auto-Submitted': 'auto-replied' } }));
      } else {
        mails.push(await build({ from: 'jane@example.org', to: BOT, subject: `Question ${i}`, text: 'Bonjour, à quoi sert cette adresse ?' }));
      }
    }
    const csvMails = mails.filter((_, i) => i % 10 === 0).length;
    const client = dovecot.client('factures');
    await client.connect();
    const t0 = performance.now();
    for (const raw of mails) await client.append('INBOX', raw);
    const appendS = (performance.now() - t0) / 1000;
    await client.logout();

    const daemon = startDaemon(data);
    try {
      const t1 = performance.now();
      await waitFor('all mails handled', async () => ((await dovecot.count('factures')) === 0 ? true : undefined), 30 * 60_000, 250);
      const handledS = (performance.now() - t1) / 1000;
      // The store's document keeps counters; the batches themselves are in the batches.jsonl journal.
      const db = JSON.parse(readFileSync(join(data, 'mailbot.json'), 'utf8')) as { counters: Record<string, number | undefined> };
      const archived = readFileSync(join(data, 'ledger.jsonl'), 'utf8').split('\n').filter(Boolean).length;
      console.log(`mail bench: ${MAILS} mails (${csvMails} CSV batches of 3 invoices, ${MAILS - csvMails} questions and auto-replies), Dovecot ${dovecot.imapPort}`);
      console.log(`delivery            ${(MAILS / appendS).toFixed(0)} mails/s appended over IMAP (setup, not the bot)`);
      console.log(`end to end          ${(MAILS / handledS).toFixed(1)} mails/s (${handledS.toFixed(1)} s; ${archived} mails filed, ${db.counters.batches ?? 0} batches)`);

      // Non-CSV throughput alone.
      const others = await Promise.all(Array.from({ length: 200 }, (_, i) => build({ from: 'jane@example.org', to: BOT, subject: `Q${i}`, text: 'Bonjour ?' })));
      const c2 = dovecot.client('factures');
      await c2.connect();
      for (const raw of others) await c2.append('INBOX', raw);
      await c2.logout();
      const t2 = performance.now();
      await waitFor('the questions handled', async () => ((await dovecot.count('factures')) === 0 ? true : undefined), 10 * 60_000, 100);
      console.log(`non-CSV mails       ${(others.length / ((performance.now() - t2) / 1000)).toFixed(1)} mails/s   [target ≥ 100]`);

      // IDLE latency: one mail at a time, from APPEND to "reply-queued" in the audit trail.
      const latencies: number[] = [];
      for (let i = 0; i < LATENCY_SAMPLES; i++) {
        const id = `<latency-${i}-${Date.now()}@example.org>`;
        const raw = await build({ from: 'jane@example.org', to: BOT, subject: `Latence ${i}`, text: 'Bonjour ?', messageId: id });
        // The trail keeps received Message-IDs as keyed hashes: with one mail in flight, its reply is the next one queued.
        const queued = () => auditActions(data).filter((a) => a.action === 'reply-queued').length;
        const already = queued();
        const before = performance.now();
        await dovecot.append('factures', raw);
        await waitFor('the reply queued', () => (queued() > already ? true : undefined), 30_000, 20);
        latencies.push(performance.now() - before);
      }
      console.log(`IDLE latency        median ${pct(latencies, 0.5).toFixed(0)} ms, p95 ${pct(latencies, 0.95).toFixed(0)} ms (delivery → reply queued, ${LATENCY_SAMPLES} mails)   [target median ≤ 1000]`);
    } finally {
      await daemon.stop();
    }
  }, { prefix: 'mailbot-mailbench-' });
}

await main();
