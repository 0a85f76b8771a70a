/**
 * The platform's pure parts: reading CDAR status messages (XP Z12-012),
 * Retry-After, the record's platform settings, the stable trackingId, and
 * how a record's history orders statuses reported out of order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateClient } from '../../src/clients/record.js';
import { parseCdar } from '../../src/platform/cdar.js';
import { retryAfterMs } from '../../src/platform/http.js';
import { trackingIdOf } from '../../src/platform/queue.js';
import { applyFlowPatch, type PlatformFlow } from '../../src/platform/records.js';
import { cdar } from '../helpers/platform-standin.js';
import { check, schema } from '../helpers/openapi-check.js';
import { sellerInput } from '../helpers/sample.js';

describe('CDAR status messages', () => {
  it('reads the invoice, the status, its time and its reason; entities decoded, comments ignored', () => {
    const xml = cdar('FA-2026-00012', 213, '2026-11-20T10:15:30.000Z', '123456782', { code: 'REJ_SEMAN', text: 'Rejet pour erreur <sémantique> & co' });
    assert.deepEqual(parseCdar(xml), [{ number: 'FA-2026-00012', code: 213, at: '2026-11-20T10:15:30.000Z', reasonCode: 'REJ_SEMAN', reason: 'Rejet pour erreur <sémantique> & co' }]);
  });

  it('any namespace prefix, several documents, a status of 212 with no reason', () => {
    const xml = `<?xml version="1.0"?><cdar:CrossDomainAcknowledgementAndResponse xmlns:cdar="urn:x" xmlns:r="urn:y">
      <cdar:AcknowledgementDocument><r:IssueDateTime><u:DateTimeString format="204">20261121083000</u:DateTimeString></r:IssueDateTime>
        <r:ReferenceReferencedDocument><r:IssuerAssignedID>A-1</r:IssuerAssignedID><r:ProcessConditionCode>212</r:ProcessConditionCode></r:ReferenceReferencedDocument>
        <r:ReferenceReferencedDocument><r:IssuerAssignedID>A-2</r:IssuerAssignedID><!-- <r:ProcessConditionCode>213</r:ProcessConditionCode> --><r:ProcessConditionCode>211</r:ProcessConditionCode></r:ReferenceReferencedDocument>
      </cdar:AcknowledgementDocument></cdar:CrossDomainAcknowledgementAndResponse>`;
    assert.deepEqual(parseCdar(xml), [
      { number: 'A-1', code: 212, at: '2026-11-21T08:30:00.000Z' },
      { number: 'A-2', code: 211, at: '2026-11-21T08:30:00.000Z' },
    ]);
  });

  it('no status from what is no status message, or a code outside XP Z12-012', () => {
    assert.deepEqual(parseCdar('<rsm:CrossIndustryInvoice/>'), []);
    assert.deepEqual(parseCdar(cdar('X', 212, '2026-11-20T10:00:00.000Z', '1').replace('>212<', '>299<')), []);
    assert.deepEqual(parseCdar('not xml at all'), []);
  });
});

describe('the platform settings of a client record', () => {
  const withPlatform = (platform: Record<string, unknown>) => validateClient({ ...sellerInput, platform });
  const base = { url: 'https://pa.example/flow-service/', tokenUrl: 'https://auth.pa.example/token', clientId: 'dupont', secretEnv: 'MAILBOT_PA_SECRET' };

  it('takes an https service (or http to this machine), a secret by the name of its variable, off by default', () => {
    const p = withPlatform(base).platform;
    assert.deepEqual(p, { ...base, url: 'https://pa.example/flow-service', mode: 'off', digest: 'daily' });
    assert.equal(withPlatform({ ...base, url: 'http://127.0.0.1:8080/flow', mode: 'deposit' }).platform?.mode, 'deposit');
  });

  it('refuses a clear-text service on the network, credentials in the address, a secret written in the record', () => {
    assert.throws(() => withPlatform({ ...base, url: 'http://pa.example/flow' }), /platform\.url/);
    assert.throws(() => withPlatform({ ...base, tokenUrl: 'https://user:pw@auth.pa.example/token' }), /platform\.tokenUrl/);
    assert.throws(() => withPlatform({ ...base, secretEnv: 'hunter2 my secret' }), /platform\.secretEnv/);
    assert.throws(() => withPlatform({ ...base, mode: 'always' }), /platform\.mode/);
  });
});

describe('deposit details', () => {
  it('a trackingId is stable, of 36 characters, and differs per seller and number', () => {
    const t = trackingIdOf('atelier-dupont', 'FA-2026-00001');
    assert.equal(t, trackingIdOf('atelier-dupont', 'FA-2026-00001'));
    assert.equal(t.length, 36);
    assert.notEqual(t, trackingIdOf('atelier-dupont', 'FA-2026-00002'));
    assert.notEqual(t, trackingIdOf('other', 'FA-2026-00001'));
    assert.deepEqual(check({ trackingId: t, name: 'FA-2026-00001.pdf', processingRule: 'B2B', flowSyntax: 'Factur-X', flowProfile: 'CIUS', sha256: 'a'.repeat(64) }, schema('FlowInfo')), []);
  });

  it('Retry-After in seconds or as a date, capped at a day; nonsense is no answer', () => {
    const now = Date.parse('2026-11-20T10:00:00Z');
    assert.equal(retryAfterMs('120', now), 120_000);
    assert.equal(retryAfterMs('Fri, 20 Nov 2026 10:01:00 GMT', now), 60_000);
    assert.equal(retryAfterMs('999999999', now), 86_400_000);
    assert.equal(retryAfterMs('soon', now), undefined);
    assert.equal(retryAfterMs(null, now), undefined);
  });

  it('statuses reported out of order keep the history in time order, the latest in time is the status, the same one twice is once', () => {
    const flow: PlatformFlow = { clientId: 'c', number: 'N', batchId: 'b', pdfFile: 'N.pdf', trackingId: 't', state: 'deposited', attempts: 1, nextAttemptAt: '', history: [], queuedAt: '', updatedAt: '' };
    let f = applyFlowPatch(flow, { status: { code: 205, at: '2026-11-21T10:00:00.000Z' } }, 'x');
    f = applyFlowPatch(f, { status: { code: 202, at: '2026-11-20T10:00:00.000Z' } }, 'y');
    f = applyFlowPatch(f, { status: { code: 205, at: '2026-11-21T10:00:00.000Z' } }, 'z');
    assert.deepEqual(f.history.map((h) => h.code), [202, 205]);
    assert.equal(f.status?.code, 205);
    assert.equal(applyFlowPatch({ ...f, leaseUntil: 'later', lastError: 'e' }, { clear: ['leaseUntil', 'lastError'] }, 'w').leaseUntil, undefined);
  });
});

describe('a client’s answer saying an invoice was paid', () => {
  it('reads the invoice, the day and the amount when given, in French and English, above the quoted mail only', async () => {
    const { paidClaim } = await import('../../src/mail/handlers/payment-reply.js');
    assert.deepEqual(paidClaim('Re: Facture FA-2026-00012 : Rejetée', 'Bonjour,\nElle a été payée le 12/11/2026.\n'), { invoice: 'FA-2026-00012', date: '2026-11-12' });
    assert.deepEqual(paidClaim('Re: Vos factures', 'La facture FA-2026-00003 est réglée le 2026-11-30 (1 200,50 €).'), { invoice: 'FA-2026-00003', date: '2026-11-30', amount: '1200.50' });
    assert.deepEqual(paidClaim('Re: Invoice FA-2026-00004: Approved', 'Paid on 01/12/2026 thanks'), { invoice: 'FA-2026-00004', date: '2026-12-01' });
    assert.equal(paidClaim('Re: Facture FA-2026-00012', 'Merci, nous regardons.\n\nLe 20/11/2026, le bot a écrit :\n> payée le 12/11/2026'), undefined, 'the quoted mail says nothing for the client');
    assert.equal(paidClaim('Re: Vos factures', 'Payée le 12/11/2026'), undefined, 'no invoice named');
    assert.equal(paidClaim('Re: Facture FA-2026-00012', 'Elle sera payée bientôt.'), undefined);
  });
});
