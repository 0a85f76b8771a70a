/**
 * What an invoice says about its seller, derived from the client record:
 * the legal mentions French law asks for (C. com. L441-9, R123-237; CGI
 * art. 242 nonies A), worded once for the XML and the PDF alike.
 */
import type { ClientRecord } from '../clients/record.js';
import type { ElectronicAddress } from '../core/eaddress.js';
import { displayAmount } from '../core/format.js';
import type { Invoice } from '../invoice/model.js';

export type Seller = Pick<
  ClientRecord,
  | 'legalName' | 'siren' | 'siret' | 'vatId' | 'address' | 'iban' | 'bic' | 'vatRegime' | 'paymentTermsDays'
  | 'latePenaltyText' | 'shareCapital' | 'rcsCity' | 'language'
> &
  Partial<Pick<ClientRecord, 'electronicAddress' | 'vatOnDebits' | 'sepaCreditorId'>>;

/**
 * BT-34: the record's address, or by default the seller's address in the
 * French directory, which is its SIREN under scheme 0225 (BR-FR-13).
 */
export function sellerElectronicAddress(seller: Seller): ElectronicAddress {
  return seller.electronicAddress ?? { value: seller.siren, scheme: '0225' };
}

/** The mention CGI art. 242 nonies A asks of a seller who opted to pay VAT on debits. */
export const VAT_ON_DEBITS_FR = "Option pour le paiement de la taxe d'après les débits";
/**
 * BT-8 "VAT point date code", UNTDID 2475 as CII writes it: 5 = date of the
 * invoice. The French reform expresses the option for debits this way; it
 * concerns services only (goods are taxed on delivery in any case), and
 * only a seller who charges VAT.
 */
export const VAT_ON_DEBITS_DUE_DATE_CODE = '5';
export function vatOnDebitsApplies(seller: Seller, inv: Pick<Invoice, 'operationType' | 'vat'>): boolean {
  return Boolean(seller.vatOnDebits) && seller.vatRegime !== 'franchise' && inv.operationType !== 'goods' && inv.vat.some((v) => v.category === 'S');
}

/** BT-33 "Seller additional legal information": capital and registration, e.g. "Capital 10 000,00 € · RCS Lyon 123 456 789". */
export function sellerLegalInfo(seller: Seller): string {
  const parts: string[] = [];
  if (seller.shareCapital) parts.push(`Capital social : ${displayAmount(seller.shareCapital, 'fr')} €`);
  const sirenSpaced = seller.siren.replace(/(\d{3})(\d{3})(\d{3})/, '$1 $2 $3');
  parts.push(seller.rcsCity ? `RCS ${seller.rcsCity} ${sirenSpaced}` : `SIREN ${sirenSpaced}`);
  return parts.join(' · ');
}

/** Fixed recovery indemnity for late payment between professionals (C. com. L441-10 II, D441-5). */
export const RECOVERY_INDEMNITY_FR = "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 € (art. L441-10 et D441-5 du Code de commerce).";
/** L441-9: the conditions of discount for early payment must be stated, even when there is none. */
export const NO_DISCOUNT_FR = "Pas d'escompte pour paiement anticipé.";

export const OPERATION_LABEL_FR = { goods: 'Livraison de biens', services: 'Prestation de services', mixed: 'Opération mixte (biens et services)' } as const;
