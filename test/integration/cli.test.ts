import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BatchResult } from '../../src/batch/types.js';
import type { AuditEntry } from '../../src/audit/entry.js';
import { addCalendarMonths } from '../../src/gdpr/requests.js';
import { EmbeddedStore } from '../../src/store/embedded/store.js';
import { mailbot } from '../helpers/cli.js';
import { productArgs } from '../helpers/product.js';
import { franchiseInput } from '../helpers/sample.js';
import { readState } from '../helpers/state.js';
import { pdfAttachment, pdfText, tempDir, xsdErrors } from '../helpers/tools.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'csv');
const fixture = (name: string) => join(FIXTURES, name);
const mode = (path: string) => statSync(path).mode & 0o777;

const addSeller = [
  'client', 'add', '--id', 'atelier-dupont', '--legal-name', 'Atelier Dupont SARL', '--siren', '123456782', '--vat-id', 'FR11123456782',
  '--address', '12 rue des Lilas', '--postcode', '69003', '--city', 'Lyon', '--email', 'compta@atelier-dupont.test',
  '--iban', 'FR76 3000 6000 0112 3456 7890 189', '--bic', 'AGRIFRPP', '--share-capital', '10000', '--rcs-city', 'Lyon',
  '--number-pattern', 'FA-{YYYY}-{SEQ:5}',
];

