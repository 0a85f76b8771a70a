import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayAmount, displayDate, displayDateTime, displayMoney, displayPercent, parisDay } from '../../src/core/format.js';
import { Dec } from '../../src/core/money.js';
import { identityOf } from '../../src/mail/compose.js';
import { Templates } from '../../src/mail/templates.js';
import { T } from '../../src/gdpr/texts.js';
import { vatLabel } from '../../src/invoice/wording.js';

const NNBSP = '\u202f';

describe('formatting for people, per language', () => {
  it('writes numbers, amounts and percentages the French and the English way', () => {
    assert.equal(displayAmount('1234.5', 'fr'), `1${NNBSP}234,50`);
    assert.equal(displayAmount('1234.5', 'en'), '1,234.50');
    assert.equal(displayPercent(new Dec('5.5'), 'fr'), `5,5${NNBSP}%`);
    assert.equal(displayPercent('5.5', 'en'), '5.5%');
    assert.equal(displayMoney('1234.5', 'EUR', 'fr'), `1${NNBSP}234,50${NNBSP}€`);
    assert.equal(displayMoney('1234.5', 'EUR', 'en'), '€1,234.50');
  });

  it('writes dates as 04/03/2027 in French and 4 March 2027 in English, instants on the clock of Paris', () => {
    assert.equal(displayDate('2027-03-04', 'fr'), '04/03/2027');
    assert.equal(displayDate('2027-03-04', 'en'), '4 March 2027');
    // 23:30 UTC on 3 March is already 4 March in Paris (UTC+1 in winter).
    assert.equal(displayDate('2027-03-03T23:30:00.000Z', 'fr'), '04/03/2027');
    assert.equal(parisDay(new Date('2027-03-03T23:30:00.000Z')), '2027-03-04');
    assert.equal(displayDateTime('2026-12-04T08:48:26.614Z', 'fr'), '04/12/2026 à 09:48 (heure de Paris)');
    assert.equal(displayDateTime('2026-07-04T08:48:26.614Z', 'en'), '4 July 2026 at 10:48 (Paris time)');
  });

  it('names the VAT rates in both languages', () => {
    assert.equal(vatLabel('S', new Dec('5.5'), 'fr'), `Taux réduit 5,5${NNBSP}%`);
    assert.equal(vatLabel('S', new Dec('5.5'), 'en'), 'Reduced rate 5.5%');
    assert.equal(vatLabel('S', new Dec('8.5'), 'fr'), `TVA 8,5${NNBSP}%`);
    assert.equal(vatLabel('O', new Dec('0'), 'fr'), 'Hors champ de la TVA');
  });
});

describe('texts that send the reader to the studio say where', () => {
  const templates = new Templates();
  const withOperator = identityOf({ botAddress: 'factures@studio.test', botName: 'Mailbot', operatorAddress: 'studio@studio.test' });
  const botOnly = identityOf({ botAddress: 'factures@studio.test', botName: 'Mailbot' });

  it('gives the operator address when configured, else the bot address', () => {
    assert.equal(withOperator.contact, 'studio@studio.test');
    assert.equal(botOnly.contact, 'factures@studio.test');
  });

  for (const name of ['help', 'sender-refused']) {
    it(`${name}: the address in French and English, text and HTML`, () => {
      for (const lang of ['fr', 'en'] as const) {
        const r = templates.render(name, lang, { studioContact: withOperator.contact });
        assert.match(r.text, /studio@studio\.test/);
        assert.match(r.html, /studio@studio\.test/);
        assert.doesNotMatch(r.text, /contactez (directement )?le studio\.|contact the studio( directly)?\./);
      }
    });
  }

  it('the restriction lift notice: dates in the reader\'s language and the contact', () => {
    const fr = T.liftNotice('fr', '2026-12-04T08:48:26.614Z', '2027-03-04T10:00:00.000Z', 'studio@studio.test').join('\n');
    assert.match(fr, /en place depuis le 04\/12\/2026, sera levée le 04\/03\/2027/);
    assert.match(fr, /écrivez au studio \(studio@studio\.test\)/);
    assert.doesNotMatch(fr, /\d{4}-\d\d-\d\d/);
    const en = T.liftNotice('en', '2026-12-04T08:48:26.614Z', '2027-03-04T10:00:00.000Z', 'studio@studio.test').join('\n');
    assert.match(en, /in place since 4 December 2026, will be lifted on 4 March 2027/);
  });
});
