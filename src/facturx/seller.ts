/**
 * What an invoice says about its seller, derived from the client record:
 * the legal mentions French law asks for (C. com. L441-9, R123-237; CGI
 * art. 242 nonies A), worded once for the XML and the PDF alike.
 */
import type { ClientRecord } from '../clients/record.js';
import { displayAmount } from '../core/money.js';

export type Seller = Pick<
  ClientRecord,
  | 'legalName' | 'siren' | 'siret' | 'vatId' | 'address' | 'iban' | 'bic' | 'vatRegime' | 'paymentTermsDays'
  | 'latePenaltyText' | 'shareCapital' | 'rcsCity' | 'language'
>;

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
/** French reform "cadre de facturation" carried in BT-23: B1 goods, S1 services, M1 mixed. */
export const OPERATION_PROCESS_CODE = { goods: 'B1', services: 'S1', mixed: 'M1' } as const;
