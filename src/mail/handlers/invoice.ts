/**
 * CSV batches by mail. Only a sender on a client record is served, and only
 * if the mail passes the Authentication-Results check when one is
 * configured. Each CSV is judged on its own; the mail gets one answer.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { zipSync } from 'fflate';
import { prepareBatch, type PreparedBatch } from '../../batch/run.js';
import type { BatchResult } from '../../batch/types.js';
import { displayAmount } from '../../core/money.js';
import { describeIssue } from '../../csv/messages.js';
import { DEFAULT_LIMITS } from '../../csv/read.js';
import type { SeriesState, Store } from '../../store/port.js';
import { bodyLooksLikeCsv, classifyAttachments } from '../attachments.js';
import type { ReplyAttachment } from '../compose.js';
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
  if (client.restricted) {
    // GDPR Art. 18: while restricted, the client's data is only stored.
    return { outcome: 'restricted', folder: 'processed', clientId: client.id, reply: { kind: 'restricted', template: 'restricted', lang, data: { reference: client.restricted.ref }, to: from }, audit: [{ action: 'routed', outcome: 'refused', clientId: client.id, details: { reason: 'restricted' } }] };
  }
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

  // Several files of one seller chain their numbers: the second continues where the first ends.
  const prepared: PreparedBatch[] = [];
  let sequences: Record<string, SeriesState> | undefined;
  try {
    for (const csv of csvs) {
      const limits = { ...DEFAULT_LIMITS, maxFutureIssueDays: ctx.config.limits.maxFutureIssueDays };
      const p = await prepareBatch(ctx.store, { clientId: client.id, fileName: csv.filename, bytes: csv.content, now: ctx.now, mailKey: ctx.key, limits }, sequences);
      if (p.sequencesAfter) sequences = p.sequencesAfter;
      prepared.push(p);
    }
  } catch (err) {
    for (const p of prepared) await p.abort();
    throw err;
  }
  const results = prepared.map((p) => p.result);
  const files = results.map((r) => fileView(r, lang));
  const attachments = await replyAttachments(ctx.store, prepared, ctx.config.replies, lang, ctx.now);
  const issued = results.filter((r) => r.status === 'issued');
  const outcome = issued.length > 0 ? 'invoices-issued' : results.every((r) => r.status === 'duplicate') ? 'batch-duplicate' : 'batch-rejected';
  const audit: HandlerResult['audit'] = results.map((r) => ({
    action: r.status === 'issued' ? 'invoices-issued' : r.status === 'duplicate' ? 'batch-duplicate' : 'batch-rejected',
    outcome: r.status === 'rejected' ? 'refused' : 'ok',
    clientId: client.id,
    details: { invoices: r.invoices.length, errors: r.errors.length, ...(r.invoices.length > 0 ? { numbers: `${r.invoices[0]?.number}…${r.invoices.at(-1)?.number}` } : {}) },
  }));
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
    reply: {
      kind: 'batch-result',
      template: 'batch-result',
      lang,
      to: from,
      data: { files, attachedNote: attachments.note },
      attachments: attachments.files,
    },
    audit,
  };
}

function fileView(r: BatchResult, lang: 'fr' | 'en') {
  return {
    fileName: r.fileName,
    issued: r.status === 'issued',
    duplicate: r.status === 'duplicate',
    rejected: r.status === 'rejected',
    committedAt: r.committedAt ? new Date(r.committedAt).toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-GB', { timeZone: 'Europe/Paris' }) : '',
    invoices: r.invoices.map((i) => ({
      ref: i.ref,
      number: i.number,
      buyerName: i.buyerName,
      currency: i.currency,
      totalExclVat: displayAmount(i.totalExclVat, lang),
      totalVat: displayAmount(i.totalVat, lang),
      totalInclVat: displayAmount(i.totalInclVat, lang),
    })),
    errors: r.errors.map((e) => describeIssue(e, lang)),
    warnings: r.warnings.map((w) => describeIssue(w, lang)),
  };
}

/** The PDFs and reports of the mail's batches; one ZIP beyond the configured count or size. */
async function replyAttachments(store: Store, prepared: PreparedBatch[], limits: { zipAboveCount: number; zipAboveBytes: number }, lang: 'fr' | 'en', now: Date): Promise<{ files: ReplyAttachment[]; note: string }> {
  const files: ReplyAttachment[] = [];
  for (const p of prepared) {
    const names = p.result.files;
    if (!names) continue;
    // A new batch is read from its staging (not committed yet); an earlier one from the store.
    const staging = p.staging;
    const read = (name: string) => (staging ? readFile(staging.path(name)) : store.files.read(name));
    for (const pdf of names.pdfs) files.push({ filename: pdf.split('/').pop() ?? 'facture.pdf', content: await read(pdf), contentType: 'application/pdf' });
    const reportName = names.report.split('/').pop() ?? 'report.csv';
    const reportFile = prepared.length > 1 ? `${p.result.fileName.replace(/\.[^.]+$/, '')}-${reportName}` : reportName;
    files.push({ filename: reportFile, content: await read(names.report), contentType: 'text/csv; charset=utf-8' });
  }
  const pdfCount = files.filter((f) => f.contentType === 'application/pdf').length;
  const bytes = files.reduce((n, f) => n + f.content.length, 0);
  if (pdfCount <= limits.zipAboveCount && bytes <= limits.zipAboveBytes) return { files, note: '' };
  const name = `${lang === 'fr' ? 'factures' : 'invoices'}-${now.toISOString().slice(0, 10)}.zip`;
  const zip = zipSync(Object.fromEntries(files.map((f) => [f.filename, new Uint8Array(f.content)])), { level: 6 });
  const note = lang === 'fr' ? `Les ${pdfCount} factures et le rapport sont réunis dans le fichier ${name}.` : `The ${pdfCount} invoices and the report are in the file ${name}.`;
  return { files: [{ filename: name, content: Buffer.from(zip), contentType: 'application/zip' }], note };
}
