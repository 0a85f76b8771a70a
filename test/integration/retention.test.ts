/**
 * The retention policy on a real data directory (embedded store and
 * Maildir), aged with an injected clock: a real batch issued by the real
 * `mailbot start --once`, a closed rights request, a client whose contract
 * ended. Every category goes at its boundary and not a second before; a dry
 * run changes nothing; after the purges nothing of the CSV, the buyers or
 * the client's contact data is left beyond the register, and the audit
 * chain still verifies.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import MailComposer from 'nodemailer/lib/mail-composer';
import pino from 'pino';
import { generateBatchCsv } from '../../bench/generate.js';
import { auditTrailFor } from '../../src/audit/trail.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { runTasks } from '../../src/jobs/tasks.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { buildSourceAndTransport } from '../../src/mail/runtime.js';
import { planRetention, runRetention, type RetentionReport } from '../../src/retention/run.js';
import { after, type RetentionCategory } from '../../src/retention/settings.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/port.js';
import { mailbot } from '../helpers/cli.js';
import { CLIENT } from '../helpers/daemon.js';
import { sellerInput } from '../helpers/sample.js';
import { tempDir } from '../helpers/tools.js';

const BOT = 'factures@mailbot.localhost';
const REQUESTER = 'jeanne.testeuse@exemple.test';
/** Words of the CSV and of the client's contact data that must not outlive their retention. */
const SECRETS = ['Menuiserie Zyxwv', 'Rabotage Qwerty', 'rue de la République', CLIENT, REQUESTER, sellerInput.iban, '12 rue des Lilas'];

function walk(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, rel))) {
    const path = join(rel, name);
    const st = statSync(join(root, path));
    if (st.isDirectory()) out.push(...walk(root, path));
    else out.push(path);
  }
  return out;
}

/** Every file's name and content, hashed: what a dry run must leave as it was. */
function treeHash(root: string): string {
  const h = createHash('sha256');
  for (const p of walk(root).sort()) h.update(p).update('\0').update(readFileSync(join(root, p))).update('\0');
  return h.digest('hex');
}

/** Files of the data directory that still hold one of the words, and which. */
function leftovers(root: string, words: readonly string[]): string[] {
  const found: string[] = [];
  for (const p of walk(root)) {
    const text = readFileSync(join(root, p)).toString('latin1');
    const utf8 = readFileSync(join(root, p)).toString('utf8');
    for (const w of words) if (text.includes(w) || utf8.includes(w)) found.push(`${p}: ${w}`);
  }
  return found;
}

const count = (r: RetentionReport, category: string) => r.categories.filter((c) => c.category === category || (category === 'mailbox' && c.category.startsWith('mailbox:'))).reduce((n, c) => n + c.count, 0);
const plus = (d: Date, ms: number) => new Date(d.getTime() + ms);

async function withMailbox<T>(dataDir: string, config: Config, fn: (m: ReturnType<typeof buildSourceAndTransport>) => Promise<T>): Promise<T> {
  const m = buildSourceAndTransport(dataDir, config, pino({ level: 'silent' }));
  await m.source.open();
  try {
    return await fn(m);
  } finally {
    m.transport.close();
    await m.source.close();
  }
}

/** A data directory with the test client added, as an operator sets one up. */
function clientDataDir(root: string): string {
  const data = join(root, 'data');
  mkdirSync(data, { recursive: true, mode: 0o700 });
  writeFileSync(join(data, 'config.json'), JSON.stringify({ botAddress: BOT }));
  writeFileSync(join(root, 'client.json'), JSON.stringify({ ...sellerInput, emails: [CLIENT] }));
  assert.equal(mailbot(data, ['client', 'add', '--file', join(root, 'client.json')]).status, 0);
  return data;
}

/** The client's mail with a CSV batch, in the embedded mailbox. */
async function deliverCsv(data: string, csv: string): Promise<void> {
  await deliverToMaildir(join(data, 'mailbox'), await new MailComposer({ from: CLIENT, to: BOT, subject: 'Factures', text: 'ci-joint', attachments: [{ filename: 'lot.csv', content: Buffer.from(csv, 'utf8') }] }).compile().build());
}

