/**
 * `mailbot log --verify` against a trail altered the ways someone with
 * write access to the data directory (and without the audit key) would:
 * a line edited, removed, two lines swapped, the first or the last line
 * cut. Each is found and the first line at fault is named. Every line is
 * sealed by the key or is an error (invariant 25): lines without a chain
 * hash put before the first line, an unsealed checkpoint, lines that are not
 * entries; lines an older version wrote before the chain began count only
 * once `mailbot log --seal-legacy` has sealed them.
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

/** Rewrite the trail and make the document's committed length (and, if asked, its head) follow, as a careful forger would. */
function forge(data: string, change: (lines: string[]) => string[], headToLast = false): void {
  const docPath = join(data, 'mailbot.json');
  const doc = JSON.parse(readFileSync(docPath, 'utf8')) as { journals: { audit: { file: string; length: number } }; auditHead: unknown };
  // A purge moves the trail to a new file: the document names it.
  const file = join(data, doc.journals.audit.file);
  rewrite(file, change);
  doc.journals.audit.length = readFileSync(file).length;
  if (headToLast) {
    const last = JSON.parse(readFileSync(file, 'utf8').trim().split('\n').at(-1) ?? '{}') as { seq: number; mac: string };
    doc.auditHead = { seq: last.seq, mac: last.mac };
  }
  writeFileSync(docPath, JSON.stringify(doc));
}

const forgedIssue = JSON.stringify({ time: '2026-10-30T09:00:00.000Z', action: 'invoices-issued', outcome: 'ok', clientId: 'acme', details: { invoices: 3, first: 'F-2026-0001' } });
const forgedErasure = JSON.stringify({ time: '2026-10-30T10:00:00.000Z', action: 'gdpr-done', outcome: 'ok', clientId: 'acme', details: { kind: 'erasure' } });

