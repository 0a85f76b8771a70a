import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COUNTRY_CODE_COUNT, DecimalMarkTally, decimalMarkOf, parseCountry, parseCurrency, parseDate, parseDecimal, parseRate, parseUnit } from '../../src/csv/values.js';
import { describeIssue } from '../../src/csv/messages.js';

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

  it('takes spaces, NBSP and narrow NBSP only as groups of three digits', () => {
    assert.equal(num('12 345 678,9'), '12345678.9');
    assert.equal(num('- 1 234'), '-1234');
    assert.equal(num("1'234.50"), '1234.5');
    for (const typo of ['12 50', '1 5', '1\u00a023,5', "12'5", '1 2345', '1 234 56,7']) assert.equal(num(typo), 'NUMBER_INVALID', typo);
  });

  it('never guesses "1,500" or "1.500": the file\'s decimal mark settles it, else it is refused', () => {
    const read = (s: string, decimalMark?: '.' | ',') => {
      const r = parseDecimal(s, decimalMark ? { decimalMark } : {});
      return r.ok ? r.value.toFixed() : r.code;
    };
    for (const s of ['1,500', '1.500', '12,125', '999.000']) assert.equal(read(s), 'NUMBER_AMBIGUOUS', s);
    assert.equal(read('1,500', ','), '1.5');
    assert.equal(read('1.500', ','), '1500');
    assert.equal(read('1,500', '.'), '1500');
    assert.equal(read('1.500', '.'), '1.5');
    assert.equal(read('-1,500 €', ','), '-1.5');
    // Not ambiguous: a leading 0, four digits before, other than three after, or both marks.
    for (const [s, v] of [['0,500', '0.5'], ['1234,500', '1234.5'], ['1,50', '1.5'], ['1,5000', '1.5'], ['1.500,25', '1500.25'], ['1 500', '1500']] as const) assert.equal(read(s), v, s);
    const r = parseDecimal('1,500');
    assert.deepEqual(r.ok ? undefined : r.params, { decimal: '1.5', thousands: '1500' });
  });

  it('finds the decimal mark a file\'s numbers show, and none when they show both or none', () => {
    assert.equal(decimalMarkOf('12,5'), ',');
    assert.equal(decimalMarkOf('0.335'), '.');
    assert.equal(decimalMarkOf('1,234.56'), '.');
    assert.equal(decimalMarkOf('1.234.567'), ',');
    assert.equal(decimalMarkOf('1 234,5 €'), ',');
    assert.equal(decimalMarkOf('20,00 %'), ',');
    for (const none of ['1,500', '1.500', '12', '', 'abc']) assert.equal(decimalMarkOf(none), undefined, none);
    const fileDecimalMark = (values: string[]) => {
      const tally = new DecimalMarkTally();
      for (const v of values) tally.add(v);
      return tally.mark;
    };
    assert.equal(fileDecimalMark(['1,500', '3', '12,50']), ',');
    assert.equal(fileDecimalMark(['1,500', '2.5']), '.');
    assert.equal(fileDecimalMark(['1,500', '2.5', '3,75']), undefined);
    assert.equal(fileDecimalMark(['1,500', '20']), undefined);
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
    // NPR (number of pairs) left UN/ECE Rec 20: BR-CL-23 refuses it, so it is no unit here either.
    assert.equal(unit('NPR'), 'UNIT_INVALID');
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

describe('rates in CSV messages, as the reader writes them', () => {
  it('French sentences carry "5,5 %", English ones "5.5%", never the machine form', () => {
    const issue = parseRate('19,6', ['20', '10', '5.5', '2.1']);
    assert.equal(issue.ok, false);
    const fr = describeIssue({ code: 'VAT_RATE_NOT_ALLOWED', severity: 'error', line: 3, column: 'Taux TVA', value: '19,6', params: issue.ok ? {} : issue.params }, 'fr');
    assert.match(fr, /taux possibles : 20\u202f% ; 10\u202f% ; 5,5\u202f% ; 2,1\u202f%\./);
    assert.doesNotMatch(fr.replace('19,6', ''), /\d\.\d/);
    const en = describeIssue({ code: 'VAT_RATE_NOT_ALLOWED', severity: 'error', line: 3, column: 'VAT rate', value: '19.6', params: issue.ok ? {} : issue.params }, 'en');
    assert.match(en, /possible rates: 20%, 10%, 5\.5%, 2\.1%\./);
    const mismatch = describeIssue({ code: 'VAT_CATEGORY_RATE_MISMATCH', severity: 'error', line: 4, column: 'Catégorie TVA', value: 'E', params: { rate: '5.5' } }, 'fr');
    assert.match(mismatch, /incompatible avec le taux 5,5\u202f% :/);
  });
});
