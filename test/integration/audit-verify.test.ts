/**
 * `mailbot log --verify` against a trail altered the ways someone with
 * write access to the data directory (and without the audit key) would:
 * a line edited, removed, two lines swapped, the first or the last line
 * cut. Each is found and the first line at fault is named.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EmbeddedStore } from '../../src/store/embedded/store.js';
import { mailbot } from '../helpers/cli.js';
import { tempDir } from '../helpers/tools.js';

async function trail(lines: number): Promise<{ data: string; file: string; cleanup: () => void }> {
  const dir = tempDir('mailbot-verify-');
  const data = join(dir.path, 'data');
  const store = await EmbeddedStore.open(data);
  for (let i = 1; i <= lines; i++) {
    await store.transact((tx) => Promise.resolve(tx.audit({ time: new Date(Date.UTC(2026, 10, i)).toISOString(), action: 'reply-sent', outcome: 'ok', messageId: `<m${i}@studio.test>`, details: { n: i } })));
  }
  await store.close();
  return { data, file: join(data, 'audit.log'), cleanup: dir.cleanup };
}

function rewrite(file: string, change: (lines: string[]) => string[]): void {
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  writeFileSync(file, `${change(lines).join('\n')}\n`);
}

describe('mailbot log --verify', () => {
  it('passes an intact trail and prints its head', async () => {
    const t = await trail(8);
    try {
      const r = mailbot(t.data, ['log', '--verify']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /intact: 8 line\(s\)/);
      assert.match(r.stdout, /head 8:local:[0-9a-f]{64}/);
    } finally {
      t.cleanup();
    }
  });

  const cases: { name: string; change: (l: string[]) => string[]; expect: RegExp }[] = [
    { name: 'an edited outcome', change: (l) => l.map((x, i) => (i === 4 ? x.replace('"outcome":"ok"', '"outcome":"failed"') : x)), expect: /line 5 \(seq 5\): its content does not match its hash: edited/ },
    { name: 'an edited hash as well', change: (l) => l.map((x, i) => (i === 4 ? x.replace('"n":5', '"n":50').replace(/"mac":"local:[0-9a-f]{4}/, '"mac":"local:0000') : x)), expect: /line 5 \(seq 5\)/ },
    { name: 'a removed line', change: (l) => l.filter((_, i) => i !== 4), expect: /line 5 \(seq 6\): expected seq 5, found 6: 1 line\(s\) removed/ },
    { name: 'two swapped lines', change: (l) => [...l.slice(0, 4), l[5] ?? '', l[4] ?? '', ...l.slice(6)], expect: /line 5 \(seq 6\): expected seq 5/ },
    { name: 'the first line removed', change: (l) => l.slice(1), expect: /line 1 \(seq 2\): the trail begins at seq 2 and no checkpoint anchors it/ },
    { name: 'the last line removed', change: (l) => l.slice(0, -1), expect: /the store's head is seq 8 but the trail ends at seq 7/ },
    { name: 'a line inserted without a hash', change: (l) => [...l.slice(0, 3), JSON.stringify({ time: '2026-11-03T12:00:00.000Z', action: 'reply-sent', outcome: 'ok' }), ...l.slice(3)], expect: /line 4: carries no chain hash/ },
  ];
  for (const c of cases) {
    it(`finds ${c.name}`, async () => {
      const t = await trail(8);
      try {
        rewrite(t.file, c.change);
        // The document's committed length follows the file, as a careful forger would make it.
        const docPath = join(t.data, 'mailbot.json');
        const doc = JSON.parse(readFileSync(docPath, 'utf8')) as { journals: { audit: { length: number } } };
        doc.journals.audit.length = readFileSync(t.file).length;
        writeFileSync(docPath, JSON.stringify(doc));
        const r = mailbot(t.data, ['log', '--verify']);
        assert.equal(r.status, 1, r.stdout);
        assert.match(r.stderr, c.expect);
        const json = JSON.parse(mailbot(t.data, ['log', '--verify', '--json']).stdout) as { ok: boolean; problem: { position: number } };
        assert.equal(json.ok, false);
      } finally {
        t.cleanup();
      }
    });
  }

  it('checks a head kept outside (the daily digest): a trail cut at its end with its head moved back is caught', async () => {
    const t = await trail(8);
    try {
      const head = /head (\d+:\S+)/.exec(mailbot(t.data, ['log', '--verify']).stdout)?.[1] ?? '';
      assert.match(head, /^8:local:/);
      const fine = mailbot(t.data, ['log', '--verify', '--head', head]);
      assert.equal(fine.status, 0, fine.stderr);
      assert.match(fine.stdout, /the head sent out \(seq 8\) is in the chain, unchanged/);
      // A forger drops the last two lines and sets the store's head to the new last line.
      rewrite(t.file, (l) => l.slice(0, -2));
      const last = JSON.parse(readFileSync(t.file, 'utf8').trim().split('\n').at(-1) ?? '{}') as { seq: number; mac: string };
      const docPath = join(t.data, 'mailbot.json');
      const doc = JSON.parse(readFileSync(docPath, 'utf8')) as { journals: { audit: { length: number } }; auditHead: unknown };
      doc.journals.audit.length = readFileSync(t.file).length;
      doc.auditHead = { seq: last.seq, mac: last.mac };
      writeFileSync(docPath, JSON.stringify(doc));
      assert.equal(mailbot(t.data, ['log', '--verify']).status, 0, 'without the outside copy the cut cannot be seen');
      const caught = mailbot(t.data, ['log', '--verify', '--head', head]);
      assert.equal(caught.status, 1);
      assert.match(caught.stderr, /ends at seq 6, before the head sent out \(seq 8\)/);
      const edited = mailbot(t.data, ['log', '--verify', '--head', `${last.seq}:local:${'0'.repeat(64)}`]);
      assert.equal(edited.status, 1);
      assert.match(edited.stderr, /no longer bears the mac sent out/);
    } finally {
      t.cleanup();
    }
  });
});
