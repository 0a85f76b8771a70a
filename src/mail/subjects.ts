/**
 * What a subject says about the mail it heads: a reply or a forward (its
 * subject is the earlier mail's), or an out-of-office reply from a responder
 * that sets no RFC 3834 header. Shared by the guard and the rights-request
 * reader, so both read subjects alike.
 */

/** "Re:", "AW:", "TR:", "Fwd:"… at the start, repeated or numbered ("Re[2]:"). */
export const REPLY_PREFIX = /^\s*((re|aw|sv|tr|fw|fwd|wg|rif|ref)\s*(\[\d+\])?\s*:\s*)+/i;

/** The subjects of automatic replies in the languages the studio's correspondents write. */
export const AUTO_REPLY_SUBJECT = /^\s*(automatic reply|auto(matic)?[- ]?(reply|response)|autoreply|out of (the )?office|r[ée]ponse automatique|absence du bureau|message d'absence|abwesenheit\w*|automatische antwort|respuesta autom[áa]tica|risposta automatica|automatisch antwoord)\b/i;

/** A subject written for an earlier mail or by a machine: not the sender's own words. */
export function notOwnSubject(subject: string): boolean {
  return REPLY_PREFIX.test(subject) || AUTO_REPLY_SUBJECT.test(subject);
}
