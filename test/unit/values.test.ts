import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COUNTRY_CODE_COUNT, parseCountry, parseCurrency, parseDate, parseDecimal, parseRate, parseUnit } from '../../src/csv/values.js';

const num = (s: string) => {
  const r = parseDecimal(s);
  return r.ok ? r.value.toFixed() : r.code;
};

describe('cell values', () => {
  it('reads French and English number formats exactly', () => {
    const cases: [string, string][] = [
      ['1234.56', '1234.56'],
      ['1234,56', '1234.56'],
      ['1 234,56', '1234.56'],
      ['1\u00a0234,56', '1234.56'],
      ['1\u202f234,56', '1234.56'],
      ['1.234,56', '1234.56'],
      ['1,234.56', '1234.56'],
      ['1 234,56 €', '1234.56'],
      ['99,90 EUR', '99.9'],
      ['0,335', '0.335'],
      ['1.234.567', '1234567'],
      ['-12,5', '-12.5'],
    ];
    for (const [input, expected] of cases) assert.equal(num(input), expected, input);
    for (const bad of ['12,3,4', 'abc', '1.2.3', '', '12-3', '€']) assert.equal(num(bad), 'NUMBER_INVALID', bad);
  });

  it('reads the four date formats and refuses impossible dates', () => {
    const ok = (s: string) => {
      const r = parseDate(s);
      return r.ok ? r.value : r.code;
    };
    assert.equal(ok('2026-11-26'), '2026-11-26');
    assert.equal(ok('26/11/2026'), '2026-11-26');
    assert.equal(ok('26-11-2026'), '2026-11-26');
    assert.equal(ok('26.11.2026'), '2026-11-26');
    assert.equal(ok('5/1/2026'), '2026-01-05');
    assert.equal(ok('29/02/2028'), '2028-02-29');
    assert.equal(ok('29/02/2026'), 'DATE_INVALID');
    assert.equal(ok('31/02/2026'), 'DATE_INVALID');
    assert.equal(ok('2026-13-01'), 'DATE_INVALID');
    assert.equal(ok('11/26/2026'), 'DATE_INVALID');
  });

  it('reads VAT rates with or without %, and only allowed ones', () => {
    const allowed = ['20', '10', '5.5', '2.1', '0'];
    const rate = (s: string) => {
      const r = parseRate(s, allowed);
      return r.ok ? r.value.toFixed() : r.code;
    };
    assert.equal(rate('20'), '20');
    assert.equal(rate('20,00%'), '20');
    assert.equal(rate('5,5 %'), '5.5');
    assert.equal(rate('2.1'), '2.1');
    assert.equal(rate('0.055'), '5.5');
    assert.equal(rate('19,6'), 'VAT_RATE_NOT_ALLOWED');
    assert.equal(rate('vingt'), 'VAT_RATE_INVALID');
  });

  it('maps French unit words and country names, checks currencies', () => {
    const unit = (s: string) => {
      const r = parseUnit(s);
      return r.ok ? r.value : r.code;
    };
    assert.equal(unit('heure'), 'HUR');
    assert.equal(unit('Jours'), 'DAY');
    assert.equal(unit('kg'), 'KGM');
    assert.equal(unit('forfait'), 'LS');
    assert.equal(unit('HUR'), 'HUR');
    assert.equal(unit('boîte de chocolats'), 'UNIT_INVALID');
    const country = (s: string) => {
      const r = parseCountry(s);
      return r.ok ? r.value : r.code;
    };
    assert.equal(country('France'), 'FR');
    assert.equal(country('Belgique'), 'BE');
    assert.equal(COUNTRY_CODE_COUNT, 249); // exactly ISO 3166-1 (BR-CL-14)
    assert.equal(country('germany'), 'DE');
    assert.equal(country('Royaume-Uni'), 'GB');
    assert.equal(country('fr'), 'FR');
    assert.equal(country('Atlantis'), 'COUNTRY_INVALID');
    assert.deepEqual(parseCurrency('eur'), { ok: true, value: 'EUR' });
    assert.equal(parseCurrency('EURO').ok, false);
  });
});
