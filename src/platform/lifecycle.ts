/**
 * Following the deposited invoices (what the `platform` job runs after the
 * deposits, and `mailbot platform sync`): per seller in deposit mode, the
 * flows the platform changed since the last look (XP Z12-013
 * `POST /v1/flows/search` with `updatedAfter` from a persisted cursor, the
 * invoice and lifecycle flow types), in order of `updatedAt`:
 * - an invoice flow of ours: its acknowledgement (Pending, Ok, Error with
 *   its details);
 * - a lifecycle flow: its CDAR (`GET /v1/flows/{id}?docType=Original`), each
 *   status recorded in the invoice's history (XP Z12-012, 200 to 213).
 * An alert (rejected, refused, disputed, suspended, or refused at deposit)
 * reaches the seller at once, its mail queued in the commit that records
 * it; the other statuses wait for the daily digest. The cursor moves in the
 * same commits, so a crash means reading some flows again, which changes
 * nothing (a status already in the history is no news).
 */
import type { ClientRecord } from '../clients/record.js';
import { errorMessage } from '../core/errors.js';
import { queueReplies } from '../mail/outbox.js';
import type { MailStager, StagedMail } from '../mail/standalone.js';
import type { Store } from '../store/port.js';
import { parseCdar } from './cdar.js';
import { FlowClient, SEARCH_LIMIT, type Flow } from './flows.js';
import { alertDraft, digestDraft, type AlertFacts, type DigestLine } from './notify.js';
import type { PlatformFlow, StatusEvent } from './records.js';
import { isAlert, isLifecycleStatus } from './statuses.js';
import type { TokenSource } from './token.js';

export const INVOICE_FLOW_TYPES = ['CustomerInvoice', 'CustomerInvoiceLC'];
/** Before any flow: the first look asks for everything since then. */
const BEGINNING = '2000-01-01T00:00:00.000Z';

export interface PollOptions {
  tokens: TokenSource;
  stageMail: MailStager;
  now?: () => Date;
}

export interface PollReport {
  clients: number;
  flows: number;
  acks: number;
  statuses: number;
  alerts: number;
  errors: { clientId: string; error: string }[];
}

export async function pollLifecycle(store: Store, opts: PollOptions): Promise<PollReport> {
  const clock = opts.now ?? (() => new Date());
  const report: PollReport = { clients: 0, flows: 0, acks: 0, statuses: 0, alerts: 0, errors: [] };
  const clients = (await store.read((tx) => tx.clients.list())).filter((c) => c.platform?.mode === 'deposit' && !c.erased);
  for (const client of clients) {
    report.clients += 1;
    try {
      await pollClient(store, client, opts, clock, report);
    } catch (err) {
      // One seller's platform down never stops the others'.
      report.errors.push({ clientId: client.id, error: errorMessage(err).slice(0, 300) });
    }
  }
  return report;
}

async function pollClient(store: Store, client: ClientRecord, opts: PollOptions, clock: () => Date, report: PollReport): Promise<void> {
  if (!client.platform) return;
  const api = new FlowClient(client.platform, opts.tokens);
  for (;;) {
    const cursor = (await store.read((tx) => tx.platform.cursor(client.id))) ?? BEGINNING;
    const page = (await api.search({ updatedAfter: cursor, flowType: INVOICE_FLOW_TYPES }, SEARCH_LIMIT)).sort((a, b) => (a.updatedAt ?? '').localeCompare(b.updatedAt ?? ''));
    let moved = false;
    for (const flow of page) {
      report.flows += 1;
      const updatedAt = flow.updatedAt && flow.updatedAt > cursor ? flow.updatedAt : undefined;
      if (flow.flowType === 'CustomerInvoiceLC' || flow.flowSyntax === 'CDAR') await lifecycleFlow(store, client, api, flow, opts, clock, report);
      else await invoiceFlow(store, client, flow, opts, clock, report);
      if (updatedAt) {
        await store.transact((tx) => tx.platform.setCursor(client.id, updatedAt));
        moved = true;
      }
    }
    // A full page may hide more flows after it; a page that moved nothing would be asked again forever.
    if (page.length < SEARCH_LIMIT || !moved) return;
  }
}

/** One of our deposits: its acknowledgement, and at once to the seller when the platform refused it. */
async function invoiceFlow(store: Store, client: ClientRecord, flow: Flow, opts: PollOptions, clock: () => Date, report: PollReport): Promise<void> {
  const ack = flow.acknowledgement;
  if (!ack) return;
  const record = await store.read((tx) => tx.platform.byFlowId(client.id, flow.flowId));
  if (!record || (record.ack?.status === ack.status && JSON.stringify(record.ack.details ?? []) === JSON.stringify(ack.details ?? []))) return;
  const at = clock().toISOString();
  const alert = ack.status === 'Error' ? alertDraft(client, { number: record.number, code: 'ack-error', at: flow.updatedAt ?? at, ...(ack.details ? { details: ack.details } : {}) }) : undefined;
  await commitWithMail(store, alert, opts.stageMail, async (tx) => {
    await tx.platform.update(client.id, record.number, { ack: { status: ack.status, ...(ack.details ? { details: ack.details.slice(0, 50) } : {}), at } }, at);
    tx.audit({ time: at, action: 'platform-status', outcome: ack.status === 'Error' ? 'refused' : 'info', clientId: client.id, details: { number: record.number, ack: ack.status } });
  });
  report.acks += 1;
  if (alert) report.alerts += 1;
}

