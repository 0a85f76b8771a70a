/**
 * Which right a person exercises, from their own words (GDPR Art. 15–21),
 * in French or English, in the subject or the body, accents or not. Quoted
 * text and signatures are left out: a reply that quotes our own message must
 * not be read as a new request.
 */
import { foldKey } from '../core/text.js';

export type RightKind = 'access' | 'rectification' | 'erasure' | 'restriction' | 'restriction-lift' | 'portability' | 'objection';
export type Classification = { kind: RightKind } | { kind: 'unspecified' } | null;

/**
 * Where a mail client starts the text it quotes or forwards: "Le … a écrit :",
 * "On … wrote:", Outlook's "-----Original Message-----" or its "De : … /
 * From: …" header block, a forwarded message's banner.
 */
const QUOTE_START = /^(le .{3,80} a ecrit|on .{3,80} wrote|-{2,}\s*(original message|message d'origine|forwarded message|message transfere)|debut du message (reexpedie|transfere)|begin forwarded message|(de|from) ?: .{0,120}@)/;

/** The person's own text: no quoted lines, nothing after a signature, a reply header or a forwarded message. */
export function ownText(body: string): string {
  const out: string[] = [];
  for (const line of body.split(/\r?\n/)) {
    if (/^-- ?$/.test(line)) break; // RFC 3676 §4.3 signature separator
    if (QUOTE_START.test(foldText(line).trim())) break;
    if (/^\s*>/.test(line)) continue;
    out.push(line);
  }
  return out.join('\n');
}

/** Lower case, no accents, single spaces: "Droit à l'oubli" → "droit a l'oubli". */
export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/\s+/g, ' ');
}

/** Checked in order: the more specific rights first (lifting a restriction before restriction, portability before access). */
const PATTERNS: [RightKind, RegExp][] = [
  ['restriction-lift', /\b(lever|levee|fin|mettre fin a|annuler) (de )?(la )?(limitation|restriction)\b|\blift(ing)? (the |my )?(restriction|limitation)\b|\b(rgpd|gdpr) ?: ?(levee|lift)/],
  ['portability', /\bportabilite\b|\bportability\b|\bport(er)? mes donnees\b|\bformat (structure|lisible par machine)|\bmachine[- ]readable\b|\b(rgpd|gdpr) ?: ?portab/],
  ['erasure', /\b(supprim|effac|oubli|eras|delet|remove|forget)\w*\b.{0,60}\b(donnees|data|information|compte|account|record)|\bdroit a l'oubli\b|\bright to (be forgotten|erasure)\b|\b(rgpd|gdpr) ?: ?(effacement|suppression|erasure|deletion)/],
  ['rectification', /\b(rectifi|corrig|mettre a jour|modifi|correct|updat|chang)\w*\b.{0,60}\b(donnees|data|adresse|address|coordonnees|details|information|iban|telephone|phone|nom|name|email)|\b(rgpd|gdpr) ?: ?(rectification|correction)/],
  ['restriction', /\b(limit|restrei|restrict|gel|suspend|freeze)\w*\b.{0,60}\b(traitement|processing|donnees|data)|\b(rgpd|gdpr) ?: ?(limitation|restriction)/],
  ['objection', /\b(m'?oppose|opposition|object(ion)?|je refuse que|stop (using|processing))\b.{0,80}\b(traitement|processing|donnees|data|utilis)|\b(rgpd|gdpr) ?: ?(opposition|objection)/],
  ['access', /\b(acces|acceder|copie|communiqu\w*|obtenir|savoir|quelles? donnees|access|copy|subject access request|what (personal )?data|which (personal )?data|dsar)\b.{0,80}\b(donnees|data|informations?)|\bdroit d'acces\b|\bright of access\b|\bsubject access request\b|\b(rgpd|gdpr) ?: ?(acces|access)/],
];

const PERSONAL_DATA = /\b(donnees personnelles|donnees|rgpd|gdpr|personal data|vie privee|privacy|cnil|data protection|protection des donnees)\b/;

/** The own text the classifiers read: a person's request fits well within its first 64 KB. */
const OWN_TEXT_READ = 64 * 1024;

export function classifyRequest(subject: string, body: string): Classification {
  const text = foldText(`${subject.slice(0, 1000)}\n${ownText(body).slice(0, OWN_TEXT_READ)}`);
  for (const [kind, re] of PATTERNS) if (re.test(text)) return { kind };
  return PERSONAL_DATA.test(text) ? { kind: 'unspecified' } : null;
}

/** "champ : valeur" / "field: value" lines of a rectification request, keys folded. */
export function fieldLines(body: string): { key: string; label: string; value: string }[] {
  const out: { key: string; label: string; value: string }[] = [];
  for (const line of ownText(body).slice(0, OWN_TEXT_READ).split('\n')) {
    const m = /^\s*[-*•]?\s*([\p{L}][\p{L} '’_-]{1,40}?)\s*:\s*(.+?)\s*$/u.exec(line);
    if (m?.[1] && m[2]) out.push({ key: foldKey(m[1]), label: m[1].trim(), value: m[2] });
  }
  return out;
}
