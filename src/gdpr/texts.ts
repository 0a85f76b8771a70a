/** The words of the GDPR answers, in French and English. Kept apart from the logic so they can be reviewed as text. */
import { displayDate } from '../core/format.js';
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

/** "une demande d'accès…", "une demande de rectification…": French elides "de" before a vowel. */
export function demandeDe(kind: RightKind): string {
  const what = KIND_TEXT[kind].fr;
  return /^[aeéèêiouh]/i.test(what) ? `d'${what}` : `de ${what}`;
}

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
          `Nous avons bien reçu une demande ${demandeDe(kind)} envoyée depuis cette adresse.`,
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
  /** The changes a confirmation will apply, each as "field : before → after". */
  changesIntro: (lang: Lang) =>
    lang === 'fr' ? ['Si vous confirmez, exactement ces changements seront appliqués à la fiche (champ : avant → après) :'] : ['If you confirm, exactly these changes will be made to the record (field: before → after):'],
  change: (c: { field: string; before: string; after: string }) => `${c.field} : ${c.before || '—'} → ${c.after || '—'}`,
  joinedChanges: (lang: Lang) =>
    lang === 'fr'
      ? ["Une demande de rectification était déjà en cours pour cette adresse : la liste ci-dessus réunit ses changements et ceux de votre dernier message. Si vous n'avez pas demandé l'un d'eux, ne confirmez pas : la demande sera close sans suite."]
      : ['A rectification request was already open for this address: the list above joins its changes and those of your last message. If you did not ask for one of them, do not confirm: the request will be closed with nothing done.'],
  /** `operatorTold`: the operator is mailed the request (an `operatorAddress` is set); otherwise the person is asked to write to `contact`. */
  keyChangeNote: (lang: Lang, second: 'record-address' | 'operator', operatorTold: boolean, contact: string) =>
    lang === 'fr'
      ? [
          "Ce changement touche l'adresse e-mail ou l'IBAN de la fiche : il faut aussi la confirmation de chaque nouvelle adresse (un code lui est envoyé) et " +
            (second === 'record-address' ? "celle d'une autre adresse déjà inscrite sur la fiche (un code lui est envoyé)." : operatorTold ? "l'accord de l'opérateur du service, qui en est informé." : `l'accord de l'opérateur du service : écrivez au studio (${contact}) pour le lui demander.`),
        ]
      : [
          'This change touches the e-mail address or IBAN of the record: it also needs the confirmation of each new address (a code is sent to it) and ' +
            (second === 'record-address' ? 'that of another address already on the record (a code is sent to it).' : operatorTold ? "the approval of the service's operator, who is told." : `the approval of the service's operator: write to the studio (${contact}) to ask for it.`),
        ],
  newAddressSubject: (lang: Lang, ref: string) => (lang === 'fr' ? `[${ref}] Confirmez cette adresse` : `[${ref}] Confirm this address`),
  newAddressBody: (lang: Lang, code: string, hours: number) =>
    lang === 'fr'
      ? ["Une demande reçue par le service de facturation du studio veut inscrire cette adresse sur la fiche d'un client, pour y recevoir ses factures et ses données.", `Si c'est bien votre adresse et que vous êtes d'accord, répondez à ce message avec ce code : ${code}`, `Le code est valable ${hours} heures. Sinon, ignorez ce message : rien ne sera fait.`]
      : ["A request received by the studio's invoicing service wants to put this address on a client's record, where it would receive the client's invoices and data.", `If this is your address and you agree, reply to this message with this code: ${code}`, `The code is valid for ${hours} hours. Otherwise ignore this message: nothing will be done.`],
  approvalSubject: (lang: Lang, ref: string) => (lang === 'fr' ? `[${ref}] Changement de votre fiche demandé` : `[${ref}] A change of your record was asked`),
  approvalBody: (lang: Lang, requester: string, code: string, hours: number) =>
    lang === 'fr'
      ? [`Un changement de votre fiche client a été demandé depuis l'adresse ${requester}. Il ne sera fait qu'avec votre accord.`, `Si vous êtes d'accord, répondez à ce message avec ce code : ${code}`, `Si vous n'êtes pas d'accord, ne faites rien : sans accord dans les ${hours} heures, rien ne sera changé.`]
      : [`A change of your client record was asked from the address ${requester}. It will be made only with your agreement.`, `If you agree, reply to this message with this code: ${code}`, `If you do not agree, do nothing: without agreement within ${hours} hours, nothing is changed.`],
  recorded: (lang: Lang, waiting: string[]) =>
    lang === 'fr'
      ? ['Votre confirmation est enregistrée. La demande sera exécutée dès que ces confirmations seront arrivées :', ...waiting.map((w) => `• ${w}`)]
      : ['Your confirmation is recorded. The request will be carried out once these confirmations have arrived:', ...waiting.map((w) => `• ${w}`)],
  waitingNewAddress: (lang: Lang, address: string) => (lang === 'fr' ? `celle de la nouvelle adresse ${address}` : `that of the new address ${address}`),
  waitingRequester: (lang: Lang) => (lang === 'fr' ? "celle de l'adresse qui a fait la demande" : 'that of the address that made the request'),
  waitingSecond: (lang: Lang, second: 'record-address' | 'operator') =>
    lang === 'fr' ? (second === 'record-address' ? "celle d'une autre adresse de la fiche" : "l'accord de l'opérateur du service") : second === 'record-address' ? 'that of another address on the record' : "the approval of the service's operator",
  howToConfirm: (lang: Lang) =>
    lang === 'fr'
      ? ['Pour confirmer cette demande, écrivez le code reçu dans le texte de votre réponse (pas seulement dans le message cité). Sans code, rien ne sera fait et la demande sera close à son expiration.']
      : ['To confirm this request, write the code you received in the text of your reply (not only in the quoted message). Without the code nothing is done, and the request is closed when it expires.'],
  oneCode: (lang: Lang) => (lang === 'fr' ? 'Un message ne peut porter qu’un seul code.' : 'A message may carry one code only.'),
  noMoreTries: (lang: Lang) =>
    lang === 'fr' ? ["Trop de codes incorrects ont été envoyés depuis cette adresse : aucun autre essai n'est possible avant 24 heures."] : ['Too many wrong codes were sent from this address: no other attempt is possible for 24 hours.'],
  stale: (lang: Lang, fields: string[]) =>
    lang === 'fr'
      ? [`La fiche a changé depuis que le code vous a été envoyé (${fields.join(', ')}) : la rectification n'a pas été faite, pour ne pas appliquer autre chose que ce que vous avez confirmé. Envoyez une nouvelle demande si elle est toujours utile.`]
      : [`The record changed after the code was sent to you (${fields.join(', ')}): the rectification was not made, so as not to apply anything but what you confirmed. Send a new request if it is still needed.`],
  joined: (lang: Lang) =>
    lang === 'fr' ? ['Une demande du même type est déjà en cours pour cette adresse : votre message y a été joint. Un nouveau code vous est envoyé ci-dessous.'] : ['A request of the same kind is already open for this address: your message was added to it. A new code follows.'],
  /** Art. 18(3): the person is told before a restriction is lifted, with the day it takes effect. */
  liftNoticeSubject: (lang: Lang, ref: string) => (lang === 'fr' ? `[${ref}] Levée prochaine de la limitation du traitement` : `[${ref}] The restriction of processing will be lifted`),
  /** `since` and `on` are instants, dated on the clock of Paris. */
  liftNotice: (lang: Lang, since: string, on: string, contact: string) =>
    lang === 'fr'
      ? [
          `La limitation du traitement de vos données (RGPD art. 18), en place depuis le ${displayDate(since, lang)}, sera levée le ${displayDate(on, lang)}. Nous vous en informons avant qu'elle le soit, comme le prévoit l'article 18(3).`,
          'À partir de cette date, vos données seront de nouveau traitées : les fichiers de facturation que vous enverrez seront traités.',
          `Si la limitation doit être maintenue (par exemple parce que l'exactitude de vos données est contestée, ou parce que vous en avez besoin pour une action en justice), écrivez au studio (${contact}) avant cette date.`,
        ]
      : [
          `The restriction of processing of your data (GDPR Art. 18), in place since ${displayDate(since, lang)}, will be lifted on ${displayDate(on, lang)}. We tell you before it is, as Article 18(3) requires.`,
          'From that day your data will be processed again: the invoicing files you send will be processed.',
          `If the restriction must stay (for instance because the accuracy of your data is contested, or because you need it for a legal claim), write to the studio (${contact}) before that day.`,
        ],
  resultSubject: (lang: Lang, ref: string) => (lang === 'fr' ? `[${ref}] Réponse à votre demande` : `[${ref}] Answer to your request`),
  noData: (lang: Lang) => (lang === 'fr' ? ['Nous ne détenons aucune donnée concernant cette adresse.'] : ['We hold no data about this address.']),
  forwarded: (lang: Lang, controllers: string) =>
    lang === 'fr'
      ? [`Cette adresse figure sur des factures que nous émettons pour le compte de : ${controllers}. Cette entreprise est responsable du traitement de ces données ; nous agissons pour son compte (sous-traitant, art. 28 du RGPD).`, 'Nous lui avons transmis votre demande ce jour. Elle vous répondra directement.']
      : [`This address appears on invoices we issue on behalf of: ${controllers}. That company is the controller of this data; we process it on its behalf (processor, GDPR Art. 28).`, 'We have passed your request on to it today. It will answer you directly.'],
};
