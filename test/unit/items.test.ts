/**
 * Item identifiers and line references (contract v2): the seller's item id
 * (BT-155), the GTIN (BT-157, scheme 0160) with its check digit, a line note
 * (BT-127), the order line (BT-132) and the buyer's accounting reference
 * (BT-19): read, checked, written where the CII schema places them, shown
 * on the PDF.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planBatch } from '../../src/batch/plan.js';
import { renderDocuments } from '../../src/batch/render.js';
import { isGtin } from '../../src/core/identifiers.js';
import { describeIssue } from '../../src/csv/messages.js';
import { DEFAULT_LIMITS } from '../../src/csv/read.js';
import { renderCii } from '../../src/facturx/cii.js';
import { selfCheck } from '../../src/invoice/selfcheck.js';
import { BUYER_SIREN, seller } from '../helpers/sample.js';
import { pdfTextOf, xsdErrors } from '../helpers/tools.js';

const BUYER = `Épicerie Martin SAS;${BUYER_SIREN};3 place du Marché;75001;Paris`;
async function plan(head: string, rows: string[]) {
  const text = [`Référence;Client;SIREN;Adresse;Code postal;Ville;${head};Désignation;Quantité;Prix unitaire HT;Taux TVA`, ...rows].join('\r\n') + '\r\n';
  return planBatch({ client: seller(), fileName: 'articles.csv', bytes: Buffer.from(text), today: '2026-12-04', limits: DEFAULT_LIMITS, sequencesBefore: {} });
}

describe('item identifiers and line references', () => {
  it('knows a GTIN by its GS1 check digit, at every length', () => {
    for (const good of ['4006381333931', '3017620422003', '73513537', '036000291452', '00012345600012']) assert.ok(isGtin(good), good);
    for (const bad of ['4006381333932', '3017620422004', '73513538', '12345', '40063813339310000', '4006381333a31', '']) assert.ok(!isGtin(bad), bad);
  });

  it('carries them into the CII (schema-valid, self-checked) and onto the PDF', async () => {
    const p = await plan('Code article;EAN;Note ligne;Ligne commande;Compte comptable;Bon de commande', [
      `F1;${BUYER};CAF-250;3017620422003;Livré en carton de 6;4;411MARTIN;BC-2026-118;Café moulu 250 g;12;3,20;5,5 %`,
      `F1;${BUYER};;;;;411MARTIN;BC-2026-118;Livraison;1;15;20 %`,
    ]);
    assert.deepEqual(p.issues.filter((i) => i.severity === 'error'), []);
    const inv = p.numbered?.invoices[0] ?? assert.fail('issued');
    assert.equal(inv.buyerAccountingRef, '411MARTIN');
    assert.deepEqual(inv.lines.map((l) => [l.sellerItemId, l.gtin, l.note, l.orderLineRef]), [['CAF-250', '3017620422003', 'Livré en carton de 6', '4'], [undefined, undefined, undefined, undefined]]);
    const xml = renderCii(seller(), inv);
    assert.equal(xsdErrors(xml), '');
    assert.deepEqual(selfCheck(seller(), inv), []);
    assert.match(xml, /<ram:LineID>1<\/ram:LineID><ram:IncludedNote><ram:Content>Livré en carton de 6<\/ram:Content><\/ram:IncludedNote>/);
    assert.match(xml, /<ram:SpecifiedTradeProduct><ram:GlobalID schemeID="0160">3017620422003<\/ram:GlobalID><ram:SellerAssignedID>CAF-250<\/ram:SellerAssignedID><ram:Name>Café moulu 250 g<\/ram:Name>/);
    assert.match(xml, /<ram:SpecifiedLineTradeAgreement><ram:BuyerOrderReferencedDocument><ram:LineID>4<\/ram:LineID><\/ram:BuyerOrderReferencedDocument><ram:NetPriceProductTradePrice>/);
    assert.match(xml, /<\/ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:ReceivableSpecifiedTradeAccountingAccount><ram:ID>411MARTIN<\/ram:ID><\/ram:ReceivableSpecifiedTradeAccountingAccount><\/ram:ApplicableHeaderTradeSettlement>/);
    assert.equal((xml.match(/<ram:SpecifiedTradeProduct><ram:Name>Livraison<\/ram:Name>/g) ?? []).length, 1, 'a line without them has none');

    const [doc] = await renderDocuments({ client: seller(), invoices: [inv], createdAt: new Date('2026-12-04T09:00:00Z') });
    const text = pdfTextOf(doc?.pdf ?? assert.fail()).replace(/\s+/g, ' ');
    assert.match(text, /Compte comptable 411MARTIN/);
    assert.match(text, /Réf\. CAF-250 · EAN 3017620422003 · Ligne de commande 4 Livré en carton de 6/);
  });

  it('refuses a GTIN without its check digit, and says when a spreadsheet turned it into scientific notation', async () => {
    const p = await plan('EAN', [`F1;${BUYER};3017620422004;Café;1;3;5,5 %`, `F2;${BUYER};3,01762E+12;Thé;1;3;5,5 %`, `F3;${BUYER};301762042200;Sucre;1;3;5,5 %`]);
    assert.equal(p.numbered, undefined);
    const errors = p.issues.filter((i) => i.severity === 'error');
    assert.deepEqual(errors.map((i) => [i.line, i.code, i.column, i.value]), [[2, 'GTIN_INVALID', 'EAN', '3017620422004'], [3, 'GTIN_INVALID', 'EAN', '3,01762E+12'], [4, 'GTIN_INVALID', 'EAN', '301762042200']]);
    assert.match(describeIssue(errors[1] ?? assert.fail(), 'fr'), /Ligne 3, colonne « EAN », valeur « 3,01762E\+12 » : code EAN \(GTIN\) invalide .* notation scientifique/);
    assert.match(describeIssue(errors[0] ?? assert.fail(), 'en'), /^Line 2, column "EAN", value "3017620422004": invalid EAN code \(GTIN\): 8, 12, 13 or 14 digits, the last one the check digit\.$/);
  });
});
