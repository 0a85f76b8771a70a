/**
 * `mailbot requests`: the GDPR rights requests with their deadlines;
 * `requests extend REF --reason …` extends one (Art. 12(3): by two months at
 * most) and queues a mail telling the person why; `requests unrestrict` and
 * `requests grounds` act on a client's restriction and objection. Each
 * change and the mails it queues are one commit.
 */
import type { Command } from 'commander';
import { auditEntry } from '../../audit/trail.js';
import { MailbotError, NotFoundError } from '../../core/errors.js';
import { addCalendarMonths, daysLeft } from '../../gdpr/requests.js';
import { frame } from '../../gdpr/texts.js';
import type { ReplyDraft } from '../../mail/compose.js';
import type { Store, Tx } from '../../store/port.js';
import type { Config } from '../../config/schema.js';
import { withStore, type GlobalOptions } from '../context.js';
import { table } from '../table.js';

/** Stage the mails, then run `write` and queue them in one transaction. */
async function withNotices(store: Store, config: Config, drafts: ReplyDraft[], write: (tx: Tx, queued: { messageIds: string[] }) => Promise<void>): Promise<void> {
  const { stageNotices, queueReplies } = await import('../../mail/outbox.js');
  const { Templates } = await import('../../mail/templates.js');
  const { staging, entries } = await stageNotices(store, { botAddress: config.botAddress, botName: config.botName }, new Templates(), drafts);
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
      const all = await withStore(globals(), (store) => store.read((tx) => tx.requests.list(f.all ? {} : { open: true })));
      const now = new Date();
      const list = all.map(({ code: _c, ...r }) => ({ ...r, daysLeft: daysLeft({ ...r }, now) }));
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
      const months = Number(f.months);
      if (![1, 2].includes(months)) throw new MailbotError('BAD_VALUE', '--months must be 1 or 2');
      const until = await withStore(globals(), async (store, config) => {
        const req = await store.read((tx) => tx.requests.get(ref));
        if (!req) throw new MailbotError('NOT_FOUND', `no request ${ref}`);
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
              ? [`Le délai de réponse à votre demande est prolongé jusqu'au ${extendedDueAt.slice(0, 10)} (RGPD art. 12(3)).`, `Motif : ${f.reason}`]
              : [`The time to answer your request is extended until ${extendedDueAt.slice(0, 10)} (GDPR Art. 12(3)).`, `Reason: ${f.reason}`],
            items: [],
            reference: ref,
          },
        };
        await withNotices(store, config, [draft], async (tx) => {
          await tx.requests.update(ref, { extendedDueAt, extensionReason: f.reason });
          tx.audit(auditEntry({ action: 'gdpr-extended', outcome: 'ok', details: { ref, months, until: extendedDueAt.slice(0, 10) } }));
        });
        return extendedDueAt;
      });
      console.log(`${ref}: due ${until.slice(0, 10)}; the person will be told by the daemon's next outbox round`);
    });

  requests
    .command('unrestrict <client>')
    .description('lift a restriction of processing: the client is told in the same commit (Art. 18(3))')
    .action(async (id: string) => {
      const count = await withStore(globals(), async (store, config) => {
        const client = await store.read((tx) => tx.clients.get(id));
        if (!client) throw new NotFoundError('client', id);
        const restricted = client.restricted;
        if (!restricted) throw new MailbotError('BAD_VALUE', `client ${id} is not restricted`);
        const fr = client.language === 'fr';
        const drafts: ReplyDraft[] = client.emails.map((to) => ({
          kind: 'gdpr-restriction-lift',
          template: 'gdpr-message',
          lang: client.language,
          to,
          data: {
            ...frame(client.language),
            subject: fr ? `[${restricted.ref}] Levée de la limitation du traitement` : `[${restricted.ref}] Restriction of processing lifted`,
            paragraphs: fr ? ['Nous vous informons que la limitation du traitement de vos données (RGPD art. 18) est levée : vos fichiers de facturation seront de nouveau traités.'] : ['We inform you that the restriction of processing of your data (GDPR Art. 18) is lifted: your invoicing files will be processed again.'],
            items: [],
            reference: restricted.ref,
          },
        }));
        // The notices and the lifting commit together: the person is told of exactly what happened.
        await withNotices(store, config, drafts, async (tx) => {
          const current = await tx.clients.get(id);
          if (!current?.restricted) throw new MailbotError('BAD_VALUE', `client ${id} is not restricted`);
          const { restricted: _r, ...rest } = current;
          await tx.clients.put(rest);
          tx.audit(auditEntry({ action: 'gdpr-restriction-lifted', outcome: 'ok', clientId: id, details: { ref: restricted.ref, notices: drafts.length } }));
        });
        return drafts.length;
      });
      console.log(`client ${id}: restriction lifted; ${count} notice(s) queued`);
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
        const approved = auditEntry({ action: 'gdpr-confirmed', outcome: 'ok', details: { ref, by: 'operator' } }, now);
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
      await withStore(globals(), (store) =>
        store.transact(async (tx) => {
          const c = await tx.clients.get(id);
          if (!c) throw new NotFoundError('client', id);
          await tx.clients.put({ ...c, objection: { ...(c.objection ?? { since: new Date().toISOString(), ref: 'operator' }), compellingGrounds: f.text } });
        }),
      );
      console.log(`client ${id}: compelling grounds recorded`);
    });
}
