import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runBatch } from '../../src/batch/run.js';
import { addClient } from '../../src/clients/service.js';
import { documentText, readDocument } from '../../src/store/embedded/doc.js';
import { EmbeddedStore } from '../../src/store/embedded/store.js';
import { productArgs } from '../helpers/product.js';
import { sellerInput } from '../helpers/sample.js';
import { viewOf } from '../helpers/state.js';
import { tempDir } from '../helpers/tools.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'csv', 'libreoffice-en.csv');
const csv = readFileSync(FIXTURE);

async function freshStore() {
  const dir = tempDir();
  const store = await EmbeddedStore.open(join(dir.path, 'data'));
  await addClient(store, sellerInput, { actor: 'test' });
  return { dir, store };
}

describe('batch commit', () => {
  it('a CSV value that breaks a reform rule refuses the file with its line and column, and consumes no number', async () => {
    const { dir, store } = await freshStore();
    try {
      const bytes = Buffer.from('invoice_ref,buyer_name,buyer_vat_id,buyer_address,buyer_postcode,buyer_city,buyer_country,description,quantity,unit_price,vat_rate,vat_category,vat_exemption_reason\n' +
        'B-1,Brasserie Van den Bossche SRL,BE0418273601,Rue du Marché 61,1000,Bruxelles,BE,Conseil,2.00005,900,0,AE,Autoliquidation\n');
      const result = await runBatch(store, { clientId: 'atelier-dupont', fileName: 'b.csv', bytes }, { actor: 'test' });
      assert.equal(result.status, 'rejected');
      assert.deepEqual(result.errors.map((e) => [e.line, e.column, e.code, e.params?.rule]), [
        [2, 'buyer_electronic_address', 'EINVOICE_RULE', 'BR-FR-12'],
        [2, 'quantity', 'EINVOICE_RULE', 'BR-FR-DEC-02'],
      ]);
      assert.deepEqual((await viewOf(store)).series['atelier-dupont'], {});
    } finally {
      await store.close();
      dir.cleanup();
    }
  });

  it('is all or nothing: a failure while writing files consumes no number and leaves nothing', async () => {
    const { dir, store } = await freshStore();
    try {
      writeFileSync(join(store.dataDir, '.staging'), 'not a folder'); // any I/O failure before the commit
      await assert.rejects(runBatch(store, { clientId: 'atelier-dupont', fileName: 'a.csv', bytes: csv }, { actor: 'test' }));
      const view = await viewOf(store);
      assert.deepEqual(view.series['atelier-dupont'], {});
      assert.deepEqual(view.batches, []);
      assert.ok(!existsSync(join(store.dataDir, 'batches')));
    } finally {
      await store.close();
      dir.cleanup();
    }
  });

  it('numbers continue gaplessly after a failed batch, and a reopened store finds what was committed', async () => {
    const { dir, store } = await freshStore();
    try {
      writeFileSync(join(store.dataDir, '.staging'), 'x');
      await assert.rejects(runBatch(store, { clientId: 'atelier-dupont', fileName: 'a.csv', bytes: csv }, { actor: 'test' }));
      await import('node:fs/promises').then((fs) => fs.unlink(join(store.dataDir, '.staging')));
      const ok = await runBatch(store, { clientId: 'atelier-dupont', fileName: 'a.csv', bytes: csv }, { actor: 'test' });
      assert.deepEqual(ok.invoices.map((i) => i.number), ['FA-2026-00001', 'FA-2026-00002']);
      const reopened = await EmbeddedStore.open(store.dataDir);
      const view = await viewOf(reopened);
      assert.deepEqual(view.series['atelier-dupont'], { 'FA-2026-#': { last: 2, lastIssueDate: '2026-03-03' } });
      assert.equal(view.batches.length, 1);
      assert.deepEqual(view.batches[0]?.invoices.map((i) => [i.series, i.seq]), [['FA-2026-#', 1], ['FA-2026-#', 2]]);
      await reopened.close();
    } finally {
      await store.close();
      dir.cleanup();
    }
  });

  it('recovers from a kill between the commit and the files being put in place', async () => {
    const { dir, store } = await freshStore();
    await store.close();
    try {
      // The real command, killed (SIGKILL) right after its commit, before its after-commit work.
      const killed = spawnSync(process.execPath, productArgs(['--data', store.dataDir, 'invoice', FIXTURE, '--client', 'atelier-dupont']), { env: { ...process.env, MAILBOT_FAILPOINT: 'embedded-after-commit' }, encoding: 'utf8' });
      assert.equal(killed.signal, 'SIGKILL');
      assert.ok(!existsSync(join(store.dataDir, 'batches')), 'the files are still staged');
      assert.equal(readdirSync(join(store.dataDir, '.staging')).length, 1);
      // Also a staging folder of a process that died before committing.
      const stray = join(store.dataDir, '.staging', '999999-never-committed');
      mkdirSync(join(stray, 'batches', 'b'), { recursive: true });
      writeFileSync(join(stray, 'batches', 'b', 'source.csv'), 'Claire Dupont;compta');
      // The next writer finishes the committed batch and shreds the stray folder.
      const next = await EmbeddedStore.open(store.dataDir);
      const view = await viewOf(next);
      assert.equal(view.batches.length, 1);
      await next.transact((tx) => Promise.resolve(tx.audit({ time: new Date().toISOString(), action: 'daemon-started', outcome: 'info' })));
      const id = view.batches[0]?.id ?? '';
      assert.ok(existsSync(join(store.dataDir, 'batches', id, 'FA-2026-00001.pdf')));
      assert.ok(existsSync(join(store.dataDir, 'batches', id, 'source.csv')));
      assert.deepEqual(readdirSync(join(store.dataDir, '.staging')), []);
      // Numbers go on from the committed batch: nothing issued twice.
      const again = await runBatch(next, { clientId: 'atelier-dupont', fileName: 'b.csv', bytes: Buffer.from(csv.toString('utf8').replaceAll('2026-03-0', '2026-03-1').replaceAll('2026-04-0', '2026-04-1')) }, { actor: 'test' });
      assert.deepEqual(again.invoices.map((i) => i.number), ['FA-2026-00003', 'FA-2026-00004'], JSON.stringify(again.errors));
      await next.close();
    } finally {
      dir.cleanup();
    }
  });

  it('finishes the work of an earlier process that had this same pid (a container restarted: PID 1 again)', async () => {
    const { dir, store } = await freshStore();
    await store.close();
    try {
      // What a process with our pid, started at another time and killed after its commit, leaves:
      // a staging folder its commit lists as pending, and one no commit adopted.
      const earlier = `${process.pid}.1`;
      const listed = join(store.dataDir, '.staging', `${earlier}-committed`);
      const orphan = join(store.dataDir, '.staging', `${earlier}-never-committed`);
      for (const root of [listed, orphan]) mkdirSync(root, { recursive: true });
      writeFileSync(join(listed, 'queue~r.eml'), 'a reply its commit queued');
      writeFileSync(join(orphan, 'queue~s.eml'), 'a reply staged, never committed');
      const docPath = join(store.dataDir, 'mailbot.json');
      const doc = await readDocument(docPath);
      writeFileSync(docPath, documentText({ ...doc, pending: { promote: [{ pid: process.pid, started: 1, name: `${earlier}-committed` }], shred: [] } }));

      const next = await EmbeddedStore.open(store.dataDir);
      try {
        await next.transact((tx) => Promise.resolve(tx.audit({ time: new Date().toISOString(), action: 'daemon-started', outcome: 'info' })));
        assert.equal(readFileSync(join(store.dataDir, 'queue', 'r.eml'), 'utf8'), 'a reply its commit queued');
        assert.ok(!existsSync(orphan), 'the folder no commit adopted is shredded');
        assert.ok(!existsSync(join(store.dataDir, 'queue', 's.eml')));
        // Its next commit drops the finished work from the pending list.
        await next.transact((tx) => Promise.resolve(tx.audit({ time: new Date().toISOString(), action: 'daemon-started', outcome: 'info' })));
        assert.deepEqual((await readDocument(docPath)).pending.promote, []);
      } finally {
        await next.close();
      }
    } finally {
      dir.cleanup();
    }
  });
});

