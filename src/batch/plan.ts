/**
 * The pure part of a batch before its documents are drawn: bytes → records
 * → drafts → rules → numbers (continuing the series the store gave) →
 * computed invoices. No I/O: it runs in a worker thread (work/pool.ts), where
 * a file that exhausts memory costs that worker, never the daemon.
 */
import { amount } from '../core/money.js';
import { failpoint } from '../core/failpoints.js';
import { hasErrors, sortIssues, type CsvIssue } from '../csv/issues.js';
import { readCsv, type CsvLimits } from '../csv/read.js';
import { recordsToDrafts } from '../csv/rows.js';
import type { ClientRecord } from '../clients/record.js';
import { MailbotError } from '../core/errors.js';
import { computeInvoice } from '../invoice/compute.js';
import type { Invoice } from '../invoice/model.js';
import { formatNumber, parsePattern, seriesKey } from '../invoice/numbering.js';
import type { SeriesState } from '../store/port.js';
import { PROVISIONAL_NUMBER, ruleIssuesOf } from './rules.js';
import type { IssuedInvoice } from './types.js';

export interface PlanInput {
  client: ClientRecord;
  fileName: string;
  bytes: Uint8Array;
  /** Processing date (YYYY-MM-DD, Europe/Paris) used when the CSV gives no issue date. */
  today: string;
  limits: CsvLimits;
  /** The seller's series before this batch: numbers continue from them. */
  sequencesBefore: Record<string, SeriesState>;
}

/** An invoice as the register and the reply list it, without its file yet. */
export type InvoiceSummary = Omit<IssuedInvoice, 'pdfFile' | 'pdfSha256'>;

export interface BatchPlan {
  format: { encoding?: string; delimiter?: string };
  /** Sorted; any error rejects the file. */
  issues: CsvIssue[];
  /** Set when the file has no error: its invoices, numbered, in number order. */
  numbered?: {
    invoices: Invoice[];
    summaries: InvoiceSummary[];
    sequences: Record<string, SeriesState>;
  };
}

export async function planBatch(input: PlanInput): Promise<BatchPlan> {
  failpoint('batch-plan', input.fileName);
  const { client, limits } = input;
  const read = await readCsv(input.bytes, limits);
  const rows = recordsToDrafts(read, client, input.today, limits);
  const format = { ...(read.encoding ? { encoding: read.encoding } : {}), ...(read.delimiter ? { delimiter: read.delimiter } : {}) };
  // Each invoice is computed once: the rules read it with a provisional number, the numbering gives it its own.
  const computed = rows.drafts.map((d) => computeInvoice(d, PROVISIONAL_NUMBER));
  const issues = sortIssues([...read.issues, ...rows.issues, ...ruleIssuesOf(client, computed, rows.labels)]);
  if (hasErrors(issues) || rows.drafts.length === 0) return { format, issues };
  const numbered = assignNumbers(client, computed, input.sequencesBefore);
  if (numbered.issues.length > 0) return { format, issues: sortIssues([...issues, ...numbered.issues]) };
  return {
    format,
    issues,
    numbered: { invoices: numbered.invoices, summaries: numbered.summaries, sequences: numbered.sequences },
  };
}

/**
 * Numbers in issue-date order (a series must be chronological), continuing
 * each series of the seller. An issue date earlier than the last invoice of
 * its series would break the chronology and is refused.
 */
function assignNumbers(
  client: ClientRecord,
  drafts: readonly Invoice[],
  before: Record<string, SeriesState>,
): { invoices: Invoice[]; summaries: InvoiceSummary[]; sequences: Record<string, SeriesState>; issues: CsvIssue[] } {
  const pattern = parsePattern(client.numberPattern);
  if (!pattern) throw new MailbotError('BAD_PATTERN', `client ${client.id} has an invalid number pattern`);
  const sequences = structuredClone(before);
  const issues: CsvIssue[] = [];
  const ordered = [...drafts].sort((a, b) => a.issueDate.localeCompare(b.issueDate) || a.firstLine - b.firstLine);
  const invoices: Invoice[] = [];
  const summaries: InvoiceSummary[] = [];
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
    const inv: Invoice = { ...draft, number: formatNumber(pattern, draft, next) }; // BT-1
    invoices.push(inv);
    summaries.push({ ...summarise(inv), series: key, seq: next });
  }
  return { invoices, summaries, sequences, issues };
}

function summarise(inv: Invoice): InvoiceSummary {
  return {
    ref: inv.ref,
    number: inv.number, // BT-1
    issueDate: inv.issueDate, // BT-2
    dueDate: inv.dueDate, // BT-9
    buyerName: inv.buyer.name, // BT-44
    ...(inv.buyer.siren ? { buyerSiren: inv.buyer.siren } : {}),
    ...(inv.buyer.email ? { buyerEmail: inv.buyer.email } : {}),
    currency: inv.currency, // BT-5
    totalExclVat: amount(inv.totals.taxBasisTotal), // BT-109
    totalVat: amount(inv.totals.taxTotal), // BT-110
    totalInclVat: amount(inv.totals.grandTotal), // BT-112
    amountDue: amount(inv.totals.duePayable), // BT-115
    lineCount: inv.lines.length,
  };
}
