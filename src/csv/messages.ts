/**
 * What each CSV issue means, in French and English: what was found and what
 * is expected, so the client can fix the file without writing back.
 */
import { displayAmount, displayDate, displayDecimal, displayPercent, displayPeriod } from '../core/format.js';
import { ruleText } from '../invoice/brfr.js';
import type { CsvIssue, IssueCode } from './issues.js';
import { DOCUMENT_MESSAGES } from './messages-documents.js';

export type Lang = 'fr' | 'en';
type Text = (p: Record<string, string>) => string;
/** Rates as the reader writes them ("5,5 %" in French): the parameters keep the machine's "5.5". */
const rates = (list: string | undefined, lang: Lang) => (list ?? '').split(', ').filter(Boolean).map((r) => displayPercent(r, lang)).join(lang === 'fr' ? ' ; ' : ', ');
/** A limit as the reader writes numbers: "16 384" in French, "16,384" in English. */
const count = (n: string | undefined, lang: Lang) => displayDecimal(n ?? '0', lang);
/** The words of some issue codes, in each language. */
export type MessageTable<C extends IssueCode> = Record<C, Record<Lang, Text>>;

const MESSAGES: MessageTable<IssueCode> = {
  ...DOCUMENT_MESSAGES,
  FILE_EMPTY: { fr: () => 'le fichier est vide : il faut une ligne d’en-tête puis une ligne par ligne de facture.', en: () => 'the file is empty: it needs a header line, then one row per invoice line.' },
  FILE_BINARY: { fr: () => 'ce fichier n’est pas un fichier texte CSV. Enregistrez votre tableau au format CSV.', en: () => 'this is not a CSV text file. Save your spreadsheet as CSV.' },
  FILE_SPREADSHEET: {
    fr: (p) => `c’est un classeur ${p.format ?? ''}, pas un CSV : dans votre tableur, « Enregistrer sous » › CSV (séparateur point-virgule).`,
    en: (p) => `this is a ${p.format ?? ''} workbook, not a CSV: in your spreadsheet use "Save as" › CSV.`,
  },
  FILE_TOO_LARGE: { fr: (p) => `le fichier dépasse la taille maximale (${p.limit}). Découpez-le en plusieurs fichiers.`, en: (p) => `the file is larger than the limit (${p.limit}). Split it into several files.` },
  FILE_HEADER_ONLY: { fr: () => 'le fichier ne contient que la ligne d’en-tête, aucune ligne de facture.', en: () => 'the file holds only the header line, no invoice line.' },
  FILE_TOO_MANY_ROWS: { fr: (p) => `trop de lignes : au plus ${p.limit} par fichier. Découpez le fichier.`, en: (p) => `too many rows: at most ${p.limit} per file. Split the file.` },
  FILE_TOO_MANY_COLUMNS: {
    fr: (p) => `trop de valeurs sur cette ligne : au plus ${count(p.limit, 'fr')} colonnes. Vérifiez le séparateur, ou supprimez les colonnes vides en trop.`,
    en: (p) => `too many values on this line: at most ${count(p.limit, 'en')} columns. Check the separator, or remove the extra empty columns.`,
  },
  FILE_HEADER_TOO_LONG: {
    fr: (p) => `ligne d’en-tête trop longue (au plus ${count(p.limit, 'fr')} caractères) : elle ne doit contenir que les titres des colonnes.`,
    en: (p) => `header line too long (at most ${count(p.limit, 'en')} characters): it must hold only the column titles.`,
  },
  FILE_LINE_TOO_LONG: {
    fr: (p) => `ligne trop longue (au plus ${count(p.limit, 'fr')} caractères) : vérifiez qu’un guillemet n’est pas resté ouvert.`,
    en: (p) => `line too long (at most ${count(p.limit, 'en')} characters): check that no quote was left open.`,
  },
  FILE_TOO_MANY_CELLS: {
    fr: (p) => `trop de valeurs dans le fichier : au plus ${count(p.limit, 'fr')} (lignes × colonnes). Supprimez les colonnes inutiles ou découpez le fichier.`,
    en: (p) => `too many values in the file: at most ${count(p.limit, 'en')} (rows × columns). Remove the columns you do not need or split the file.`,
  },
  FILE_MALFORMED: {
    fr: () => 'guillemet non refermé à partir de cette ligne : une valeur entre guillemets doit se terminer par un guillemet.',
    en: () => 'unclosed quote from this line on: a quoted value must end with a quote.',
  },
  FILE_MIXED_ENCODING: {
    fr: () =>
      'le fichier mélange deux encodages (UTF-8 et Windows-1252) : des lettres accentuées deviendraient illisibles sur les factures. Ouvrez-le dans votre tableur et enregistrez-le à nouveau en « CSV UTF-8 » ou en « CSV (séparateur: point-virgule) ».',
    en: () =>
      'the file mixes two encodings (UTF-8 and Windows-1252): accented letters would be garbled on the invoices. Open it in your spreadsheet and save it again as "CSV UTF-8" or as "CSV (séparateur: point-virgule)".',
  },
  FILE_ENCODING_UNKNOWN: {
    fr: () => 'cette ligne contient des octets qui ne sont des caractères dans aucun encodage reconnu : des lettres deviendraient illisibles sur les factures. Ouvrez le fichier dans votre tableur et enregistrez-le en « CSV UTF-8 ».',
    en: () => 'this line holds bytes that are characters in no supported encoding: letters would be garbled on the invoices. Open the file in your spreadsheet and save it as "CSV UTF-8".',
  },
  COLUMN_MISSING: {
    fr: (p) => {
      // Named by its first French alias, then the others: a French sender looks for "taux_tva", not "vat_rate".
      const [french, ...others] = (p.aliases ?? '').split(', ').filter(Boolean);
      return french ? `colonne obligatoire absente : ${french} (ou : ${[p.column ?? '', ...others].join(', ')}).` : `colonne obligatoire absente : ${p.column ?? ''}.`;
    },
    en: (p) => `required column missing: ${p.column ?? ''}${p.aliases ? ` (or: ${p.aliases})` : ''}.`,
  },
  COLUMN_UNNAMED: {
    fr: (p) => `la colonne n° ${p.position} n’a pas de titre : ses valeurs, comme celle-ci, sont ignorées. Donnez-lui un titre connu ou supprimez-la.`,
    en: (p) => `column no. ${p.position} has no header: its values, like this one, are ignored. Give it a known header or remove it.`,
  },
  COLUMN_DUPLICATE: { fr: (p) => `cette colonne répète « ${p.first} » : gardez-en une seule.`, en: (p) => `this column repeats "${p.first}": keep only one.` },
  COLUMN_UNKNOWN: { fr: () => 'colonne inconnue, ignorée.', en: () => 'unknown column, ignored.' },
  ROW_EXTRA_FIELDS: {
    fr: (p) => `cette ligne a ${p.found} valeurs pour ${p.expected} colonnes : une valeur qui contient le séparateur doit être entre guillemets.`,
    en: (p) => `this row has ${p.found} values for ${p.expected} columns: a value containing the separator must be quoted.`,
  },
  FIELD_TOO_LONG: { fr: (p) => `valeur trop longue (au plus ${p.limit} caractères).`, en: (p) => `value too long (at most ${p.limit} characters).` },
  CONTROL_CHARACTER: {
    fr: (p) => `caractère de contrôle invisible (${p.char ?? ''}) dans la valeur, souvent venu d’un copier-coller : supprimez-le.`,
    en: (p) => `invisible control character (${p.char ?? ''}) in the value, often from a copy and paste: remove it.`,
  },
  VALUE_REQUIRED: { fr: () => 'valeur obligatoire manquante.', en: () => 'required value missing.' },
  NUMBER_INVALID: { fr: () => 'nombre attendu, par exemple 1234,56 ou 1 234,56.', en: () => 'a number is expected, e.g. 1234.56 or 1,234.56.' },
  NUMBER_AMBIGUOUS: {
    fr: (p) => `se lit ${(p.decimal ?? '').replace('.', ',')} ou ${p.thousands ?? ''} selon le pays, et les autres nombres du fichier ne disent pas lequel : écrivez ${(p.decimal ?? '').replace('.', ',')} ou ${p.thousands ?? ''}, sans séparateur de milliers.`,
    en: (p) => `reads as ${p.decimal ?? ''} or ${p.thousands ?? ''} depending on the country, and the file's other numbers do not say which: write ${p.decimal ?? ''} or ${p.thousands ?? ''}, without a thousands separator.`,
  },
  TOO_MANY_DECIMALS: { fr: (p) => `au plus ${p.max} décimales.`, en: (p) => `at most ${p.max} decimals.` },
  AMOUNT_TOO_LARGE: { fr: () => 'montant de ligne trop élevé.', en: () => 'line amount too large.' },
  QUANTITY_NOT_POSITIVE: { fr: () => 'la quantité doit être supérieure à 0.', en: () => 'the quantity must be greater than 0.' },
  PRICE_NEGATIVE: { fr: () => 'le prix unitaire HT ne peut pas être négatif.', en: () => 'the unit price excluding VAT cannot be negative.' },
  DATE_INVALID: { fr: () => 'date attendue au format JJ/MM/AAAA ou AAAA-MM-JJ, et qui existe.', en: () => 'a real date is expected, as DD/MM/YYYY or YYYY-MM-DD.' },
  // BT-157 with scheme 0160: a GS1 number of 8, 12, 13 or 14 digits whose last is the check digit.
  GTIN_INVALID: {
    fr: (p) => `code EAN (GTIN) invalide : 8, 12, 13 ou 14 chiffres dont le dernier est la clé de contrôle.${p.scientific ? ' Le tableur l’a affiché en notation scientifique : formatez la colonne en texte.' : ''}`,
    en: (p) => `invalid EAN code (GTIN): 8, 12, 13 or 14 digits, the last one the check digit.${p.scientific ? ' The spreadsheet showed it in scientific notation: format the column as text.' : ''}`,
  },
  // BG-20/21, BG-27/28: an amount excl. VAT with at most 2 decimals (BR-DEC-01…), or a percentage.
  ADJUSTMENT_INVALID: { fr: () => 'montant invalide : un montant HT avec au plus 2 décimales (« 24,00 ») ou un pourcentage (« 5 % »).', en: () => 'invalid amount: an amount excl. VAT with at most 2 decimals ("24.00") or a percentage ("5 %").' },
  ADJUSTMENT_NEGATIVE: { fr: () => 'montant négatif : une remise se donne en positif (elle est déduite), des frais aussi (ils sont ajoutés).', en: () => 'negative amount: give a discount as a positive amount (it is deducted), and a charge too (it is added).' },
  ADJUSTMENT_TOO_LARGE: {
    fr: (p) => (p.percent ? 'une remise ne peut pas dépasser 100 %.' : `la remise dépasse le montant auquel elle s’applique (${displayAmount(p.base ?? '0', 'fr')} HT) : le total deviendrait négatif.`),
    en: (p) => (p.percent ? 'a discount cannot exceed 100 %.' : `the discount exceeds the amount it applies to (${displayAmount(p.base ?? '0', 'en')} excl. VAT): the total would be negative.`),
  },
  ADJUSTMENT_VAT_RATE_REQUIRED: { fr: (p) => `la facture a plusieurs taux de TVA (${p.rates ?? ''}) : indiquez le taux auquel s’applique ce montant (colonne ${p.column ?? ''}), ou donnez-le en pourcentage.`, en: (p) => `the invoice has several VAT rates (${p.rates ?? ''}): state the rate this amount applies to (column ${p.column ?? ''}), or give it as a percentage.` },
  ADJUSTMENT_VAT_RATE_UNKNOWN: { fr: (p) => `aucune ligne de la facture n’a ce taux, ou plusieurs catégories l’ont : taux des lignes ${p.rates ?? ''}.`, en: (p) => `no line of the invoice has this rate, or several categories do: the lines' rates are ${p.rates ?? ''}.` },
  // BR-29, BR-30: a period ends on or after its start.
  PERIOD_END_BEFORE_START: { fr: (p) => `la fin de la période est antérieure à son début (${displayDate(p.start ?? '', 'fr')}).`, en: (p) => `the period ends before it starts (${displayDate(p.start ?? '', 'en')}).` },
  // Contract v2: a line's period lies within the invoice's period when both are given.
  LINE_PERIOD_OUTSIDE: { fr: (p) => `la période de la ligne sort de la période de la facture (${displayPeriod(p, 'fr')}).`, en: (p) => `the line's period falls outside the invoice's period (${displayPeriod(p, 'en')}).` },
  DUE_BEFORE_ISSUE: { fr: (p) => `l’échéance est antérieure à la date de facture (${p.issueDate}).`, en: (p) => `the due date is before the invoice date (${p.issueDate}).` },
  VAT_RATE_INVALID: { fr: () => 'taux de TVA attendu en pourcentage, par exemple 20 ou 5,5.', en: () => 'a VAT rate in percent is expected, e.g. 20 or 5.5.' },
  VAT_RATE_NOT_ALLOWED: { fr: (p) => `taux de TVA non autorisé ; taux possibles : ${rates(p.allowed, 'fr')}.`, en: (p) => `VAT rate not allowed; possible rates: ${rates(p.allowed, 'en')}.` },
  VAT_CATEGORY_INVALID: { fr: () => 'catégorie de TVA attendue : S, Z, E, AE, K, G ou O.', en: () => 'VAT category expected: S, Z, E, AE, K, G or O.' },
  VAT_CATEGORY_RATE_MISMATCH: {
    fr: (p) => `catégorie incompatible avec le taux ${rates(p.rate, 'fr')} : S demande un taux supérieur à 0, les autres catégories un taux de 0.`,
    en: (p) => `category does not fit the rate ${rates(p.rate, 'en')}: S needs a rate above 0, the other categories a rate of 0.`,
  },
  VAT_CATEGORY_NEEDED: {
    fr: () => 'un taux de 0 % demande une catégorie de TVA (E exonéré, Z, AE autoliquidation, K intracommunautaire, G export, O hors champ).',
    en: () => 'a 0 % rate needs a VAT category (E exempt, Z, AE reverse charge, K intra-EU, G export, O out of scope).',
  },
  VAT_CATEGORY_O_MIXED: { fr: () => 'une facture « hors champ de la TVA » (O) ne peut pas contenir d’autre catégorie.', en: () => 'an invoice "not subject to VAT" (O) cannot hold another category.' },
  VATEX_CODE_UNKNOWN: {
    fr: () => 'ce code VATEX n’existe pas dans la liste officielle (par exemple VATEX-EU-IC, VATEX-EU-G, VATEX-FR-FRANCHISE) : corrigez-le ou écrivez le motif en toutes lettres.',
    en: () => 'this VATEX code is not on the official list (e.g. VATEX-EU-IC, VATEX-EU-G, VATEX-FR-FRANCHISE): correct it or write the reason in words.',
  },
  EXEMPTION_REASON_REQUIRED: {
    fr: (p) => `la catégorie ${p.category} demande un motif d’exonération (texte ou code VATEX).`,
    en: (p) => `category ${p.category} needs an exemption reason (text or VATEX code).`,
  },
  FRANCHISE_RATE: {
    fr: () => 'le vendeur est en franchise en base de TVA (art. 293 B du CGI) : aucun taux de TVA ne peut être facturé.',
    en: () => 'the seller is under the VAT franchise (art. 293 B CGI): no VAT rate may be charged.',
  },
  SIREN_INVALID: {
    fr: (p) =>
      p.scientific
        ? 'le tableur a écrit ce numéro en notation scientifique et en a perdu des chiffres : mettez la colonne au format « Texte », ressaisissez les SIREN (9 chiffres) ou SIRET (14 chiffres) et enregistrez à nouveau.'
        : 'SIREN (9 chiffres) ou SIRET (14 chiffres) invalide : la clé de contrôle ne correspond pas.',
    en: (p) =>
      p.scientific
        ? 'the spreadsheet wrote this number in scientific notation and lost digits: format the column as "Text", type the SIREN (9 digits) or SIRET (14 digits) again and save.'
        : 'invalid SIREN (9 digits) or SIRET (14 digits): the check digit does not match.',
  },
  POSTCODE_LEADING_ZERO: {
    fr: (p) => `un code postal français a 5 chiffres : le tableur a sans doute supprimé le 0 du début (${p.fixed ?? ''}). Mettez la colonne au format « Texte » et corrigez-le.`,
    en: (p) => `a French postcode has 5 digits: the spreadsheet probably dropped its leading 0 (${p.fixed ?? ''}). Format the column as "Text" and correct it.`,
  },
  SIREN_REQUIRED: { fr: () => 'le SIREN de l’acheteur est obligatoire pour un acheteur en France.', en: () => 'the buyer’s SIREN is required for a buyer in France.' },
  VAT_ID_INVALID: {
    fr: (p) => `numéro de TVA intracommunautaire invalide${p.siren ? ` (ne correspond pas au SIREN ${p.siren})` : ''}${p.prefix ? ` : il commence par un code pays ISO, pas « ${p.prefix} » (Royaume-Uni : GB, Grèce : EL, Irlande du Nord : XI)` : ''}.`,
    en: (p) => `invalid intra-EU VAT number${p.siren ? ` (does not match SIREN ${p.siren})` : ''}${p.prefix ? `: it starts with an ISO country code, not "${p.prefix}" (United Kingdom: GB, Greece: EL, Northern Ireland: XI)` : ''}.`,
  },
  VAT_ID_REQUIRED: {
    fr: () => 'l’autoliquidation (AE) et la livraison intracommunautaire (K) demandent le numéro de TVA de l’acheteur.',
    en: () => 'reverse charge (AE) and intra-EU supply (K) need the buyer’s VAT number.',
  },
  COUNTRY_INVALID: { fr: () => 'pays attendu : code ISO à deux lettres (FR, BE…) ou nom du pays.', en: () => 'country expected: two-letter ISO code (FR, BE…) or country name.' },
  CURRENCY_INVALID: { fr: () => 'devise attendue : code ISO 4217 à trois lettres, par exemple EUR.', en: () => 'currency expected: three-letter ISO 4217 code, e.g. EUR.' },
  CURRENCY_MIXED: { fr: (p) => `une facture n’a qu’une devise ; la ligne ${p.firstLine} indique « ${p.first} ».`, en: (p) => `an invoice has one currency; line ${p.firstLine} says "${p.first}".` },
  UNIT_INVALID: { fr: () => 'unité inconnue : utilisez un code UN/ECE (C62, HUR, DAY, KGM…) ou heure, jour, kg, m, forfait…', en: () => 'unknown unit: use a UN/ECE code (C62, HUR, DAY, KGM…) or hour, day, kg, m…' },
  OPERATION_TYPE_INVALID: { fr: () => 'nature attendue : biens, services ou mixte.', en: () => 'operation type expected: goods, services or mixed.' },
  EMAIL_INVALID: { fr: () => 'adresse e-mail invalide.', en: () => 'invalid email address.' },
  ELECTRONIC_ADDRESS_INVALID: {
    fr: (p) => `adresse électronique invalide : ${ADDRESS_PROBLEM.fr[p.problem ?? 'shape']?.(p) ?? ''}`,
    en: (p) => `invalid electronic address: ${ADDRESS_PROBLEM.en[p.problem ?? 'shape']?.(p) ?? ''}`,
  },
  ELECTRONIC_ADDRESS_UNRECOGNISED: {
    fr: () => 'adresse électronique non reconnue : donnez un SIREN (annuaire, 0225), un SIRET, un GLN, un e-mail ou un n° de TVA FR, ou son schéma dans la colonne buyer_electronic_address_scheme.',
    en: () => 'electronic address not recognised: give a SIREN (directory, 0225), a SIRET, a GLN, an e-mail or a French VAT number, or its scheme in the column buyer_electronic_address_scheme.',
  },
  ELECTRONIC_ADDRESS_SCHEME_INVALID: {
    fr: () => 'schéma d’adresse électronique attendu : 0225 (annuaire), 0009 (SIRET), 0002 (SIREN), 0088 (GLN), 9957 (n° de TVA) ou EM (e-mail).',
    en: () => 'electronic address scheme expected: 0225 (directory), 0009 (SIRET), 0002 (SIREN), 0088 (GLN), 9957 (VAT number) or EM (e-mail).',
  },
  EINVOICE_RULE: { fr: (p) => ruleText(p.rule ?? '', 'fr'), en: (p) => ruleText(p.rule ?? '', 'en') },
  INVOICE_FIELD_CONFLICT: {
    fr: (p) => `valeur différente de celle de la ligne ${p.firstLine} (« ${p.first} ») pour la même facture.`,
    en: (p) => `differs from line ${p.firstLine} ("${p.first}") for the same invoice.`,
  },
  ISSUE_DATE_TOO_FAR: {
    fr: (p) => `date d’émission trop lointaine : au plus ${p.days} jours après aujourd’hui (le ${p.latest}). Une facture est datée du jour où elle est émise ; la numérotation devant rester chronologique, une date future bloquerait les suivantes.`,
    en: (p) => `issue date too far ahead: at most ${p.days} days after today (${p.latest}). An invoice is dated the day it is issued; numbering must stay chronological, so a future date would block the next ones.`,
  },
  ISSUE_DATE_BEFORE_LAST: {
    fr: (p) => `la numérotation doit rester chronologique : la dernière facture émise est datée du ${p.lastDate}.`,
    en: (p) => `numbering must stay chronological: the last invoice issued is dated ${p.lastDate}.`,
  },
};

