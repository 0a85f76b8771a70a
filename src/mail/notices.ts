/**
 * A plain notice (a few paragraphs and a list) in the reader's language, in
 * the one generic template: the rights-request mails, the operator's
 * notices, the warnings sent to a record's other addresses.
 */
import { frame } from '../gdpr/texts.js';
import type { ReplyDraft } from './compose.js';
import type { Lang } from './language.js';

export function notice(to: string, lang: Lang, subject: string, paragraphs: string[], items: string[] = [], reference?: string, kind = 'notice'): ReplyDraft {
  return { kind, template: 'gdpr-message', lang, to, data: { ...frame(lang), subject, paragraphs, items, ...(reference ? { reference } : {}) }, ...(reference ? { subjectTag: `[${reference}]` } : {}) };
}
