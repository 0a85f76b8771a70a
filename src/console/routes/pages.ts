/**
 * The console's pages, each a GET with its query schema: today, the mails
 * (the trail with the CLI's filters, newest first), one mail's story, the
 * invoices per client, the rights requests, retention and the audit chain.
 */
import type { FastifyInstance } from 'fastify';
import { AUDIT_ACTIONS, type AuditEntry } from '../../audit/entry.js';
import { detailsText, parseActions, shortRef } from '../../audit/query.js';
import { verifyTrail } from '../../audit/verify.js';
import { daysLeft, OPEN_STATUSES } from '../../gdpr/requests.js';
import { readRequestClient } from '../../operator/views.js';
import { parseSince } from '../../operator/since.js';
import { environmentFaults, liveDaemons } from '../../operator/status.js';
import type { PageContext } from '../server.js';
import { countSince, mailStory, trailPage, trailQuery } from '../trail.js';

const text = { type: 'string', maxLength: 500 } as const;
const lang = { type: 'string', enum: ['fr', 'en'] } as const;
const flash = { done: text, refused: text, lang } as const;

/** A line of the trail as a table row. */
function row(e: AuditEntry) {
  return {
    time: e.time.replace('T', ' ').slice(0, 19),
    action: e.action,
    outcome: e.outcome,
    client: e.clientId ?? '',
    mailKey: e.mailKey,
    mail: shortRef(e.mailKey ?? e.messageId, 32),
    details: detailsText(e),
  };
}

