/** Sellers used by the tests: fictitious companies with valid check digits. */
import { validateClient, type ClientInput, type ClientRecord } from '../../src/clients/record.js';
import { frenchVatId } from '../../src/core/identifiers.js';

// Luhn-valid SIRENs (checked in identifiers.test.ts).
export const SELLER_SIREN = '123456782';
export const BUYER_SIREN = '123456790';
export const OTHER_SIREN = '123456808';

export const sellerInput: ClientInput = {
  id: 'atelier-dupont',
  legalName: 'Atelier Dupont SARL',
  siren: SELLER_SIREN,
  vatId: frenchVatId(SELLER_SIREN),
  address: { line1: '12 rue des Lilas', postcode: '69003', city: 'Lyon' },
  emails: ['compta@atelier-dupont.test'],
  iban: 'FR7630006000011234567890189',
  bic: 'AGRIFRPPXXX',
  shareCapital: '10000',
  rcsCity: 'Lyon',
  numberPattern: 'FA-{YYYY}-{SEQ:5}',
};

export const franchiseInput: ClientInput = {
  ...sellerInput,
  id: 'marie-martin',
  legalName: 'Marie Martin EI',
  siren: OTHER_SIREN,
  vatId: frenchVatId(OTHER_SIREN),
  emails: ['marie@martin.test'],
  vatRegime: 'franchise',
  shareCapital: undefined,
  rcsCity: undefined,
  numberPattern: 'MM{YY}{SEQ:4}',
};

export function seller(overrides: Partial<ClientInput> = {}): ClientRecord {
  return validateClient({ ...sellerInput, ...overrides }, new Date('2026-11-01T10:00:00Z'));
}

export function franchiseSeller(): ClientRecord {
  return validateClient(franchiseInput, new Date('2026-11-01T10:00:00Z'));
}