/** Lines as the version before the chain wrote them: entries without seq or mac, older than the chain's first line. */
function legacyLines(n: number): string[] {
  return Array.from({ length: n }, (_, i) => JSON.stringify({ time: new Date(Date.UTC(2026, 9, i + 1)).toISOString(), action: 'received', outcome: 'ok', messageId: `<old${i + 1}@studio.test>`, details: { old: i + 1 } }));
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

  it('refuses lines without a chain hash put before the first line: --verify names line 1, `mailbot log` shows nothing of them', async () => {
    const t = await trail(4);
    try {
      forge(t.data, (l) => [forgedIssue, forgedErasure, ...l]);
      const r = mailbot(t.data, ['log', '--verify']);
      assert.equal(r.status, 1, r.stdout);
      assert.match(r.stderr, /not sealed at line 1: 2 line\(s\) at the start carry no chain hash/);
      assert.match(r.stderr, /mailbot log --seal-legacy/);
      const json = JSON.parse(mailbot(t.data, ['log', '--verify', '--json']).stdout) as { ok: boolean; problem: { position: number; code: string } };
      assert.deepEqual([json.ok, json.problem.position, json.problem.code], [false, 1, 'AUDIT_LEGACY_UNSEALED']);
      for (const args of [['log'], ['log', '--json'], ['log', '--action', 'invoices-issued,gdpr-done']]) {
        const listed = mailbot(t.data, args);
        assert.equal(listed.status, 1, listed.stdout);
        assert.doesNotMatch(listed.stdout, /invoices-issued|gdpr-done/);
        assert.match(listed.stderr, /does not verify, so nothing of it is shown: line 1/);
      }
    } finally {
      t.cleanup();
    }
  });

  it('an unsealed checkpoint anchors nothing: with the trail cut at its end, --head is not satisfied', async () => {
    const t = await trail(8);
    try {
      const head = /head (\d+:\S+)/.exec(mailbot(t.data, ['log', '--verify']).stdout)?.[1] ?? '';
      const fakeCheckpoint = JSON.stringify({ time: '2026-10-31T00:00:00.000Z', action: 'audit-checkpoint', outcome: 'info', details: { firstKeptSeq: 1e9, anchor: `local:${'0'.repeat(64)}`, dropped: 0, keptFrom: '2026-10-31' } });
      forge(t.data, (l) => [fakeCheckpoint, ...l.slice(0, -2)], true);
      const r = mailbot(t.data, ['log', '--verify', '--head', head]);
      assert.equal(r.status, 1, r.stdout);
      assert.match(r.stderr, /at line 1: 1 line\(s\) at the start carry no chain hash/);
      const json = JSON.parse(mailbot(t.data, ['log', '--verify', '--head', head, '--json']).stdout) as { ok: boolean; knownHead: string };
      assert.equal(json.ok, false);
      assert.equal(json.knownHead, 'beyond-end', 'the forged checkpoint does not pass the head off as purged');
      // The same checkpoint put inside the chain is a line without a hash.
      forge(t.data, (l) => [...l.slice(1, 3), fakeCheckpoint, ...l.slice(3)]);
      const inside = mailbot(t.data, ['log', '--verify', '--head', head]);
      assert.equal(inside.status, 1);
      assert.match(inside.stderr, /line 3: carries no chain hash/);
    } finally {
      t.cleanup();
    }
  });

  const notEntries: { name: string; text: string; expect: RegExp }[] = [
    { name: 'a line that is not JSON', text: '{"time":"2026-11-03T12:00:00.000Z","action":"reply-sent"', expect: /line 4: is not JSON/ },
    { name: 'a null line', text: 'null', expect: /line 4: is null, not an entry/ },
    { name: 'a JSON array', text: '[1,2]', expect: /line 4: is a JSON array, not an entry/ },
    { name: 'a JSON number', text: '42', expect: /line 4: is a JSON number, not an entry/ },
    { name: 'a JSON string', text: '"reply-sent"', expect: /line 4: is a JSON string, not an entry/ },
    { name: 'an empty object', text: '{}', expect: /line 4: is JSON but not an entry/ },
  ];
  for (const c of notEntries) {
    it(`names ${c.name} by its line number (exit 1, never a crash)`, async () => {
      const t = await trail(6);
      try {
        forge(t.data, (l) => [...l.slice(0, 3), c.text, ...l.slice(3)]);
        const r = mailbot(t.data, ['log', '--verify']);
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stderr, c.expect);
        const json = mailbot(t.data, ['log', '--verify', '--json']);
        assert.equal(json.status, 1);
        assert.equal((JSON.parse(json.stdout) as { problem: { position: number } }).problem.position, 4);
        const listed = mailbot(t.data, ['log']);
        assert.equal(listed.status, 1, listed.stderr);
        assert.match(listed.stderr, c.expect);
        // Put before the first line, it is no older version's line either.
        forge(t.data, (l) => [c.text, ...l.filter((x) => x !== c.text)]);
        const first = mailbot(t.data, ['log', '--verify']);
        assert.equal(first.status, 1);
        assert.match(first.stderr, new RegExp(c.expect.source.replace('line 4', 'line 1')));
      } finally {
        t.cleanup();
      }
    });
  }

  describe('lines written before the chain began', () => {
    it('fail with the command to run; once sealed they verify and are listed; an edited one is then named', async () => {
      const t = await trail(5);
      try {
        forge(t.data, (l) => [...legacyLines(3), ...l]);
        const before = mailbot(t.data, ['log', '--verify']);
        assert.equal(before.status, 1);
        assert.match(before.stderr, /not sealed at line 1: 3 line\(s\) at the start carry no chain hash.*`mailbot log --seal-legacy` seals them/);
        assert.equal(mailbot(t.data, ['log']).status, 1);

        const sealed = mailbot(t.data, ['log', '--seal-legacy']);
        assert.equal(sealed.status, 0, sealed.stderr);
        assert.match(sealed.stdout, /sealed the 3 line\(s\) written before the chain began \(2026-10-01T00:00:00.000Z to 2026-10-03T00:00:00.000Z\) at seq 6/);
        const after = mailbot(t.data, ['log', '--verify']);
        assert.equal(after.status, 0, after.stderr);
        assert.match(after.stdout, /intact: 9 line\(s\) \(the first 3 written before the chain began, sealed at seq 6\)/);
        const listed = mailbot(t.data, ['log', '--json']);
        assert.equal(listed.status, 0, listed.stderr);
        assert.equal(listed.stdout.trim().split('\n').length, 9);
        assert.match(listed.stdout, /old3@studio\.test/);
        const again = mailbot(t.data, ['log', '--seal-legacy']);
        assert.equal(again.status, 0);
        assert.match(again.stdout, /already sealed at seq 6/);

        forge(t.data, (l) => l.map((x, i) => (i === 1 ? x.replace('"outcome":"ok"', '"outcome":"failed"') : x)));
        const edited = mailbot(t.data, ['log', '--verify']);
        assert.equal(edited.status, 1);
        assert.match(edited.stderr, /line 2: carries no chain hash and is not line 2 of the 3 sealed at seq 6: edited/);
        assert.match(mailbot(t.data, ['log', '--seal-legacy']).stderr, /does not verify at line 2/);
      } finally {
        t.cleanup();
      }
    });

    const afterSeal: { name: string; change: (l: string[]) => string[]; expect: RegExp }[] = [
      { name: 'a line put before them', change: (l) => [forgedIssue, ...l], expect: /line 1: carries no chain hash and is not line 1 of the 3 sealed/ },
      { name: 'a line put after them', change: (l) => [...l.slice(0, 3), forgedErasure, ...l.slice(3)], expect: /line 4: carries no chain hash and is not among the 3 line\(s\) sealed at seq 6: put there/ },
      { name: 'the first removed', change: (l) => l.slice(1), expect: /line 1: carries no chain hash and is not line 1 of the 3 sealed/ },
      { name: 'the last removed', change: (l) => [...l.slice(0, 2), ...l.slice(3)], expect: /line 3: the last 1 of the 3 line\(s\) sealed at seq 6 without a chain hash are missing: removed/ },
      { name: 'all removed', change: (l) => l.slice(3), expect: /line 1: the last 3 of the 3 line\(s\) sealed/ },
      { name: 'two swapped', change: (l) => [l[1] ?? '', l[0] ?? '', ...l.slice(2)], expect: /line 1: carries no chain hash and is not line 1 of the 3/ },
    ];
    for (const c of afterSeal) {
      it(`once sealed, finds ${c.name}`, async () => {
        const t = await trail(5);
        try {
          forge(t.data, (l) => [...legacyLines(3), ...l]);
          assert.equal(mailbot(t.data, ['log', '--seal-legacy']).status, 0);
          forge(t.data, c.change);
          const r = mailbot(t.data, ['log', '--verify']);
          assert.equal(r.status, 1, r.stdout);
          assert.match(r.stderr, c.expect);
        } finally {
          t.cleanup();
        }
      });
    }

    it('a seal made without the key seals nothing', async () => {
      const t = await trail(3);
      try {
        forge(t.data, (l) => [...legacyLines(2), ...l]);
        // The forger computes the digest and fingerprints right, but cannot make the mac.
        const { ChainVerifier } = await import('../../src/audit/chain.js');
        const v = new ChainVerifier({ key: Buffer.alloc(32, 1), keyId: 'local' });
        for (const line of legacyLines(2)) v.push(line);
        const seal = { ...v.legacy.sealEntry('2026-11-20T00:00:00.000Z'), seq: 4, mac: `local:${'ab'.repeat(32)}` };
        forge(t.data, (l) => [...l, JSON.stringify(seal)], true);
        const r = mailbot(t.data, ['log', '--verify']);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /line 1: 2 line\(s\) at the start carry no chain hash.*not sealed; once you have checked them/);
        const json = JSON.parse(mailbot(t.data, ['log', '--verify', '--json']).stdout) as { problems: number; legacySealedBy?: unknown };
        assert.equal(json.legacySealedBy, undefined);
        assert.equal(json.problems, 2, 'the forged seal is a problem of its own');
        assert.match(mailbot(t.data, ['log', '--seal-legacy']).stderr, /nothing sealed/);
      } finally {
        t.cleanup();
      }
    });

    it('sealing is refused while anything else is wrong with the trail', async () => {
      const t = await trail(5);
      try {
        forge(t.data, (l) => [...legacyLines(2), ...l.map((x, i) => (i === 3 ? x.replace('"n":4', '"n":40') : x))]);
        const r = mailbot(t.data, ['log', '--seal-legacy']);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /nothing sealed: the audit trail has a problem besides its unsealed lines \(another problem\)/);
        assert.doesNotMatch(readFileSync(t.file, 'utf8'), /audit-legacy-sealed/);
      } finally {
        t.cleanup();
      }
    });

    it('the retention purge may drop the oldest of them after the seal; a line removed by hand is still found', async () => {
      const t = await trail(4);
      try {
        forge(t.data, (l) => [...legacyLines(3), ...l]);
        assert.equal(mailbot(t.data, ['log', '--seal-legacy']).status, 0);
        const store = await EmbeddedStore.open(t.data);
        // The purge drops the lines older than 2 October: the first legacy line only.
        await store.transact((tx) => Promise.resolve(tx.pruneAudit('2026-10-02T00:00:00.000Z')));
        await store.close();
        const doc = JSON.parse(readFileSync(join(t.data, 'mailbot.json'), 'utf8')) as { journals: { audit: { file: string } } };
        assert.doesNotMatch(readFileSync(join(t.data, doc.journals.audit.file), 'utf8'), /old1@/);
        const r = mailbot(t.data, ['log', '--verify']);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /the first 2 written before the chain began, sealed at seq 5/);
        forge(t.data, (l) => l.slice(1));
        const cut = mailbot(t.data, ['log', '--verify']);
        assert.equal(cut.status, 1);
        assert.match(cut.stderr, /line 1: carries no chain hash and is not line 2 of the 3 sealed at seq 5/);
      } finally {
        t.cleanup();
      }
    });
  });
});
