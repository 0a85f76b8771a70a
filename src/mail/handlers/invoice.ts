/**
 * CSV batches by mail. Only a sender on a client record is served, and only
 * if the mail passes the Authentication-Results check when one is
 * configured. Each CSV is judged on its own; the mail gets one answer.
 */
import { createHash } from 'node:crypto';
import { issuingRefusal, IssuingRefusedError } from '../../batch/issuing.js';
import { batchAudit, prepareBatch, type PreparedBatch } from '../../batch/run.js';
import type { BatchResult } from '../../batch/types.js';
import type { ClientRecord } from '../../clients/record.js';
import { displayAmount, displayDate, displayDateTime, displayMoney } from '../../core/format.js';
import { documentNoun, referenceLead } from '../../invoice/documents.js';
import { isPaymentsCsv, preparePayments, type PreparedPayments } from '../../platform/payments.js';
import { studioContact } from '../../config/schema.js';
import { describeIssue } from '../../csv/messages.js';
import { DEFAULT_LIMITS } from '../../csv/read.js';
import { frame } from '../../gdpr/texts.js';
import { after } from '../../retention/settings.js';
import type { SeriesState, Staging } from '../../store/port.js';
import { bodyLooksLikeCsv, classifyAttachments } from '../attachments.js';
import type { ReplyAttachment, ReplyDraft } from '../compose.js';
import type { Lang } from '../language.js';
import { renderIssuesCsv } from '../../csv/issues-csv.js';
import { ERRORS_IN_BODY, ERRORS_SHOWN, planReply } from './invoice-reply.js';
import type { HandlerResult, MailContext, MailHandler } from './types.js';

export const invoiceHandler: MailHandler = {
  name: 'invoice',

  accepts(ctx) {
    const { csvs, badZips } = classifyAttachments(ctx.message.attachments, ctx.config.limits);
    return csvs.length > 0 || badZips.length > 0 || bodyLooksLikeCsv(ctx.message.text);
  },

  // Batches take numbers from sequences: one invoice mail at a time, from preparation to commit.
  exclusive: true,

  handle: handleInvoiceMail,
};

