/**
 * Reasons of allowances and charges: the codes EN 16931 takes (UNTDID 5189
 * for allowances, BT-98 and BT-140; UNTDID 7161 for charges, BT-105 and
 * BT-145, of which the ones a studio's clients use), with the words a
 * French invoice shows for them.
 */

/** UNTDID 5189 (the subset EN 16931 lists, BR-CL-19). */
export const ALLOWANCE_REASON_CODES: Readonly<Record<string, { fr: string; en: string }>> = {
  '41': { fr: 'Prime pour travaux en avance', en: 'Bonus for works ahead of schedule' },
  '42': { fr: 'Autre prime', en: 'Other bonus' },
  '60': { fr: 'Remise consommateur du fabricant', en: "Manufacturer's consumer discount" },
  '62': { fr: 'Remise (statut militaire)', en: 'Due to military status' },
  '63': { fr: 'Remise (accident du travail)', en: 'Due to work accident' },
  '64': { fr: 'Accord particulier', en: 'Special agreement' },
  '65': { fr: 'Remise pour défaut de production', en: 'Production error discount' },
  '66': { fr: 'Remise nouveau point de vente', en: 'New outlet discount' },
  '67': { fr: 'Remise sur échantillon', en: 'Sample discount' },
  '68': { fr: 'Remise fin de série', en: 'End-of-range discount' },
  '70': { fr: 'Remise Incoterm', en: 'Incoterm discount' },
  '71': { fr: 'Remise de seuil au point de vente', en: 'Point of sales threshold allowance' },
  '88': { fr: 'Ajustement matière', en: 'Material surcharge/deduction' },
  '95': { fr: 'Remise', en: 'Discount' },
  '100': { fr: 'Rabais exceptionnel', en: 'Special rebate' },
  '102': { fr: 'Remise à long terme', en: 'Fixed long term' },
  '103': { fr: 'Remise temporaire', en: 'Temporary' },
  '104': { fr: 'Remise standard', en: 'Standard' },
  '105': { fr: 'Ristourne sur chiffre d’affaires annuel', en: 'Yearly turnover' },
};

/** UNTDID 7161: the charges a studio's clients bill (freight, packing, handling, other services). */
export const CHARGE_REASON_CODES: Readonly<Record<string, { fr: string; en: string }>> = {
  FC: { fr: 'Frais de port', en: 'Freight service' },
  ABL: { fr: 'Emballage supplémentaire', en: 'Additional packaging' },
  ADR: { fr: 'Autres services', en: 'Other services' },
  PC: { fr: 'Emballage', en: 'Packing' },
  SAA: { fr: 'Expédition et manutention', en: 'Shipping and handling' },
};

/** Without a stated reason: an allowance is a discount (95, BR-CO-21/23); a charge says "Frais" (BR-CO-22/24). */
export const DEFAULT_ALLOWANCE = { reasonCode: '95', reason: 'Remise' } as const;
export const DEFAULT_CHARGE = { reason: 'Frais' } as const;

/** A stated reason: a code of the list (kept as BT-98/105 with its words as the text), or free text. */
export function reasonOf(raw: string, charge: boolean): { reason?: string; reasonCode?: string } {
  const text = raw.trim();
  if (text === '') return charge ? { ...DEFAULT_CHARGE } : { ...DEFAULT_ALLOWANCE };
  const table = charge ? CHARGE_REASON_CODES : ALLOWANCE_REASON_CODES;
  const known = table[text.toUpperCase()];
  return known ? { reasonCode: text.toUpperCase(), reason: known.fr } : { reason: text };
}

/** How the PDF names an allowance or charge: its reason, and its percentage when it has one. */
export function adjustmentLabel(a: { reason?: string; reasonCode?: string; percent?: { toFixed(): string } }, charge: boolean): string {
  const words = a.reason ?? (a.reasonCode ? (charge ? CHARGE_REASON_CODES : ALLOWANCE_REASON_CODES)[a.reasonCode]?.fr : undefined) ?? (charge ? 'Frais' : 'Remise');
  return a.percent ? `${words} (${a.percent.toFixed().replace('.', ',')} %)` : words;
}
