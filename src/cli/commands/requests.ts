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
import { openStore, type GlobalOptions } from '../context.js';
import { table } from '../table.js';

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
      const config = await loadConfig(store.dataDir);
      const req = store.data.requests.find((r) => r.ref === ref);
      if (!req) throw new MailbotError('NOT_FOUND', `no request ${ref}`);
      const months = Number(f.months);
      if (![1, 2].includes(months)) throw new MailbotError('BAD_VALUE', '--months must be 1 or 2');
      const extendedDueAt = addCalendarMonths(req.dueAt, months);
      if (req.extendedDueAt && req.extendedDueAt >= extendedDueAt) throw new MailbotError('BAD_VALUE', `already extended to ${req.extendedDueAt.slice(0, 10)}; the law allows two months at most`);
      const fr = req.lang === 'fr';
      const mail = await composeReply(
        undefined,
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
        { botAddress: config.botAddress, botName: config.botName },
        new Templates(),
      );
      const entry = await stageReply(store.dataDir, mail, { kind: 'gdpr-extension' });
      await store.update((d) => {
        const r = d.requests.find((x) => x.ref === ref);
        if (r) Object.assign(r, { extendedDueAt, extensionReason: f.reason });
        d.outbox.push(entry);
      });
      const key = await auditKey(store.dataDir, config);
      await new AuditTrail(store.dataDir, key.key, key.keyId).record({ action: 'gdpr-extended', outcome: 'ok', details: { ref, months, until: extendedDueAt.slice(0, 10) } });
      console.log(`${ref}: due ${extendedDueAt.slice(0, 10)}; the person will be told by the daemon's next outbox round`);
    });
}