async function handleInvoiceMail(ctx: MailContext): Promise<HandlerResult> {
  const { message, client, trust, lang } = ctx;
  const from = message.from?.address ?? '';
  if (!client) {
    return { outcome: 'sender-refused', folder: 'rejected', reply: { kind: 'sender-refused', template: 'sender-refused', lang, data: {}, to: from }, audit: [{ action: 'sender-refused', outcome: 'refused' }] };
  }
  if (trust.status === 'fail') {
    // A client's address, but the mail did not come from the client's domain: no data goes back.
    return { outcome: 'spoofing-suspected', folder: 'rejected', clientId: client.id, audit: [{ action: 'spoofing-suspected', outcome: 'refused', clientId: client.id, details: { reason: trust.reason } }] };
  }
  // The issuing rules are the batch's (batch/issuing.ts); this handler only words their refusal for the client.
  const refusal = issuingRefusal(client, ctx.now);
  if (refusal) return refused(refusal, client, lang, from, studioContact(ctx.config));
  const { csvs: attached, badZips } = classifyAttachments(message.attachments, ctx.config.limits);
  // The same file twice in one mail is one batch.
  const seen = new Set<string>();
  const csvs = attached.filter((c) => {
    const sha = createHash('sha256').update(c.content).digest('hex');
    return seen.has(sha) ? false : Boolean(seen.add(sha));
  });
  if (csvs.length === 0) {
    const reason = badZips.length > 0 ? 'zip-refused' : 'csv-in-body';
    return { outcome: reason, folder: 'processed', clientId: client.id, reply: { kind: reason, template: 'attach-file', lang, data: {}, to: from }, audit: [{ action: 'routed', outcome: 'refused', clientId: client.id, details: { reason } }] };
  }

  // Payments received (status 212 for the platform): a file of the payments contract, not of the invoices'.
  const isPayments = await Promise.all(csvs.map((c) => isPaymentsCsv(c.content)));
  if (isPayments.every(Boolean)) return paymentsMail(ctx, client, csvs.map((c) => c.content), lang, from);

  // Several files of one seller chain their numbers and their register: the second continues where the first ends.
  const prepared: PreparedBatch[] = [];
  let sequences: Record<string, SeriesState> | undefined;
  try {
    for (const csv of csvs) {
      const limits = { ...DEFAULT_LIMITS, maxFutureIssueDays: ctx.config.limits.maxFutureIssueDays };
      const earlier = prepared.flatMap((e) => (e.record ? [e.record] : []));
      const p = await prepareBatch(ctx.store, { clientId: client.id, fileName: csv.filename, bytes: csv.content, now: ctx.now, mailKey: ctx.key, limits, work: ctx.work }, sequences, earlier);
      if (p.sequencesAfter) sequences = p.sequencesAfter;
      prepared.push(p);
    }
  } catch (err) {
    for (const p of prepared) await p.abort();
    if (err instanceof IssuingRefusedError) return refused(err, client, lang, from, studioContact(ctx.config));
    throw err;
  }
  const results = prepared.map((p) => p.result);
  const files = results.map((r) => fileView(r, lang));
  const scratch = await ctx.store.files.stage();
  let reply: { drafts: ReplyDraft[] };
  try {
    reply = await batchReply(ctx, prepared, files, lang, from, scratch);
  } catch (err) {
    await scratch.discard();
    for (const p of prepared) await p.abort();
    throw err;
  }
  const issued = results.filter((r) => r.status === 'issued');
  const outcome = issued.length > 0 ? 'invoices-issued' : results.every((r) => r.status === 'duplicate') ? 'batch-duplicate' : 'batch-rejected';
  const audit: HandlerResult['audit'] = results.map(batchAudit);
  return {
    outcome,
    folder: 'processed',
    clientId: client.id,
    commit: async (tx) => {
      for (const p of prepared) await p.commit?.(tx);
    },
    abort: async () => {
      for (const p of prepared) await p.abort();
    },
    ...(reply.drafts[0] ? { reply: reply.drafts[0] } : {}),
    moreReplies: reply.drafts.slice(1),
    scratch,
    audit,
  };
}

/**
 * Files of payments received: each declared to the seller's platform (status
 * 212, platform/payments.ts) in the mail's commit, or every error at once.
 */
async function paymentsMail(ctx: MailContext, client: ClientRecord, files: readonly Uint8Array[], lang: Lang, to: string): Promise<HandlerResult> {
  const fr = lang === 'fr';
  const base = { ...frame(lang), subject: fr ? 'Vos encaissements' : 'Your payments received' };
  if (client.platform?.mode !== 'deposit') {
    const paragraphs = [fr ? 'Ce fichier déclare des encaissements, mais vos factures ne sont pas déposées sur une plateforme agréée par le service : déclarez-les là où vos factures ont été déposées.' : 'This file declares payments received, but your invoices are not deposited on an approved platform by the service: declare them where your invoices were deposited.'];
    return { outcome: 'payments-refused', folder: 'processed', clientId: client.id, reply: { kind: 'payments-result', template: 'gdpr-message', lang, to, data: { ...base, paragraphs } }, audit: [{ action: 'routed', outcome: 'refused', clientId: client.id, details: { reason: 'payments-without-platform' } }] };
  }
  const prepared: PreparedPayments[] = [];
  try {
    for (const f of files) prepared.push(await preparePayments(ctx.store, client, f, ctx.now));
  } catch (err) {
    for (const p of prepared) await p.abort();
    throw err;
  }
  const declared = prepared.flatMap((p) => p.result.declared);
  const errors = prepared.flatMap((p) => p.result.issues.filter((i) => i.severity === 'error'));
  const duplicate = prepared.some((p) => p.result.duplicate);
  const items = declared.map((d) => `${d.invoice} : ${displayMoney(d.amount, d.currency, lang)}, ${fr ? 'reçu le' : 'received on'} ${displayDate(d.date, lang)}`);
  const paragraphs = [
    ...(declared.length > 0 ? [duplicate && errors.length === 0 && prepared.every((p) => p.result.duplicate) ? (fr ? 'Ce fichier a déjà été reçu : ces encaissements sont déjà déclarés, rien de nouveau n’est déposé.' : 'This file was received before: these payments are declared already, nothing new is deposited.') : (fr ? 'Ces encaissements sont déclarés à votre plateforme agréée (statut 212 « Encaissée ») :' : 'These payments are declared to your approved platform (status 212 "Payment received"):')] : []),
    ...(errors.length > 0 ? [fr ? `Rien n’a été déclaré pour un fichier comportant des erreurs. ${errors.length} erreur(s) à corriger, puis renvoyez le fichier complet :` : `Nothing was declared from a file with errors. ${errors.length} error(s) to fix, then send the whole file again:`] : []),
  ];
  return {
    outcome: errors.length > 0 && declared.length === 0 ? 'payments-rejected' : 'payments-declared',
    folder: 'processed',
    clientId: client.id,
    reply: { kind: 'payments-result', template: 'gdpr-message', lang, to, data: { ...base, paragraphs, items: [...items, ...errors.map((e) => describeIssue(e, lang))] } },
    commit: async (tx) => {
      for (const p of prepared) await p.commit?.(tx);
    },
    abort: async () => {
      for (const p of prepared) await p.abort();
    },
    audit: [{ action: 'routed', outcome: errors.length > 0 ? 'refused' : 'ok', clientId: client.id, details: { payments: declared.length, errors: errors.length } }],
  };
}

