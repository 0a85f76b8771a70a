/**
 * One CSV file → its invoices, all or nothing.
 *
 * read → validate → number (tentatively) → compute → XML → self-check → PDF
 * → files staged → one transaction that consumes the numbers, records the
 * batch and adopts its files.
 *
 * A failure anywhere before the commit consumes no number and leaves no file
 * behind; a batch whose series moved meanwhile (another process committed a
 * batch of the same seller) is numbered again. The same bytes from the same client are recognised by
 * their SHA-256 and answered with the earlier result. Whether the client may
 * be invoiced at all (issuing.ts) is checked first, and again in the commit.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AuditActor } from '../audit/entry.js';
import { auditEntry, type AuditInput } from '../audit/trail.js';
import type { ClientRecord } from '../clients/record.js';
import { MailbotError, NotFoundError, SelfCheckError } from '../core/errors.js';
import { failpoint } from '../core/failpoints.js';
import { parisDay } from '../core/format.js';
import { amount } from '../core/money.js';
import { hasErrors, sortIssues, type CsvIssue } from '../csv/issues.js';
import { DEFAULT_LIMITS, readCsv, type CsvLimits } from '../csv/read.js';
import { recordsToDrafts } from '../csv/rows.js';
import { renderCii } from '../facturx/cii.js';
import { renderPdf } from '../facturx/pdf.js';
import { computeInvoice } from '../invoice/compute.js';
import type { Invoice, InvoiceDraft } from '../invoice/model.js';
import { formatNumber, numberFileStem, parsePattern, seriesKey } from '../invoice/numbering.js';
import { selfCheck } from '../invoice/selfcheck.js';
import type { SeriesState, Staging, Store, Tx } from '../store/port.js';
import { assertMayIssue, IssuingRefusedError } from './issuing.js';
import { renderReportCsv } from './report.js';
import { csvRuleIssues } from './rules.js';
import type { BatchRecord, BatchResult, IssuedInvoice } from './types.js';

export interface BatchInput {
  clientId: string;
  fileName: string;
  bytes: Uint8Array;
  /** Processing date (YYYY-MM-DD, Europe/Paris) used when the CSV gives no issue date. */
  today?: string;
  limits?: CsvLimits;
  now?: Date;
  /** The mail the file came in (ledger key), recorded with the batch. */
  mailKey?: string;
}

/** Stored name of a file of a batch. */
export function batchFile(batchId: string, file: string): string {
  return `batches/${batchId}/${file}`;
}

/** Today in France, where the invoices are issued. */
export function parisToday(now = new Date()): string {
  return parisDay(now);
}

/**
 * A batch ready to commit: its files are staged, `commit` is what makes it
 * real (numbers consumed, batch recorded, files adopted), run by the caller
 * inside its own transaction (the mail daemon adds the reply and the ledger
 * to it); `abort` if that transaction failed. Rejected and duplicate files
 * have nothing to commit.
 */
export interface PreparedBatch {
  result: BatchResult;
  /** The staged files, readable before the commit (same names as in `result.files`). */
  staging?: Staging;
  commit?: (tx: Tx) => Promise<void>;
  /** The seller's series after this batch: the base for a second batch of the same mail. */
  sequencesAfter?: Record<string, SeriesState>;
  abort(): Promise<void>;
}

const nothing = (): Promise<void> => Promise.resolve();

/** Conflicts a new attempt resolves: another batch of the seller took numbers meanwhile. */
export function isRetryableConflict(err: unknown): boolean {
  return err instanceof MailbotError && (err.code === 'SEQUENCE_MOVED' || err.code === 'STORE_CONFLICT');
}

/** The audit line of a batch's result, the same on every path (mail, command line). */
export function batchAudit(r: BatchResult): Omit<AuditInput, 'messageId' | 'mailKey'> {
  return {
    action: r.status === 'issued' ? 'invoices-issued' : r.status === 'duplicate' ? 'batch-duplicate' : 'batch-rejected',
    outcome: r.status === 'rejected' ? 'refused' : 'ok',
    clientId: r.clientId,
    details: { invoices: r.invoices.length, errors: r.errors.length, ...(r.batchId ? { batchId: r.batchId } : {}), ...(r.invoices.length > 0 ? { numbers: `${r.invoices[0]?.number}…${r.invoices.at(-1)?.number}` } : {}) },
  };
}

