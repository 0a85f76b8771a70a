/**
 * The French reform mentions from the CSV and the client record: electronic
 * addresses (BT-34, BT-49) and their schemes, the deliver-to address
 * (BG-15), VAT on debits (BT-8), and rules broken by CSV values reported as
 * errors of the file.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateClient } from '../../src/clients/record.js';
import { electronicAddressProblem, recogniseAddress } from '../../src/core/eaddress.js';
import { frenchVatId } from '../../src/core/identifiers.js';
import { PROVISIONAL_NUMBER, ruleIssuesOf } from '../../src/batch/rules.js';
import { describeIssue } from '../../src/csv/messages.js';
import { DEFAULT_LIMITS, readCsv } from '../../src/csv/read.js';
import { recordsToDrafts } from '../../src/csv/rows.js';
import { renderCii } from '../../src/facturx/cii.js';
import { computeInvoice } from '../../src/invoice/compute.js';
import { selfCheck } from '../../src/invoice/selfcheck.js';
import { BUYER_SIREN, franchiseInput, sellerInput, seller } from '../helpers/sample.js';
import { xsdErrors } from '../helpers/tools.js';

const HEAD = 'invoice_ref;buyer_name;buyer_siren;buyer_address;buyer_postcode;buyer_city;buyer_country;buyer_email';
async function parse(extraHead: string, cells: string[], client = seller()) {
  const text = [`${HEAD};${extraHead};description;quantity;unit_price;vat_rate;vat_category;vat_exemption_reason`, ...cells].join('\n');
  const read = await readCsv(Buffer.from(text));
  const rows = recordsToDrafts(read, client, '2026-11-26', DEFAULT_LIMITS);
  return { drafts: rows.drafts, issues: [...read.issues, ...rows.issues], rules: ruleIssuesOf(client, rows.drafts.map((d) => computeInvoice(d, PROVISIONAL_NUMBER)), rows.labels) };
}
const FR = `R1;Boulangerie Martin SAS;${BUYER_SIREN};3 place du Marché;75001;Paris;FR;`;
const BE = 'R1;Brasserie Van den Bossche SRL;;Rue du Marché 61;1000;Bruxelles;BE;';
const S = 'Conseil;1;100;20;S;';

describe('electronic addresses (BT-34, BT-49)', () => {
  it('checks the form and key of each accepted scheme', () => {
    const good: [string, string][] = [
      ['0225', BUYER_SIREN], ['0225', `${BUYER_SIREN}_ACHATS-75`], ['0225', `${BUYER_SIREN}_compta.dijon`], ['0009', '12345679000013'], ['0002', BUYER_SIREN],
      ['0088', '4012345000009'], ['9957', frenchVatId(BUYER_SIREN)], ['EM', 'factures@martin.test'],
    ];
    for (const [scheme, value] of good) assert.equal(electronicAddressProblem({ scheme: scheme as never, value }), null, `${scheme} ${value}`);
    const bad: [string, string, string][] = [
      ['0225', '123456791', 'key'], ['0225', `${BUYER_SIREN}_A/B`, 'shape'], ['0009', '12345679000014', 'key'],
      ['0002', '12345679', 'shape'], ['0088', '4012345000008', 'key'], ['9957', 'FR41123456790', 'key'], ['EM', 'factures@', 'shape'],
      ['EM', `${'a'.repeat(120)}@martin.test`, 'length'],
    ];
    for (const [scheme, value, problem] of bad) assert.equal(electronicAddressProblem({ scheme: scheme as never, value }), problem, `${scheme} ${value}`);
    assert.equal(electronicAddressProblem({ scheme: '0225', value: `${BUYER_SIREN}_X` }, '123456782'), 'siren-mismatch');
  });

  it('recognises the scheme from the form of the value', () => {
    assert.deepEqual(recogniseAddress('123 456 790'), { scheme: '0225', value: '123456790' });
    assert.deepEqual(recogniseAddress('0009:12345679000013'), { scheme: '0009', value: '12345679000013' });
    assert.deepEqual(recogniseAddress('FR 40 123456790'), { scheme: '9957', value: 'FR40123456790' });
    assert.equal(recogniseAddress('ACME-BUYER'), null);
  });

  it('from the CSV: default directory address for a buyer in France, e-mail for a buyer abroad', async () => {
    const fr = await parse('x', [`${FR};;${S}`]);
    assert.deepEqual(fr.drafts[0]?.buyer.electronicAddress, { scheme: '0225', value: BUYER_SIREN });
    const be = await parse('buyer_vat_id', [`${BE}ap@vdb.example;BE0418273601;Conseil;1;100;0;AE;Autoliquidation`]);
    assert.deepEqual(be.drafts[0]?.buyer.electronicAddress, { scheme: 'EM', value: 'ap@vdb.example' });
    assert.deepEqual(be.rules, []);
  });

  it('refuses a bad address, an unknown scheme and a directory address of another company, with line and column', async () => {
    const { issues } = await parse('Adresse électronique;Schéma adresse électronique', [
      `${FR};${BUYER_SIREN}_COMPTA/DIJON;0225;${S}`,
      `R2;Hôtel du Lac SAS;732829320;1 quai;74000;Annecy;FR;;ACME-1;;${S}`,
      `R3;Hôtel du Lac SAS;732829320;1 quai;74000;Annecy;FR;;123;peppol;${S}`,
      `R4;Hôtel du Lac SAS;732829320;1 quai;74000;Annecy;FR;;${BUYER_SIREN};;${S}`,
    ]);
    assert.deepEqual(
      issues.map((i) => [i.line, i.column, i.code, i.params?.problem]),
      [
        [2, 'Adresse électronique', 'ELECTRONIC_ADDRESS_INVALID', 'shape'],
        [3, 'Adresse électronique', 'ELECTRONIC_ADDRESS_UNRECOGNISED', undefined],
        [4, 'Schéma adresse électronique', 'ELECTRONIC_ADDRESS_SCHEME_INVALID', undefined],
        [5, 'Adresse électronique', 'ELECTRONIC_ADDRESS_INVALID', 'siren-mismatch'],
      ],
    );
    assert.match(describeIssue(issues[0] as never, 'fr'), /^Ligne 2, colonne « Adresse électronique », valeur « 123456790_COMPTA\/DIJON » : .*BR-FR-23/);
    assert.match(describeIssue(issues[3] as never, 'en'), /start with its SIREN 732829320 \(rule BR-FR-21\)/);
  });

  it('a buyer abroad with neither address nor e-mail: the file is refused under BR-FR-12, naming line and column', async () => {
    const { issues, rules } = await parse('buyer_vat_id', [`${BE};BE0418273601;Conseil;1;100;0;AE;Autoliquidation`]);
    assert.deepEqual(issues, []);
    assert.deepEqual(rules.map((i) => [i.line, i.column, i.code, i.params?.rule]), [[2, 'buyer_electronic_address', 'EINVOICE_RULE', 'BR-FR-12']]);
    assert.match(describeIssue(rules[0] as never, 'fr'), /règle BR-FR-12 de la facturation électronique : l’adresse électronique de l’acheteur est obligatoire/);
  });

  it('the client record: default 0225 for a French seller, required abroad, checked per scheme', () => {
    assert.equal(seller().electronicAddress, undefined);
    assert.deepEqual(seller({ electronicAddress: { value: '12345678200010', scheme: 'siret' } }).electronicAddress, { value: '12345678200010', scheme: '0009' });
    const refused = (input: object) => assert.throws(() => validateClient({ ...sellerInput, ...input }), /electronicAddress/);
    refused({ address: { line1: 'Rue 1', postcode: '1000', city: 'Bruxelles', country: 'BE' } });
    refused({ electronicAddress: { value: BUYER_SIREN, scheme: '0225' } }); // another company's directory address (BR-FR-22)
    refused({ electronicAddress: { value: 'compta@', scheme: 'EM' } });
    refused({ electronicAddress: { value: '123456782', scheme: 'X400' } });
  });
});

describe('other reform mentions', () => {
  it('a deliver-to address (BG-15) is written when it differs from the buyer’s, with the buyer’s country by default', async () => {
    const head = 'delivery_name;delivery_address;delivery_postcode;delivery_city;delivery_country';
    const { drafts, issues } = await parse(head, [
      `${FR};Dépôt;ZI Nord;69800;Saint-Priest;;${S}`,
      `R2;Hôtel du Lac SAS;732829320;1 quai;74000;Annecy;FR;;;1 quai;74000;Annecy;;${S}`,
      `R3;Hôtel du Lac SAS;732829320;1 quai;74000;Annecy;FR;;Chantier;;;Genève;CH;${S}`,
    ]);
    assert.deepEqual(issues.map((i) => [i.line, i.column, i.code]), [[4, 'delivery_address', 'VALUE_REQUIRED'], [4, 'delivery_postcode', 'VALUE_REQUIRED']]);
    assert.deepEqual(drafts[0]?.deliverTo, { name: 'Dépôt', address: { line1: 'ZI Nord', postcode: '69800', city: 'Saint-Priest', country: 'FR' } });
    assert.equal(drafts[1]?.deliverTo, undefined); // same as the buyer's address
    const inv = computeInvoice(drafts[0], 'FA-2026-00001');
    const xml = renderCii(seller(), inv);
    assert.equal(xsdErrors(xml), '');
    assert.match(xml, /<ram:ShipToTradeParty><ram:Name>Dépôt<\/ram:Name><ram:PostalTradeAddress><ram:PostcodeCode>69800<\/ram:PostcodeCode><ram:LineOne>ZI Nord<\/ram:LineOne>/);
  });

  it('writes BT-34 and BT-49 with their schemes', async () => {
    const { drafts } = await parse('buyer_electronic_address', [`${FR};factures@martin.test;${S}`]);
    const xml = renderCii(seller(), computeInvoice(drafts[0] as never, 'FA-2026-00001'));
    assert.equal(xsdErrors(xml), '');
    assert.match(xml, /<ram:PostalTradeAddress>.*?<\/ram:PostalTradeAddress><ram:URIUniversalCommunication><ram:URIID schemeID="0225">123456782<\/ram:URIID>/); // seller
    assert.match(xml, /<ram:URIUniversalCommunication><ram:URIID schemeID="EM">factures@martin\.test<\/ram:URIID><\/ram:URIUniversalCommunication><ram:SpecifiedTaxRegistration>|<ram:URIID schemeID="EM">factures@martin\.test<\/ram:URIID><\/ram:URIUniversalCommunication><\/ram:BuyerTradeParty>/);
  });

  it('VAT on debits: BT-8 code 5 on every breakdown and the mention, for services only', async () => {
    const debits = seller({ vatOnDebits: true });
    const { drafts } = await parse('operation_type', [`${FR};services;${S}`, `R1;;;;;;;;;Livres;1;10;5.5;S;`, `R2;Hôtel du Lac SAS;732829320;1 quai;74000;Annecy;FR;;goods;${S}`], debits);
    const [services, goods] = drafts.map((d) => renderCii(debits, computeInvoice(d, 'FA-2026-00001')));
    assert.equal(xsdErrors(services ?? ''), '');
    assert.equal(services?.match(/<ram:DueDateTypeCode>5<\/ram:DueDateTypeCode>/g)?.length, 2);
    assert.match(services ?? '', /<ram:Content>Option pour le paiement de la taxe d&apos;après les débits<\/ram:Content><ram:SubjectCode>TXD<\/ram:SubjectCode>/);
    assert.doesNotMatch(goods ?? '', /DueDateTypeCode|débits/);
    assert.doesNotMatch(renderCii(seller(), computeInvoice(drafts[0] as never, 'FA-2026-00001')), /DueDateTypeCode/);
    assert.throws(() => validateClient({ ...franchiseInput, vatOnDebits: true }), /vatOnDebits/);
  });

  it('CSV values that break a reform rule are errors of the file, with line, column and rule', async () => {
    const { issues, rules, drafts } = await parse('currency;exchange_rate', [`${FR};USD;0,9;Conseil;1,23456;100;20;S;`, `R1;;;;;;;;;;Index de prix;0,0001;1234567890123456.123456;5.5;S;`]);
    assert.deepEqual(issues, []);
    assert.deepEqual(rules.map((i) => [i.line, i.column, i.params?.rule]), [
      [2, 'quantity', 'BR-FR-DEC-02'],
      [3, 'unit_price', 'BR-FR-DEC-03'],
    ]);
    assert.ok(selfCheck(seller(), computeInvoice(drafts[0] as never, 'FA-2026-00001')).some((v) => v.startsWith('BR-FR-DEC-02')));
    assert.match(describeIssue(rules[0] as never, 'en'), /^Line 2, column "quantity", value "1\.23456": e-invoicing rule BR-FR-DEC-02: a quantity has at most 4 decimals/);
    // BR-FR-CO-12: another currency than EUR states its VAT in euros too, so it needs its rate.
    const usd = await parse('currency', [`${FR};USD;${S}`]);
    assert.deepEqual(usd.issues.map((i) => [i.line, i.column, i.code]), [[2, 'exchange_rate', 'EXCHANGE_RATE_REQUIRED']]);
  });

  it('refuses record values that would break a rule: a non-French rate, a "." in numbers, too long numbers', () => {
    assert.throws(() => seller({ allowedVatRates: ['20', '8'] }), /BR-FR-16/);
    assert.throws(() => seller({ numberPattern: 'FA.{YYYY}.{SEQ:5}' }), /BR-FR-02/);
    assert.throws(() => seller({ numberPattern: 'FACTURE-DUPONT-ATELIER-{YYYY}-{SEQ:9}' }), /BR-FR-01/);
    assert.equal(seller({ allowedVatRates: ['20', '8.5', '2.1'] }).allowedVatRates.length, 3);
  });
});
