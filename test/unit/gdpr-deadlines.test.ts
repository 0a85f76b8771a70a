import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { configSchema } from '../../src/config/schema.js';
import { digest } from '../../src/gdpr/maintenance.js';
import { addCalendarMonths, checkCode, codeCandidates, daysLeft, newCode, type RightsRequest } from '../../src/gdpr/requests.js';
import { EmbeddedStore } from '../../src/store/embedded/store.js';
import { tempDir } from '../helpers/tools.js';

const request = (over: Partial<RightsRequest>): RightsRequest => ({
  ref: 'RGPD-2026-0001', kind: 'access', status: 'confirmed', requester: 'a@b.test', lang: 'fr', receivedAt: '2026-10-30T10:00:00.000Z', dueAt: '2026-11-30T10:00:00.000Z', messageIds: [], ...over,
});

describe('rights request deadlines and codes', () => {
  it('counts one calendar month (Art. 12(3)), to the last day of a shorter month', () => {
    assert.equal(addCalendarMonths('2026-01-31T09:00:00.000Z', 1), '2026-02-28T09:00:00.000Z');
    assert.equal(addCalendarMonths('2028-01-31T09:00:00.000Z', 1), '2028-02-29T09:00:00.000Z');
    assert.equal(addCalendarMonths('2026-11-26T09:00:00.000Z', 1), '2026-12-26T09:00:00.000Z');
    assert.equal(addCalendarMonths('2026-12-15T09:00:00.000Z', 2), '2027-02-15T09:00:00.000Z');
    assert.equal(daysLeft(request({}), new Date('2026-11-26T10:00:00Z')), 4);
    assert.equal(daysLeft(request({ extendedDueAt: '2027-01-30T10:00:00.000Z' }), new Date('2026-11-26T10:00:00Z')), 65);
  });

  it('accepts the right code once, refuses others, and knows when it expired', () => {
    const now = new Date('2026-11-26T10:00:00Z');
    const { code, stored } = newCode(72, now);
    assert.match(code, /^[A-HJKMNP-Z2-9]{8}$/);
    assert.ok(!JSON.stringify(stored).includes(code), 'only a hash is kept');
    assert.equal(checkCode(stored, 'ZZZZZZZZ', now), 'wrong');
    assert.equal(checkCode(stored, code.toLowerCase(), now), 'ok');
    assert.equal(checkCode(stored, code, new Date(now.getTime() + 73 * 3_600_000)), 'expired');
    assert.equal(checkCode({ ...stored, wrongTries: 5 }, code, now), 'locked');
    assert.equal(checkCode(undefined, code, now), 'none');
  });

  it('finds the code-shaped tokens a person wrote: capitals as shown, lower case only with a digit', () => {
    assert.deepEqual(codeCandidates('Voici le code : K7PQ2MZX, merci'), ['K7PQ2MZX']);
    assert.deepEqual(codeCandidates('code k7pq2mzx'), ['K7PQ2MZX']);
    assert.deepEqual(codeCandidates('je souhaite partager, regarder et vérifier'), [], 'ordinary words are not codes');
    assert.deepEqual(codeCandidates('K7PQ2MZX K7PQ2MZX'), ['K7PQ2MZX'], 'the same code twice is one');
    assert.deepEqual(codeCandidates('AAAAAAAA BBBBBBBB').length, 2);
    assert.deepEqual(codeCandidates('OOOOOOOO IIIIIIII 11111111'), [], 'never 0, O, 1, I or L');
  });

  it('mails the operator the requests due within seven days or overdue, and the audit chain head every day', async () => {
    const dir = tempDir();
    try {
      const store = await EmbeddedStore.open(join(dir.path, 'data'));
      const config = configSchema.parse({ operatorAddress: 'ops@studio.test' });
      const now = new Date('2026-11-26T10:00:00Z');
      await store.transact(async (tx) => {
        const kinds = ['access', 'erasure', 'portability', 'objection'] as const;
        const all = [request({ ref: 'RGPD-2026-0001' }), request({ ref: 'RGPD-2026-0002', dueAt: '2026-11-20T10:00:00.000Z' }), request({ ref: 'RGPD-2026-0003', dueAt: '2026-12-24T10:00:00.000Z' }), request({ ref: 'RGPD-2026-0004', status: 'done', dueAt: '2026-11-20T10:00:00.000Z' })];
        for (const [i, r] of all.entries()) await tx.requests.open({ ...r, kind: kinds[i] ?? 'access' });
      });
      const mail = await digest(store, config, now);
      assert.equal(mail?.to, 'ops@studio.test');
      const items = (mail?.data.items ?? []) as string[];
      assert.equal(items.length, 2);
      assert.match(items[0] ?? '', /RGPD-2026-0002 .* EN RETARD de 6 j/);
      assert.match(items[1] ?? '', /RGPD-2026-0001 .* 4 j restant/);
      await store.transact((tx) => tx.requests.remove(['RGPD-2026-0001', 'RGPD-2026-0002', 'RGPD-2026-0004']));
      const quiet = await digest(store, config, now);
      assert.deepEqual(quiet?.data.items, [], 'no request listed when none is due');
      assert.match(String(quiet?.data.subject), /aucune demande RGPD urgente/);
      // The chain head goes out every day: an outside copy of it proves later edits.
      const head = await store.auditHead();
      assert.ok((quiet?.data.paragraphs as string[]).some((p) => p.includes(`--head ${head.seq}:${head.mac}`)));
      assert.equal(await digest(store, configSchema.parse({}), now), null, 'no operator address, no digest');
      await store.close();
    } finally {
      dir.cleanup();
    }
  });
});
