import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frenchVatId, isBic, isIban, isSiren, isSiret, luhnValid, vatIdProblem } from '../../src/core/identifiers.js';
import { BUYER_SIREN, OTHER_SIREN, SELLER_SIREN } from '../helpers/sample.js';

describe('identifiers', () => {
  it('checks SIREN with the Luhn key', () => {
    for (const s of [SELLER_SIREN, BUYER_SIREN, OTHER_SIREN, '732829320', '552081317']) assert.ok(isSiren(s), s);
    assert.equal(isSiren('123456789'), false);
    assert.equal(isSiren('12345678'), false);
    assert.equal(isSiren('12345678a'), false);
    assert.ok(luhnValid('000000000'));
    assert.equal(isSiren('000000000'), false); // passes Luhn, names nobody
  });

  it('checks SIRET: Luhn over 14 digits and a valid SIREN, La Poste by digit sum', () => {
    assert.ok(isSiret('73282932000009'));
    assert.equal(isSiret('73282932000008'), false);
    assert.ok(isSiret('35600000000010')); // La Poste: digit sum divisible by 5
    assert.equal(luhnValid('35600000000010'), false);
    assert.ok(luhnValid('00000000000000'));
    assert.equal(isSiret('00000000000000'), false);
    assert.equal(isSiret('00000000000018'), false); // a zero SIREN with an establishment number
  });

  it('computes and checks the French VAT key', () => {
    assert.equal(frenchVatId('732829320'), 'FR44732829320');
    assert.equal(vatIdProblem('FR44732829320'), null);
    assert.equal(vatIdProblem('FR 44 732 829 320'), null);
    assert.equal(vatIdProblem('FR45732829320'), 'key');
    assert.equal(vatIdProblem('BE0123456749'), null);
    assert.equal(vatIdProblem('12345'), 'shape');
    // BR-CO-09: an ISO 3166-1 alpha-2 prefix, or EL for Greece and XI for Northern Ireland.
    for (const ok of ['EL123456789', 'XI123456789', 'GB123456789', 'DE123456789']) assert.equal(vatIdProblem(ok), null, ok);
    for (const bad of ['UK123456789', 'EU372000041', 'ZZ1234567']) assert.equal(vatIdProblem(bad), 'prefix', bad);
  });

  it('checks IBAN mod 97 and BIC shape', () => {
    assert.ok(isIban('FR76 3000 6000 0112 3456 7890 189'));
    assert.ok(isIban('DE89370400440532013000'));
    assert.equal(isIban('FR7630006000011234567890188'), false);
    assert.ok(isBic('AGRIFRPP'));
    assert.ok(isBic('AGRIFRPPXXX'));
    assert.equal(isBic('AGRIFRP'), false);
  });
});
