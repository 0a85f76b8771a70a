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
    assert.equal(classifyRequest('Factures', 'Voici les factures du mois.'), null);
    assert.equal(kind('Re: Votre demande', 'Merci.\n\nLe 3 mars 2026, Mailbot a écrit :\n> Pour supprimer vos données, répondez avec le code'), null);
    assert.equal(kind('Bonjour', 'Merci pour les factures.\n-- \nJean, DPO — suppression de données sur demande'), null);
  });

  it('reads "field: value" lines', () => {
    assert.deepEqual(fieldLines('Bonjour,\nAdresse : 5 rue Neuve\n- Téléphone: 04 00 00 00 00\nMerci'), [
      { key: 'adresse', label: 'Adresse', value: '5 rue Neuve' },
      { key: 'telephone', label: 'Téléphone', value: '04 00 00 00 00' },
    ]);
  });
});
