/**
 * The kinds of document a French B2B seller issues (BT-3, UNTDID 1001) and
 * what follows from each: its series, its title, its billing framework
 * (BT-23, "cadre de facturation", XP Z12-012 / BR-FR-08).
 *
 * - 380 commercial invoice, and the final invoice after deposits when it
 *   names them (BG-3) and deducts what was paid (BT-113);
 * - 381 credit note: positive amounts that cancel all or part of an
 *   earlier invoice it names (BR-FR-CO-05);
 * - 384 corrective invoice: cancels and replaces exactly one earlier
 *   invoice (BR-FR-CO-04), with the corrected full amounts;
 * - 386 deposit invoice: asks for an advance before the supply.
 */
import type { DisplayLang } from '../core/format.js';
import type { OperationType } from '../csv/values.js';

export const DOCUMENT_TYPES = ['380', '381', '384', '386'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** The title at the head of the PDF (CGI art. 242 nonies A names none; French practice does). */
const TITLES: Record<DocumentType, Record<DisplayLang, string>> = {
  '380': { fr: 'FACTURE', en: 'INVOICE' },
  '381': { fr: 'AVOIR', en: 'CREDIT NOTE' },
  '384': { fr: 'FACTURE RECTIFICATIVE', en: 'CORRECTIVE INVOICE' },
  '386': { fr: "FACTURE D'ACOMPTE", en: 'DEPOSIT INVOICE' },
};
export function documentTitle(type: DocumentType | undefined, lang: DisplayLang): string {
  return TITLES[type ?? '380'][lang];
}

/** What a reply or a report calls one document: "l'avoir AV-2026-00001". */
const NOUNS: Record<DocumentType, Record<DisplayLang, string>> = {
  '380': { fr: 'facture', en: 'invoice' },
  '381': { fr: 'avoir', en: 'credit note' },
  '384': { fr: 'facture rectificative', en: 'corrective invoice' },
  '386': { fr: "facture d'acompte", en: 'deposit invoice' },
};
export function documentNoun(type: DocumentType | undefined, lang: DisplayLang): string {
  return NOUNS[type ?? '380'][lang];
}

/** How the document says what it refers to (BG-3), beside each number: "Avoir sur facture FA-2026-00012 du 3 novembre 2026". */
const REFERENCE_LEADS: Record<DocumentType, Record<DisplayLang, string>> = {
  '380': { fr: 'Acompte déduit', en: 'Deposit deducted' },
  '381': { fr: 'Avoir sur facture', en: 'Credit on invoice' },
  '384': { fr: 'Annule et remplace', en: 'Cancels and replaces' },
  '386': { fr: 'Facture', en: 'Invoice' },
};
export function referenceLead(type: DocumentType | undefined, lang: DisplayLang): string {
  return REFERENCE_LEADS[type ?? '380'][lang];
}

export interface FrameworkFacts {
  documentType?: DocumentType;
  operationType: OperationType;
  /** BG-3 names deposit invoices: a final invoice after deposits. */
  afterDeposits?: boolean;
  /** BT-113 equals BT-112: nothing is left to pay. */
  alreadyPaid?: boolean;
}

const LETTER: Record<OperationType, 'B' | 'S' | 'M'> = { goods: 'B', services: 'S', mixed: 'M' };

/**
 * BT-23 per XP Z12-012: B goods, S services, M mixed; 1 a plain invoice,
 * 2 one already paid (BR-FR-CO-09: BT-113 = BT-112, BT-115 = 0), 4 a final
 * invoice after deposits (never on the deposit itself, BR-FR-CO-08).
 */
export function billingFramework(f: FrameworkFacts): string {
  const letter = LETTER[f.operationType];
  if (f.afterDeposits && f.documentType !== '386') return `${letter}4`;
  if (f.alreadyPaid) return `${letter}2`;
  return `${letter}1`;
}
