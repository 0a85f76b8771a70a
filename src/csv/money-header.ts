/**
 * Whether a header the bot does not know names money. Such a column cannot
 * be ignored with a warning: "Remise", "Frais de port", "Acompte versé" or
 * "Total TTC" ignored would issue the invoice at an amount the client did
 * not mean (invariant 20). It is refused instead, naming the column.
 *
 * Only headers that match no column of the contract come here (v1 columns
 * and v2 aliases are matched first), so "Taux TVA", "Prix unitaire HT" or
 * "N° TVA intracom" are never taken for unknown money. Words are compared
 * folded (case, accents and separators ignored), as headers are.
 */
import { headerWords } from './columns.js';

/**
 * Stems that name money wherever they stand, inside a word too, since
 * separators are ignored ("FraisDePort", "sous-total", "déjà payé" →
 * "dejapaye", "Éco-participation" → "ecoparticipation").
 */
const STEMS = [
  'remise', 'rabais', 'ristourne', 'escompte', 'reduction', 'promo', 'coupon',
  'frais', 'majoration', 'surcharge', 'ecotaxe', 'ecoparticipation', 'ecocontribution', 'pourboire',
  'acompte', 'dejapaye', 'dejaregle', 'dejaverse', 'resteapayer', 'netapayer',
  'montant', 'total',
  'discount', 'rebate', 'allowance', 'voucher', 'prepaid', 'prepay', 'alreadypaid', 'amount',
];

/**
 * Words that name money when they stand as a word of their own ("Port",
 * "Prix TTC", "TVA 20 %", "Shipping", "Deposit"), but are too short or too
 * common to be looked for inside other words ("port" in "transport",
 * "supplément" in "informations supplémentaires").
 */
const WORDS = new Set([
  'port', 'transport', 'livraison', 'shipping', 'timbre', 'consigne', 'deee', 'arrondi', 'rounding',
  'tva', 'vat', 'tax', 'taxe', 'taxes', 'ht', 'ttc', 'prixht', 'net', 'brut', 'gross',
  'charge', 'charges', 'fee', 'fees', 'tip', 'tips', 'supplement', 'supplements',
  'avance', 'avances', 'advance', 'deposit', 'avoir', 'solde', 'paye', 'paid',
  'gratuit', 'offert', 'free', 'cadeau', 'gift',
]);

/**
 * Words that, beside one of WORDS, make the header name something other
 * than an amount: "Mode de livraison", "N° bon de livraison", "Code TVA",
 * "Chargé d'affaires", "Poids net", "Shipping address". Stems are never
 * excused: "Code promo" or "Date d'acompte" still say a discount or a
 * deposit exists.
 */
const NOT_AN_AMOUNT = new Set([
  'date', 'delai', 'mode', 'methode', 'method', 'moyen', 'instruction', 'instructions', 'suivi', 'tracking', 'statut', 'status',
  'n', 'no', 'num', 'numero', 'number', 'bon', 'ref', 'reference', 'code', 'id', 'identifiant',
  'nom', 'name', 'adresse', 'address', 'lieu', 'ville', 'city', 'pays', 'country', 'cp', 'postcode', 'zone',
  'contact', 'telephone', 'tel', 'phone', 'email', 'mail', 'courriel', 'transporteur', 'carrier',
  'intracom', 'intracommunautaire', 'regime', 'categorie', 'category', 'motif', 'mention', 'exoneration', 'exemption',
  'affaires', 'clientele', 'mission', 'projet', 'dossier',
  'poids', 'weight', 'masse', 'text', 'texte',
]);

export function looksLikeMoney(header: string): boolean {
  const words = headerWords(header);
  const joined = words.join('');
  if (STEMS.some((stem) => joined.includes(stem))) return true;
  // "PrixTTC", "MontantTTC": no word ends in "ttc" but an amount including VAT.
  const weak = words.some((w) => WORDS.has(w) || w.endsWith('ttc'));
  return weak && !words.some((w) => NOT_AN_AMOUNT.has(w));
}
