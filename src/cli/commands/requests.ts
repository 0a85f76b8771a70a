/**
 * `mailbot requests`: the GDPR rights requests with their deadlines, and the
 * restrictions waiting to be lifted; `requests extend REF --reason …` extends
 * an open one (Art. 12(3): by two months at most) and queues a mail telling
 * the person why; `requests unrestrict` schedules the lift of a restriction
 * after telling the person (Art. 18(3)); `requests grounds` records grounds
 * against an objection the person made. Each change, its audit line naming
 * the operator and the mails it queues are one commit; each checks the
 * state of what it changes, again inside that commit.
 */
import type { Command } from 'commander';
import { auditEntry } from '../../audit/trail.js';
import { MailbotError, NotFoundError } from '../../core/errors.js';
import { daysLeft } from '../../gdpr/requests.js';
import { studioContact } from '../../config/schema.js';
import { approveRequest, extendRequest, withNotices } from '../../operator/actions.js';
import { operatorActor } from '../actor.js';
import { withStore, type GlobalOptions } from '../context.js';
import { table } from '../table.js';
import { readRequestClient } from '../../operator/views.js';
import { shortRef } from '../../audit/query.js';

export function registerRequestsCommands(program: Command, globals: () => GlobalOptions): void {
  const requests = program
    .command('requests')
    .description('GDPR rights requests: status and days left before the one-month deadline')
    .option('--all', 'closed requests too')
    .option('--json', 'JSON output')
    .action(async (f: { all?: boolean; json?: boolean }) => {
      const { all, clients } = await withStore(globals(), (store) => store.read(async (tx) => ({ all: await tx.requests.list(f.all ? {} : { open: true }), clients: await tx.clients.list() })));
      const now = new Date();
      const list = all.map(({ code: _c, ...r }) => ({ ...r, daysLeft: daysLeft({ ...r }, now) }));
      if (f.json) return void console.log(JSON.stringify(list, null, 2));
      if (list.length === 0) console.log(f.all ? 'no request' : 'no open request (--all shows closed ones)');
      else console.log(table(['ref', 'kind', 'status', 'requester', 'client', 'received', 'due', 'days left', 'outcome'], list.map((r) => [r.ref, r.kind, r.status, shortRef(r.requester, 60), readRequestClient(r, clients), r.receivedAt.slice(0, 10), (r.extendedDueAt ?? r.dueAt).slice(0, 10), String(r.daysLeft), r.outcome ?? '']), ['l', 'l', 'l', 'l', 'l', 'l', 'l', 'r']));
      // Lifts the operator scheduled: the person was told, the restriction holds until then.
      for (const c of clients) if (c.restricted?.liftAt) console.log(`restriction of ${c.id} (${c.restricted.ref}): to be lifted on ${c.restricted.liftAt.slice(0, 16).replace('T', ' ')} UTC, the person told`);
    });

  requests
    .command('extend <ref>')
    .description('extend the deadline (Art. 12(3)) and tell the person why')
    .requiredOption('--reason <text>', 'why: the complexity or number of requests')
    .option('--months <n>', 'one or two months (two at most in all)', '2')
    .action(async (ref: string, f: { reason: string; months: string }) => {
      const until = await withStore(globals(), async (store, config) => extendRequest(store, config, await operatorActor(store, config), ref, Number(f.months), f.reason));
      console.log(`${ref}: due ${until.slice(0, 10)}; the person will be told by the daemon's next outbox round`);
    });

  requests
    .command('unrestrict <client>')
    .description('lift a restriction of processing after telling the person: notice now, lift after gdpr.restrictionLiftNoticeDays (Art. 18(3))')
    .action(async (id: string) => {
      const { liftAtAfter, liftNotices, scheduleLift } = await import('../../gdpr/restriction.js');
      const said = await withStore(globals(), async (store, config) => {
        const client = await store.read((tx) => tx.clients.get(id));
        if (!client) throw new NotFoundError('client', id);
        const now = new Date();
        const liftAt = liftAtAfter(now, config.gdpr.restrictionLiftNoticeDays);
        const drafts = liftNotices(client, liftAt, studioContact(config));
        const by = await operatorActor(store, config);
        // The notices and the scheduled lift commit together: the person is told of exactly what will happen.
        await withNotices(store, config, drafts, (tx) => scheduleLift(tx, id, liftAt, drafts.length, by, now));
        return `client ${id}: restriction to be lifted on ${liftAt.slice(0, 16).replace('T', ' ')} UTC (gdpr.restrictionLiftNoticeDays: ${config.gdpr.restrictionLiftNoticeDays}); ${drafts.length} notice(s) queued, batches stay refused until then`;
      });
      console.log(said);
    });

  requests
    .command('approve <ref>')
    .description('approve a change of e-mail address or IBAN that no other address of the record can confirm (check it with the client first)')
    .action(async (ref: string) => {
      const said = await withStore(globals(), async (store, config) => approveRequest(store, config, await operatorActor(store, config), ref));
      console.log(said);
    });

  requests
    .command('grounds <client>')
    .description('record compelling legitimate grounds that override an objection (Art. 21(1))')
    .requiredOption('--text <grounds>', 'the grounds, as they will be told to the person')
    .action(async (id: string, f: { text: string }) => {
      await withStore(globals(), async (store, config) => {
        const by = await operatorActor(store, config);
        await store.transact(async (tx) => {
          const c = await tx.clients.get(id);
          if (!c) throw new NotFoundError('client', id);
          // Art. 21(1): grounds answer the person's objection; with none, there is nothing for them to override.
          if (!c.objection) throw new MailbotError('NO_OBJECTION', `client ${id} made no objection (GDPR Art. 21): there is nothing for grounds to override`);
          await tx.clients.put({ ...c, objection: { ...c.objection, compellingGrounds: f.text } });
          // The grounds are the operator's words about the person: the trail keeps that they were recorded, not the text.
          tx.audit(auditEntry({ action: 'gdpr-grounds-recorded', outcome: 'ok', clientId: id, details: { ref: c.objection.ref, replaced: Boolean(c.objection.compellingGrounds) }, ...by }));
        });
      });
      console.log(`client ${id}: compelling grounds recorded`);
    });
}
