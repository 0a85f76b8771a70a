/**
 * The words a reader of an invoice sees for its codes: what a VAT rate is
 * called, which date BT-72 is, how an electronic address's scheme reads.
 * The PDF is French (French law asks for it); the English words serve the
 * texts written in English.
 */
import type { ElectronicAddress, EasScheme } from '../core/eaddress.js';
import { displayPercent, type DisplayLang } from '../core/format.js';
import type { Dec } from '../core/money.js';
import type { OperationType, VatCategory } from '../csv/values.js';

/**
 * CGI art. 278 to 281 nonies: the names of the mainland rates of the
 * standard category (BT-118 = S). Corsica and the overseas departments use
 * other rates under other names (8,5 % is their normal rate): a rate not
 * listed here is shown by its figure alone rather than under a wrong name.
 */
const S_RATE_NAMES: Record<string, Record<DisplayLang, string>> = {
  '20': { fr: 'Taux normal', en: 'Standard rate' },
  '10': { fr: 'Taux intermédiaire', en: 'Intermediate rate' },
  '5.5': { fr: 'Taux réduit', en: 'Reduced rate' },
  '2.1': { fr: 'Taux particulier', en: 'Super-reduced rate' },
};

/** BT-118 categories other than S, named by what they mean for the buyer (UNTDID 5305). */
const CATEGORY_NAMES: Record<Exclude<VatCategory, 'S'>, Record<DisplayLang, string>> = {
  Z: { fr: 'Taux zéro', en: 'Zero rate' },
  E: { fr: 'Exonérée', en: 'Exempt' },
  AE: { fr: 'Autoliquidation', en: 'Reverse charge' },
  K: { fr: 'Livraison intracommunautaire', en: 'Intra-community supply' },
  G: { fr: 'Exportation hors UE', en: 'Export outside the EU' },
  O: { fr: 'Hors champ de la TVA', en: 'Outside the scope of VAT' },
};

/** A VAT breakdown's label (BG-23: BT-118 and BT-119): "Taux réduit 5,5 %", "Exonérée 0 %", "Hors champ de la TVA". */
export function vatLabel(category: VatCategory, rate: Dec, lang: DisplayLang): string {
  const percent = displayPercent(rate, lang);
  if (category === 'S') {
    const name = S_RATE_NAMES[rate.toFixed()]?.[lang];
    return name ? `${name} ${percent}` : `${lang === 'fr' ? 'TVA' : 'VAT'} ${percent}`;
  }
  // O carries no rate at all (BR-O-05): a figure there would read as a rate charged.
  return category === 'O' ? CATEGORY_NAMES.O[lang] : `${CATEGORY_NAMES[category][lang]} ${percent}`;
}

/**
 * BT-72 is the "actual delivery date": for goods the day they were
 * delivered, for services the day the service was rendered (CGI art. 242
 * nonies A, I-7°). The operation type (BT-23 B1/S1/M1) says which one it is;
 * a mixed invoice's date covers both.
 */
export function serviceDateLabel(operation: OperationType, lang: DisplayLang): string {
  const labels: Record<OperationType, Record<DisplayLang, string>> = {
    goods: { fr: 'Date de livraison', en: 'Delivery date' },
    services: { fr: 'Date de la prestation', en: 'Service date' },
    mixed: { fr: 'Date de livraison / prestation', en: 'Delivery / service date' },
  };
  return labels[operation][lang];
}

/** The schemes (BT-34-1, BT-49-1) as an accountant names them: the identifier the address is built on. */
const SCHEME_NAMES: Record<EasScheme, Record<DisplayLang, string>> = {
  '0225': { fr: 'SIREN', en: 'SIREN' },
  '0009': { fr: 'SIRET', en: 'SIRET' },
  '0002': { fr: 'SIREN', en: 'SIREN' },
  '0088': { fr: 'GLN', en: 'GLN' },
  '9957': { fr: 'n° TVA', en: 'VAT no.' },
  EM: { fr: 'e-mail', en: 'e-mail' },
};

/**
 * An electronic address (BT-34 seller, BT-49 buyer) with its scheme, for the
 * parties' blocks: "Adresse électronique : 123456782 (SIREN 0225)". The code
 * is kept beside the name: it is what the platforms and the directory show.
 */
export function electronicAddressLine(a: ElectronicAddress, lang: DisplayLang): string {
  const label = lang === 'fr' ? 'Adresse électronique :' : 'Electronic address:';
  const scheme = a.scheme === 'EM' ? SCHEME_NAMES.EM[lang] : `${SCHEME_NAMES[a.scheme][lang]} ${a.scheme}`;
  return `${label} ${a.value} (${scheme})`;
}
