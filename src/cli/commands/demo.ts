/**
 * `mailbot demo`: a demo client and a few sample mails in the embedded inbox
 * (a CSV batch, a CSV with errors, a question), so that `mailbot start`
 * shows the whole flow on a fresh checkout.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { addClient, findClient } from '../../clients/service.js';
import { operatorActor } from '../actor.js';
import { withStore, type GlobalOptions } from '../context.js';

const DEMO_CLIENT = {
  id: 'demo-atelier',
  legalName: 'Atelier Démo SARL',
  siren: '123456782',
  vatId: 'FR11123456782',
  address: { line1: '12 rue des Lilas', postcode: '69003', city: 'Lyon' },
  emails: ['compta@demo-atelier.example'],
  iban: 'FR7630006000011234567890189',
  bic: 'AGRIFRPP',
  shareCapital: '10000',
  rcsCity: 'Lyon',
  numberPattern: 'DEMO-{YYYY}-{SEQ:4}',
};

const GOOD_CSV = [
  'Référence;Date;Client;SIREN;Adresse;Code postal;Ville;Désignation;Quantité;Unité;Prix unitaire HT;Taux TVA',
  'D-001;20/11/2026;Boulangerie Martin SAS;123456790;3 place du Marché;75001;Paris;Création du site vitrine;1;forfait;1 200,00;20',
  'D-001;;;;;;;Hébergement annuel;12;mois;9,90;20',
  'D-002;21/11/2026;Librairie Page & Plume SARL;123456808;8 rue Neuve;69001;Lyon;Atelier d\'écriture;3;heure;85,00;20',
  'D-002;;;;;;;Livres;4;u;12,50;5,5',
].join('\r\n');

const BAD_CSV = [
  'Référence;Date;Client;SIREN;Adresse;Code postal;Ville;Désignation;Quantité;Prix unitaire HT;Taux TVA',
  'E-001;31/02/2026;Client Sans Siren;;1 rue;75001;Paris;Conseil;-1;100;19,6',
].join('\r\n');

async function mail(opts: Record<string, unknown>): Promise<Buffer> {
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer/index.js');
  return new MailComposer(opts).compile().build();
}

export function registerDemoCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('demo')
    .description('add a demo client and sample mails to the embedded inbox')
    .action(async () => {
      const { deliverToMaildir } = await import('../../mail/maildir.js');
      const dataDir = await withStore(globals(), async (store, config) => {
        if (!(await findClient(store, DEMO_CLIENT.id))) await addClient(store, DEMO_CLIENT, await operatorActor(store, config));
        return store.dataDir;
      }, undefined, 'create');
      const inbox = join(dataDir, 'mailbox');
      const from = 'Compta Atelier Démo <compta@demo-atelier.example>';
      const to = 'factures@mailbot.localhost';
      await deliverToMaildir(inbox, await mail({ from, to, subject: 'Factures de novembre', text: 'Bonjour,\n\nci-joint les factures du mois.\n\nCordialement', attachments: [{ filename: 'novembre.csv', content: Buffer.from(`\ufeff${GOOD_CSV}\r\n`, 'utf8'), contentType: 'text/csv' }] }));
      await deliverToMaildir(inbox, await mail({ from, to, subject: 'Facture urgente', text: 'Bonjour, voici une facture.', attachments: [{ filename: 'urgent.csv', content: Buffer.from(`${BAD_CSV}\r\n`, 'utf8'), contentType: 'application/vnd.ms-excel' }] }));
      await deliverToMaildir(inbox, await mail({ from: 'Jane Doe <jane@example.org>', to, subject: 'Question', text: 'Hello, what is this address for? Thanks' }));
      console.log(`demo client "${DEMO_CLIENT.id}" ready; 3 mails put in ${inbox}/new`);
      console.log('now run `npm start` (or `mailbot start --once`) and read the replies in the outbox folder');
    });
}
