/**
 * The language of a reply: the client record's, else Content-Language, else
 * the words of the mail itself, else French.
 */
import { header, type ParsedMessage } from './parse.js';

export type Lang = 'fr' | 'en';

const FR = new Set(['le', 'la', 'les', 'des', 'du', 'une', 'et', 'est', 'pour', 'vous', 'nous', 'je', 'bonjour', 'merci', 'avec', 'dans', 'sur', 'cordialement', 'ci', 'joint', 'facture', 'factures', 'mes', 'données', 'donnees', 'pas', 'que', 'qui']);
const EN = new Set(['the', 'and', 'is', 'for', 'you', 'we', 'i', 'hello', 'hi', 'thanks', 'thank', 'with', 'in', 'on', 'please', 'regards', 'attached', 'invoice', 'invoices', 'my', 'data', 'not', 'that', 'which', 'dear']);

export function detectLanguage(m: ParsedMessage, clientLang?: Lang): Lang {
  if (clientLang) return clientLang;
  const declared = header(m, 'content-language')?.trim().toLowerCase();
  if (declared?.startsWith('fr')) return 'fr';
  if (declared?.startsWith('en')) return 'en';
  let fr = 0;
  let en = 0;
  for (const word of `${m.subject} ${m.text.slice(0, 4000)}`.toLowerCase().split(/[^a-zà-ÿœ']+/)) {
    if (FR.has(word)) fr++;
    if (EN.has(word)) en++;
  }
  return en > fr ? 'en' : 'fr';
}