/**
 * Prepare and commit one file on its own (the `mailbot invoice` command),
 * with its audit line naming `by`: in the batch's own commit when it issues,
 * on its own when it issues nothing.
 */
export async function runBatch(store: Store, input: BatchInput, by: AuditActor): Promise<BatchResult> {
  for (let attempt = 1; ; attempt++) {
    const prepared = await prepareBatch(store, input).catch(async (err: unknown) => {
      // A refused client is an action on its record too: the attempt is in the trail, with who made it.
      if (err instanceof IssuingRefusedError) await store.transact((tx) => Promise.resolve(tx.audit(auditEntry({ action: 'batch-rejected', outcome: 'refused', clientId: err.clientId, details: { reason: err.code }, ...by }, input.now))));
      throw err;
    });
    const commit = prepared.commit;
    const line = (r: BatchResult) => auditEntry({ ...batchAudit(r), ...by }, input.now);
    if (!commit) {
      await store.transact((tx) => Promise.resolve(tx.audit(line(prepared.result))));
      return prepared.result;
    }
    try {
      // The one commit that makes the batch real, with its audit line.
      await store.transact(async (tx) => {
        await commit(tx);
        tx.audit(line(prepared.result));
      });
      return prepared.result;
    } catch (err) {
      await prepared.abort();
      if (!isRetryableConflict(err) || attempt >= 5) throw err;
    }
  }
}

export async function prepareBatch(store: Store, input: BatchInput, baseSequences?: Record<string, SeriesState>): Promise<PreparedBatch> {
  const fileSha256 = createHash('sha256').update(input.bytes).digest('hex');
  const seen = await store.read(async (tx) => ({
    client: await tx.clients.get(input.clientId),
    earlier: await tx.batches.byFile(input.clientId, fileSha256),
    sequences: await tx.series.of(input.clientId),
  }));
  const client = seen.client;
  if (!client) throw new NotFoundError('client', input.clientId);
  const now = input.now ?? new Date();
  // Before anything else, even a duplicate's earlier invoices: a restricted or closed client's data is only stored.
  assertMayIssue(client, now);
  const base = { clientId: client.id, fileName: input.fileName, fileSha256 };
  if (seen.earlier) return { result: { ...base, ...committedView(seen.earlier), status: 'duplicate', errors: [] }, abort: nothing };

  const limits = input.limits ?? DEFAULT_LIMITS;
  const today = input.today ?? parisToday(input.now);
  const read = await readCsv(input.bytes, limits);
  const rows = recordsToDrafts(read, client, today, limits);
  const format = { ...(read.encoding ? { encoding: read.encoding } : {}), ...(read.delimiter ? { delimiter: read.delimiter } : {}) };
  let issues = sortIssues([...read.issues, ...rows.issues, ...csvRuleIssues(client, rows.drafts, rows.labels)]);
  const rejected = (all: CsvIssue[]): PreparedBatch => ({
    result: {
      ...base,
      ...format,
      status: 'rejected',
      invoices: [],
      errors: all.filter((i) => i.severity === 'error'),
      warnings: all.filter((i) => i.severity === 'warning'),
    },
    abort: nothing,
  });
  if (hasErrors(issues) || rows.drafts.length === 0) return rejected(issues);

  const sequencesBefore = structuredClone(baseSequences ?? seen.sequences);
  const numbered = assignNumbers(client, rows.drafts, sequencesBefore);
  if (numbered.issues.length > 0) return rejected(sortIssues([...issues, ...numbered.issues]));
  issues = issues.filter((i) => i.severity === 'warning');

  const batchId = randomUUID();
  failpoint('batch-render');
  const staging = await store.files.stage();
  try {
    const issued: IssuedInvoice[] = [];
    for (const inv of numbered.invoices) {
      const xml = renderCii(client, inv);
      const violations = selfCheck(client, inv);
      if (violations.length > 0) throw new SelfCheckError(inv.ref, violations);
      const pdf = await renderPdf({ seller: client, invoice: inv, xml, createdAt: now });
      const pdfFile = `${numberFileStem(inv.number)}.pdf`;
      // Written as it is made: a big batch never holds its PDFs together in memory.
      await staging.write(batchFile(batchId, pdfFile), pdf);
      issued.push({ ...summarise(inv, pdfFile), ...numbered.places.get(inv.number), pdfSha256: createHash('sha256').update(pdf).digest('hex') });
    }
    const reportFile = client.language === 'en' ? 'report.csv' : 'rapport.csv';
    await staging.write(batchFile(batchId, reportFile), renderReportCsv(issued, client.language));
    await staging.write(batchFile(batchId, 'source.csv'), input.bytes);

    const record: BatchRecord = {
      id: batchId,
      clientId: client.id,
      fileName: input.fileName,
      fileSha256,
      committedAt: now.toISOString(),
      invoices: issued,
      warnings: issues,
      reportFile,
      sourceFile: 'source.csv',
      ...(input.mailKey ? { mailKey: input.mailKey } : {}),
    };
    return {
      result: { ...base, ...format, ...committedView(record), status: 'issued', errors: [] },
      staging,
      sequencesAfter: numbered.sequences,
      commit: async (tx) => {
        // The record as it is at the commit: a restriction or a closure committed since the preparation wins.
        const current = await tx.clients.get(client.id);
        if (!current) throw new NotFoundError('client', client.id);
        assertMayIssue(current, now);
        await tx.series.advance(client.id, sequencesBefore, numbered.sequences);
        await tx.batches.record(record);
        tx.files.adopt(staging);
      },
      abort: () => staging.discard(),
    };
  } catch (err) {
    await staging.discard();
    throw err;
  }
}

