/**
 * GDPR rights requests through the real daemon on its embedded mailbox:
 * recognised, proven by a code round-trip, carried out, answered, tracked.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { unzipSync } from 'fflate';
import { simpleParser, type ParsedMail } from 'mailparser';
import { addCalendarMonths } from '../../src/gdpr/requests.js';
import { EmbeddedStore } from '../../src/store/embedded/store.js';
import { startDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/mailservers.js';
import { mailbot } from '../helpers/cli.js';
import { CLIENT, codeOf, confirmed, CSV, to, World } from '../helpers/gdpr-world.js';

describe('GDPR rights requests', () => {
  it('access: a code first (nothing personal in it), a wrong code refused, then every piece of data in a ZIP with the Art. 15 information', async () => {
    const w = new World();
    try {
      await w.send(CLIENT, 'Factures', 'ci-joint', { attachments: [{ filename: 'mars.csv', content: CSV }] });
      const issued = await w.run();
      assert.equal(issued[0]?.attachments.filter((a) => a.contentType === 'application/pdf').length, 2);

      await w.send(CLIENT, 'Demande', 'Bonjour, je souhaite obtenir une copie de mes données. Merci');
      const [codeMail] = await w.run();
      assert.ok(codeMail);
      assert.doesNotMatch(codeMail.text ?? '', /123456782|FA-2026|Atelier Dupont/, 'no personal data before confirmation');
      assert.equal(codeMail.attachments.length, 0);
      for (let i = 0; i < 1; i++) {
        await w.send(CLIENT, `Re: ${codeMail.subject}`, 'code : ZZZZZZZZ');
        assert.match((await w.run())[0]?.text ?? '', /Il vous reste 4 essai/);
      }
      await w.send(CLIENT, `Re: ${codeMail.subject}`, codeOf(codeMail));
      const [answer] = await w.run();
      const zip = answer?.attachments.find((a) => a.contentType === 'application/zip');
      assert.ok(zip, 'the data as a ZIP');
      const files = unzipSync(new Uint8Array(zip.content));
      const data = JSON.parse(Buffer.from(files['donnees.json'] ?? []).toString()) as { client: { siren: string; emails: string[]; phone: string }; invoices: { number: string; totalInclVat: string }[]; auditEntries: { sender?: string }[]; requests: { ref: string; code?: unknown }[] };
      assert.equal(data.client.siren, '123456782');
      assert.deepEqual(data.client.emails, [CLIENT]);
      assert.equal(data.client.phone, '0478000000');
      assert.deepEqual(data.invoices.map((i) => [i.number, i.totalInclVat]), [['FA-2026-00001', '3488.26'], ['FA-2026-00002', '4654.32']]);
      assert.ok(data.auditEntries.length > 0 && data.auditEntries.some((e) => e.sender?.startsWith('hmac:')));
      assert.ok(data.requests.every((r) => r.code === undefined), 'no code hash in the export');
      assert.ok(files['factures/FA-2026-00001.pdf'] && files['factures/FA-2026-00002.pdf']);
      assert.match(Buffer.from(files['factures.csv'] ?? []).toString(), /"FA-2026-00002";"380";"2026-03-03"/, 'every cell quoted');
      const info = Buffer.from(files['informations.txt'] ?? []).toString();
      for (const item of ['a) Finalités', 'b) Catégories', 'c) Destinataires', 'd) Durée', 'e) Vos droits', 'f) ', 'CNIL', 'g) Source', 'h) ']) assert.ok(info.includes(item), item);
      const req = (await w.state()).requests[0];
      assert.equal(req?.status, 'done');
      assert.equal(req?.code, undefined, 'the code is used once');
    } finally {
      w.cleanup();
    }
  });

  it('erasure in English leaves only what the answer says is kept, and says why and until when', async () => {
    const w = new World({}, 'en');
    try {
      await w.send(CLIENT, 'Invoices', 'attached', { attachments: [{ filename: 'march.csv', content: CSV }] });
      await w.run();
      await w.send(CLIENT, 'Question', 'What is this address for?');
      await w.run();
      const answer = await confirmed(w, CLIENT, 'GDPR request', 'Hello, please delete my personal data. Thanks');
      const text = (answer.text ?? '').replace(/\s+/g, ' ');
      assert.match(text, /We erased the following data/);
      assert.match(text, /our copies of the invoices \(2\) and reports \(4 files\)/);
      assert.match(text, /the numbering register of your invoices .* the studio does not archive your invoices: keep your own — until 3 March 2036/);
      assert.match(text, /the audit trail .* until \d{1,2} [A-Z][a-z]+ \d{4}/);
      assert.doesNotMatch(text, /\d{4}-\d\d-\d\d/, 'English dates are written "3 March 2036"');
      const db = await w.state();
      const client = db.clients[0] ?? assert.fail('the record the register refers to');
      assert.deepEqual([client.emails, client.phone, client.contactName, client.iban, client.legalName], [[], undefined, undefined, '', 'Atelier Dupont SARL']);
      assert.ok(client.erased);
      const batch = db.batches[0] ?? assert.fail('the register');
      assert.deepEqual(batch.invoices.map((i) => [i.number, i.buyerName]), [['FA-2026-00001', ''], ['FA-2026-00002', '']]);
      assert.equal(existsSync(join(w.data, 'batches', batch.id)), false, 'no copy left');

      // What remains anywhere in the data directory and the mailbox: exactly what the answer names.
      const remaining = w.grep([CLIENT, 'Claire Dupont', '0478000000', 'FR7630006000011234567890189', 'Nordlys', 'Atelier de cadrage', 'march.csv']);
      assert.deepEqual(
        remaining.map((r) => `${r.file}: ${r.needle}`).sort(),
        [`mailbot.json: ${CLIENT}`, `mailbox/.Sent/: ${CLIENT}`, `outbox/: ${CLIENT}`].sort(),
        'the request (with the address) and its answer, nothing else',
      );
    } finally {
      w.cleanup();
    }
  });

  it('restriction stops batches until lifted; rectification shows before and after and warns the old address of an IBAN change', async () => {
    const w = new World();
    try {
      const r = await confirmed(w, CLIENT, 'RGPD : limitation', 'Merci de limiter le traitement de mes données.', 1);
      assert.match(r.text ?? '', /limité \(RGPD art\. 18\)/);
      await w.send(CLIENT, 'Factures', 'ci-joint', { attachments: [{ filename: 'a.csv', content: CSV }] });
      const [refused] = await w.run();
      assert.match(refused?.text ?? '', /traitement de vos données est limité/);
      assert.equal((await w.state()).batches.length, 0);
      // The operator may lift it too: the client is told first, and the lift waits for the notice period.
      const operator = mailbot(w.data, ['requests', 'unrestrict', 'atelier-dupont']);
      assert.equal(operator.status, 0, operator.stderr);
      const [told] = await w.run();
      assert.match(told?.text ?? '', /limitation du traitement de vos données \(RGPD art\. 18\), en place depuis le \d\d\/\d\d\/\d{4}, sera levée le \d\d\/\d\d\/\d{4}/);
      // French text carries no ISO date, and "contact the studio" says where (no operator configured: the bot's address).
      assert.doesNotMatch(told?.text ?? '', /\d{4}-\d\d-\d\d/);
      assert.match(told?.text ?? '', /écrivez au studio \(\S+@\S+\) avant cette date/);
      assert.ok((await w.state()).clients[0]?.restricted?.liftAt, 'still restricted until the day told');
      // A restriction the person confirms again replaces the scheduled lift.
      const again = await confirmed(w, CLIENT, 'RGPD : limitation', 'Merci de limiter le traitement de mes données.');
      assert.match(again.text ?? '', /limité/);
      assert.equal((await w.state()).clients[0]?.restricted?.liftAt, undefined);
      const lifted = await confirmed(w, CLIENT, 'RGPD : levée de la limitation', 'Vous pouvez lever la limitation.');
      assert.match(lifted.text ?? '', /levée/);
      await w.send(CLIENT, 'Factures', 'ci-joint', { attachments: [{ filename: 'a.csv', content: CSV }] });
      await w.run();
      assert.equal((await w.state()).batches.length, 1);

      assert.equal(mailbot(w.data, ['client', 'update', 'atelier-dupont', '--email', CLIENT, 'direction@atelier-dupont.test']).status, 0);
      await w.send(CLIENT, 'RGPD : rectification', 'Bonjour,\nadresse : 5 rue Neuve\ntéléphone : 0499999999\niban : DE89370400440532013000\ncouleur : bleu\n');
      const asked = await w.run();
      const code = asked.find((m) => to(m) === CLIENT) ?? assert.fail('no code mail');
      // The code mail shows exactly what a confirmation will change.
      assert.match(code.text ?? '', /iban : FR7630006000011234567890189 → DE89370400440532013000/);
      assert.match(code.text ?? '', /phone : 0478000000 → 0499999999/);
      assert.match(code.text ?? '', /couleur : champ non reconnu, ne sera pas modifié/);
      // An IBAN change also needs the agreement of the record's other address, which gets its own code.
      const approval = asked.find((m) => to(m) === 'direction@atelier-dupont.test') ?? assert.fail('no approval mail');
      assert.match(approval.text ?? '', /iban : FR7630006000011234567890189 → DE89370400440532013000/);
      await w.send(CLIENT, `Re: ${code.subject ?? ''}`, codeOf(code));
      const [waiting] = await w.run();
      assert.match(waiting?.text ?? '', /confirmation est enregistrée[\s\S]*autre adresse de la fiche/);
      assert.equal(((await w.state()).clients[0] as { iban: string }).iban, 'FR7630006000011234567890189', 'nothing changed on one proof');
      await w.send('direction@atelier-dupont.test', `Re: ${approval.subject ?? ''}`, codeOf(approval));
      const sent = await w.run();
      const answer = sent.find((m) => to(m) === CLIENT) ?? assert.fail('no answer');
      const notice = sent.filter((m) => to(m) === 'direction@atelier-dupont.test').find((m) => /ont été modifiées/.test(m.text ?? ''));
      assert.match(notice?.text ?? '', /iban : FR7630006000011234567890189 → DE89370400440532013000/, 'the other address is told of the IBAN change');
      assert.match(answer.text ?? '', /address : 12 rue des Lilas, 69003, Lyon, FR → 5 rue Neuve, 69003, Lyon, FR/);
      assert.match(answer.text ?? '', /phone : 0478000000 → 0499999999/);
      assert.match(answer.text ?? '', /couleur : champ non reconnu/);
      const client = (await w.state()).clients[0] as { iban: string; phone: string };
      assert.equal(client.iban, 'DE89370400440532013000');
      assert.equal(client.phone, '0499999999');
    } finally {
      w.cleanup();
    }
  });

  it('a rights request with a CSV beside it opens the request and issues nothing; the answer says the file waits', async () => {
    const w = new World();
    try {
      await w.send(CLIENT, 'RGPD : effacement', 'Merci de supprimer mes données.', { attachments: [{ filename: 'mars.csv', content: CSV }] });
      const [codeMail] = await w.run();
      const text = (codeMail?.text ?? '').replace(/\s+/g, ' ');
      assert.match(text, /Nous avons bien reçu une demande d'effacement de vos données/);
      assert.match(text, /fichiers de facturation \(mars\.csv\) : ils n'ont pas été traités, votre demande passant d'abord\. Renvoyez-les dans un message séparé une fois la demande réglée/);
      assert.equal(codeMail?.attachments.length, 0);
      const state = await w.state();
      assert.deepEqual(state.requests.map((r) => [r.kind, r.status]), [['erasure', 'awaiting-confirmation']], 'the request and its deadline are kept');
      assert.deepEqual([state.batches.length, state.series['atelier-dupont']], [0, {}], 'no invoice, no number');
      const trail = readFileSync(join(w.data, 'audit.log'), 'utf8');
      assert.doesNotMatch(trail, /invoices-issued/);
      assert.match(trail, /"action":"batch-rejected".*"reason":"rights-request-first"/);
    } finally {
      w.cleanup();
    }
  });

  it('a buyer is told who the controller is, and the client is sent the request; an unknown address holds nothing', async () => {
    const w = new World();
    try {
      const csv = 'invoice_ref;buyer_name;buyer_siren;buyer_address;buyer_postcode;buyer_city;buyer_email;description;quantity;unit_price;vat_rate\nB1;Boulangerie Martin SAS;123456790;1 rue;75001;Paris;paul@boulangerie.test;Conseil;1;100;20\n';
      await w.send(CLIENT, 'Factures', 'ci-joint', { attachments: [{ filename: 'b.csv', content: Buffer.from(csv) }] });
      await w.run();
      await w.send('paul@boulangerie.test', 'RGPD : accès', 'Bonjour');
      const [codeMail] = await w.run();
      assert.ok(codeMail);
      await w.send('paul@boulangerie.test', `Re: ${codeMail.subject}`, codeOf(codeMail));
      const mails = await w.run();
      const toBuyer = mails.find((m) => to(m) === 'paul@boulangerie.test');
      const toClient = mails.find((m) => to(m) === CLIENT);
      assert.match(toBuyer?.text ?? '', /Atelier Dupont SARL/);
      assert.equal(toBuyer?.attachments.length, 0, 'no data to the buyer');
      assert.match(toClient?.text ?? '', /paul@boulangerie\.test/);
      assert.match(toClient?.text ?? '', /responsable du traitement/);
      assert.equal((await w.state()).requests[0]?.status, 'forwarded');

      const unknown = await confirmed(w, 'nobody@example.org', 'GDPR: access', 'hello');
      assert.match(unknown.text ?? '', /We hold no data about this address/);
    } finally {
      w.cleanup();
    }
  });

  it('expired codes close the request; a spoofed sender only gets a code; a second request joins the first; data talk without a right lists the rights', async () => {
    const w = new World({ gdpr: { codeValidityHours: 0.0003 }, authservId: 'mx.studio.test' });
    try {
      await w.send(CLIENT, 'RGPD : accès', 'Bonjour', { headers: { 'Authentication-Results': 'mx.studio.test; dmarc=fail header.from=atelier-dupont.test' } });
      const [codeMail] = await w.run();
      assert.equal(to(codeMail ?? ({} as ParsedMail)), CLIENT, 'the code goes to the real address');
      await w.send(CLIENT, 'RGPD : accès', 'Je renouvelle ma demande');
      const [joined] = await w.run();
      assert.match(joined?.text ?? '', /déjà en cours/);
      assert.equal((await w.state()).requests.length, 1);
      await new Promise((r) => setTimeout(r, 1500));
      await w.send(CLIENT, `Re: ${codeMail?.subject ?? ''}`, codeOf(joined as ParsedMail));
      const [late] = await w.run();
      assert.match(late?.text ?? '', /expiré/);
      assert.equal((await w.state()).requests[0]?.status, 'expired');
      // An automatic mail never opens a request, whatever it says.
      await w.send('jane@example.org', 'Réponse automatique : RGPD : effacement', 'Merci de supprimer mes données.', { headers: { 'Auto-Submitted': 'auto-replied' } });
      assert.deepEqual(await w.run(), []);
      await w.send('jane@example.org', 'Question', 'Que faites-vous de mes données personnelles ?');
      const [rights] = await w.run();
      assert.match(rights?.text ?? '', /RGPD : accès/);
      assert.equal((await w.state()).requests.length, 1, 'no request opened');
    } finally {
      w.cleanup();
    }
  });

  it('portability in English gives the files provided; an objection is recorded, takes effect, and says what goes on', async () => {
    const w = new World({}, 'en');
    try {
      await w.send(CLIENT, 'Invoices', 'attached', { attachments: [{ filename: 'march.csv', content: CSV }] });
      await w.run();
      const answer = await confirmed(w, CLIENT, 'Data portability', 'I would like my data in a machine-readable format, please.');
      const zip = answer.attachments.find((a) => a.contentType === 'application/zip') ?? assert.fail('no ZIP');
      const files = unzipSync(new Uint8Array(zip.content));
      const provided = Object.keys(files).find((f) => f.startsWith('fichiers-transmis/')) ?? assert.fail('no file provided in the ZIP');
      assert.ok(provided.endsWith('march.csv'));
      assert.deepEqual(Buffer.from(files[provided] ?? []), CSV, 'the file as it was sent');
      assert.ok(files['information.txt']);
      assert.match(answer.text ?? '', /structured, machine-readable format/);

      const objection = await confirmed(w, CLIENT, 'Objection', 'I object to the processing of my data.');
      assert.match(objection.text ?? '', /Your objection is recorded/);
      assert.match(objection.text ?? '', /No compelling grounds/);
      // From now on their mails are no longer traced by address in the audit trail.
      await w.send(CLIENT, 'Hello', 'What is this address for?');
      await w.run();
      const received = readFileSync(join(w.data, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; sender?: string }).filter((e) => e.action === 'received');
      assert.ok(received.at(-2)?.sender, 'traced before the objection');
      assert.equal(received.at(-1)?.sender, undefined, 'not traced after it');
      assert.equal(mailbot(w.data, ['requests', 'grounds', 'atelier-dupont', '--text', 'litige en cours sur la facture FA-2026-00001']).status, 0);
      const second = await confirmed(w, CLIENT, 'Objection', 'I object to the processing of my data.');
      assert.match(second.text ?? '', /compelling grounds to continue it: litige en cours/);
      assert.ok(((await w.state()).clients[0] as { objection?: unknown }).objection);
    } finally {
      w.cleanup();
    }
  });

  const WORDS: Record<'fr' | 'en', [string, string, RegExp][]> = {
    fr: [
      ['access', 'Je souhaite accéder à mes données.', /toutes les données que nous détenons/],
      ['rectification', 'Merci de corriger mes coordonnées.\ntéléphone : 0411111111', /Votre fiche a été corrigée/],
      ['erasure', 'Merci de supprimer mes données personnelles.', /Nous avons effacé/],
      ['restriction', 'Je demande la limitation du traitement de mes données.', /est limité \(RGPD art\. 18\)/],
      ['portability', 'Je veux exercer mon droit à la portabilité de mes données.', /format structuré et lisible par machine/],
      ['objection', "Je m'oppose au traitement de mes données.", /Votre opposition est enregistrée/],
    ],
    en: [
      ['access', 'I would like a copy of my personal data.', /all the data we hold about you/],
      ['rectification', 'Please correct my details.\nphone: 0411111111', /Your record was corrected/],
      ['erasure', 'Please delete my personal data.', /We erased the following data/],
      ['restriction', 'Please restrict the processing of my data.', /processing of your data is restricted/],
      ['portability', 'I want my data in a machine-readable format (portability).', /structured, machine-readable format/],
      ['objection', 'I object to the processing of my data.', /Your objection is recorded/],
    ],
  };
  for (const lang of ['fr', 'en'] as const) {
    it(`carries out every kind of request in ${lang === 'fr' ? 'French' : 'English'}, in that language`, async () => {
      for (const [kind, words, done] of WORDS[lang]) {
        const w = new World({}, lang);
        try {
          await w.send(CLIENT, lang === 'fr' ? 'Demande' : 'Request', words);
          const [codeMail] = await w.run();
          assert.match(codeMail?.text ?? '', lang === 'fr' ? /Nous avons bien reçu une demande/ : /We received a request/, kind);
          assert.equal((await w.state()).requests[0]?.kind, kind);
          await w.send(CLIENT, `Re: ${codeMail?.subject ?? ''}`, codeOf(codeMail as ParsedMail));
          const [answer] = await w.run();
          assert.match(answer?.text ?? '', done, kind);
          assert.equal((await w.state()).requests[0]?.status, 'done', kind);
        } finally {
          w.cleanup();
        }
      }
    });
  }

  it('the daemon mails the operator a digest of requests due within seven days or overdue, on its schedule', async () => {
    const w = new World({ gdpr: { digestCron: '*/2 * * * * *' } });
    try {
      // Two requests already in the store: one received 26 days ago (due in 4 days), one fresh.
      const store = await EmbeddedStore.open(w.data);
      const now = Date.now();
      const day = 86_400_000;
      const refs: string[] = [];
      await store.transact(async (tx) => {
        for (const age of [26, 1]) {
          const received = new Date(now - age * day).toISOString();
          const ref = await tx.requests.nextRef(new Date(received).getUTCFullYear());
          refs.push(ref);
          await tx.requests.open({ ref, kind: age === 26 ? 'access' : 'erasure', status: 'confirmed', requester: 'jane@example.org', lang: 'fr', receivedAt: received, dueAt: addCalendarMonths(received, 1), messageIds: [] });
        }
      });
      await store.close();
      const daemon = startDaemon(w.data);
      try {
        const digest = await waitFor('the digest in the outbox', async () => {
          const dir = join(w.data, 'outbox');
          const files = existsSync(dir) ? readdirSync(dir) : [];
          const mails = await Promise.all(files.map((f) => simpleParser(readFileSync(join(dir, f)))));
          return mails.find((m) => /Demandes RGPD/.test(m.subject ?? ''));
        });
        assert.equal(to(digest), 'ops@studio.test');
        assert.match(digest.text ?? '', new RegExp(`${refs[0]} — access — confirmed — [345] j restant`));
        assert.ok(!(digest.text ?? '').includes(refs[1] ?? '?'), 'the fresh request is not in the digest');
      } finally {
        await daemon.stop();
      }
    } finally {
      w.cleanup();
    }
  });

  it('lists requests with days left, extends one with its reason, and expires those never confirmed', async () => {
    const w = new World({ gdpr: { codeValidityHours: 0.0003 } });
    try {
      await w.send('jane@example.org', 'GDPR: access', 'hi');
      await w.send(CLIENT, 'RGPD : effacement', 'Merci de supprimer mes données.');
      await w.run();
      const list = JSON.parse(mailbot(w.data, ['requests', '--json']).stdout) as { ref: string; kind: string; daysLeft: number; dueAt: string; receivedAt: string }[];
      assert.equal(list.length, 2);
      assert.ok(list.every((r) => r.daysLeft >= 28 && r.daysLeft <= 31));
      const ref = list.find((r) => r.kind === 'erasure')?.ref ?? '';
      const ext = mailbot(w.data, ['requests', 'extend', ref, '--reason', 'nombreuses demandes', '--months', '2']);
      assert.equal(ext.status, 0, ext.stderr);
      const mails = await w.run();
      const notice = mails.find((m) => /Délai de réponse prolongé/.test(m.subject ?? ''));
      assert.match(notice?.text ?? '', /Motif : nombreuses demandes/);
      await new Promise((r) => setTimeout(r, 1500));
      await w.run();
      assert.deepEqual((await w.state()).requests.map((r) => r.status), ['expired', 'expired']);
      assert.match(mailbot(w.data, ['log', '--action', 'gdpr-expired']).stdout, /gdpr-expired/);
    } finally {
      w.cleanup();
    }
  });
});
