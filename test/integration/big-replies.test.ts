/**
 * Answers too big for one mail still arrive: invoices split across mails
 * numbered 1/N, each with its ZIP and under the size limit, the report in
 * the first; a long error list as an attached CSV, its first lines in the
 * text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unzipSync } from 'fflate';
import { generateBatchCsv } from '../../bench/generate.js';
import { CLIENT, World } from '../helpers/gdpr-world.js';

describe('big answers', () => {
  it('splits a batch too big for one mail into numbered mails, each under replies.maxMessageBytes, and lists the first 200 invoices in the text', async () => {
    const max = 1024 * 1024;
    const w = new World({ replies: { maxMessageBytes: max } });
    try {
      await w.send(CLIENT, 'Gros lot', 'ci-joint', { attachments: [{ filename: 'gros.csv', content: Buffer.from(generateBatchCsv(230, 1)) }] });
      const mails = await w.run();
      const n = mails.length;
      assert.ok(n >= 2, `${n} mail(s)`);
      const subjects = mails.map((m) => m.subject ?? '').sort();
      assert.deepEqual(subjects, Array.from({ length: n }, (_, i) => `Re: Gros lot (${i + 1}/${n})`).sort());
      const pdfs: string[] = [];
      let reports = 0;
      for (const m of mails) {
        assert.ok(w.rawSize(m) <= max, `${m.subject ?? ''}: ${w.rawSize(m)} bytes`);
        const zips = m.attachments.filter((a) => a.contentType === 'application/zip');
        assert.equal(zips.length, 1, 'one ZIP per mail');
        const names = Object.keys(unzipSync(new Uint8Array(zips[0]?.content ?? Buffer.alloc(0))));
        pdfs.push(...names.filter((f) => f.endsWith('.pdf')));
        reports += names.filter((f) => f.endsWith('.csv')).length;
      }
      assert.equal(reports, 1, 'the report once, in the first mail');
      assert.deepEqual(pdfs.sort(), Array.from({ length: 230 }, (_, i) => `FA-2026-${String(i + 1).padStart(5, '0')}.pdf`));
      const first = mails.find((m) => /\(1\//.test(m.subject ?? ''));
      assert.match(first?.text ?? '', new RegExp(`230 factures sont réparties en ${n} messages`));
      // The text lists the first 200; the report in the ZIP lists every one.
      assert.match(first?.text ?? '', /230 facture\(s\) émise\(s\)/);
      assert.equal((first?.text?.match(/^ {2}- B-\d{5} → n° /gm) ?? []).length, 200);
      assert.match(first?.text ?? '', /… et 30 autre\(s\) : le rapport joint les liste toutes\./);
      assert.match(first?.text ?? '', /Nous gardons une copie de ces factures jusqu'au \d\d\/\d\d\/\d{4}/);
    } finally {
      w.cleanup();
    }
  });

  it('attaches an error list longer than 500 lines as a CSV, with the first 50 in the text', async () => {
    const w = new World();
    try {
      const rows = Array.from({ length: 600 }, (_, i) => `E${i};Client SAS;123456790;1 rue;75001;Paris;Conseil;-1;100;20`);
      const csv = `invoice_ref;buyer_name;buyer_siren;buyer_address;buyer_postcode;buyer_city;description;quantity;unit_price;vat_rate\n${rows.join('\n')}\n`;
      await w.send(CLIENT, 'Lot', 'ci-joint', { attachments: [{ filename: 'faux.csv', content: Buffer.from(csv) }] });
      const [reply] = await w.run();
      const text = reply?.text ?? '';
      assert.match(text, /600 erreur\(s\) à corriger/);
      assert.equal((text.match(/^ {2}- Ligne \d+/gm) ?? []).length, 50);
      assert.match(text, /la liste complète est dans le fichier CSV joint/);
      const attached = reply?.attachments.find((a) => a.filename === 'erreurs-faux.csv') ?? assert.fail('the CSV of errors');
      const lines = attached.content.toString('utf8').trim().split('\r\n');
      assert.equal(lines.length, 601);
      // Line, column, value (neutralised: a leading "-" could start a formula), and what is expected.
      assert.match(lines[1] ?? '', /^"2";"quantity";"'-1";"la quantité doit être supérieure à 0\."$/);
    } finally {
      w.cleanup();
    }
  });
});
