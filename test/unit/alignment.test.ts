import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aligned, normaliseDomain, organizationalDomain } from '../../src/mail/alignment.js';
import { senderTrust } from '../../src/mail/authresults.js';

const ours = (results: string) => [`mx.studio.test; ${results}`];

describe('identifier alignment (RFC 7489 §3.1, relaxed)', () => {
  it('finds the organizational domain with the Public Suffix List', () => {
    assert.equal(organizationalDomain('mail.client.example'), 'client.example');
    assert.equal(organizationalDomain('a.b.atelier.co.uk'), 'atelier.co.uk');
    assert.equal(organizationalDomain('studio.fr'), 'studio.fr');
    // A public suffix has none: ICANN ones, unlisted single labels (the list's "*" rule), private ones.
    for (const suffix of ['example', 'fr', 'co.uk', 'test', 'github.io', 'xn--p1ai']) assert.equal(organizationalDomain(suffix), undefined, suffix);
    // Tenants of a shared host are organizations of their own.
    assert.equal(organizationalDomain('www.alice.github.io'), 'alice.github.io');
  });

  it('a top-level domain or another public suffix as d= aligns with nothing', () => {
    assert.equal(aligned('example', 'client.example'), false);
    assert.equal(aligned('co.uk', 'atelier.co.uk'), false);
    assert.equal(aligned('fr', 'studio.fr'), false);
    assert.equal(aligned('github.io', 'alice.github.io'), false);
    // Nor does a From domain that is a public suffix itself.
    assert.equal(aligned('co.uk', 'co.uk'), false);
  });

  it('aligns a subdomain of the same organization, either way, and no other organization', () => {
    assert.equal(aligned('client.example', 'client.example'), true);
    assert.equal(aligned('mail.client.example', 'client.example'), true);
    assert.equal(aligned('client.example', 'compta.client.example'), true);
    assert.equal(aligned('bounces.atelier.co.uk', 'compta.atelier.co.uk'), true);
    assert.equal(aligned('other.example', 'client.example'), false);
    assert.equal(aligned('client.example.evil.test', 'client.example'), false);
    assert.equal(aligned('evil-client.example', 'client.example'), false);
    assert.equal(aligned('other.co.uk', 'atelier.co.uk'), false);
    assert.equal(aligned('bob.github.io', 'alice.github.io'), false);
  });

  it('compares as DNS does: case, a root dot, IDN labels as A-labels or U-labels', () => {
    assert.equal(aligned('MAIL.Client.Example', 'client.example'), true);
    assert.equal(aligned('client.example.', 'mail.client.example'), true);
    assert.equal(aligned('xn--caf-dma.fr', 'compta.café.fr'), true);
    assert.equal(aligned('mail.CAFÉ.fr', 'xn--caf-dma.fr'), true);
    assert.equal(aligned('xn--e1afmkfd.xn--p1ai', 'пример.рф'), true);
    assert.equal(aligned('рф', 'пример.рф'), false);
    assert.equal(aligned('cafe.fr', 'café.fr'), false);
    assert.equal(normaliseDomain(' Client.Example. '), 'client.example');
  });

  it('takes what is no domain name for no domain', () => {
    for (const bad of ['', '.', 'client..example', 'client.example..', '192.0.2.1', '[192.0.2.1]', 'a b.example', 'client.example/x', `${'a'.repeat(64)}.example`]) {
      assert.equal(normaliseDomain(bad), undefined, JSON.stringify(bad));
      assert.equal(aligned(bad, 'client.example'), false, JSON.stringify(bad));
    }
  });
});

describe('sender trust with aligned identifiers', () => {
  it('a DKIM or SPF pass for a public suffix is no pass for the From domain', () => {
    assert.deepEqual(senderTrust(ours('dkim=pass header.d=example; dmarc=fail header.from=client.example'), 'mx.studio.test', 'compta@client.example'), { status: 'fail', reason: 'dmarc=fail' });
    assert.deepEqual(senderTrust(ours('dkim=pass header.i=@co.uk; spf=pass smtp.mailfrom=bounce@co.uk'), 'mx.studio.test', 'compta@atelier.co.uk'), { status: 'fail', reason: 'no aligned pass' });
    assert.equal(senderTrust(ours('spf=pass smtp.mailfrom=test'), 'mx.studio.test', 'compta@atelier-dupont.test').status, 'fail');
  });

  it('a pass for the same organization counts: a signing subdomain, a bounce address', () => {
    assert.deepEqual(senderTrust(ours('dkim=pass header.d=mail.client.example; dmarc=none'), 'mx.studio.test', 'compta@client.example'), { status: 'pass', method: 'dkim' });
    assert.deepEqual(senderTrust(ours('dkim=pass header.i=@Mail.Client.Example.'), 'mx.studio.test', 'compta@client.example'), { status: 'pass', method: 'dkim' });
    assert.deepEqual(senderTrust(ours('spf=pass smtp.mailfrom=bounce+x@bounces.client.example'), 'mx.studio.test', 'compta@client.example'), { status: 'pass', method: 'spf' });
    assert.equal(senderTrust(ours('dkim=pass header.d=mailer.example; spf=pass smtp.mailfrom=mailer.example'), 'mx.studio.test', 'compta@client.example').status, 'fail');
  });

  it('a DMARC pass still counts only for the From domain it names', () => {
    assert.deepEqual(senderTrust(ours('dmarc=pass header.from=client.example.'), 'mx.studio.test', 'compta@client.example'), { status: 'pass', method: 'dmarc' });
    assert.equal(senderTrust(ours('dmarc=pass header.from=example'), 'mx.studio.test', 'compta@client.example').status, 'fail');
    assert.equal(senderTrust(ours('dmarc=pass header.from=mail.client.example'), 'mx.studio.test', 'compta@client.example').status, 'fail');
  });
});
