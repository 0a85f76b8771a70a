/**
 * The words of a rights request (GDPR Art. 15–21), folded (lower case, no
 * accents, see foldText). A request names what the person wants done (an
 * action) to their own data (a first-person object: "mes données", "my
 * address", "me concernant", "forget me"), or names the right itself ("droit
 * d'accès", "article 17", "right to object"). Business mail uses the same
 * verbs on invoices, lines and files, never on "my data": that is what keeps
 * "supprimer la ligne en double" or "update the address on invoice 12" out.
 */
import type { RightKind } from './classify.js';

/** Words of the person's own data, after "mes/mon/ma/my" (two words may come between: "my old postal address"). */
const OWN_THINGS =
  'donnees|donees|donnes|donnee|donne|informations?|infos?|coordonnees|adresses?|adress|comptes?|dossiers?|noms?|prenoms?|e-?mails?|mails?|courriels?|telephones?|numeros?|iban|profils?|fiches?|details|data|datas|account|records?|profile|address|addresses|name|surname|phone|number|personal';

/** A first-person object: the person's own data, or the person ("forget me", "oubliez-moi"). */
export const OWN_DATA = new RegExp(
  [
    // Also "son/ses/his/her": a request made for someone else (a parent, a spouse).
    `\\b(mes|mon|ma|my|son|sa|ses|his|her)\\s+(\\S+\\s+){0,2}(${OWN_THINGS})\\b`,
    `\\b(donnees|informations?|infos?|data|datas|information|details)\\s+(personnelles\\s+|personal\\s+)?(me concernant|qui me concernent|a mon sujet|sur moi|de moi|about me|on me|concerning me|regarding me|relating to me|of mine)\\b`,
    `\\b(me concernant|about me|on me|sur moi)\\b`,
    `\\b(donnees|informations?|infos?)\\s+(personnelles\\s+)?(le|la|les|lui) concernant\\b`,
    `\\b(moi|me)\\s+(de vos|from your)\\b`,
    `\\b(oubliez|effacez|supprimez|retirez|desinscrivez|desabonnez|rayez)-?\\s?moi\\b`,
    `\\bm'(oublier|effacer|retirer|desinscrire|desabonner)\\b`,
    `\\bme (supprimer|retirer|desinscrire|desabonner|rayer)\\b`,
    `\\b(forget|delete|remove|erase|unsubscribe|take|profil\\w*|contact\\w*|track\\w*|email\\w*|solicit\\w*)\\s+me\\b`,
    `\\bme (profiler|contacter|solliciter|demarcher|pister)\\b`,
    `\\b(everything|all)\\s+(you\\s+(have|hold|keep|store)\\s+)?(about|on)\\s+me\\b`,
    `\\btout ce que vous (avez|detenez|savez|conservez) (sur|de) moi\\b`,
  ].join('|'),
);