/** The client's answer when no invoice may be issued for it (the batch's rules said why). */
function refused(err: IssuingRefusedError, client: ClientRecord, lang: Lang, to: string, contact: string): HandlerResult {
  const audit = (reason: string): HandlerResult['audit'] => [{ action: 'routed', outcome: 'refused', clientId: client.id, details: { reason } }];
  if (err.code === 'CLIENT_RESTRICTED') {
    // GDPR Art. 18: while restricted, the client's data is only stored.
    return { outcome: 'restricted', folder: 'processed', clientId: client.id, reply: { kind: 'restricted', template: 'restricted', lang, data: { reference: err.facts.ref ?? '' }, to }, audit: audit('restricted') };
  }
  // The contract ended (`mailbot client close`), or the record was erased: its data is only kept until the retention removes it.
  const fr = lang === 'fr';
  const ended = displayDate(err.facts.at, lang);
  const paragraphs = [fr ? `Votre envoi n'a pas été traité : votre contrat avec le studio a pris fin le ${ended}. Aucune facture n'est plus émise pour votre compte.` : `Your mail was not processed: your contract with the studio ended on ${ended}. No invoice is issued on your behalf any more.`, fr ? `Pour reprendre le service, écrivez au studio : ${contact}.` : `To resume the service, write to the studio: ${contact}.`];
  return { outcome: 'client-closed', folder: 'processed', clientId: client.id, reply: { kind: 'client-closed', template: 'gdpr-message', lang, data: { ...frame(lang), subject: fr ? 'Envoi non traité : contrat terminé' : 'Mail not processed: contract ended', paragraphs }, to }, audit: audit(err.code === 'CLIENT_ERASED' ? 'client-erased' : 'client-closed') };
}

/**
 * The answer to a mail of batches: the text, and the files in as many mails
 * as their size needs (invoice-reply.ts). An error list too long to read in
 * a mail comes whole as a CSV, its first lines in the text.
 */
