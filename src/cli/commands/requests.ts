/**
 * `mailbot requests`: the GDPR rights requests with their deadlines;
 * `mailbot requests extend REF --reason …` extends one (Art. 12(3): by two
 * months at most) and queues a mail telling the person why.
 */
import type { Command } from 'commander';
import { AuditTrail } from '../../audit/trail.js';
import { loadConfig } from '../../config/load.js';
import { auditKey } from '../../config/secrets.js';
import { MailbotError } from '../../core/errors.js';
import { addCalendarMonths, daysLeft, OPEN_STATUSES } from '../../gdpr/requests.js';
import { frame } from '../../gdpr/texts.js';
import { composeReply } from '../../mail/compose.js';
import { stageReply } from '../../mail/outbox.js';
import { Templates } from '../../mail/templates.js';
import type { OutboxEntry } from '../../mail/state.js';
import { getClient } from '../../clients/service.js';
import { openStore, type GlobalOptions } from '../context.js';
import { table } from '../table.js';

/** Queue a mail (the daemon sends it) and note it in the audit trail. */
async function queueMail(dataDir: string, draft: Parameters<typeof composeReply>[1], kind: string, details: Record<string, string | number>): Promise<OutboxEntry> {
  const config = await loadConfig(dataDir);
  const mail = await composeReply(undefined, draft, { botAddress: config.botAddress, botName: config.botName }, new Templates());
  const entry = await stageReply(dataDir, mail, { kind });
  const key = await auditKey(dataDir, config);
  await new AuditTrail(dataDir, key.key, key.keyId).record({ action: kind === 'gdpr-extension' ? 'gdpr-extended' : 'gdpr-restriction-lifted', outcome: 'ok', details });
  return entry;
}

export function registerRequestsCommands(program: Command, globals: () => GlobalOptions): void {
  const requests = program
    .command('requests')
    .description('GDPR rights requests: status and days left before the one-month deadline')
    .option('--all', 'closed requests too')
    .option('--json', 'JSON output')
    .action(async (f: { all?: boolean; json?: boolean }) => {
      const store = await openStore(globals());
      const now = new Date();
      const list = store.data.requests.filter((r) => f.all || OPEN_STATUSES.includes(r.status)).map(({ code: _c, ...r }) => ({ ...r, daysLeft: daysLeft({ ...r }, now) }));
      if (f.json) return void console.log(JSON.stringify(list, null, 2));
      if (list.length === 0) return void console.log(f.all ? 'no request' : 'no open request (--all shows closed ones)');
      console.log(table(['ref', 'kind', 'status', 'received', 'due', 'days left', 'outcome'], list.map((r) => [r.ref, r.kind, r.status, r.receivedAt.slice(0, 10), (r.extendedDueAt ?? r.dueAt).slice(0, 10), String(r.daysLeft), r.outcome ?? '']), ['l', 'l', 'l', 'l', 'l', 'r']));
    });

  requests
    .command('extend <ref>')
    .description('extend the deadline (Art. 12(3)) and tell the person why')
    .requiredOption('--reason <text>', 'why: the complexity or number of requests')
    .option('--months <n>', 'one or two months (two at most in all)', '2')
    .action(async (ref: string, f: { reason: string; months: string }) => {
      const store = await openStore(globals());
      const req = store.data.requests.find((r) => r.ref === ref);
      if (!req) throw new MailbotError('NOT_FOUND', `no request ${ref}`);
      const months = Number(f.months);
      if (![1, 2].includes(months)) throw new MailbotError('BAD_VALUE', '--months must be 1 or 2');
      const extendedDueAt = addCalendarMonths(req.dueAt, months);
      if (req.extendedDueAt && req.extendedDueAt >= extendedDueAt) throw new MailbotError('BAD_VALUE', `already extended to ${req.extendedDueAt.slice(0, 10)}; the law allows two months at most`);
      const fr = req.lang === 'fr';
      const entry = await queueMail(
        store.dataDir,
        {
          kind: 'gdpr-extension',
          template: 'gdpr-message',
          lang: req.lang,
          to: req.requester,
          data: {
            ...frame(req.lang),
            subject: fr ? `[${ref}] Délai de réponse prolongé` : `[${ref}] Answer delayed`,
            paragraphs: fr
              ? [`Le délai de réponse à votre demande est prolongé jusqu'au ${extendedDueAt.slice(0, 10)} (RGPD art. 12(3)).`, `Motif : ${f.reason}`]
              : [`The time to answer your request is extended until ${extendedDueAt.slice(0, 10)} (GDPR Art. 12(3)).`, `Reason: ${f.reason}`],
            items: [],
            reference: ref,
          },
        },
        'gdpr-extension',
        { ref, months, until: extendedDueAt.slice(0, 10) },
      );
      await store.update((d) => {
        const r = d.requests.find((x) => x.ref === ref);
        if (r) Object.assign(r, { extendedDueAt, extensionReason: f.reason });
        d.outbox.push(entry);
      });
      console.log(`${ref}: due ${extendedDueAt.slice(0, 10)}; the person will be told by the daemon's next outbox round`);
    });

  requests
    .command('unrestrict <client>')
    .description('lift a restriction of processing: the client is told first (Art. 18(3)), then it is lifted')
    .action(async (id: string) => {
      const store = await openStore(globals());
      const client = getClient(store, id);
      if (!client.restricted) throw new MailbotError('BAD_VALUE', `client ${id} is not restricted`);
      const fr = client.language === 'fr';
      const ref = client.restricted.ref;
      const notices: OutboxEntry[] = [];
      for (const to of client.emails) {
        notices.push(
          await queueMail(store.dataDir, {
            kind: 'gdpr-restriction-lift',
            template: 'gdpr-message',
            lang: client.language,
            to,
            data: {
              ...frame(client.language),
              subject: fr ? `[${ref}] Levée de la limitation du traitement` : `[${ref}] Restriction of processing lifted`,
              paragraphs: fr ? ['Nous vous informons que la limitation du traitement de vos données (RGPD art. 18) est levée : vos fichiers de facturation seront de nouveau traités.'] : ['We inform you that the restriction of processing of your data (GDPR Art. 18) is lifted: your invoicing files will be processed again.'],
              items: [],
              reference: ref,
            },
          }, 'gdpr-restriction-lift', { ref, client: id }),
        );
      }
      // First the notice (committed), then the lifting.
      await store.update((d) => {
        d.outbox.push(...notices);
      });
      await store.update((d) => {
        d.clients = d.clients.map((c) => {
          if (c.id !== id) return c;
          const { restricted: _r, ...rest } = c;
          return rest;
        });
      });
      console.log(`client ${id}: restriction lifted; ${notices.length} notice(s) queued`);
    });

  requests
    .command('grounds <client>')
    .description('record compelling legitimate grounds that override an objection (Art. 21(1))')
    .requiredOption('--text <grounds>', 'the grounds, as they will be told to the person')
    .action(async (id: string, f: { text: string }) => {
      const store = await openStore(globals());
      getClient(store, id);
      await store.update((d) => {
        d.clients = d.clients.map((c) => (c.id === id ? { ...c, objection: { ...(c.objection ?? { since: new Date().toISOString(), ref: 'operator' }), compellingGrounds: f.text } } : c));
      });
      console.log(`client ${id}: compelling grounds recorded`);
    });
}
