/**
 * The approved platform end to end: a CSV mail through the real Dovecot and
 * SMTP relay, the real `mailbot start` process depositing the invoices on
 * the stand-in platform, its statuses coming back: a rejection mailed to
 * the client at once, the other statuses in the digest; `mailbot invoices`
 * shows each invoice's platform object.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { mailbotAsync } from '../helpers/cli.js';
import { fixtureMail, prepareData, startDaemon } from '../helpers/daemon.js';
import { e2eSkipReason, waitFor, withMailServers } from '../helpers/mailservers.js';
import { PlatformStandin } from '../helpers/platform-standin.js';

const skip = e2eSkipReason();

describe('the approved platform through the real mail servers and daemon', { skip: skip || false, timeout: 300_000 }, () => {
  it('deposits the invoices of a CSV mail, mails a rejection at once and the other statuses in the digest', async () => {
    const standin = await new PlatformStandin().start();
    try {
      await withMailServers(['factures', 'compta'], async ({ dovecot, smtp, dir }) => {
        const data = join(dir, 'data');
        const env = { MAILBOT_PA_SECRET: standin.secret };
        prepareData(data, dovecot, smtp, { platform: { pollSeconds: 5, digestCron: '*/5 * * * * *' } }, { platform: { url: standin.url, tokenUrl: standin.tokenUrl, clientId: standin.clientId, secretEnv: 'MAILBOT_PA_SECRET', mode: 'deposit' } });
        const daemon = startDaemon(data, env);
        try {
          await dovecot.append('factures', fixtureMail('csv-outlook-cp1252.eml'));
          await waitFor('the three invoices deposited', () => (standin.deposits().length >= 3 ? true : undefined), 60_000, 200);
          const [first, second] = standin.deposits().map((f) => f.number);
          assert.deepEqual(standin.deposits().map((f) => f.number).sort(), ['FA-2026-00001', 'FA-2026-00002', 'FA-2026-00003']);
          standin.emit(first ?? '', 213, { code: 'REJ_SEMAN', text: 'Rejet pour erreur sémantique' });
          standin.emit(second ?? '', 205);
          const mails = await waitFor(
            'the reply, the rejection and the digest',
            async () => {
              const parsed = await Promise.all((await dovecot.messages('compta')).map((m) => simpleParser(m.source ?? Buffer.alloc(0))));
              const rejection = parsed.find((m) => /Rejetée/.test(m.subject ?? ''));
              const digest = parsed.find((m) => /plateforme : \d+ nouveau/.test(m.subject ?? ''));
              return rejection && digest ? { rejection, digest } : undefined;
            },
            90_000,
            500,
          ).catch((err: Error) => {
            throw new Error(`${err.message}\n${daemon.output().split('\n').filter((l) => /platform|error|warn/i.test(l)).slice(-15).join('\n')}`);
          });
          assert.match(mails.rejection.subject ?? '', new RegExp(`Facture ${first} : Rejetée`));
          assert.match(mails.rejection.text ?? '', /REJ_SEMAN/);
          assert.match(mails.digest.text ?? '', new RegExp(`${second} : Approuvée \\(205\\)`));
          assert.doesNotMatch(mails.digest.text ?? '', /Rejetée/);

          // A CSV of payments received, mailed by the client: declared (status 212) and deposited as CDAR.
          const third = standin.deposits().map((f) => f.number).find((n) => n !== first && n !== second) ?? '';
          await dovecot.append('factures', await new MailComposer({ from: 'compta@atelier-dupont.test', to: 'factures@studio.test', subject: 'Encaissements', text: 'ci-joint', attachments: [{ filename: 'encaissements.csv', content: Buffer.from(`Numéro facture;Date paiement;Montant\r\n${third};02/12/2026;100,00\r\n`, 'latin1'), contentType: 'text/csv' }] }).compile().build());
          const answer = await waitFor('the payments answer', async () => {
            const parsed = await Promise.all((await dovecot.messages('compta')).map((m) => simpleParser(m.source ?? Buffer.alloc(0))));
            return parsed.find((m) => /Re: Encaissements/.test(m.subject ?? ''));
          }, 60_000, 300);
          assert.match(answer.text ?? '', new RegExp(`${third} : 100,00\\s€, reçu le 02/12/2026`));
          await waitFor('the status 212 deposited', () => (standin.flows.some((f) => f.flowSyntax === 'CDAR' && f.flowType === 'CustomerInvoice' && f.file.toString('utf8').includes(`<ram:IssuerAssignedID>${third}</ram:IssuerAssignedID>`)) ? true : undefined), 60_000, 300);

          // An answer to the digest saying an invoice was paid is declared too (the whole amount, none being given).
          await dovecot.append('factures', await new MailComposer({ from: 'compta@atelier-dupont.test', to: 'factures@studio.test', subject: `Re: ${mails.digest.subject ?? ''}`, inReplyTo: mails.digest.messageId ?? '', references: [mails.digest.messageId ?? ''], text: `Bonjour,\n\nLa facture ${second} a été payée le 03/12/2026.\n\nCordialement\n\n> ${mails.digest.subject ?? ''}` }).compile().build());
          const confirmed = await waitFor('the answer to the payment reply', async () => {
            const parsed = await Promise.all((await dovecot.messages('compta')).map((m) => simpleParser(m.source ?? Buffer.alloc(0))));
            return parsed.find((m) => /encaissement est déclaré/.test(m.text ?? ''));
          }, 60_000, 300);
          assert.match(confirmed.text ?? '', new RegExp(`${second} : [\\d\\s\u202f]+,\\d\\d\\s€, reçu le 03/12/2026`));
          await waitFor('the status 212 of the answer deposited', () => (standin.flows.some((f) => f.flowSyntax === 'CDAR' && f.flowType === 'CustomerInvoice' && f.file.toString('utf8').includes(`<ram:IssuerAssignedID>${second}</ram:IssuerAssignedID>`)) ? true : undefined), 60_000, 300);

          const listed = await mailbotAsync(data, ['invoices', '--json'], env);
          assert.equal(listed.status, 0, listed.stderr);
          const rows = JSON.parse(listed.stdout) as { number: string; platform: { state: string; flowId?: string; status?: number } | null }[];
          assert.deepEqual(rows.map((r) => [r.number, r.platform?.state, Boolean(r.platform?.flowId)]), [['FA-2026-00001', 'deposited', true], ['FA-2026-00002', 'deposited', true], ['FA-2026-00003', 'deposited', true]]);
          assert.equal(rows.find((r) => r.number === first)?.platform?.status, 213);
          assert.deepEqual(standin.violations, []);
        } finally {
          await daemon.stop();
        }
      }, { prefix: 'mailbot-platform-' });
    } finally {
      await standin.stop();
    }
  });
});