async function batchReply(ctx: MailContext, prepared: PreparedBatch[], files: ReturnType<typeof fileView>[], lang: 'fr' | 'en', to: string, scratch: Staging): Promise<{ drafts: ReplyDraft[] }> {
  const fr = lang === 'fr';
  const day = ctx.now.toISOString().slice(0, 10);
  const base = fr ? `factures-${day}` : `invoices-${day}`;
  const plan = await planReply(ctx.store, prepared, ctx.config.replies, (i, n) => (n === 1 ? `${base}.zip` : `${base}-${i}-${fr ? 'de' : 'of'}-${n}.zip`), scratch);
  const errorFiles: ReplyAttachment[] = [];
  for (const [i, p] of prepared.entries()) {
    const errors = p.result.errors;
    if (errors.length <= ERRORS_IN_BODY) continue;
    const name = `${fr ? 'erreurs' : 'errors'}-${p.result.fileName.replace(/\.[^.]+$/, '')}.csv`;
    await scratch.write(`scratch/${i}-${name}`, renderIssuesCsv(errors, lang));
    errorFiles.push({ filename: name, path: scratch.path(`scratch/${i}-${name}`), contentType: 'text/csv; charset=utf-8' });
  }
  const n = plan.parts.length;
  const kept = displayDate(after(ctx.now, ctx.config.retention.issuedCopies), lang);
  const issuedAny = prepared.some((p) => p.result.status === 'issued');
  const note = !plan.zipped ? '' : n === 1
    ? fr ? `Les ${plan.pdfCount} factures et le rapport sont réunis dans le fichier ${base}.zip.` : `The ${plan.pdfCount} invoices and the report are in the file ${base}.zip.`
    : fr ? `Les ${plan.pdfCount} factures sont réparties en ${n} messages (celui-ci est le 1/${n}, avec le rapport), chacun avec son fichier ZIP.` : `The ${plan.pdfCount} invoices come in ${n} mails (this one is 1/${n}, with the report), each with its ZIP file.`;
  const first: ReplyDraft = {
    kind: 'batch-result',
    template: 'batch-result',
    lang,
    to,
    data: { files, attachedNote: note, ...(issuedAny ? { keptUntil: kept } : {}), ...(n > 1 ? { part: `1/${n}` } : {}) },
    attachments: [...(plan.parts[0] ?? []), ...errorFiles],
    ...(n > 1 ? { subjectTag: `(1/${n})` } : {}),
  };
  const more = plan.parts.slice(1).map((attachments, i): ReplyDraft => ({ kind: 'batch-result-part', template: 'batch-part', lang, to, data: { part: `${i + 2}/${n}`, count: n }, attachments, subjectTag: `(${i + 2}/${n})` }));
  return { drafts: [first, ...more] };
}

/** Invoices listed in the reply's text; the report attached to the first mail lists every one. */
const INVOICES_IN_BODY = 200;

/** What the reply says of one file: its invoices (each with its kind and what it refers to), or its errors; exported for the reply's test. */
export function fileView(r: BatchResult, lang: 'fr' | 'en') {
  return {
    fileName: r.fileName,
    issued: r.status === 'issued',
    duplicate: r.status === 'duplicate',
    rejected: r.status === 'rejected',
    committedAt: r.committedAt ? displayDateTime(r.committedAt, lang) : '',
    // A batch of thousands lists its first invoices here; the attached report lists them all.
    invoiceCount: r.invoices.length,
    invoicesMore: Math.max(0, r.invoices.length - INVOICES_IN_BODY),
    invoices: r.invoices.slice(0, INVOICES_IN_BODY).map((i) => ({
      ref: i.ref,
      // BT-3 and BG-3 in words for any other document than an invoice: "avoir n° AV-2026-00001 (avoir sur facture 2026-00012)".
      kind: i.documentType && i.documentType !== '380' ? `${documentNoun(i.documentType, lang)} ` : '',
      refs: (i.preceding ?? []).length > 0 ? `${referenceLead(i.documentType, lang).toLowerCase()} ${(i.preceding ?? []).map((p) => p.number).join(', ')}` : '',
      number: i.number,
      buyerName: i.buyerName,
      currency: i.currency,
      totalExclVat: displayAmount(i.totalExclVat, lang),
      totalVat: displayAmount(i.totalVat, lang),
      totalInclVat: displayAmount(i.totalInclVat, lang),
    })),
    // A list too long for a mail: its first lines here, all of it in the attached CSV.
    errors: (r.errors.length > ERRORS_IN_BODY ? r.errors.slice(0, ERRORS_SHOWN) : r.errors).map((e) => describeIssue(e, lang)),
    errorCount: r.errors.length,
    errorsAttached: r.errors.length > ERRORS_IN_BODY,
    warnings: r.warnings.map((w) => describeIssue(w, lang)),
  };
}
