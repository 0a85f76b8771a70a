/**
 * One CSV file → its invoices, all or nothing.
 *
 * read → validate → number (tentatively) → compute → XML → self-check → PDF
 * → files in a staging folder → one store write that consumes the numbers
 * and records the batch → staging folder renamed into place.
 *
 * A failure anywhere before the store write consumes no number and leaves
 * no file behind. The same bytes from the same client are recognised by
 * their SHA-256 and answered with the earlier result.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientRecord } from '../clients/record.js';
import { getClient } from '../clients/service.js';
import { MailbotError, SelfCheckError } from '../core/errors.js';
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
import type { DbShape, SeriesState, Store } from '../store/db.js';
import { ensurePrivateDir, removeTree, writePrivateFile } from '../store/files.js';
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

const STAGING_PREFIX = '.staging-';

export function batchesDir(store: Store): string {
  return join(store.dataDir, 'batches');
}

/** Today in France, where the invoices are issued. */
export function parisToday(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/**
 * A batch ready to commit: its files are staged, `apply` is the store change
 * that makes it real (numbers consumed, batch recorded). The caller runs
 * `apply` inside its own store write (the mail daemon adds the reply and the
 * ledger to the same write), then `finish`; or `abort` if that write failed.
 * Rejected and duplicate files have nothing to apply.
 */
export interface PreparedBatch {
  result: BatchResult;
  /** Where the files are until `finish` (same names as in `result.files`). */
  staged?: { dir: string; pdfs: string[]; report: string };
  apply?: (d: DbShape) => void;
  /** The seller's series after this batch: the base for a second batch prepared before this one commits. */
  sequencesAfter?: Record<string, SeriesState>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

const nothing = (): Promise<void> => Promise.resolve();

export async function runBatch(store: Store, input: BatchInput): Promise<BatchResult> {
  const prepared = await prepareBatch(store, input);
  const apply = prepared.apply;
  if (!apply) return prepared.result;
  try {
    await store.update(apply); // the one write that makes the batch real
  } catch (err) {
    await prepared.abort();
    throw err;
  }
  await prepared.finish();
  return prepared.result;
}

export async function prepareBatch(store: Store, input: BatchInput, baseSequences?: Record<string, SeriesState>): Promise<PreparedBatch> {
  const client = getClient(store, input.clientId);
  const fileSha256 = createHash('sha256').update(input.bytes).digest('hex');
  const base = { clientId: client.id, fileName: input.fileName, fileSha256 };

  const earlier = store.data.batches.find((b) => b.clientId === client.id && b.fileSha256 === fileSha256);
  if (earlier) return { result: { ...base, ...committedView(store, earlier), status: 'duplicate', errors: [] }, finish: nothing, abort: nothing };

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
    finish: nothing,
    abort: nothing,
  });
  if (hasErrors(issues) || rows.drafts.length === 0) return rejected(issues);

  const sequencesBefore = structuredClone(baseSequences ?? store.data.sequences[client.id] ?? {});
  const numbered = assignNumbers(client, rows.drafts, sequencesBefore);
  if (numbered.issues.length > 0) return rejected(sortIssues([...issues, ...numbered.issues]));
  issues = issues.filter((i) => i.severity === 'warning');

  const batchId = randomUUID();
  const staging = join(batchesDir(store), STAGING_PREFIX + batchId);
  const finalDir = join(batchesDir(store), batchId);
  const abort = () => removeTree(staging);
  const now = input.now ?? new Date();
  try {
    await ensurePrivateDir(staging);
    const issued: IssuedInvoice[] = [];
    for (const inv of numbered.invoices) {
      const xml = renderCii(client, inv);
      const violations = selfCheck(client, inv);
      if (violations.length > 0) throw new SelfCheckError(inv.ref, violations);
      const pdf = await renderPdf({ seller: client, invoice: inv, xml, createdAt: now });
      const pdfFile = `${numberFileStem(inv.number)}.pdf`;
      await writePrivateFile(join(staging, pdfFile), pdf);
      issued.push(summarise(inv, pdfFile));
    }
    const reportFile = client.language === 'en' ? 'report.csv' : 'rapport.csv';
    await writePrivateFile(join(staging, reportFile), renderReportCsv(issued, client.language));
    await writePrivateFile(join(staging, 'source.csv'), input.bytes);

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
      result: { ...base, ...format, ...committedView(store, record), status: 'issued', errors: [] },
      staged: { dir: staging, pdfs: issued.map((i) => join(staging, i.pdfFile)), report: join(staging, reportFile) },
      sequencesAfter: numbered.sequences,
      apply: (d) => {
        const current = d.sequences[client.id] ?? {};
        if (JSON.stringify(current) !== JSON.stringify(sequencesBefore)) {
          throw new MailbotError('SEQUENCE_MOVED', `another batch for ${client.id} committed meanwhile; nothing was issued, send the file again`);
        }
        d.sequences[client.id] = numbered.sequences;
        d.batches.push(record);
      },
      finish: () => rename(staging, finalDir),
      abort,
    };
  } catch (err) {
    await abort();
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
): { invoices: Invoice[]; sequences: Record<string, SeriesState>; issues: CsvIssue[] } {
  const pattern = parsePattern(client.numberPattern);
  if (!pattern) throw new MailbotError('BAD_PATTERN', `client ${client.id} has an invalid number pattern`);
  const sequences = structuredClone(before);
  const issues: CsvIssue[] = [];
  const ordered = [...drafts].sort((a, b) => a.issueDate.localeCompare(b.issueDate) || a.firstLine - b.firstLine);
  const invoices: Invoice[] = [];
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
    invoices.push(computeInvoice(draft, formatNumber(pattern, draft, next)));
  }
  return { invoices, sequences, issues };
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

function committedView(store: Store, b: BatchRecord): Pick<BatchResult, 'batchId' | 'committedAt' | 'invoices' | 'warnings' | 'files'> {
  const dir = join(batchesDir(store), b.id);
  return {
    batchId: b.id,
    committedAt: b.committedAt,
    invoices: b.invoices,
    warnings: b.warnings,
    files: { dir, pdfs: b.invoices.map((i) => join(dir, i.pdfFile)), report: join(dir, b.reportFile) },
  };
}

/**
 * After a crash: a staging folder whose batch was committed is moved into
 * place; one whose batch never committed holds numbers that were never
 * consumed and is removed.
 */
export async function recoverStaging(store: Store): Promise<{ completed: number; discarded: number }> {
  const dir = batchesDir(store);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return { completed: 0, discarded: 0 };
  }
  const committed = new Set(store.data.batches.map((b) => b.id));
  let completed = 0;
  let discarded = 0;
  for (const name of entries.filter((e) => e.startsWith(STAGING_PREFIX))) {
    const id = name.slice(STAGING_PREFIX.length);
    const path = join(dir, name);
    if (committed.has(id)) {
      await rename(path, join(dir, id));
      completed++;
    } else if ((await stat(path)).isDirectory()) {
      await removeTree(path);
      discarded++;
    }
  }
  return { completed, discarded };
}
