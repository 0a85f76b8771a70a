import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyRequest, fieldLines } from '../../src/gdpr/classify.js';

const kind = (subject: string, body = '') => classifyRequest(subject, body)?.kind ?? null;

describe('recognising a rights request', () => {
  it('reads explicit subjects in French and English', () => {
    assert.equal(kind('RGPD : accès'), 'access');
    assert.equal(kind('GDPR: erasure'), 'erasure');
    assert.equal(kind('RGPD : rectification'), 'rectification');
    assert.equal(kind('GDPR: restriction'), 'restriction');
    assert.equal(kind('RGPD : portabilité'), 'portability');
    assert.equal(kind('GDPR: objection'), 'objection');
  });

  it('reads natural wording, with or without accents', () => {
    assert.equal(kind('Demande', 'Bonjour, je souhaite obtenir une copie de mes données. Merci'), 'access');
    assert.equal(kind('Demande', 'je souhaite acceder a mes donnees'), 'access');
    assert.equal(kind('', 'Merci de supprimer mes données personnelles.'), 'erasure');
    assert.equal(kind('Droit à l’oubli', 'Bonjour'), 'erasure');
    assert.equal(kind('Request', 'Please delete my personal data.'), 'erasure');
    assert.equal(kind('Subject access request', 'Hello'), 'access');
    assert.equal(kind('', 'I would like a copy of my data in a machine-readable format'), 'portability');
    assert.equal(kind('', 'Merci de corriger mon adresse.\nadresse : 5 rue Neuve'), 'rectification');
    assert.equal(kind('', 'Je vous demande de limiter le traitement de mes données le temps de vérifier.'), 'restriction');
    assert.equal(kind('', 'Vous pouvez lever la limitation, merci.'), 'restriction-lift');
    assert.equal(kind('', 'Je m’oppose au traitement de mes données.'), 'objection');
  });

  it('knows a mail about personal data that names no right, and ignores quoted text and signatures', () => {
    assert.deepEqual(classifyRequest('Question', 'Que faites-vous de mes données personnelles au juste ?'), { kind: 'unspecified' });
    assert.deepEqual(classifyRequest('RGPD', 'Bonjour'), { kind: 'unspecified' });
    assert.equal(classifyRequest('Factures', 'Voici les factures du mois.'), null);
    assert.equal(kind('Re: Votre demande', 'Merci.\n\nLe 3 mars 2026, Mailbot a écrit :\n> Pour supprimer vos données, répondez avec le code'), null);
    assert.equal(kind('Bonjour', 'Merci pour les factures.\n-- \nJean, DPO — suppression de données sur demande'), null);
  });

  it('reads requests as people write them: short, without a data word, with typos, for someone else, by the article alone', () => {
    const cases: [string, string, string][] = [
      ['Article 15 RGPD', 'Bonjour, je vous prie de répondre sous un mois.', 'access'],
      ['Art. 17 GDPR', 'Hello, see subject.', 'erasure'],
      ['question', 'Vous avez quoi comme infos sur moi ?', 'access'],
      ['', 'Could you tell me whether you store any data about me?', 'access'],
      ['Effacement RGPD', 'Merci.', 'erasure'],
      ['GDPR deletion request', 'Thanks.', 'erasure'],
      ['', 'Demande de suppression de mes données.', 'erasure'],
      ['', 'unsubscribe me and delete everything', 'erasure'],
      ['', 'Suprimer mes donées svp', 'erasure'],
      ['', 'Je ne veux plus figurer dans vos fichiers.', 'erasure'],
      ['Décès', 'Mon père est décédé, je vous demande de supprimer son compte et ses informations.', 'erasure'],
      ['Déménagement', "J'ai déménagé, nouvelle adresse : 3 rue des Lilas, 69003 Lyon.", 'rectification'],
      ['', 'my adress is wrong in your records, please correct it', 'rectification'],
      ['', 'Please limit the use of my data to what invoicing needs.', 'restriction'],
      ['', "Don't delete my data yet, I need it for a claim, but stop using it for anything else.", 'restriction'],
      ['', "Je conteste l'exactitude de mes données ; merci d'en suspendre l'utilisation pendant la vérification.", 'restriction'],
      ['Litige réglé', 'Fin de la limitation du traitement, le litige est réglé.', 'restriction-lift'],
      ['', 'Je souhaite récupérer mes données dans un fichier CSV.', 'portability'],
      ['', "Please send my data to my new accountant's software, then close my account.", 'portability'],
      ['', 'I object to you profiling me.', 'objection'],
      ['', 'Please stop using my email address for anything other than invoices.', 'objection'],
      ['', 'Ne me contactez plus pour de la prospection.', 'objection'],
      ['', 'Je ne vous demande pas de supprimer mes données, je veux juste savoir lesquelles vous avez.', 'access'],
      ['', "I'm not asking you to erase anything, I only want to know what personal information you hold about me.", 'access'],
      ['STOP', "Je ne veux plus recevoir vos publicités. Arrêtez de m'envoyer des mails commerciaux.", 'objection'],
      ['', "Hi, don't delete my account please. I just want you to stop using my details for marketing.", 'objection'],
      ['', 'Please don\'t delete my personal data. Stop using it and only store it until the claim is settled.', 'restriction'],
      ['', "Je m'oppose à la prospection, et je vous demande également de supprimer mes données.", 'objection'],
      ['', 'Mes informations sont inexactes ; merci de ne plus les utiliser en attendant (limitation du traitement).', 'restriction'],
      ['Décès', 'Merci de supprimer les données personnelles le concernant.', 'erasure'],
      ['', 'je veux la supresion de mes donné personelle de votre fichié', 'erasure'],
      ['', 'Please provide me with the recordings of my phone calls.', 'access'],
      ['Re: ma demande', 'Finalement ne supprimez rien, corrigez seulement mon adresse : 8 rue Haute, 59000 Lille.\n> Je souhaite la suppression de mes données', 'rectification'],
    ];
    for (const [subject, body, expected] of cases) assert.equal(kind(subject, body), expected, `${subject} / ${body}`);
  });

  it('takes the first right asked for when a mail asks for two', () => {
    assert.equal(kind('', 'Please send me a copy of my data, then delete it.'), 'access');
    assert.equal(kind('', 'Please delete my account, but first send me a copy of my data.'), 'erasure');
  });

  it('leaves business mail alone, even with the same verbs and nouns', () => {
    const business: [string, string][] = [
      ['Facture 2026-014', "Pouvez-vous mettre à jour l'adresse de livraison sur la facture 2026-014 ?"],
      ['Invoice', 'Please update my billing address on invoice 12.'],
      ['Doublon', 'Merci de supprimer les lignes en double dans les données du fichier.'],
      ['Erreur fichier', 'Les données du fichier CSV sont fausses, je vous renvoie le bon fichier demain.'],
      ['CSV', 'The data in row 14 of the CSV is wrong, please correct it.'],
      ['Plafond', 'Pouvez-vous annuler la limitation du nombre de factures par mois sur notre compte ?'],
      ['Late fee', 'We object to the late payment fee; our data shows the payment arrived on time.'],
      ['Oubli', "J'ai oublié de joindre le fichier, le voici."],
      ['Contrat', "Selon l'article 15 de nos CGV, le délai de paiement est de 30 jours."],
      ['Automatic reply: Out of office', 'I am away until Monday. This email is confidential. We process personal data in accordance with the GDPR; see our privacy policy.'],
      ['Réponse automatique : Vos droits sur vos données personnelles', "Je suis absent jusqu'au 15 mars."],
      ['Bon de commande', "Ci-joint notre bon de commande.\nJean Morel\nDélégué à la protection des données\nAcme SAS"],
      ['Newsletter', 'Conformément au RGPD, vous disposez d’un droit d’accès, de rectification et d’effacement de vos données.'],
      ['Webinaire', "Inscrivez-vous : « Droit d'accès, droit à l'effacement, portabilité : ce que le RGPD change »."],
      ['Invoice batch', 'You may request access to, rectification or erasure of your data at any time.'],
      ['Rectification TVA', 'Merci de tenir compte de la rectification de notre déclaration de TVA.'],
      ['Notre siège a déménagé', "Notre siège social a déménagé : merci de modifier l'adresse de facturation."],
      ['Offre', 'Notre agence vous propose un audit. Pour ne plus recevoir nos messages, cliquez ici.'],
      ['Re: Facture', 'Merci.\n\nDe : Service facturation\nEnvoyé : lundi 2 mars 2026 10:00\nObjet : Facture\nPour supprimer vos données, écrivez-nous.'],
    ];
    for (const [subject, body] of business) assert.equal(kind(subject, body), null, `${subject} / ${body}`);
  });

  it('reads "field: value" lines', () => {
    assert.deepEqual(fieldLines('Bonjour,\nAdresse : 5 rue Neuve\n- Téléphone: 04 00 00 00 00\nMerci'), [
      { key: 'adresse', label: 'Adresse', value: '5 rue Neuve' },
      { key: 'telephone', label: 'Téléphone', value: '04 00 00 00 00' },
    ]);
  });
});
