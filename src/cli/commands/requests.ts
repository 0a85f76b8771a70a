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
import { addCalendarMonths, daysLeft, OPEN_STATUSES, type RightsRequest } from '../../gdpr/requests.js';
import { frame } from '../../gdpr/texts.js';
import type { ReplyDraft } from '../../mail/compose.js';
import type { Store, Tx } from '../../store/port.js';
import { studioContact, type Config } from '../../config/schema.js';
import { displayDate } from '../../core/format.js';
import { operatorActor } from '../actor.js';
import { withStore, type GlobalOptions } from '../context.js';
import { table } from '../table.js';
import type { ClientRecord } from '../../clients/record.js';
import { shortRef } from '../../audit/query.js';

/**
 * Whom a request concerns: the client records it names once confirmed, else
 * the records whose addresses include the requester's (before the code
 * proves it, that is only who the address belongs to), else its role.
 */
function requestClient(r: Pick<RightsRequest, 'clientIds' | 'role' | 'requester'>, clients: readonly ClientRecord[]): string {
  if (r.clientIds && r.clientIds.length > 0) return r.clientIds.join(', ');
  const address = r.requester.toLowerCase();
  const owners = clients.filter((c) => c.emails.some((e) => e.toLowerCase() === address)).map((c) => c.id);
  if (owners.length > 0) return `${owners.join(', ')} (address)`;
  return r.role ? `(${r.role})` : '';
}

/** A finished request is not extended: its answer is given, or it closed (REQUEST_CLOSED). */
function assertOpen(req: RightsRequest | undefined, ref: string): RightsRequest {
  if (!req) throw new MailbotError('NOT_FOUND', `no request ${ref}`);
  if (!OPEN_STATUSES.includes(req.status)) throw new MailbotError('REQUEST_CLOSED', `${ref} is ${req.status}${req.closedAt ? ` since ${req.closedAt.slice(0, 10)}` : ''}: there is no deadline left to extend`);
  return req;
}

