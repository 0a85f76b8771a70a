import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { batchesDir, recoverStaging, runBatch } from '../../src/batch/run.js';
import { addClient } from '../../src/clients/service.js';
import { Store } from '../../src/store/db.js';
import { sellerInput } from '../helpers/sample.js';
import { tempDir } from '../helpers/tools.js';

const csv = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'csv', 'libreoffice-en.csv'));

async function freshStore() {
  const dir = tempDir();
  const store = await Store.open(join(dir.path, 'data'));
  await addClient(store, sellerInput);
  return { dir, store };
}

describe('batch commit', () => {
  it('a CSV value that breaks a reform rule refuses the file with its line and column, and consumes no number', async () => {
    const { dir, store } = await freshStore();
    try {
      const bytes = Buffer.from('invoice_ref,buyer_name,buyer_vat_id,buyer_address,buyer_postcode,buyer_city,buyer_country,description,quantity,unit_price,vat_rate,vat_category,vat_exemption_reason\n' +
        'B-1,Brasserie Van den Bossche SRL,BE0418273601,Rue du Marché 61,1000,Bruxelles,BE,Conseil,2.00005,900,0,AE,Autoliquidation\n');
      const result = await runBatch(store, { clientId: 'atelier-dupont', fileName: 'b.csv', bytes });
      assert.equal(result.status, 'rejected');
      assert.deepEqual(result.errors.map((e) => [e.line, e.column, e.code, e.params?.rule]), [
        [2, 'buyer_electronic_address', 'EINVOICE_RULE', 'BR-FR-12'],
        [2, 'quantity', 'EINVOICE_RULE', 'BR-FR-DEC-02'],
      ]);
      assert.deepEqual(store.data.sequences, {});
    } finally {
      dir.cleanup();
    }
  });

  it('is all or nothing: a failure while writing files consumes no number and leaves nothing', async () => {
    const { dir, store } = await freshStore();
    try {
      writeFileSync(batchesDir(store), 'not a folder'); // any I/O failure before the commit
      await assert.rejects(runBatch(store, { clientId: 'atelier-dupont', fileName: 'a.csv', bytes: csv }));
      await store.reload();
      assert.deepEqual(store.data.sequences, {});
      assert.deepEqual(store.data.batches, []);
    } finally {
      dir.cleanup();
    }
  });

  it('numbers continue gaplessly after a failed batch', async () => {
    const { dir, store } = await freshStore();
    try {
      writeFileSync(batchesDir(store), 'x');
      await assert.rejects(runBatch(store, { clientId: 'atelier-dupont', fileName: 'a.csv', bytes: csv }));
      await import('node:fs/promises').then((fs) => fs.unlink(batchesDir(store)));
      const ok = await runBatch(store, { clientId: 'atelier-dupont', fileName: 'a.csv', bytes: csv });
      assert.deepEqual(ok.invoices.map((i) => i.number), ['FA-2026-00001', 'FA-2026-00002']);
      assert.deepEqual(store.data.sequences['atelier-dupont'], { 'FA-2026-#': { last: 2, lastIssueDate: '2026-03-03' } });
      const reopened = await Store.open(store.dataDir);
      assert.equal(reopened.data.batches.length, 1);
    } finally {
      dir.cleanup();
    }
  });

  it('recovers after a crash: committed staging folders are completed, the others discarded', async () => {
    const { dir, store } = await freshStore();
    try {
      const ok = await runBatch(store, { clientId: 'atelier-dupont', fileName: 'a.csv', bytes: csv });
      const root = batchesDir(store);
      const id = ok.batchId ?? '';
      // Crash between the store write and the rename: the folder is still staged.
      await import('node:fs/promises').then((fs) => fs.rename(join(root, id), join(root, `.staging-${id}`)));
      mkdirSync(join(root, '.staging-never-committed'));
      writeFileSync(join(root, '.staging-never-committed', 'FA-2026-00003.pdf'), 'x');
      assert.deepEqual(await recoverStaging(store), { completed: 1, discarded: 1 });
      assert.deepEqual(readdirSync(root), [id]);
      assert.ok(existsSync(join(root, id, 'FA-2026-00001.pdf')));
    } finally {
      dir.cleanup();
    }
  });
});