describe('batch: v2 columns in files saved by real tools', () => {
  const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'csv', name));

  it('refuses the whole file, consuming no number, for a credit note naming no invoice or an unknown amount; harmless columns, discounts and charges issue', async () => {
    const { dir, store } = await freshStore();
    try {
      const refused: [string, [number, string, string][]][] = [
        ['credit-note-type.csv', [[2, 'Type de document', 'PRECEDING_REQUIRED'], [3, 'Type de document', 'PRECEDING_REQUIRED']]],
        ['escompte-unknown.csv', [[1, 'Escompte', 'COLUMN_AMOUNT_UNKNOWN']]],
      ];
      for (const [name, errors] of refused) {
        const result = await runBatch(store, { clientId: 'atelier-dupont', fileName: name, bytes: fixture(name) }, { actor: 'test' });
        assert.equal(result.status, 'rejected', name);
        assert.deepEqual(result.invoices, [], name);
        assert.deepEqual(result.errors.map((e) => [e.line, e.column, e.code]), errors, name);
      }
      const view = await viewOf(store);
      assert.deepEqual(view.series['atelier-dupont'], {});
      assert.deepEqual(view.batches, []);

      // Discounts and charges (BG-20, BG-21, BG-27) issue at the totals they mean, numbers from the first (the files are dated before the ones below).
      const totals: [string, string[]][] = [
        ['discount-document.csv', ['259.20', '96.00']],
        ['shipping-charge.csv', ['306.00', '90.00']],
        ['line-discount.csv', ['2400.00']],
        ['discount-en.csv', ['259.20', '288.00']],
      ];
      let next = 1;
      for (const [name, expected] of totals) {
        const result = await runBatch(store, { clientId: 'atelier-dupont', fileName: name, bytes: fixture(name) }, { actor: 'test' });
        assert.equal(result.status, 'issued', `${name}: ${JSON.stringify(result.errors)}`);
        assert.deepEqual(result.invoices.map((i) => i.totalInclVat), expected, name);
        assert.deepEqual(result.invoices.map((i) => i.number), expected.map(() => `FA-2026-${String(next++).padStart(5, '0')}`), name);
      }
      const harmless = await runBatch(store, { clientId: 'atelier-dupont', fileName: 'h.csv', bytes: fixture('harmless-columns.csv') }, { actor: 'test' });
      assert.equal(harmless.status, 'issued', JSON.stringify(harmless.errors));
      assert.deepEqual(harmless.invoices.map((i) => i.number), ['FA-2026-00008', 'FA-2026-00009']);
      assert.deepEqual(harmless.warnings.map((w) => [w.line, w.column, w.code]), [[1, 'Référence interne', 'COLUMN_UNKNOWN']]);
      const invoiceOnly = await runBatch(store, { clientId: 'atelier-dupont', fileName: 't.csv', bytes: fixture('document-type-invoice.csv') }, { actor: 'test' });
      assert.equal(invoiceOnly.status, 'issued', JSON.stringify(invoiceOnly.errors));
      assert.deepEqual(invoiceOnly.invoices.map((i) => i.number), ['FA-2026-00010', 'FA-2026-00011']);
      assert.deepEqual(invoiceOnly.warnings, []);
    } finally {
      await store.close();
      dir.cleanup();
    }
  });
});