/** What a scheme looks like, to say what was expected (BT-49-1). */
const SCHEME_FORM: Record<Lang, Record<string, string>> = {
  fr: {
    '0225': 'le SIREN, suivi éventuellement de « _ » et d’un suffixe (lettres, chiffres, + - _ .)',
    '0009': 'un SIRET de 14 chiffres',
    '0002': 'un SIREN de 9 chiffres',
    '0088': 'un GLN de 13 chiffres',
    '9957': 'un n° de TVA français, FR + clé + SIREN',
    EM: 'une adresse e-mail',
  },
  en: {
    '0225': 'the SIREN, optionally followed by "_" and a suffix (letters, digits, + - _ .)',
    '0009': 'a SIRET of 14 digits',
    '0002': 'a SIREN of 9 digits',
    '0088': 'a GLN of 13 digits',
    '9957': 'a French VAT number, FR + key + SIREN',
    EM: 'an e-mail address',
  },
};
const ADDRESS_PROBLEM: Record<Lang, Record<string, Text>> = {
  fr: {
    length: () => 'au plus 125 caractères (règle BR-FR-25).',
    shape: (p) => `le schéma ${p.scheme ?? ''} attend ${SCHEME_FORM.fr[p.scheme ?? ''] ?? ''}${p.scheme === '0225' ? ' (règle BR-FR-23)' : ''}.`,
    key: (p) => `la clé de contrôle ne correspond pas (schéma ${p.scheme ?? ''}).`,
    'siren-mismatch': (p) => `elle doit appartenir à l’acheteur : commencer par son SIREN ${p.siren ?? ''} (règle BR-FR-21).`,
  },
  en: {
    length: () => 'at most 125 characters (rule BR-FR-25).',
    shape: (p) => `scheme ${p.scheme ?? ''} expects ${SCHEME_FORM.en[p.scheme ?? ''] ?? ''}${p.scheme === '0225' ? ' (rule BR-FR-23)' : ''}.`,
    key: (p) => `the check digit does not match (scheme ${p.scheme ?? ''}).`,
    'siren-mismatch': (p) => `it must belong to the buyer: start with its SIREN ${p.siren ?? ''} (rule BR-FR-21).`,
  },
};

export function issueText(issue: CsvIssue, lang: Lang): string {
  return MESSAGES[issue.code][lang](issue.params ?? {});
}

/** "Ligne 5, colonne « Quantité », valeur « -2 » : la quantité doit être supérieure à 0." */
export function describeIssue(issue: CsvIssue, lang: Lang): string {
  const where: string[] = [];
  if (lang === 'fr') {
    where.push(issue.line > 0 ? `Ligne ${issue.line}` : 'Fichier');
    if (issue.column) where.push(`colonne « ${issue.column} »`);
    if (issue.value !== undefined) where.push(`valeur « ${issue.value} »`);
    return `${where.join(', ')} : ${issueText(issue, lang)}`;
  }
  where.push(issue.line > 0 ? `Line ${issue.line}` : 'File');
  if (issue.column) where.push(`column "${issue.column}"`);
  if (issue.value !== undefined) where.push(`value "${issue.value}"`);
  return `${where.join(', ')}: ${issueText(issue, lang)}`;
}