describe('the retention policy', { timeout: 300_000 }, () => {
  it('purges each category at its boundary and not before, the dry run changes nothing, and nothing personal outlives it', async () => {
    const dir = tempDir('mailbot-retention-');
    let store: Store | undefined;
    try {
      const data = clientDataDir(dir.path);

      // A real batch, answered by the real daemon.
      const csv = generateBatchCsv(3, 2).replaceAll('Client ', 'Menuiserie Zyxwv ').replaceAll('Prestation', 'Rabotage Qwerty');
      await deliverCsv(data, csv);
      const once = mailbot(data, ['start', '--once']);
      assert.equal(once.status, 0, once.stderr);
      const config = await loadConfig(data, undefined, process.env, { secrets: false });
      store = await openStore(data, config);
      const audit = await auditTrailFor(store, config);
      const batch = (await store.read((tx) => tx.batches.ofClient(sellerInput.id)))[0];
      assert.ok(batch, 'the batch was issued');
      const issued = new Date(batch.committedAt);
      assert.ok(walk(data).some((p) => p.includes(batch.sourceFile)), 'the source CSV is kept at first');

      // A rights request that closed, and the end of the client's contract.
      const closedAt = new Date(issued.getTime() + 60_000);
      await store.transact(async (tx) => {
        const ref = await tx.requests.nextRef(closedAt.getUTCFullYear());
        await tx.requests.open({ ref, kind: 'access', status: 'awaiting-confirmation', requester: REQUESTER, lang: 'fr', receivedAt: issued.toISOString(), dueAt: after(issued, '1m').toISOString(), messageIds: ['hmac:k1:abc'] });
        await tx.requests.update(ref, { status: 'done', closedAt: closedAt.toISOString(), outcome: 'data sent' });
      });
      const today = new Date().toISOString().slice(0, 10);
      assert.equal(mailbot(data, ['client', 'close', sellerInput.id, '--date', today]).status, 0);
      const contractEnd = new Date(`${today}T00:00:00Z`);

      // The mail as filed in Processed: its arrival is its file's time.
      const processedDir = join(data, 'mailbox', '.Processed', 'cur');
      const processed = readdirSync(processedDir)[0] ?? '';
      const mailAt = new Date(Math.floor(statSync(join(processedDir, processed)).mtimeMs));
      const firstAuditLine = JSON.parse(mailbot(data, ['log', '--json']).stdout.split('\n')[0] ?? '{}') as { time: string };
      const auditStart = new Date(firstAuditLine.time);

      // Each category at its boundary: kept at the instant, gone one second after.
      const boundaries: [RetentionCategory | 'mailbox', Date, string][] = [
        ['sourceFiles', issued, config.retention.sourceFiles],
        ['issuedCopies', issued, config.retention.issuedCopies],
        ['mailbox', mailAt, config.retention.mails],
        ['auditTrail', auditStart, config.retention.auditTrail],
        ['requestContent', closedAt, config.retention.requestContent],
        ['requestProof', closedAt, config.retention.requestProof],
        ['clientRecords', contractEnd, config.retention.clientRecords],
        ['register', issued, config.retention.register],
      ];
      await withMailbox(data, config, async (mailbox) => {
        for (const [category, from, duration] of boundaries) {
          const edge = after(from, duration);
          const atEdge = await planRetention(store as Store, config, edge, mailbox);
          const past = await planRetention(store as Store, config, plus(edge, 1000), mailbox);
          assert.equal(count(atEdge, category), 0, `${category}: nothing goes at ${edge.toISOString()}, ${duration} after ${from.toISOString()}`);
          assert.ok(count(past, category) > 0, `${category}: gone one second after its ${duration}`);
        }
      });

      // The dry run, by the operator's command, changes nothing on disk.
      await store.close();
      store = undefined;
      const before = treeHash(data);
      const dry = mailbot(data, ['retention', '--dry-run', '--json', '--at', after(issued, '100d').toISOString()]);
      assert.equal(dry.status, 0, dry.stderr);
      const dryReport = JSON.parse(dry.stdout) as RetentionReport;
      assert.ok(count(dryReport, 'sourceFiles') === 0 && count(dryReport, 'issuedCopies') >= 5 && count(dryReport, 'mailbox') >= 2, dry.stdout);
      assert.equal(treeHash(data), before, 'the dry run left every file as it was');

      // The purge, 31 days on: the source file goes, the invoices stay.
      store = await openStore(data, config);
      const hash = (s: string) => audit.hash(s);
      const month = await runRetention(store, config, after(issued, '31d'), hash);
      assert.equal(count(month, 'sourceFiles'), 1);
      assert.ok(!walk(data).some((p) => p.endsWith(batch.sourceFile)), 'the source CSV is shredded');
      assert.ok(walk(data).some((p) => p.endsWith('.pdf')), 'the copies of the invoices stay');
      assert.ok(leftovers(data, ['Menuiserie Zyxwv']).length > 0, 'the batch details stay with the copies');
      // The request closed 30 days and a minute before: its content went, its proof stays.
      assert.equal(count(month, 'requestContent'), 1);
      const proofs = await store.read((tx) => tx.requests.list({}));
      assert.ok(proofs.length === 1 && proofs[0]?.requester.startsWith('hmac:') && proofs[0].proofSince && !proofs[0].messageIds.length && proofs[0].outcome === 'data sent', `the request is a proof only: ${JSON.stringify(proofs)}`);

      // Past every retention but the register's: all that is personal is gone, from the store and the mailbox.
      const late = plus(after(contractEnd, config.retention.clientRecords), 86_400_000);
      const report = await runRetention(store, config, late, hash);
      assert.ok(count(report, 'issuedCopies') === batch.invoices.length + 1 && count(report, 'requestProof') === 1 && count(report, 'clientRecords') === 1, JSON.stringify(report));
      await withMailbox(data, config, (m) => runTasks(store as Store, m.source, m.transport, pino({ level: 'silent' })));
      assert.equal((await store.read((tx) => tx.tasks.list())).length, 0, 'the mailbox task is done');
      await store.close();
      store = undefined;
      assert.deepEqual(leftovers(data, SECRETS), [], 'nothing of the CSV, the buyers or the contact data is left');
      const register = walk(data).filter((p) => /^batches(\.[^/]+)?\.jsonl$/.test(p)).map((p) => readFileSync(join(data, p), 'utf8')).join('\n');
      assert.ok(batch.invoices.every((i) => register.includes(i.number) && register.includes(i.pdfSha256 ?? '?')), 'the register keeps every number and each PDF hash');
      const client = JSON.parse(mailbot(data, ['client', 'show', sellerInput.id, '--json']).stdout) as { legalName: string; emails: string[]; erased?: { ref: string } };
      assert.deepEqual([client.legalName, client.emails, client.erased?.ref], [sellerInput.legalName, [], 'retention'], 'the record is reduced to the identity the register refers to');
      assert.deepEqual(JSON.parse(mailbot(data, ['requests', '--all', '--json']).stdout || '[]'), [], 'the proof went after requestProof');
      const verify = mailbot(data, ['log', '--verify']);
      assert.equal(verify.status, 0, verify.stderr);
      assert.match(verify.stdout, /checkpoint/);
      const lastLine = JSON.parse(mailbot(data, ['log', '--json', '--action', 'retention-run']).stdout.trim().split('\n').at(-1) ?? '{}') as { details: Record<string, unknown> };
      assert.equal(lastLine.details.clientRecords, 1, 'the run is in the audit trail with its counts');

      // Past the register's own end: the register goes, the series keep their numbers.
      store = await openStore(data, config);
      const series = await store.read((tx) => tx.series.of(sellerInput.id));
      const end = await runRetention(store, config, plus(after(issued, config.retention.register), 1000), hash);
      assert.equal(count(end, 'register'), 1);
      assert.equal((await store.read((tx) => tx.batches.ofClient(sellerInput.id))).length, 0);
      assert.deepEqual(await store.read((tx) => tx.series.of(sellerInput.id)), series, 'the series keep their last numbers');
      await store.check();
    } finally {
      await store?.close();
      dir.cleanup();
    }
  });

  it('destroys nothing of a client under restriction (GDPR Art. 18) while it holds, and takes it up once lifted', async () => {
    const dir = tempDir('mailbot-restricted-');
    let store: Store | undefined;
    try {
      const data = clientDataDir(dir.path);
      await deliverCsv(data, generateBatchCsv(2, 1));
      assert.equal(mailbot(data, ['start', '--once']).status, 0);
      const config = await loadConfig(data, undefined, process.env, { secrets: false });
      store = await openStore(data, config);
      const audit = await auditTrailFor(store, config);
      const later = after(new Date(), '1y');
      const restrict = (on: boolean) =>
        (store as Store).transact(async (tx) => {
          const c = await tx.clients.get(sellerInput.id);
          if (!c) throw new Error('no client');
          const { restricted: _r, ...rest } = c;
          await tx.clients.put(on ? { ...rest, restricted: { since: new Date().toISOString(), ref: 'RGPD-2026-0001' } } : rest);
        });
      const files = () => walk(data).filter((p) => p.startsWith('batches/')).length;
      const processed = () => readdirSync(join(data, 'mailbox', '.Processed', 'cur')).length;
      const before = { files: files(), mails: processed() };
      assert.ok(before.files >= 4 && before.mails === 1);

      await restrict(true);
      const held = await runRetention(store, config, later, (x) => audit.hash(x));
      await withMailbox(data, config, (m) => runTasks(store as Store, m.source, m.transport, pino({ level: 'silent' })));
      assert.deepEqual([count(held, 'sourceFiles'), count(held, 'issuedCopies')], [0, 0], 'nothing of it is due while restricted');
      assert.ok(count(held, 'restricted') > 0, 'the run says what it held back');
      assert.deepEqual({ files: files(), mails: processed() }, before, 'its files and its mail are still there');

      await restrict(false);
      const lifted = await runRetention(store, config, later, (x) => audit.hash(x));
      await withMailbox(data, config, (m) => runTasks(store as Store, m.source, m.transport, pino({ level: 'silent' })));
      assert.ok(count(lifted, 'issuedCopies') >= 4 && count(lifted, 'restricted') === 0);
      assert.deepEqual({ files: files(), mails: processed() }, { files: 0, mails: 0 }, 'once lifted, the purge takes them');
    } finally {
      await store?.close();
      dir.cleanup();
    }
  });

  it('issues no invoice for a client whose contract ended, and says so', async () => {
    const dir = tempDir('mailbot-closed-');
    try {
      const data = clientDataDir(dir.path);
      const close = mailbot(data, ['client', 'close', sellerInput.id, '--date', '2026-11-30']);
      assert.equal(close.status, 0, close.stderr);
      assert.match(close.stdout, /closed on 2026-11-30; its record is reduced to the register's identity after 2031-11-30/);
      assert.equal(mailbot(data, ['client', 'close', sellerInput.id]).status, 2, 'closed once');
      const badDate = mailbot(data, ['client', 'close', sellerInput.id, '--date', '30/11/2026']);
      assert.deepEqual([badDate.status, badDate.stderr.trim()], [2, 'mailbot: --date: "30/11/2026" is not a date YYYY-MM-DD'], 'a usage error, no stack');
      await deliverCsv(data, generateBatchCsv(2, 1));
      assert.equal(mailbot(data, ['start', '--once']).status, 0);
      const replies = readdirSync(join(data, 'outbox')).map((f) => readFileSync(join(data, 'outbox', f), 'utf8'));
      assert.equal(replies.length, 1);
      assert.match(replies[0] ?? '', /contrat/i);
      assert.ok(!(replies[0] ?? '').includes('application/pdf'), 'no invoice');
      const log = mailbot(data, ['log', '--json']).stdout;
      assert.match(log, /"reason":"client-closed"/);
      assert.doesNotMatch(log, /invoices-issued/);
    } finally {
      dir.cleanup();
    }
  });

  it('writes the policy document from the live settings, in French and English, as Markdown and HTML, for the clients to read', () => {
    const dir = tempDir('mailbot-policy-');
    try {
      const data = join(dir.path, 'data');
      mkdirSync(data, { recursive: true, mode: 0o700 });
      writeFileSync(join(data, 'config.json'), JSON.stringify({ botAddress: BOT, retention: { sourceFiles: '14d', issuedCopies: '6m', mails: '45d', auditTrail: '9m', requestContent: '20d', requestProof: '3y', clientRecords: '4y', register: '11y', cron: '15 2 * * *' } }));
      const fr = mailbot(data, ['retention', 'policy', '--lang', 'fr']);
      assert.equal(fr.status, 0, fr.stderr);
      for (const s of ['# Politique de conservation des données', '| Fichiers CSV reçus des clients | 14 jours |', '| 6 mois |', '| 45 jours |', '| 9 mois |', '| 20 jours |', '| 3 ans |', '| 4 ans |', '| 11 ans |', 'chaque jour à 02:15 (heure du serveur)', 'ne fournit pas d’archivage légal']) assert.ok(fr.stdout.includes(s), `the French policy shows ${s}`);
      // Defaults are said to the operator, not dressed up as facts for the clients.
      assert.match(fr.stderr, /warning: studio\.name is not set/);
      assert.match(fr.stderr, /warning: studio\.privacyPolicyUrl is not set/);
      assert.match(fr.stderr, /warning: studio\.hosting is not filled in/);
      assert.ok(fr.stdout.includes('Responsable du traitement : le studio qui exploite ce service'));
      for (const doc of [fr.stdout, mailbot(data, ['retention', 'policy', '--lang', 'en']).stdout]) {
        // No jargon in the clients' text, and nothing promised that the software cannot see.
        assert.doesNotMatch(doc, /HMAC|EXPUNGE|SHA-256|\\Deleted|mailbot |--dry-run|\* \*|cron|hash/i);
        assert.doesNotMatch(doc, /encrypted volume|volume chiffré|backups keep|sauvegardes ne gardent/i);
      }
      const en = mailbot(data, ['retention', 'policy', '--lang', 'en', '--format', 'html']);
      assert.equal(en.status, 0, en.stderr);
      for (const s of ['<h1>Data retention policy</h1>', '<td>14 days</td>', '<td>6 months</td>', '<td>11 years</td>', 'does not provide legal archiving', '<style>']) assert.ok(en.stdout.includes(s), `the English policy shows ${s}`);
      assert.doesNotMatch(en.stdout, /<script|<link|src=|url\(/, 'no script and no external asset');

      // With the studio described, the document names it, links its policy and states the operator's commitments.
      const studio = { name: 'Studio Rhône Automatisation SAS', address: '4 quai Arloing, 69009 Lyon', contact: 'dpo@studio.test', privacyPolicyUrl: 'https://studio.test/confidentialite', hosting: { encryptedVolume: true, serverLogs: '6m', backups: '30d' } };
      writeFileSync(join(data, 'config.json'), JSON.stringify({ botAddress: BOT, studio, retention: { cron: '0 4 * * 1' } }));
      const out = join(dir.path, 'politique.html');
      const named = mailbot(data, ['retention', 'policy', '--format', 'html', '--out', out]);
      assert.equal(named.status, 0, named.stderr);
      assert.equal(named.stderr, '', 'nothing left to defaults');
      assert.equal(statSync(out).mode & 0o777, 0o644, 'world-readable: it is for the clients');
      const html = readFileSync(out, 'utf8');
      for (const s of ['Responsable du traitement : Studio Rhône Automatisation SAS, 4 quai Arloing, 69009 Lyon', 'dpo@studio.test', '<a href="https://studio.test/confidentialite">', 'chaque lundi à 04:00', 'volume chiffré', '6 mois au plus', '30 jours au plus']) assert.ok(html.includes(s), `the named policy shows ${s}`);
      assert.match(mailbot(data, ['retention', 'policy']).stdout, /Politique de confidentialité : https:\/\/studio\.test\/confidentialite/);
      writeFileSync(join(data, 'config.json'), JSON.stringify({ botAddress: BOT, retention: { sourceFiles: '1y', issuedCopies: '90d' } }));
      const bad = mailbot(data, ['retention', 'policy']);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /sourceFiles ≤ issuedCopies/);
    } finally {
      dir.cleanup();
    }
  });
});