describe('mailbot CLI', () => {
  const dir = tempDir();
  const data = join(dir.path, 'data');
  after(() => dir.cleanup());

  before(() => {
    const r = mailbot(data, addSeller);
    assert.equal(r.status, 0, r.stderr);
  });

  it('refuses bad client values and names each field', () => {
    const r = mailbot(data, [...addSeller.slice(0, 3), 'other', '--legal-name', 'Sans Forme', '--siren', '123456789', '--address', 'x', '--postcode', '1', '--city', 'y', '--email', 'not-an-address', '--iban', 'FR7630006000011234567890188', '--bic', 'AGRIFRPP', '--vat-id', 'FR00123456782']);
    assert.equal(r.status, 2);
    for (const field of ['legalName', 'siren', 'emails.0', 'iban', 'vatId']) assert.match(r.stderr, new RegExp(`- ${field.replace('.', '\\.')}:`), r.stderr);
    const list = JSON.parse(mailbot(data, ['client', 'list', '--json']).stdout) as { id: string }[];
    assert.deepEqual(list.map((c) => c.id), ['atelier-dupont']);
  });

  it('adds from a JSON file, shows, and updates with validation', () => {
    const file = join(dir.path, 'franchise.json');
    writeFileSync(file, JSON.stringify(franchiseInput));
    assert.equal(mailbot(data, ['client', 'add', '--file', file]).status, 0);
    const shown = JSON.parse(mailbot(data, ['client', 'show', 'marie-martin', '--json']).stdout) as { vatRegime: string; numberPattern: string };
    assert.equal(shown.vatRegime, 'franchise');
    assert.equal(mailbot(data, ['client', 'update', 'atelier-dupont', '--payment-terms', '45']).status, 0);
    assert.match(mailbot(data, ['client', 'show', 'atelier-dupont']).stdout, /payment terms\s+45 days/);
    const bad = mailbot(data, ['client', 'update', 'atelier-dupont', '--payment-terms', '90']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /paymentTermsDays/);
    assert.equal(mailbot(data, ['client', 'update', 'atelier-dupont', '--payment-terms', '30']).status, 0);
  });

  it('lists every error of a bad file, exits 1 and consumes no number', () => {
    const r = mailbot(data, ['invoice', fixture('errors-every-kind.csv'), '--client', 'atelier-dupont']);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /aucune facture émise, 13 erreur\(s\)/);
    assert.match(r.stdout, /19 +Client +Garage Martin & Fils/);
    assert.match(r.stdout, /Remarque interne/); // the warning too
    const en = mailbot(data, ['invoice', fixture('errors-every-kind.csv'), '--client', 'atelier-dupont', '--lang', 'en', '--json']);
    const result = JSON.parse(en.stdout) as Omit<BatchResult, 'errors'> & { errors: { message: { en: string } }[] };
    assert.equal(result.status, 'rejected');
    assert.equal(result.errors.length, 13);
    assert.ok(result.errors.every((e) => e.message.en.length > 0));
  });

  it('issues numbered Factur-X invoices, private files, and answers the same file again with the same invoices', () => {
    const out = join(dir.path, 'out');
    const r = mailbot(data, ['invoice', fixture('excel-fr-cp1252.csv'), '--client', 'atelier-dupont', '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as BatchResult;
    assert.equal(result.status, 'issued');
    // The rejected file before consumed nothing: the series starts at 1.
    assert.deepEqual(result.invoices.map((i) => [i.ref, i.number, i.totalInclVat]), [
      ['FAC-2026-031', 'FA-2026-00001', '3289.94'],
      ['FAC-2026-032', 'FA-2026-00002', '1429.53'],
      ['FAC-2026-033', 'FA-2026-00003', '1477.25'],
    ]);
    assert.deepEqual(readdirSync(out).sort(), ['FA-2026-00001.pdf', 'FA-2026-00002.pdf', 'FA-2026-00003.pdf', 'rapport.csv']);
    const pdf = join(out, 'FA-2026-00002.pdf');
    const xml = pdfAttachment(pdf);
    assert.equal(xsdErrors(xml), '');
    assert.match(xml, /<ram:GrandTotalAmount>1429\.53<\/ram:GrandTotalAmount>/);
    assert.match(pdfText(pdf).replace(/\u202f/g, ' '), /1 429,53 €/);
    const report = readFileSync(join(out, 'rapport.csv'), 'utf8');
    assert.match(report, /^\ufeff"reference";"numero_facture";/);
    assert.match(report, /"FAC-2026-032";"FA-2026-00002";"380";"";"\d\d\/\d\d\/2026";"\d\d\/\d\d\/2026";"Café-Brasserie L'Œillet";"528741101";"EUR";"1198,40";"231,13";"1429,53";"0,00";"1429,53";"FA-2026-00002\.pdf"/);

    // Invariant 12: what the bot writes is private.
    assert.equal(mode(data), 0o700);
    assert.equal(mode(join(data, 'mailbot.json')), 0o600);
    for (const f of result.files?.pdfs ?? []) assert.equal(mode(join(data, f)), 0o600);
    assert.equal(mode(join(data, 'batches', result.batchId ?? '')), 0o700);

    const again = JSON.parse(mailbot(data, ['invoice', fixture('excel-fr-cp1252.csv'), '--client', 'atelier-dupont', '--json']).stdout) as BatchResult;
    assert.equal(again.status, 'duplicate');
    assert.equal(again.batchId, result.batchId);
    assert.deepEqual(again.invoices.map((i) => i.number), ['FA-2026-00001', 'FA-2026-00002', 'FA-2026-00003']);

    const next = JSON.parse(mailbot(data, ['invoice', fixture('google-sheets.csv'), '--client', 'atelier-dupont', '--json']).stdout) as BatchResult;
    assert.deepEqual(next.invoices.map((i) => i.number), ['FA-2026-00004', 'FA-2026-00005']);
  });

  it('refuses an issue date before the last invoice of the series (chronological numbering)', () => {
    // google-sheets.csv is dated 2026-03-10/11; rounding-traps.csv 2026-03-20 is fine, then an earlier file is not.
    assert.equal(mailbot(data, ['invoice', fixture('rounding-traps.csv'), '--client', 'atelier-dupont']).status, 0);
    const r = mailbot(data, ['invoice', fixture('excel-fr-utf8-bom.csv'), '--client', 'atelier-dupont', '--lang', 'en']);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /numbering must stay chronological/);
  });

  it('issues franchise invoices with the art. 293 B mention', () => {
    const out = join(dir.path, 'out-franchise');
    const r = mailbot(data, ['invoice', fixture('franchise.csv'), '--client', 'marie-martin', '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as BatchResult;
    assert.deepEqual(result.invoices.map((i) => [i.number, i.totalVat]), [['MM260001', '0.00'], ['MM260002', '0.00']]);
    const pdf = join(out, 'MM260001.pdf');
    assert.match(pdfText(pdf), /TVA non applicable, art\. 293 B du CGI/);
    assert.match(pdfAttachment(pdf), /VATEX-FR-FRANCHISE/);
  });

  it('stops quietly when the reader of its output goes away (mailbot log | head)', async () => {
    const child = spawn(process.execPath, productArgs(['--data', data, 'retention', 'policy', '--format', 'html']), { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before the first line is written
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    // Only the policy's own warnings to the operator (settings left to defaults), no EPIPE error.
    assert.deepEqual([status, stderr.split('\n').filter((l) => l && !l.startsWith('warning: studio.'))], [0, []]);
  });
});

/** The audit lines of these actions, as `mailbot log --json` prints them. */
function logOf(data: string, actions: string): AuditEntry[] {
  const r = mailbot(data, ['log', '--action', actions, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEntry);
}

const byOperator = (e: AuditEntry | undefined) => {
  assert.equal(e?.actor, 'operator:cli');
  assert.match(e?.actorId ?? '', /^hmac:[\w-]+:[0-9a-f]{64}$/, 'the system account as a keyed hash');
};

describe('mailbot CLI: one set of issuing rules, every change in the trail', () => {
  const dir = tempDir();
  const data = join(dir.path, 'data');
  after(() => dir.cleanup());

  /** Put the record in a state only the mail path reaches (a confirmed restriction), as the daemon would. */
  async function patchClient(id: string, patch: Record<string, unknown>): Promise<void> {
    const store = await EmbeddedStore.open(data);
    try {
      await store.transact(async (tx) => {
        const c = await tx.clients.get(id);
        assert.ok(c);
        await tx.clients.put({ ...c, ...patch });
      });
    } finally {
      await store.close();
    }
  }

  it('client add and client update are audited with the operator as the actor, naming the fields changed, never their values', () => {
    assert.equal(mailbot(data, addSeller).status, 0);
    byOperator(logOf(data, 'client-added')[0]);
    const r = mailbot(data, ['client', 'update', 'atelier-dupont', '--iban', 'DE89370400440532013000', '--bic', 'COBADEFFXXX']);
    assert.equal(r.status, 0, r.stderr);
    const [line] = logOf(data, 'client-updated');
    byOperator(line);
    assert.deepEqual([line?.clientId, line?.details], ['atelier-dupont', { fields: 'bic,iban' }]);
    assert.doesNotMatch(readFileSync(join(data, 'audit.log'), 'utf8'), /DE89370400440532013000|compta@atelier-dupont/, 'no value in clear');
  });

  it('an invoice from the command line writes the invoices-issued line a mail batch writes, the operator as its actor', () => {
    const r = mailbot(data, ['invoice', fixture('excel-fr-cp1252.csv'), '--client', 'atelier-dupont', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as BatchResult;
    const [line] = logOf(data, 'invoices-issued');
    byOperator(line);
    assert.deepEqual([line?.clientId, line?.details?.batchId, line?.details?.invoices, line?.details?.numbers], ['atelier-dupont', result.batchId, 3, 'FA-2026-00001…FA-2026-00003']);
  });

  it('refuses to invoice a client under restriction (Art. 18): exit 2, why, no number taken, the attempt audited', async () => {
    await patchClient('atelier-dupont', { restricted: { since: new Date().toISOString(), ref: 'RGPD-2026-0007' } });
    const before = (await readState(data)).series['atelier-dupont'];
    const r = mailbot(data, ['invoice', fixture('google-sheets.csv'), '--client', 'atelier-dupont']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /under restriction of processing .*GDPR Art\. 18, RGPD-2026-0007.*\[CLIENT_RESTRICTED\]/);
    assert.equal(r.stdout, '');
    const state = await readState(data);
    assert.deepEqual(state.series['atelier-dupont'], before, 'no number used');
    assert.equal(state.batches.length, 1);
    // Not even the invoices of a file already processed go out again.
    const again = mailbot(data, ['invoice', fixture('excel-fr-cp1252.csv'), '--client', 'atelier-dupont']);
    assert.equal(again.status, 2);
    const refused = logOf(data, 'batch-rejected');
    assert.deepEqual(refused.map((e) => e.details?.reason), ['CLIENT_RESTRICTED', 'CLIENT_RESTRICTED']);
    byOperator(refused[0]);
    await patchClient('atelier-dupont', { restricted: undefined });
  });

  it('refuses to invoice a closed client', () => {
    assert.equal(mailbot(data, ['client', 'close', 'atelier-dupont', '--date', '2026-01-31']).status, 0);
    byOperator(logOf(data, 'client-closed')[0]);
    const r = mailbot(data, ['invoice', fixture('google-sheets.csv'), '--client', 'atelier-dupont', '--json']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /contract ended on 2026-01-31.*\[CLIENT_CLOSED\]/);
    assert.equal(logOf(data, 'invoices-issued').length, 1);
  });
});

describe('mailbot CLI: GDPR operator commands check the state they change', () => {
  const dir = tempDir();
  const data = join(dir.path, 'data');
  after(() => dir.cleanup());
  const outboxFiles = () => (existsSync(join(data, 'outbox')) ? readdirSync(join(data, 'outbox')) : []);

  async function withStore(fn: (store: EmbeddedStore) => Promise<void>): Promise<void> {
    const store = await EmbeddedStore.open(data);
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  before(async () => {
    assert.equal(mailbot(data, addSeller).status, 0);
    // A notice period of about two seconds, so the job's lift can be seen.
    writeFileSync(join(data, 'config.json'), JSON.stringify({ botAddress: 'factures@studio.test', operatorAddress: 'ops@studio.test', gdpr: { restrictionLiftNoticeDays: 2 / 86_400 } }));
    const received = new Date(Date.now() - 10 * 86_400_000).toISOString();
    await withStore((store) =>
      store.transact(async (tx) => {
        await tx.requests.open({ ref: 'RGPD-2026-0001', kind: 'access', status: 'done', requester: 'compta@atelier-dupont.test', lang: 'fr', receivedAt: received, dueAt: addCalendarMonths(received, 1), closedAt: received, messageIds: [] });
        await tx.requests.open({ ref: 'RGPD-2026-0002', kind: 'erasure', status: 'confirmed', requester: 'jane@example.org', lang: 'en', receivedAt: received, dueAt: addCalendarMonths(received, 1), messageIds: [] });
      }),
    );
  });

  it('extends an open request, audited; refuses a finished one and mails nobody', async () => {
    const done = mailbot(data, ['requests', 'extend', 'RGPD-2026-0001', '--reason', 'complexité']);
    assert.equal(done.status, 2);
    assert.match(done.stderr, /RGPD-2026-0001 is done .*\[REQUEST_CLOSED\]/);
    assert.deepEqual(outboxFiles(), [], 'no new deadline mailed');
    assert.equal((await readState(data)).requests.find((r) => r.ref === 'RGPD-2026-0001')?.extendedDueAt, undefined);
    const open = mailbot(data, ['requests', 'extend', 'RGPD-2026-0002', '--reason', 'many requests', '--months', '1']);
    assert.equal(open.status, 0, open.stderr);
    const [line] = logOf(data, 'gdpr-extended');
    byOperator(line);
    assert.equal(line?.details?.ref, 'RGPD-2026-0002');
    assert.equal((await readState(data)).outbox.length, 1);
  });

  it('refuses grounds against an objection nobody made; records and audits them against one, without their text', async () => {
    const none = mailbot(data, ['requests', 'grounds', 'atelier-dupont', '--text', 'litige en cours']);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /made no objection .*\[NO_OBJECTION\]/);
    assert.equal((await readState(data)).clients[0]?.objection, undefined, 'no objection created');
    await withStore((store) => store.transact(async (tx) => {
      const c = await tx.clients.get('atelier-dupont');
      assert.ok(c);
      await tx.clients.put({ ...c, objection: { since: new Date().toISOString(), ref: 'RGPD-2026-0003' } });
    }));
    const r = mailbot(data, ['requests', 'grounds', 'atelier-dupont', '--text', 'litige en cours']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((await readState(data)).clients[0]?.objection?.compellingGrounds, 'litige en cours');
    const [line] = logOf(data, 'gdpr-grounds-recorded');
    byOperator(line);
    assert.deepEqual(line?.details, { ref: 'RGPD-2026-0003', replaced: false });
    assert.doesNotMatch(readFileSync(join(data, 'audit.log'), 'utf8'), /litige/);
  });

  it('unrestrict tells the person first and schedules the lift; batches stay refused until the job lifts it after the notice', async () => {
    assert.equal(mailbot(data, ['requests', 'unrestrict', 'atelier-dupont']).status, 2, 'not restricted');
    await withStore((store) => store.transact(async (tx) => {
      const c = await tx.clients.get('atelier-dupont');
      assert.ok(c);
      await tx.clients.put({ ...c, restricted: { since: '2026-03-01T10:00:00.000Z', ref: 'RGPD-2026-0004' } });
    }));
    const before = outboxFiles().length;
    const r = mailbot(data, ['requests', 'unrestrict', 'atelier-dupont']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /restriction to be lifted on .* UTC .*1 notice\(s\) queued/);
    const state = await readState(data);
    const liftAt = state.clients[0]?.restricted?.liftAt ?? assert.fail('a scheduled lift');
    const notice = state.outbox.find((e) => e.kind === 'gdpr-restriction-lift') ?? assert.fail('the notice is queued with the schedule');
    const text = readFileSync(join(data, notice.file)).toString('utf8').replace(/=\r?\n/g, '');
    assert.match(text, /en place depuis le 01\/03\/2026, sera lev=C3=A9e le|en place depuis le 01\/03\/2026, sera levée le/);
    byOperator(logOf(data, 'gdpr-restriction-lift-scheduled')[0]);
    assert.match(mailbot(data, ['requests']).stdout, /restriction of atelier-dupont \(RGPD-2026-0004\): to be lifted on/);
    assert.equal(mailbot(data, ['requests', 'unrestrict', 'atelier-dupont']).status, 2, 'scheduled once');
    // Until the lift, the restriction holds in full.
    assert.equal(mailbot(data, ['invoice', fixture('google-sheets.csv'), '--client', 'atelier-dupont']).status, 2);

    await new Promise((res) => setTimeout(res, Math.max(0, Date.parse(liftAt) - Date.now()) + 200));
    const daemon = mailbot(data, ['start', '--once']);
    assert.equal(daemon.status, 0, daemon.stderr);
    assert.ok(outboxFiles().length > before, 'the notice left');
    assert.equal((await readState(data)).clients[0]?.restricted, undefined, 'lifted by the job');
    const [lifted] = logOf(data, 'gdpr-restriction-lifted');
    assert.deepEqual([lifted?.clientId, lifted?.details?.ref], ['atelier-dupont', 'RGPD-2026-0004']);
    assert.equal(mailbot(data, ['invoice', fixture('google-sheets.csv'), '--client', 'atelier-dupont']).status, 0);
  });
});
