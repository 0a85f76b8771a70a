/**
 * Which right a person exercises, from their own words (GDPR Art. 15–21),
 * in French or English, in the subject or the body, accents or not. Quoted
 * text and signatures are left out: a reply that quotes our own message must
 * not be read as a new request.
 */
import { foldKey } from '../core/text.js';
import { notOwnSubject } from '../mail/subjects.js';
import { FIRST_PERSON, INFORMATIONAL, OWN_DATA, PRIVACY, rightsInSentence, type Hit } from './vocabulary.js';

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
  const lines = body.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^-- ?$/.test(line)) break; // RFC 3676 §4.3 signature separator
    const folded = foldText(line).trim();
    if (QUOTE_START.test(folded) || /^_{5,}$/.test(folded)) break;
    // Outlook's header block of the quoted mail, even without an address: "De : Service facturation" then "Envoyé : …".
    if (/^(de|from) ?: /.test(folded) && /^(envoye|sent|date|a|to|objet|subject|cc) ?: /.test(foldText(lines[i + 1] ?? '').trim())) break;
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

/** The own text the classifiers read: a person's request fits well within its first 64 KB. */
const OWN_TEXT_READ = 64 * 1024;

const MARKETING = /\b(marketing|prospection|publicit\w*|pub|promotion\w*|commerci\w*|newsletters?|sollicitations?)\b/;

/**
 * Sentences as the vocabulary reads them: folded, "art. 15" kept whole, the
 * punctuation of subjects ("RGPD : accès", "RGPD - effacement") made spaces.
 */
function sentences(ownSubject: string, body: string): { text: string; offset: number }[] {
  const own = ownText(body).slice(0, OWN_TEXT_READ);
  const text = foldText(`${ownSubject}\n${own}`)
    .replace(/\bart\.\s*/g, 'article ')
    .replace(/[:|«»"()[\]*•–—]/g, ' ')
    .replace(/ {2,}/g, ' ');
  const out: { text: string; offset: number }[] = [];
  const splitter = /[.!?;]+(\s+|$)|\n+/g;
  let start = 0;
  for (let m = splitter.exec(text); m; m = splitter.exec(text)) {
    if (m.index > start) out.push({ text: text.slice(start, m.index), offset: start });
    start = m.index + m[0].length;
    if (m[0].length === 0) splitter.lastIndex++;
  }
  if (start < text.length) out.push({ text: text.slice(start), offset: start });
  return out;
}

/**
 * The right a mail asks for: the first one it asks for when it asks for two
 * ("send me a copy, then delete it" is an access request first), none for a
 * mail that asks for nothing, and "unspecified" for one that speaks of the
 * person's privacy without saying what to do.
 */
export function classifyRequest(subject: string, body: string): Classification {
  // A reply's or an auto-reply's subject is not the person's own words (often it is ours).
  const ownSubject = notOwnSubject(subject) ? '' : subject.slice(0, 1000);
  const parts = sentences(ownSubject, body);
  let hits: Hit[] = [];
  let ownBefore = false;
  let negatedErasure = false;
  let stopUse: number | undefined;
  for (const p of parts) {
    const r = rightsInSentence(p.text, p.offset, ownBefore);
    hits.push(...r.hits);
    ownBefore = r.own;
    negatedErasure ||= r.negatedErasure;
    stopUse ??= r.stopUse;
  }
  // "Don't delete my data. Just stop using it.": keep but do not use is a restriction (Art. 18(1)(b), (c)), across sentences too.
  // Not for direct marketing: objecting to it is a right of its own (Art. 21(2)).
  if (negatedErasure && stopUse !== undefined && !hits.some((h) => h.kind === 'restriction') && !parts.some((p) => MARKETING.test(p.text))) {
    hits = [...hits.filter((h) => h.kind !== 'objection'), { kind: 'restriction', at: stopUse, strength: 1, word: 'stop' }];
  }
  // A right the person names outweighs one read from their wording; between equals, the first asked for.
  const first = hits.reduce<Hit | undefined>((a, h) => (a === undefined || h.strength > a.strength || (h.strength === a.strength && h.at < a.at) ? h : a), undefined);
  if (first) return { kind: first.kind };
  // Privacy spoken of in the first person ("que faites-vous de mes données ?", "GDPR question: I want…"); not a DPO's signature.
  const aboutPrivacy = PRIVACY.test(foldText(ownSubject)) || parts.some((p) => !INFORMATIONAL.test(p.text) && ((PRIVACY.test(p.text) && FIRST_PERSON.test(p.text)) || (OWN_DATA.test(p.text) && /\b(donnees|data|datas|informations?|infos?)\b/.test(p.text))));
  return aboutPrivacy ? { kind: 'unspecified' } : null;
}

/** "champ : valeur" / "field: value" lines of a rectification request, keys folded. */
export function fieldLines(body: string): { key: string; label: string; value: string }[] {
  const out: { key: string; label: string; value: string }[] = [];
  for (const line of ownText(body).slice(0, OWN_TEXT_READ).split('\n')) {
    // A field line is short; a long one is no field, and is not worth a regular expression's time.
    if (line.length > 1000) continue;
    const m = /^\s*[-*•]?\s*([\p{L}][\p{L} '’_-]{1,40}?)\s*:\s*(.+?)\s*$/u.exec(line);
    if (m?.[1] && m[2]) out.push({ key: foldKey(m[1]), label: m[1].trim(), value: m[2] });
  }
  return out;
}