/**
 * Numbers in issue-date order (a series must be chronological), continuing
 * each series of the seller. An issue date earlier than the last invoice of
 * its series would break the chronology and is refused.
 */
function assignNumbers(
  client: ClientRecord,
  drafts: readonly InvoiceDraft[],
  before: Record<string, SeriesState>,
): { invoices: Invoice[]; sequences: Record<string, SeriesState>; issues: CsvIssue[]; places: Map<string, { series: string; seq: number }> } {
  const pattern = parsePattern(client.numberPattern);
  if (!pattern) throw new MailbotError('BAD_PATTERN', `client ${client.id} has an invalid number pattern`);
  const sequences = structuredClone(before);
  const issues: CsvIssue[] = [];
  const ordered = [...drafts].sort((a, b) => a.issueDate.localeCompare(b.issueDate) || a.firstLine - b.firstLine);
  const invoices: Invoice[] = [];
  const places = new Map<string, { series: string; seq: number }>();
  for (const draft of ordered) {
    const key = seriesKey(pattern, draft);
    const state = sequences[key] ?? { last: 0, lastIssueDate: '' };
    const committed = before[key];
    if (committed && draft.issueDate < committed.lastIssueDate) {
      issues.push({ code: 'ISSUE_DATE_BEFORE_LAST', severity: 'error', line: draft.firstLine, column: 'issue_date', value: draft.issueDate, params: { lastDate: committed.lastIssueDate } });
      continue;
    }
    const next = state.last + 1;
    sequences[key] = { last: next, lastIssueDate: draft.issueDate };
    const number = formatNumber(pattern, draft, next);
    places.set(number, { series: key, seq: next });
    invoices.push(computeInvoice(draft, number));
  }
  return { invoices, sequences, issues, places };
}

function summarise(inv: Invoice, pdfFile: string): IssuedInvoice {
  return {
    ref: inv.ref,
    number: inv.number,
    issueDate: inv.issueDate,
    dueDate: inv.dueDate,
    buyerName: inv.buyer.name,
    ...(inv.buyer.siren ? { buyerSiren: inv.buyer.siren } : {}),
    ...(inv.buyer.email ? { buyerEmail: inv.buyer.email } : {}),
    currency: inv.currency,
    totalExclVat: amount(inv.totals.taxBasisTotal),
    totalVat: amount(inv.totals.taxTotal),
    totalInclVat: amount(inv.totals.grandTotal),
    amountDue: amount(inv.totals.duePayable),
    lineCount: inv.lines.length,
    pdfFile,
  };
}

function committedView(b: BatchRecord): Pick<BatchResult, 'batchId' | 'committedAt' | 'invoices' | 'warnings' | 'files'> {
  return {
    batchId: b.id,
    committedAt: b.committedAt,
    invoices: b.invoices,
    warnings: b.warnings,
    files: { pdfs: b.invoices.map((i) => batchFile(b.id, i.pdfFile)), report: batchFile(b.id, b.reportFile) },
  };
}
