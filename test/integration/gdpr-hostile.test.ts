/**
 * The rights-request flow tried as an attacker would, through the real
 * daemon on its embedded mailbox: a forged rectification that would take
 * over a client's account, code brute force, confused replies, the bot's
 * own mail coming back, and a request written in another language than
 * the client record's.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { frenchVatId } from '../../src/core/identifiers.js';
import type { ParsedMail } from 'mailparser';
import { mailbot } from '../helpers/cli.js';
import { BOT, CLIENT, codeOf, refOf, to, World } from '../helpers/gdpr-world.js';
import { OTHER_SIREN, sellerInput } from '../helpers/sample.js';

const ATTACKER = 'attacker@evil.example';
const ATTACKER_IBAN = 'DE89370400440532013000';
const CLIENT_IBAN = 'FR7630006000011234567890189';

describe('rights requests under attack', () => {
  it('a forged rectification never takes the account: what is confirmed is what was shown, and a key change needs a second proof', async () => {
    const w = new World();
    try {
      // 1. Forged From: the client's address; the attacker's IBAN and address.
      await w.send(CLIENT, 'RGPD : rectification', `iban : ${ATTACKER_IBAN}\nemail : ${ATTACKER}`);
      const first = await w.run();
      const toClient = first.find((m) => to(m) === CLIENT) ?? assert.fail('the code goes to the real client');
      assert.match(toClient.text ?? '', new RegExp(`iban : ${CLIENT_IBAN} → ${ATTACKER_IBAN}`));
      assert.match(toClient.text ?? '', new RegExp(`emails : ${CLIENT} → ${ATTACKER}`));
      assert.match(toClient.text ?? '', /l'accord de l'opérateur du service/);
      const toAttacker = first.find((m) => to(m) === ATTACKER) ?? assert.fail('the new address must prove itself');
      assert.doesNotMatch(toAttacker.text ?? '', /Atelier Dupont|123456782|FR76/, 'nothing about the client to an unproven address');
      assert.ok(first.some((m) => to(m) === 'ops@studio.test' && /requests approve/.test(m.text ?? '')), 'the operator is asked to approve');

      // 2. Later the real client asks for a phone change: its code mail lists the union, saying so.
      await w.send(CLIENT, 'RGPD : rectification', 'téléphone : 01 02 03 04 05');
      const second = await w.run();
      const union = second.find((m) => to(m) === CLIENT) ?? assert.fail('a new code mail');
      for (const line of [`iban : ${CLIENT_IBAN} → ${ATTACKER_IBAN}`, 'phone : 0478000000 → 01 02 03 04 05', `emails : ${CLIENT} → ${ATTACKER}`]) assert.ok((union.text ?? '').includes(line), line);
      assert.match(union.text ?? '', /réunit ses changements et ceux de votre dernier message/);

      // 3. The client confirms without reading, and the attacker proves its own address: still not enough.
      await w.send(CLIENT, `Re: ${union.subject ?? ''}`, codeOf(union));
      await w.run();
      const newCode = second.find((m) => to(m) === ATTACKER) ?? assert.fail('a fresh code for the new address');
      await w.send(ATTACKER, `Re: ${newCode.subject ?? ''}`, codeOf(newCode));
      await w.run();
      let client = (await w.state()).clients[0];
      assert.deepEqual(client?.emails, [CLIENT]);
      assert.equal(client?.iban, CLIENT_IBAN);
      const req = (await w.state()).requests[0];
      assert.equal(req?.status, 'confirmed');

      // 4. Access still goes to the verified mailbox only.
      await w.send(CLIENT, 'RGPD : accès', 'je veux mes données');
      const [accessCode] = await w.run();
      await w.send(CLIENT, `Re: ${accessCode?.subject ?? ''}`, codeOf(accessCode as ParsedMail));
      const zip = await w.run();
      assert.deepEqual(zip.map(to), [CLIENT]);

      // 5. The operator approves (after calling the client): the change is applied, every old address told.
      const approve = mailbot(w.data, ['requests', 'approve', refOf(union)]);
      assert.equal(approve.status, 0, approve.stderr);
      const after = await w.run();
      assert.ok(after.some((m) => to(m) === CLIENT && /fiche a été corrigée/.test(m.text ?? '')));
      client = (await w.state()).clients[0];
      assert.equal(client?.iban, ATTACKER_IBAN);
      assert.equal(mailbot(w.data, ['requests', 'approve', refOf(union)]).status, 2, 'approved once');
    } finally {
      w.cleanup();
    }
  });

  it('mails no list of strangers: a rectification adding more than two addresses is refused, with one mail to the requester', async () => {
    const w = new World({ authservId: 'mx.studio.test' });
    try {
      const strangers = Array.from({ length: 50 }, (_, i) => `v${i}@victim.test`);
      await w.send(CLIENT, 'RGPD : rectification', `email : ${[CLIENT, ...strangers].join(', ')}`, { headers: { 'Authentication-Results': 'mx.studio.test; dmarc=fail header.from=atelier-dupont.test' } });
      const sent = await w.run();
      assert.deepEqual(sent.map(to), [CLIENT], 'no code mail to any of the fifty');
      assert.match(sent[0]?.text ?? '', /au plus 2 nouvelles adresses/);
      assert.equal((await w.state()).requests.length, 0);
    } finally {
      w.cleanup();
    }
  });

  it('wrong codes in forged mails lock nothing: the person confirms afterwards with the code they received', async () => {
    const w = new World({ authservId: 'mx.studio.test' });
    const genuine = { 'Authentication-Results': 'mx.studio.test; dkim=pass header.d=atelier-dupont.test; dmarc=pass header.from=atelier-dupont.test' };
    const forged = { 'Authentication-Results': 'mx.studio.test; spf=fail smtp.mailfrom=evil.example; dmarc=fail header.from=atelier-dupont.test' };
    try {
      await w.send(CLIENT, 'RGPD : accès', 'Je souhaite obtenir une copie de mes données.', { headers: genuine });
      const [codeMail] = await w.run();
      for (let i = 0; i < 8; i++) await w.send(CLIENT, `Re: ${codeMail?.subject ?? ''}`, 'code : ZZZZZZZZ', { headers: forged });
      assert.deepEqual(await w.run(), [], 'no answer to the guesses');
      assert.equal((await w.state()).requests[0]?.status, 'awaiting-confirmation');
      await w.send(CLIENT, `Re: ${codeMail?.subject ?? ''}`, codeOf(codeMail as ParsedMail), { headers: genuine });
      const [answer] = await w.run();
      assert.ok(answer?.attachments.some((a) => a.contentType === 'application/zip'), 'the data, as asked');
    } finally {
      w.cleanup();
    }
  });

  it('refuses an address that belongs to another client, to the bot or to the operator', async () => {
    const w = new World();
    try {
      writeFileSync(join(w.dir.path, 'other.json'), JSON.stringify({ ...sellerInput, id: 'other-seller', siren: OTHER_SIREN, vatId: frenchVatId(OTHER_SIREN), emails: ['compta@other.test'] }));
      assert.equal(mailbot(w.data, ['client', 'add', '--file', join(w.dir.path, 'other.json')]).status, 0);
      for (const address of [BOT, 'ops@studio.test', 'compta@other.test']) {
        await w.send(CLIENT, 'RGPD : rectification', `email : ${CLIENT}, ${address}`);
        const sent = await w.run();
        assert.deepEqual(sent.map(to), [CLIENT], `no code mail to ${address}`);
        assert.match(sent[0]?.text ?? '', new RegExp(`l'adresse ${address} ne peut pas être inscrite sur cette fiche`));
      }
      assert.equal((await w.state()).requests.length, 0);
      // The operator's command goes through the same check.
      const update = mailbot(w.data, ['client', 'update', 'atelier-dupont', '--email', CLIENT, 'compta@other.test']);
      assert.equal(update.status, 2);
      assert.match(update.stderr, /already belongs to client "other-seller"/);
    } finally {
      w.cleanup();
    }
  });

  it('cannot be brute-forced: one code per mail, five wrong codes a day per address, whatever the request', async () => {
    const w = new World();
    try {
      await w.send(CLIENT, 'RGPD : effacement', 'Merci de supprimer mes données.');
      const [codeMail] = await w.run();
      const subject = `Re: ${codeMail?.subject ?? ''}`;
      // 100,000 candidates in one mail: one wrong try, nothing confirmed.
      const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
      const many = Array.from({ length: 100_000 }, (_, i) => Array.from({ length: 8 }, (_, j) => alphabet[(i * 7 + j * 13 + Math.floor(i / (j + 1))) % alphabet.length]).join('')).join(' ');
      await w.send(CLIENT, subject, `${many}\n${codeOf(codeMail as ParsedMail)}`);
      const [several] = await w.run();
      assert.match(several?.text ?? '', /un seul code/);
      assert.equal((await w.state()).requests[0]?.status, 'awaiting-confirmation');
      // A new request of the same kind does not reset the count: it is per address, over a day.
      await w.send(CLIENT, 'RGPD : effacement', 'Je renouvelle ma demande.');
      const [joined] = await w.run();
      const answers: ParsedMail[] = [];
      for (let i = 0; i < 20; i++) {
        await w.send(CLIENT, `Re: ${joined?.subject ?? ''}`, 'ZZZZZZZZ');
        answers.push(...(await w.run()));
      }
      assert.equal(answers.length, 4, 'four more answers, then silence: no mail bomb aimed at the real address');
      assert.match(answers.at(-1)?.text ?? '', /Trop de codes incorrects|aucun autre essai/);
      // Even the right code is refused now.
      await w.send(CLIENT, `Re: ${joined?.subject ?? ''}`, codeOf(joined as ParsedMail));
      assert.deepEqual(await w.run(), []);
      const state = await w.state();
      assert.notEqual(state.requests[0]?.status, 'done');
      assert.deepEqual(state.clients[0]?.emails, [CLIENT], 'nothing erased');
    } finally {
      w.cleanup();
    }
  });

  it('recognises a reply by its thread, gives data to "oui, c\'est moi" above a quoted code, and changes nothing on a confused reply', async () => {
    const w = new World();
    try {
      // Access: the code only in the quoted code mail, the subject rewritten by the mail client.
      await w.send(CLIENT, 'Demande', 'Je souhaite obtenir une copie de mes données.');
      const [accessCode] = await w.run();
      const quoted = (accessCode?.text ?? '').split('\n').map((l) => `> ${l}`).join('\n');
      await w.send(CLIENT, 'AW: votre message', `oui, c'est moi\n\nLe 1 déc. 2026, Mailbot a écrit :\n${quoted}`, { inReplyTo: accessCode?.messageId ?? '' });
      const [data] = await w.run();
      assert.ok(data?.attachments.some((a) => a.contentType === 'application/zip'), 'the data, to the verified mailbox');

      // Erasure: a reply that quotes the code mail but does not write the code confirms nothing.
      await w.send(CLIENT, 'RGPD : effacement', 'Merci de supprimer mes données.');
      const [erasureCode] = await w.run();
      const q2 = (erasureCode?.text ?? '').split('\n').map((l) => `> ${l}`).join('\n');
      await w.send(CLIENT, 'Re: ?', `Je n'ai jamais demandé ça !\n\n${q2}`, { inReplyTo: erasureCode?.messageId ?? '' });
      const [hint] = await w.run();
      assert.match(hint?.text ?? '', /écrivez le code reçu dans le texte de votre réponse/);
      await w.send(CLIENT, 'Re: ?', `Arrêtez !\n\n${q2}`, { inReplyTo: erasureCode?.messageId ?? '' });
      assert.deepEqual(await w.run(), [], 'one answer, then silence: never a loop');
      const state = await w.state();
      assert.deepEqual(state.clients[0]?.emails, [CLIENT], 'nothing erased');
      assert.equal(state.requests.find((r) => r.kind === 'erasure')?.status, 'awaiting-confirmation');
    } finally {
      w.cleanup();
    }
  });

  it('answers in the language the request is written in, and the bot\'s own mail coming back opens nothing', async () => {
    const w = new World({}, 'fr');
    try {
      await w.send(CLIENT, 'Request', 'Hello, I would like a copy of my personal data please.');
      const [codeMail] = await w.run();
      assert.match(codeMail?.text ?? '', /We received a request for access to your data/, 'English for an English request, whatever the record says');
      await w.send('jane@example.org', 'Demande', 'Je souhaite accéder à mes données.');
      const [fr] = await w.run();
      assert.match(fr?.text ?? '', /une demande d'accès à vos données/);

      // The bot's own mail sent back without its Auto-Submitted header: nothing opens.
      await w.send('jane@example.org', 'Question', 'À quoi sert cette adresse ?');
      const [help] = await w.run();
      const raw = `From: jane@example.org\r\nTo: ${BOT}\r\nMessage-ID: ${help?.messageId ?? ''}\r\nSubject: ${help?.subject ?? ''}\r\n\r\n${help?.text ?? ''}`;
      await w.deliverRaw(raw);
      assert.deepEqual(await w.run(), []);
      // A reply to the bot's help that only says thanks, the help quoted: nothing opens.
      const quoted = (help?.text ?? '').split('\n').map((l) => `> ${l}`).join('\n');
      await w.send('jane@example.org', `Re: ${help?.subject ?? ''}`, `Merci !\n\n${quoted}`, { inReplyTo: help?.messageId ?? '' });
      // Nor a second note: an answer to the bot's own mail is not answered again (no ping-pong with a responder).
      assert.deepEqual(await w.run(), []);
      assert.equal((await w.state()).requests.filter((r) => r.requester === 'jane@example.org').length, 1);
    } finally {
      w.cleanup();
    }
  });
});