export function registerPages(app: FastifyInstance, ctx: PageContext): void {
  const { store, config } = ctx.deps;
  const html = 'text/html; charset=utf-8';

  app.get('/', { schema: { querystring: { type: 'object', properties: flash } } }, async (req, reply) => {
    const [stats, daemons, outbox, requests] = await Promise.all([store.stats(), store.daemons(), store.read((tx) => tx.outbox.list()), store.read((tx) => tx.requests.list({ open: true }))]);
    // Today's counts: the trail read back to midnight UTC (bounded by one day's volume).
    const midnight = new Date(new Date().toISOString().slice(0, 10)).getTime();
    const today = await countSince(store, midnight, new Set(['received', 'reply-sent', 'reply-failed', 'invoices-issued', 'batch-rejected']));
    const n = (a: string) => today.counts.get(a) ?? 0;
    const counts = { received: n('received'), repliesSent: n('reply-sent'), repliesFailed: n('reply-failed'), invoicesIssued: today.invoices, batchesRejected: n('batch-rejected') };
    const now = new Date();
    const live = liveDaemons(store, daemons);
    const data = {
      daemons: live.map((d) => ({ ...d, fault: d.fault ? `${d.fault.cause} (${d.fault.since})` : undefined })),
      faults: await environmentFaults(ctx.deps.dataDir, live),
      counts,
      outcomes: Object.entries(stats.outcomes).sort(([, a], [, b]) => b - a).map(([k, n]) => ({ k, n })),
      setAside: stats.setAside,
      failed: outbox.filter((e) => e.state === 'failed').map((e) => ({ id: e.id, kind: e.kind, client: e.clientId ?? '', createdAt: e.createdAt.slice(0, 16).replace('T', ' '), error: e.lastError ?? '' })),
      requests: requests.filter((r) => OPEN_STATUSES.includes(r.status)).map((r) => ({ ref: r.ref, kind: r.kind, status: r.status, daysLeft: daysLeft(r, now), late: daysLeft(r, now) < 0 })),
      stats,
    };
    return reply.type(html).send(ctx.views.render('today', ctx.frame(req, reply, 'today'), data));
  });

  app.get<{ Querystring: { since?: string; action?: string; client?: string; from?: string; message?: string; ref?: string; cursor?: string } }>(
    '/mails',
    { schema: { querystring: { type: 'object', properties: { since: text, action: text, client: text, from: text, message: text, ref: text, cursor: { type: 'string', maxLength: 200 }, ...flash } } } },
    async (req, reply) => {
      const q = req.query;
      const query = trailQuery({ ...(q.since ? { since: parseSince(q.since) } : {}), ...(q.action ? { action: parseActions(q.action) } : {}), ...(q.client ? { client: q.client } : {}), ...(q.from ? { from: q.from } : {}), ...(q.message ? { message: q.message } : {}), ...(q.ref ? { ref: q.ref } : {}) }, ctx.deps.trail);
      const page = await trailPage(store, query, q.cursor || undefined);
      const keep = new URLSearchParams(Object.entries({ since: q.since, action: q.action, client: q.client, from: q.from, message: q.message, ref: q.ref }).filter(([, v]) => v) as [string, string][]);
      const next = page.next ? `/mails?${new URLSearchParams([...keep, ['cursor', page.next]]).toString()}` : undefined;
      const data = { q, actions: AUDIT_ACTIONS, rows: page.entries.map(row), next, newest: q.cursor ? `/mails?${keep.toString()}` : undefined, scanned: page.scanned };
      return reply.type(html).send(ctx.views.render('mails', ctx.frame(req, reply, 'mails'), data));
    },
  );

  app.get<{ Querystring: { key: string } }>('/mails/story', { schema: { querystring: { type: 'object', required: ['key'], properties: { key: { type: 'string', minLength: 1, maxLength: 300 }, ...flash } } } }, async (req, reply) => {
    const story = await mailStory(store, req.query.key);
    // The replies' texts: while the outbox holds them (queued, refused), or the embedded transport's copies.
    const queued = story.entries.filter((e) => e.action === 'reply-queued' && typeof e.details?.reply === 'string').map((e) => ({ id: String(e.details?.reply), kind: String(e.details?.kind ?? '') }));
    // A code mail's text carries the requester's confirmation code: the operator is never shown it (the code proves the requester, not the studio).
    const replies = await Promise.all(queued.map(async (r) => ({ id: r.id, withheld: r.kind === 'gdpr-code', text: r.kind === 'gdpr-code' ? undefined : await replyText(ctx, r.id) })));
    const data = { key: req.query.key, found: story.found, rows: story.entries.map(row), replies };
    return reply.type(html).send(ctx.views.render('story', ctx.frame(req, reply, 'mails'), data));
  });

  app.get<{ Querystring: { client?: string; page?: number } }>(
    '/invoices',
    { schema: { querystring: { type: 'object', properties: { client: { type: 'string', maxLength: 100 }, page: { type: 'integer', minimum: 0, maximum: 100_000 }, ...flash } } } },
    async (req, reply) => {
      const clients = await store.read((tx) => tx.clients.list());
      const id = req.query.client ?? clients[0]?.id;
      const size = 20;
      const pageNo = req.query.page ?? 0;
      const { batches: newestFirst, total } = id ? await store.read((tx) => tx.batches.pageOfClient(id, pageNo * size, size)) : { batches: [], total: 0 };
      // The page's platform records in one read.
      const flows = new Map((id ? await store.read((tx) => tx.platform.getMany(id, newestFirst.flatMap((b) => b.invoices.map((i) => i.number)))) : []).map((f) => [`${f.clientId}\u0000${f.number}`, f]));
      const rows = await Promise.all(
        newestFirst.map(async (b) => ({
          id: b.id,
          committedAt: b.committedAt.slice(0, 16).replace('T', ' '),
          fileName: b.fileName,
          invoices: await Promise.all(
            b.invoices.map((i) => {
              const flow = flows.get(`${b.clientId}\u0000${i.number}`);
              const removed = (b.filesRemoved ?? []).includes(i.pdfFile) || Boolean(b.minimizedAt);
              return Promise.resolve({ number: i.number, type: i.documentType ?? '380', date: i.issueDate, buyer: i.buyerName, excl: i.totalExclVat, incl: i.totalInclVat, currency: i.currency, platform: flow ? `${flow.state}${flow.status ? ` · ${flow.status.code}` : ''}` : '', pdf: removed ? undefined : `/invoices/pdf?batch=${encodeURIComponent(b.id)}&number=${encodeURIComponent(i.number)}` });
            }),
          ),
        })),
      );
      const more = total > (pageNo + 1) * size ? `/invoices?client=${encodeURIComponent(id ?? '')}&page=${pageNo + 1}` : undefined;
      return reply.type(html).send(ctx.views.render('invoices', ctx.frame(req, reply, 'invoices'), { clients: clients.map((c) => ({ id: c.id, name: c.legalName, current: c.id === id })), rows, more }));
    },
  );

  app.get<{ Querystring: { batch: string; number: string } }>(
    '/invoices/pdf',
    { schema: { querystring: { type: 'object', required: ['batch', 'number'], properties: { batch: { type: 'string', maxLength: 100 }, number: { type: 'string', maxLength: 100 } } } } },
    async (req, reply) => {
      const { batchFile } = await import('../../batch/run.js');
      const b = await store.read((tx) => tx.batches.get(req.query.batch));
      const inv = b?.invoices.find((i) => i.number === req.query.number);
      const file = b && inv ? batchFile(b.id, inv.pdfFile) : '';
      if (!b || !inv || b.minimizedAt || (b.filesRemoved ?? []).includes(inv.pdfFile) || !(await store.files.exists(file))) return reply.code(404).type('text/plain; charset=utf-8').send('no such copy (the retention policy may have removed it)');
      const safe = inv.number.replace(/[^A-Za-z0-9._-]/g, '_');
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="${safe}.pdf"`).send(await store.files.read(file));
    },
  );

  app.get<{ Querystring: { all?: string } }>('/requests', { schema: { querystring: { type: 'object', properties: { all: { type: 'string', enum: ['1'] }, ...flash } } } }, async (req, reply) => {
    const [list, clients] = await Promise.all([store.read((tx) => tx.requests.list(req.query.all ? {} : { open: true })), store.read((tx) => tx.clients.list())]);
    const now = new Date();
    const rows = list.map((r) => ({
      ref: r.ref,
      kind: r.kind,
      status: r.status,
      requester: shortRef(r.requester, 60),
      client: readRequestClient(r, clients),
      received: r.receivedAt.slice(0, 10),
      due: (r.extendedDueAt ?? r.dueAt).slice(0, 10),
      extended: r.extendedDueAt ? `${r.extendedDueAt.slice(0, 10)} (${r.extensionReason ?? ''})` : undefined,
      daysLeft: OPEN_STATUSES.includes(r.status) ? daysLeft(r, now) : undefined,
      outcome: r.outcome ?? '',
      open: OPEN_STATUSES.includes(r.status),
      // The service refuses what the law does not allow (two months at most in all) and says so.
      canExtend: OPEN_STATUSES.includes(r.status),
      canApprove: OPEN_STATUSES.includes(r.status) && Boolean(r.keyChange) && !r.approvedBy,
      closedAt: r.closedAt?.slice(0, 10),
      history: `/mails?ref=${encodeURIComponent(r.ref)}`,
    }));
    return reply.type(html).send(ctx.views.render('requests', ctx.frame(req, reply, 'requests'), { rows, all: Boolean(req.query.all) }));
  });

  // The dry run and the chain's verification read the whole history: the page's frame is sent at once, the result when it is known.
  app.get('/retention', { schema: { querystring: { type: 'object', properties: flash } } }, async (req, reply) => {
    const { planRetention } = await import('../../retention/run.js');
    const { retentionPolicyDocument, policyWarnings } = await import('../../retention/policy.js');
    const data = async () => {
      // The mail folders too, as `mailbot retention --dry-run` counts them, when the mailbox answers.
      const mailbox = await ctx.deps.mailbox?.();
      const report = await planRetention(store, config, new Date(), mailbox);
      if (!mailbox) report.categories.push({ category: 'mailbox:*', keptFrom: report.categories[0]?.keptFrom ?? '', count: 0, unit: 'mails', error: 'the mailbox could not be reached: its folders are not counted' });
      return {
        categories: report.categories.map((c) => ({ ...c, keptFrom: c.keptFrom.slice(0, 10) })),
        policies: (['fr', 'en'] as const).map((l) => ({ lang: l, doc: retentionPolicyDocument(config, l) })),
        warnings: policyWarnings(config),
      };
    };
    return reply.type(html).send(ctx.views.stream('retention', ctx.frame(req, reply, 'retention'), data));
  });

  app.get('/audit', { schema: { querystring: { type: 'object', properties: flash } } }, async (req, reply) => {
    const data = async () => {
      const r = await verifyTrail(store, ctx.deps.seal);
      return { ok: r.ok, lines: r.lines, head: `${r.head.seq}:${r.head.mac}`, problem: r.problem ? `line ${r.problem.position}${r.problem.seq !== undefined ? ` (seq ${r.problem.seq})` : ''}: ${r.problem.problem}` : undefined };
    };
    return reply.type(html).send(ctx.views.stream('audit', ctx.frame(req, reply, 'audit'), data));
  });
}

/** A reply's text as sent: from the outbox while it holds the message, else its copy in the Sent folder. */
async function replyText(ctx: PageContext, messageId: string): Promise<string | undefined> {
  const { simpleParser } = await import('mailparser');
  const { store } = ctx.deps;
  const entry = (await store.read((tx) => tx.outbox.list())).find((e) => e.messageId === messageId);
  if (entry && (await store.files.exists(entry.file))) return (await simpleParser(await store.files.read(entry.file))).text;
  const copy = await (await ctx.deps.mailbox?.())?.source.sentCopy(messageId).catch(() => undefined);
  return copy ? (await simpleParser(copy)).text : undefined;
}