/** Named rights: a request that cites the right or its article needs no other words (an article number: beside RGPD/GDPR or data). */
const NAMED: [RightKind, RegExp][] = [
  ['restriction-lift', /\b(lever|levee de|lift(ing)?|remove|retirer|annuler|fin de|end( of)?) (la |the |my |cette )?(limitation|restriction)\b/],
  ['portability', /\b(droit a la )?portabilite\b|\b(right to )?(data )?portability\b|\bart(icle|\.)? ?20\b/],
  ['erasure', /\bdroit a (l'effacement|l'oubli)\b|\bright to (erasure|be forgotten)\b|\bart(icle|\.)? ?17\b|\b(demande d'|request for )?(effacement|erasure)\b|\b(gdpr|rgpd) (deletion|suppression|erasure|effacement)\b|\b(deletion|suppression|effacement) (request|rgpd|gdpr)\b/],
  ['rectification', /\bdroit de rectification\b|\bright to rectification\b|\bart(icle|\.)? ?16\b|\b(demande de )?rectification\b/],
  ['restriction', /\bdroit a la limitation\b|\bright to restriction\b|\bart(icle|\.)? ?18\b|\blimitation du traitement\b|\brestriction of processing\b|\b(rgpd|gdpr) (limitation|restriction)\b|\b(limitation|restriction) (rgpd|gdpr)\b/],
  ['objection', /\bdroit d'opposition\b|\bright to object\b|\bart(icle|\.)? ?21\b|\b(opposition|objection) (rgpd|gdpr|au traitement|to (the )?processing)\b|\b(rgpd|gdpr) (opposition|objection)\b/],
  ['access', /\bdroit d'acces\b|\bright of access\b|\bsubject access request\b|\bdsar\b|\bart(icle|\.)? ?15\b|\b(demande d'acces|access request)\b|\b(rgpd|gdpr) (acces|access)\b|\bacces (rgpd|gdpr)\b/],
];

/** What the person wants done, per right; matched in the same sentence as their own data (global: each match is checked for a negation). */
const ACTIONS: [RightKind, RegExp][] = [
  ['restriction-lift', /\b(a nouveau|de nouveau|again|resume|reprendre)\b.{0,40}\b(utilis|trait|process|use)\w*|\b(utilis|trait|process|use)\w*\b.{0,40}\b(a nouveau|de nouveau|again)\b/g],
  ['portability', /\b(transfer\w*|transmettre a|export\w*|download\w*|telecharg\w*|recuper\w*|retrieve|portabilit\w*|porter|port)\b|\b(send|envoy\w*|transmet\w*)\b.{0,40}\b(to|a|vers) (my|mon|ma|another|un autre|une autre|a new|un nouveau)\b|\bformat (structure|lisible|courant)|\bmachine[- ]readable\b|\bjson\b|\b(to|vers|chez) (another|a new|un autre|un nouveau|mon nouveau|my new) (provider|prestataire|service|fournisseur)/g],
  ['erasure', /\b(supprim\w*|suprim\w*|suppression|supres\w*|supress\w*|effac\w*|efface\w*|eras\w*|delet\w*|remov\w*|wipe\w*|purg\w*|vir(er|ez)|retir(er|ez)|oubli(er|ez)|forget|forgotten|detrui\w*|destroy\w*|rayer|rayez)\b/g],
  ['rectification', /\b(rectifi\w*|corrig\w*|correct\w*|mettre a jour|mise a jour|mettez a jour|updat\w*|modifi\w*|modif(er|ier)|changer|changez|change|fix|inexact\w*|incorrect\w*|erron\w*|wrong|faux|fausse|misspel\w*|mal orthographi\w*|outdated|obsolete|plus a jour|perime\w*|complet(er|ez)|incomplet\w*)\b/g],
  ['restriction', /\b(limit(e|er|ez|ation|ing)?|restrei\w*|restrict\w*|gel(er|ez)|suspend\w*|freez\w*|bloqu\w*|block)\b|\b(until|jusqu'a|en attendant|le temps de|pending)\b.{0,60}\b(stop|cess|arret|utilis|use)/g],
  ['objection', /\b(m'?oppos\w*|oppos\w*|object\w*|je refuse que|refuse (que|the|to)|stop (using|processing|sending|contacting|emailing)|cesse[rz]? d'utiliser|arrete[rz]? d'utiliser|ne (plus )?(pas )?utiliser|ne plus utiliser|n'utilisez plus|don'?t (use|process)|no longer (use|process)|unsubscribe|desabonn\w*|desinscri\w*|prospection|marketing|profil(ing|age))\b/g],
  ['access', /\b(acces|acceder|access|consulter|copie|copy|obtenir|recevoir|receive|communiquer|communication|transmettre|envoyer|send|savoir|know|quelles?|quoi|which|what|voir|see|liste|list|tell|dites|indiqu\w*|provide|fournir|fournissez|inform\w*|store|stock\w*|detene\w*|detien\w*|hold|conserv\w*|avez)\b/g],
];

/** Not said but meant: a person who moved, or whose bank details changed, asks for a rectification. */
const IMPLICIT: [RightKind, RegExp][] = [
  ['rectification', /\b(j'ai demenage|i (have )?moved|(ma|my) (nouvelle|new) (adresse|address)|mon iban a change|my iban (has )?changed|mon nom a change|my name (has )?changed)\b|\b(mes (donnees|informations|coordonnees)|my (data|details|information)) (me concernant |about me )?(sont|is|are) (inexactes?|incorrect|wrong|fausses?|erronees?)\b/],
  ['erasure', /\bne (veux|souhaite) plus (figurer|apparaitre|etre) dans vos (fichiers|bases?|listes?)|\bdon'?t want to be (in|on) your (database|files|lists?|records)|\b(remove|delete|retirez|supprimez) (me|moi) (from|de) (your|vos) (database|files|lists?|records|fichiers|bases?|listes?)/],
  ['objection', /\b(ne )?(veux|souhaite|desire) plus (recevoir|etre (contacte|sollicite)e?)\b|\bne plus recevoir\b|\barrete[rz]? de m'(envoyer|ecrire|contacter|solliciter)\b|\bstop (sms|mails?|e-?mails?|pub)\b|\b(no more|don'?t want (any )?more) (marketing|promotional|emails|newsletters|ads)\b|\bne me (contactez|sollicitez|relancez|ecrivez) plus\b|\bne plus me (contacter|solliciter|envoyer)\b|\bstop (sending|emailing|contacting) me\b|\bdon'?t (contact|email) me\b/],
];

/** A sentence that tells rights rather than asks for one: a legal notice, a disclaimer, a newsletter footer. */
export const INFORMATIONAL = /\b(pour ne plus recevoir|cliquez ici|click here|(of|to) your (personal )?data|(de|a) vos donnees|privacy policy|privacy notice|politique de confidentialite|vous disposez|vous beneficiez|vous pouvez exercer|pour exercer (ces|vos) droits|conformement (a la loi|au rgpd|au reglement|a la reglementation)|you have the right|you have a right|you may exercise|you can exercise|to exercise (these|your) rights|in accordance with (the )?(gdpr|regulation)|ce message (et|est)|this (e-?mail|message) (and|is|may)|confidential|manage your (data|preferences)|update your preferences|se desabonner de cette)\b/;

/** The person's first-person voice or a privacy word: needed before a mail with no right recognised is "unspecified". */
export const PRIVACY = /\b(rgpd|gdpr|cnil|donnees personnelles|personal data|protection des donnees|data protection|vie privee|privacy|dpo)\b/;

/** A field of an invoicing document ("my billing address on invoice 12", "mon adresse sur la facture"): the client's business, not a right. */
export const BUSINESS = /\b(on|sur|de|du|des|in|dans|of|for|pour)\s+(the |la |le |l'|les |our |notre |nos |this |cette |ce |these |ces )?(factures?|invoices?|avoirs?|credit notes?|devis|quotes?|lignes?|lines?|rows?|csv|bons? de commande|purchase orders?|commandes?|orders?)\b/;

/** An English negation before an action: "don't delete", "do not yet remove", "never share". */
const NEGATED_BEFORE = /\b(don'?t|do not|doesn'?t|not|never|without|no need to)\s+(\S+\s+){0,3}$|\b(pas|plus|jamais)\s+(de |d'|que vous |qu'on )?(les |l'|la |le |me |m')?$/;
/** A French one around it: "ne supprimez pas", "ne les effacez pas", "n'effacez rien", "sans les supprimer". */
const NE_BEFORE = /(\bne\s+|\bn')(les |l'|la |le |me |m'|en |y )?$/;
const NEGATED_AFTER = /^\s*(\S+\s+){0,1}(pas|plus|rien|jamais)\b/;
const SANS_BEFORE = /\bsans\s+(les |l'|la |le |me |m')?$/;

export interface Hit {
  kind: RightKind;
  /** 2: the right named ("droit d'accès", "article 17"); 1: read from what the person asks. A named right wins. */
  strength: 1 | 2;
  /** The words it was read from. */
  word: string;
  /** Where in the text it was found: the earliest request is the person's first. */
  at: number;
}

/** Nouns that name a right but also a business matter ("la limitation du nombre de factures"): not alone beside invoicing words. */
const BARE_NOUN = /^(effacement|erasure|rectification|limitation|restriction|portabilit\w*|lever|levee|lift|annuler|fin|end|remove|retirer)/;
/** "article 15" is the GDPR's only beside the regulation's name or its subject. */
const ARTICLE = /^article/;
const DATA_PROTECTION = /\b(rgpd|gdpr|reglement general|general data protection|donnees|data|datas|informations?)\b/;
const INVOICING = /\b(factures?|invoices?|avoirs?|devis|lignes?|csv|commandes?|orders?|paiements?|payments?|contrat|contract|cgv|tva|vat|declaration|comptab\w*|accounting)\b/;
/** Words that ask for access itself, not only phrase another request ("send me confirmation", "let me know"). */
const ACCESS_ITSELF = /\b(copie|copy|acces|access|acceder|consulter|obtenir)\b/;
/** The person speaking: a request says "I", a notice says "you". */
export const FIRST_PERSON = /\b(je|j'|i|i'm|me|m'|my|mes|mon|ma|moi)\b/;
/** "stop using it", "ne faites plus rien avec": a use to stop, which with "don't delete" is a restriction (Art. 18(1)(b), (c)). */
const STOP_USE = /\b(stop (using|processing)|ne faites plus rien|n'utilisez plus|cesse[rz]? d'utiliser|ne plus (les |l')?utiliser|don'?t use)\b/;

/**
 * The rights a sentence asks for (`offset`: where it starts in the text).
 * `ownBefore`: the sentence before spoke of the person's data, so "it",
 * "en", "les" here may stand for it ("Please delete my data. Also remove it
 * from backups.").
 */
export function rightsInSentence(sentence: string, offset: number, ownBefore = false): { hits: Hit[]; own: boolean; negatedErasure: boolean; stopUse?: number | undefined } {
  const own = OWN_DATA.test(sentence);
  if (INFORMATIONAL.test(sentence)) return { hits: [], own, negatedErasure: false };
  const hits: Hit[] = [];
  const invoicing = INVOICING.test(sentence) && !PRIVACY.test(sentence) && !own;
  for (const [kind, re] of NAMED) {
    const m = re.exec(sentence);
    if (!m) continue;
    if (ARTICLE.test(m[0]) && !DATA_PROTECTION.test(sentence)) continue;
    if (invoicing && BARE_NOUN.test(m[0])) continue;
    hits.push({ kind, at: offset + m.index, strength: 2, word: m[0] });
  }
  for (const [kind, re] of IMPLICIT) {
    const m = re.exec(sentence);
    if (m) hits.push({ kind, at: offset + m.index, strength: 1, word: m[0] });
  }
  let negatedErasure = false;
  if ((own || ownBefore) && !BUSINESS.test(sentence)) {
    for (const [kind, re] of ACTIONS) {
      re.lastIndex = 0;
      for (let m = re.exec(sentence); m; m = re.exec(sentence)) {
        const before = sentence.slice(Math.max(0, m.index - 30), m.index);
        const after = sentence.slice(m.index + m[0].length, m.index + m[0].length + 20);
        if (NEGATED_BEFORE.test(before) || SANS_BEFORE.test(before) || (NE_BEFORE.test(before) && NEGATED_AFTER.test(after))) {
          if (kind === 'erasure') negatedErasure = true;
          continue;
        }
        hits.push({ kind, at: offset + m.index, strength: 1, word: m[0] });
        break;
      }
    }
  }
  const has = (k: RightKind) => hits.some((h) => h.kind === k);
  const stop = STOP_USE.exec(sentence);
  const stopUse = stop ? offset + stop.index : undefined;
  // A list of rights with no "I" in it is a notice or an ad ("droit d'accès, droit à l'effacement, portabilité…").
  const named = new Set(hits.filter((h) => h.strength === 2).map((h) => (h.kind === 'restriction-lift' ? 'restriction' : h.kind)));
  if (named.size > 1 && !FIRST_PERSON.test(sentence)) return { hits: [], own, negatedErasure, stopUse };
  const namedAccess = hits.some((h) => h.kind === 'access' && h.strength === 2) || ACCESS_ITSELF.test(sentence);
  return {
    own,
    negatedErasure,
    stopUse,
    // The more specific right wins where both are read: lifting over restriction and erasure, portability over
    // access, erasure over an unsubscribe, restriction over "stop using"; access verbs (send, what, know) beside another right are its wording.
    hits: hits.filter(
      (h) =>
        !((h.kind === 'restriction' || h.kind === 'erasure') && has('restriction-lift')) &&
        !(h.kind === 'access' && has('portability')) &&
        !(h.kind === 'objection' && /unsubscribe|desabonn|desinscri|stop (using|processing)|utilis/.test(h.word) && (has('erasure') || has('restriction'))) &&
        !(h.kind === 'access' && hits.length > 1 && !namedAccess),
    ),
  };
}