/** A lifecycle message: each status it carries about an invoice of ours joins that invoice's history. */
async function lifecycleFlow(store: Store, client: ClientRecord, api: FlowClient, flow: Flow, opts: PollOptions, clock: () => Date, report: PollReport): Promise<void> {
  const statuses = parseCdar((await api.original(flow.flowId)).toString('utf8'));
  for (const s of statuses) {
    const code = s.code;
    if (!isLifecycleStatus(code)) continue;
    const record = await store.read((tx) => tx.platform.get(client.id, s.number));
    if (!record) continue; // an invoice the bot did not deposit (issued elsewhere)
    const event: StatusEvent = { code, at: s.at ?? flow.updatedAt ?? clock().toISOString(), flowId: flow.flowId, ...(s.reasonCode ? { reasonCode: s.reasonCode } : {}), ...(s.reason ? { reason: s.reason } : {}) };
    if (record.history.some((h) => h.code === event.code && h.at === event.at)) continue;
    const at = clock().toISOString();
    event.recordedAt = at;
    const facts: AlertFacts = { number: s.number, code, at: event.at, ...(s.reasonCode ? { reasonCode: s.reasonCode } : {}), ...(s.reason ? { reason: s.reason } : {}) };
    const alert = isAlert(code) ? alertDraft(client, facts) : undefined;
    await commitWithMail(store, alert, opts.stageMail, async (tx) => {
      await tx.platform.update(client.id, s.number, { status: event }, at);
      tx.audit({ time: at, action: 'platform-status', outcome: isAlert(code) ? 'refused' : 'info', clientId: client.id, details: { number: s.number, status: code, ...(s.reasonCode ? { reason: s.reasonCode } : {}) } });
    });
    report.statuses += 1;
    if (alert) report.alerts += 1;
  }
}

/** The change and its mail (if any) in one commit: the mail leaves only if the change is recorded, and once. */
async function commitWithMail(store: Store, draft: ReturnType<typeof alertDraft>, stageMail: MailStager, change: Parameters<Store['transact']>[0]): Promise<void> {
  const staged: StagedMail | undefined = draft ? await stageMail(draft) : undefined;
  try {
    await store.transact(async (tx) => {
      await change(tx);
      if (staged) await queueReplies(tx, staged.staging, [staged.entry]);
    });
  } catch (err) {
    await staged?.staging.discard();
    throw err;
  }
}

/** The digest's own cursor beside the poll's: statuses recorded after it are news for the next digest. */
export const digestCursorKey = (clientId: string) => `${clientId}#digest`;

/** Once a day, per seller who wants it: the statuses that were no alert, since the last digest. */
export async function sendDigests(store: Store, opts: Pick<PollOptions, 'stageMail' | 'now'>): Promise<number> {
  const now = (opts.now ?? (() => new Date()))();
  const at = now.toISOString();
  let sent = 0;
  const clients = (await store.read((tx) => tx.clients.list())).filter((c) => c.platform?.mode === 'deposit' && c.platform.digest === 'daily' && !c.erased);
  for (const client of clients) {
    const { since, flows } = await store.read(async (tx) => ({ since: (await tx.platform.cursor(digestCursorKey(client.id))) ?? BEGINNING, flows: await tx.platform.list({ clientId: client.id }) }));
    // What was recorded since the last digest (the platform's own times may be earlier than the last digest).
    const lines: DigestLine[] = flows.flatMap((f: PlatformFlow) => f.history.filter((h) => (h.recordedAt ?? h.at) > since && (h.recordedAt ?? h.at) <= at && isLifecycleStatus(h.code) && !isAlert(h.code)).map((h) => ({ number: f.number, code: h.code as DigestLine['code'], at: h.at })));
    lines.sort((a, b) => a.at.localeCompare(b.at) || a.number.localeCompare(b.number));
    const draft = digestDraft(client, lines, since === BEGINNING ? at.slice(0, 10) : since.slice(0, 10));
    await commitWithMail(store, draft, opts.stageMail, async (tx) => {
      await tx.platform.setCursor(digestCursorKey(client.id), at);
      if (draft) tx.audit({ time: at, action: 'digest-sent', outcome: 'ok', clientId: client.id, details: { kind: 'platform-digest', statuses: lines.length } });
    });
    if (draft) sent += 1;
  }
  return sent;
}
