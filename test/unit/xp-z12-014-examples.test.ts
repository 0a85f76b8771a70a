/**
 * The French examples of the reform's B2B use cases (AFNOR XP Z12-014,
 * annex B, v1.2): the standard invoice (UC1, F202500003), the corrective
 * invoice (UC4b, F202500010, cancelling and replacing F20250006) and the
 * credit note (UC5b, F202500011, crediting F20250007), made here from CSV
 * files as a client writes them and compared business term by business term
 * with the values the examples carry.
 *
 * Terms that differ, and why (not asserted):
 * - BT-81: the examples say 30 (credit transfer); the bot writes 58 (SEPA
 *   credit transfer), the code BR-FR and the SEPA scheme expect for an IBAN;
 * - BT-29 (GLN 0088) and BT-28 (trading name): the seller's record here
 *   holds its SIREN/SIRET and legal name, not a GLN or a brand;
 * - BT-84/BT-86: the seller's own IBAN and BIC (the examples' are placeholders);
 * - BG-1: the bot writes the French mandatory mentions (PMT, PMD, AAB, AAI,
 *   REG) in its own words.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planBatch } from '../../src/batch/plan.js';
import { validateClient } from '../../src/clients/record.js';
import { DEFAULT_LIMITS } from '../../src/csv/read.js';
import { renderCii } from '../../src/facturx/cii.js';
import { selfCheck } from '../../src/invoice/selfcheck.js';
import { xsdErrors } from '../helpers/tools.js';

// The examples' parties: LE VENDEUR (SIREN 100000009), LE CLIENT (SIREN 200000008).
const vendeur = validateClient({
  id: 'le-vendeur', legalName: 'LE VENDEUR SAS', siren: '100000009', vatId: 'FR88100000009',
  address: { line1: '1 RUE DU VENDEUR', postcode: '75001', city: 'PARIS' }, emails: ['compta@vendeur.test'],
  iban: 'FR7630006000011234567890189', bic: 'AGRIFRPPXXX', numberPattern: 'F{YYYY}{SEQ:5}',
  electronicAddress: { scheme: '0225', value: '100000009_STATUTS' },
}, new Date('2025-06-01T00:00:00Z'));

const HEAD = 'Référence;Date;Échéance;Type de document;Facture d’origine;Date facture origine;Période début;Période fin;Référence acheteur;Bon de commande;Compte comptable;Nom livraison;Adresse livraison;Code postal livraison;Ville livraison;Client;SIREN;TVA intracom;Adresse;Code postal;Ville;Désignation;Quantité;Prix unitaire HT;Taux TVA';
const CLIENT = 'LE CLIENT;200000008;FR37200000008;2 RUE DU CLIENT;75002;PARIS';

async function issue(rows: string[], last: number, today: string, client = vendeur) {
  const plan = await planBatch({
    client, fileName: 'x.csv', bytes: Buffer.from(`${HEAD}\r\n${rows.join('\r\n')}\r\n`, 'utf8'), today, limits: DEFAULT_LIMITS,
    sequencesBefore: { 'F2025#': { last, lastIssueDate: '2025-06-30' } }, register: [],
  });
  assert.deepEqual(plan.issues.filter((i) => i.severity === 'error'), []);
  const inv = plan.numbered?.invoices[0] ?? assert.fail('no invoice');
  const xml = renderCii(client, inv);
  assert.equal(xsdErrors(xml), '');
  assert.deepEqual(selfCheck(client, inv), []);
  return xml;
}
const bt = (xml: string, re: RegExp) => re.exec(xml)?.[1];
const terms = (xml: string) => ({
  'BT-1': bt(xml, /<rsm:ExchangedDocument><ram:ID>([^<]+)</),
  'BT-3': bt(xml, /<ram:TypeCode>(\d{3})<\/ram:TypeCode><ram:IssueDateTime>/),
  'BT-2': bt(xml, /<ram:IssueDateTime><udt:DateTimeString format="102">(\d+)</),
  'BT-23': bt(xml, /<ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>([^<]+)</),
  'BT-25': bt(xml, /<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>([^<]+)</),
  'BT-26': bt(xml, /<ram:InvoiceReferencedDocument>.*?<qdt:DateTimeString format="102">(\d+)</),
  'BT-109': bt(xml, /<ram:TaxBasisTotalAmount>([^<]+)</),
  'BT-110': bt(xml, /<ram:TaxTotalAmount currencyID="EUR">([^<]+)</),
  'BT-112': bt(xml, /<ram:GrandTotalAmount>([^<]+)</),
  'BT-115': bt(xml, /<ram:DuePayableAmount>([^<]+)</),
  'BT-119': bt(xml, /<ram:ApplicableTradeTax><ram:CalculatedAmount>[^<]+<\/ram:CalculatedAmount>.*?<ram:RateApplicablePercent>([^<]+)</),
  'BT-31': bt(xml, /<ram:SellerTradeParty>.*?<ram:ID schemeID="VA">([^<]+)</),
  'BT-34': bt(xml, /<ram:SellerTradeParty>.*?<ram:URIID schemeID="0225">([^<]+)</),
  'BT-48': bt(xml, /<ram:BuyerTradeParty>.*?<ram:ID schemeID="VA">([^<]+)</),
  'BT-49': bt(xml, /<ram:BuyerTradeParty>.*?<ram:URIID schemeID="0225">([^<]+)</),
});

describe('XP Z12-014 annex B examples, made from CSV', () => {
  it('UC1: the standard invoice F202500003 (services, June 2025, 10 000.00 + 20 % VAT)', async () => {
    const xml = await issue([
      `UC1;01/07/2025;31/07/2025;Facture;;;01/06/2025;30/06/2025;BU_2516;PO202525478;REF COMPTABLE ACHETEUR;NOUS AUSSI;3 RUE DE LIVRAISON;06000;MA VILLE;${CLIENT};SERVICE_FOURNI1;200;40,00;20`,
      `UC1;;;;;;;;;;;;;;;;;;;;;SERVICE_FOURNI2;1;2000,00;20`,
    ], 2, '2025-07-01');
    assert.deepEqual(terms(xml), {
      'BT-1': 'F202500003', 'BT-3': '380', 'BT-2': '20250701', 'BT-23': 'S1', 'BT-25': undefined, 'BT-26': undefined,
      'BT-109': '10000.00', 'BT-110': '2000.00', 'BT-112': '12000.00', 'BT-115': '12000.00', 'BT-119': '20',
      'BT-31': 'FR88100000009', 'BT-34': '100000009_STATUTS', 'BT-48': 'FR37200000008', 'BT-49': '200000008',
    });
    assert.equal(bt(xml, /<ram:BuyerReference>([^<]+)</), 'BU_2516'); // BT-10
    assert.equal(bt(xml, /<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>([^<]+)</), 'PO202525478'); // BT-13
    assert.equal(bt(xml, /<ram:ReceivableSpecifiedTradeAccountingAccount><ram:ID>([^<]+)</), 'REF COMPTABLE ACHETEUR'); // BT-19
    assert.equal(bt(xml, /<ram:ShipToTradeParty><ram:Name>([^<]+)</), 'NOUS AUSSI'); // BT-70
    assert.equal(bt(xml, /<ram:BillingSpecifiedPeriod><ram:StartDateTime><udt:DateTimeString format="102">(\d+)</), '20250601'); // BT-73
    assert.equal(bt(xml, /<ram:DueDateDateTime><udt:DateTimeString format="102">(\d+)</), '20250731'); // BT-9
  });

  it('UC4b: the corrective invoice F202500010 cancelling and replacing F20250006 of 1 July 2025', async () => {
    const xml = await issue([`UC4b;02/07/2025;;Facture rectificative;F20250006;01/07/2025;;;;;;;;;;${CLIENT};SERVICE_FOURNI1;250;40,00;20`], 9, '2025-07-02');
    assert.deepEqual(terms(xml), {
      'BT-1': 'F202500010', 'BT-3': '384', 'BT-2': '20250702', 'BT-23': 'S1', 'BT-25': 'F20250006', 'BT-26': '20250701',
      'BT-109': '10000.00', 'BT-110': '2000.00', 'BT-112': '12000.00', 'BT-115': '12000.00', 'BT-119': '20',
      'BT-31': 'FR88100000009', 'BT-34': '100000009_STATUTS', 'BT-48': 'FR37200000008', 'BT-49': '200000008',
    });
  });

  it('UC5b: the credit note F202500011 crediting F20250007 of 2 July 2025 (10 000.00 + 10 % VAT), numbered in the invoice series as the seller chose', async () => {
    const oneSeries = { ...vendeur, creditNoteSeries: 'invoice' as const };
    const xml = await issue([`UC5b;03/07/2025;;Avoir;F20250007;02/07/2025;;;;;;NOUS AUSSI;3 RUE DE LIVRAISON;06000;MA VILLE;${CLIENT};SERVICE_FOURNI1;250;40,00;10`], 10, '2025-07-03', oneSeries);
    assert.deepEqual(terms(xml), {
      'BT-1': 'F202500011', 'BT-3': '381', 'BT-2': '20250703', 'BT-23': 'S1', 'BT-25': 'F20250007', 'BT-26': '20250702',
      'BT-109': '10000.00', 'BT-110': '1000.00', 'BT-112': '11000.00', 'BT-115': '11000.00', 'BT-119': '10',
      'BT-31': 'FR88100000009', 'BT-34': '100000009_STATUTS', 'BT-48': 'FR37200000008', 'BT-49': '200000008',
    });
    assert.equal(bt(xml, /<ram:ShipToTradeParty><ram:Name>([^<]+)</), 'NOUS AUSSI'); // BT-70
  });
});