/** Stage the mails, then run `write` and queue them in one transaction. */
async function withNotices(store: Store, config: Config, drafts: ReplyDraft[], write: (tx: Tx, queued: { messageIds: string[] }) => Promise<void>): Promise<void> {
  const { stageNotices, queueReplies } = await import('../../mail/outbox.js');
  const { Templates } = await import('../../mail/templates.js');
  const { identityOf } = await import('../../mail/compose.js');
  const { staging, entries } = await stageNotices(store, identityOf(config), new Templates(), drafts);
  try {
    await store.transact(async (tx) => {
      await write(tx, { messageIds: entries.map((e) => e.messageId) });
      await queueReplies(tx, staging, entries);
    });
  } catch (err) {
    await staging.discard();
    throw err;
  }
}

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
      else console.log(table(['ref', 'kind', 'status', 'requester', 'client', 'received', 'due', 'days left', 'outcome'], list.map((r) => [r.ref, r.kind, r.status, shortRef(r.requester, 60), requestClient(r, clients), r.receivedAt.slice(0, 10), (r.extendedDueAt ?? r.dueAt).slice(0, 10), String(r.daysLeft), r.outcome ?? '']), ['l', 'l', 'l', 'l', 'l', 'l', 'l', 'r']));
      // Lifts the operator scheduled: the person was told, the restriction holds until then.
      for (const c of clients) if (c.restricted?.liftAt) console.log(`restriction of ${c.id} (${c.restricted.ref}): to be lifted on ${c.restricted.liftAt.slice(0, 16).replace('T', ' ')} UTC, the person told`);
    });

  requests
    .command('extend <ref>')
    .description('extend the deadline (Art. 12(3)) and tell the person why')
    .requiredOption('--reason <text>', 'why: the complexity or number of requests')
    .option('--months <n>', 'one or two months (two at most in all)', '2')
    .action(async (ref: string, f: { reason: string; months: string }) => {
      const months = Number(f.months);
      if (![1, 2].includes(months)) throw new MailbotError('BAD_VALUE', '--months must be 1 or 2');
      const until = await withStore(globals(), async (store, config) => {
        const req = assertOpen(await store.read((tx) => tx.requests.get(ref)), ref);
        const by = await operatorActor(store, config);
        const extendedDueAt = addCalendarMonths(req.dueAt, months);
        if (req.extendedDueAt && req.extendedDueAt >= extendedDueAt) throw new MailbotError('BAD_VALUE', `already extended to ${req.extendedDueAt.slice(0, 10)}; the law allows two months at most`);
        const fr = req.lang === 'fr';
        const draft: ReplyDraft = {
          kind: 'gdpr-extension',
          template: 'gdpr-message',
          lang: req.lang,
          to: req.requester,
          data: {
            ...frame(req.lang),
            subject: fr ? `[${ref}] Délai de réponse prolongé` : `[${ref}] Answer delayed`,
            paragraphs: fr
              ? [`Le délai de réponse à votre demande est prolongé jusqu'au ${displayDate(extendedDueAt, 'fr')} (RGPD art. 12(3)).`, `Motif : ${f.reason}`]
              : [`The time to answer your request is extended until ${displayDate(extendedDueAt, 'en')} (GDPR Art. 12(3)).`, `Reason: ${f.reason}`],
            items: [],
            reference: ref,
          },
        };
        await withNotices(store, config, [draft], async (tx) => {
          // Finished meanwhile: nothing is written and the mail is not queued.
          assertOpen(await tx.requests.get(ref), ref);
          await tx.requests.update(ref, { extendedDueAt, extensionReason: f.reason });
          tx.audit(auditEntry({ action: 'gdpr-extended', outcome: 'ok', details: { ref, months, until: extendedDueAt.slice(0, 10) }, ...by }));
        });
        return extendedDueAt;
      });
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
      const said = await withStore(globals(), async (store, config) => {
        const { proven, waitingFor } = await import('../../mail/handlers/gdpr/confirm.js');
        const { carryOut } = await import('../../mail/handlers/gdpr/carry-out.js');
        const { auditTrailFor } = await import('../../audit/trail.js');
        const req = await store.read((tx) => tx.requests.get(ref));
        if (!req) throw new MailbotError('NOT_FOUND', `no request ${ref}`);
        if (!['awaiting-confirmation', 'confirmed'].includes(req.status)) throw new MailbotError('BAD_VALUE', `${ref} is ${req.status}: nothing to approve`);
        if (!req.keyChange) throw new MailbotError('BAD_VALUE', `${ref} changes no e-mail address or IBAN: the requester's code is its proof`);
        if (req.approvedBy) throw new MailbotError('BAD_VALUE', `${ref} was approved already (${req.approvedBy.by})`);
        const now = new Date();
        const next = { ...req, approvedBy: { by: 'operator' as const, at: now.toISOString() } };
        const approved = auditEntry({ action: 'gdpr-confirmed', outcome: 'ok', details: { ref, by: 'operator' }, ...(await operatorActor(store, config)) }, now);
        if (!proven(next)) {
          await store.transact(async (tx) => {
            await tx.requests.update(ref, { approvedBy: next.approvedBy });
            tx.audit(approved);
          });
          return `${ref}: approved; still waiting for ${waitingFor(next).join(', ')}`;
        }
        const done = await carryOut({ store, config, audit: await auditTrailFor(store, config) }, next, now);
        try {
          await withNotices(store, config, [done.answer, ...done.notify], async (tx, queued) => {
            await tx.requests.update(ref, { approvedBy: next.approvedBy });
            await done.commit(tx, queued);
            tx.audit(approved);
            for (const a of done.audit) tx.audit(auditEntry(a, now));
          });
        } finally {
          await done.scratch?.discard();
        }
        return `${ref}: approved and carried out (${done.outcome}); the answer and the notices leave with the daemon's next outbox round`;
      });
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
