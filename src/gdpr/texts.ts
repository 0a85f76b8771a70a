/** The words of the GDPR answers, in French and English. Kept apart from the logic so they can be reviewed as text. */
import type { Lang } from '../mail/language.js';
import type { RightKind } from './classify.js';

export const KIND_TEXT: Record<RightKind, Record<Lang, string>> = {
  access: { fr: 'accès à vos données (art. 15 du RGPD)', en: 'access to your data (GDPR Art. 15)' },
  rectification: { fr: 'rectification de vos données (art. 16)', en: 'rectification of your data (Art. 16)' },
  erasure: { fr: 'effacement de vos données (art. 17)', en: 'erasure of your data (Art. 17)' },
  restriction: { fr: 'limitation du traitement de vos données (art. 18)', en: 'restriction of the processing of your data (Art. 18)' },
  'restriction-lift': { fr: 'levée de la limitation du traitement (art. 18)', en: 'lifting the restriction of processing (Art. 18)' },
  portability: { fr: 'portabilité de vos données (art. 20)', en: 'portability of your data (Art. 20)' },
  objection: { fr: 'opposition au traitement de vos données (art. 21)', en: 'objection to the processing of your data (Art. 21)' },
};

export function frame(lang: Lang): { greeting: string; footer: string; referenceLabel: string } {
  return lang === 'fr'
    ? { greeting: 'Bonjour,', footer: 'Ce message est envoyé automatiquement par le service de facturation du studio.', referenceLabel: 'Référence de votre demande :' }
    : { greeting: 'Hello,', footer: "This message is sent automatically by the studio's invoicing service.", referenceLabel: 'Reference of your request:' };
}

export const T = {
  codeSubject: (lang: Lang, ref: string) => (lang === 'fr' ? `[${ref}] Confirmez votre demande` : `[${ref}] Confirm your request`),
  codeBody: (lang: Lang, kind: RightKind, code: string, hours: number) =>
    lang === 'fr'
      ? [
          `Nous avons bien reçu une demande de ${KIND_TEXT[kind].fr} envoyée depuis cette adresse.`,
          `Pour nous assurer que cette demande vient bien de vous, répondez à ce message en indiquant ce code : ${code}`,
          `Le code est valable ${hours} heures. Sans réponse, la demande sera close sans suite. Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : rien ne sera fait.`,
        ]
      : [
          `We received a request for ${KIND_TEXT[kind].en} sent from this address.`,
          `To make sure it comes from you, reply to this message with this code: ${code}`,
          `The code is valid for ${hours} hours. Without an answer the request is closed. If you did not make this request, ignore this message: nothing will be done.`,
        ],
  rightsSubject: (lang: Lang) => (lang === 'fr' ? 'Vos droits sur vos données personnelles' : 'Your rights over your personal data'),
  rightsBody: (lang: Lang) =>
    lang === 'fr'
      ? ["Votre message parle de données personnelles. Vous pouvez exercer ces droits en écrivant à cette adresse, par exemple avec l'objet « RGPD : accès » :"]
      : ['Your message is about personal data. You can exercise these rights by writing to this address, for instance with the subject "GDPR: access":'],
  rightsItems: (lang: Lang) =>
    lang === 'fr'
      ? ['accès à vos données (RGPD : accès)', 'rectification (RGPD : rectification, avec des lignes « champ : valeur »)', 'effacement (RGPD : effacement)', 'limitation du traitement (RGPD : limitation)', 'portabilité (RGPD : portabilité)', 'opposition (RGPD : opposition)', 'réclamation auprès de la CNIL (www.cnil.fr)']
      : ['access to your data (GDPR: access)', 'rectification (GDPR: rectification, with "field: value" lines)', 'erasure (GDPR: erasure)', 'restriction of processing (GDPR: restriction)', 'portability (GDPR: portability)', 'objection (GDPR: objection)', 'a complaint to the CNIL (www.cnil.fr)'],
  wrongCode: (lang: Lang, left: number) =>
    lang === 'fr' ? [`Ce code ne correspond pas. Il vous reste ${left} essai(s).`] : [`This code does not match. ${left} attempt(s) left.`],
  closedCode: (lang: Lang, why: 'expired' | 'locked') =>
    lang === 'fr'
      ? [why === 'expired' ? 'Le code a expiré : la demande est close. Vous pouvez en faire une nouvelle.' : 'Trop d’essais incorrects : la demande est close. Vous pouvez en faire une nouvelle.']
      : [why === 'expired' ? 'The code has expired: the request is closed. You may make a new one.' : 'Too many wrong attempts: the request is closed. You may make a new one.'],
  joined: (lang: Lang) =>
    lang === 'fr' ? ['Une demande du même type est déjà en cours pour cette adresse : votre message y a été joint. Un nouveau code vous est envoyé ci-dessous.'] : ['A request of the same kind is already open for this address: your message was added to it. A new code follows.'],
  resultSubject: (lang: Lang, ref: string) => (lang === 'fr' ? `[${ref}] Réponse à votre demande` : `[${ref}] Answer to your request`),
  noData: (lang: Lang) => (lang === 'fr' ? ['Nous ne détenons aucune donnée concernant cette adresse.'] : ['We hold no data about this address.']),
  forwarded: (lang: Lang, controllers: string) =>
    lang === 'fr'
      ? [`Cette adresse figure sur des factures que nous émettons pour le compte de : ${controllers}. Cette entreprise est responsable du traitement de ces données ; nous agissons pour son compte (sous-traitant, art. 28 du RGPD).`, 'Nous lui avons transmis votre demande ce jour. Elle vous répondra directement.']
      : [`This address appears on invoices we issue on behalf of: ${controllers}. That company is the controller of this data; we process it on its behalf (processor, GDPR Art. 28).`, 'We have passed your request on to it today. It will answer you directly.'],
};
