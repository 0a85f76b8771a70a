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
import { DEFAULT_CREDIT_NOTE_PATTERN, type ClientRecord } from '../clients/record.js';
import { MailbotError } from '../core/errors.js';
import { computeInvoice } from '../invoice/compute.js';
import type { Invoice } from '../invoice/model.js';
import { formatNumber, parsePattern, seriesKey, type NumberPattern } from '../invoice/numbering.js';
import type { SeriesState } from '../store/port.js';
import { checkReferences, referencedNumbers, type RegisterFacts } from './references.js';
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
  /**
   * What the register knows of the numbers the file refers to (BG-3). A
   * first plan without it says which numbers it needs (`references`); the
   * caller reads them from the store and plans again.
   */
  register?: RegisterFacts[];
}

/** An invoice as the register and the reply list it, without its file yet. */
export type InvoiceSummary = Omit<IssuedInvoice, 'pdfFile' | 'pdfSha256'>;

export interface BatchPlan {
  format: { encoding?: string; delimiter?: string };
  /** Sorted; any error rejects the file. */
  issues: CsvIssue[];
  /** Set when the file refers to earlier invoices and no register was given: the numbers to look up. */
  references?: string[];
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
  const references = referencedNumbers(computed);
  // Every error at once: the register's verdicts join the others, so a file that refers to earlier invoices is planned twice.
  if (references.length > 0 && !input.register) return { format, issues: [], references };
  const checked = checkReferences(computed, input.register ?? [], rows.labels);
  const issues = sortIssues([...read.issues, ...rows.issues, ...ruleIssuesOf(client, checked.invoices, rows.labels), ...checked.issues]);
  if (hasErrors(issues) || rows.drafts.length === 0) return { format, issues };
  const numbered = assignNumbers(client, checked.invoices, input.sequencesBefore);
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
  const invoicePattern = parsePattern(client.numberPattern);
  if (!invoicePattern) throw new MailbotError('BAD_PATTERN', `client ${client.id} has an invalid number pattern`);
  // Credit notes have a series of their own unless the seller keeps one series for everything.
  const creditPattern = client.creditNoteSeries === 'invoice' ? invoicePattern : parsePattern(client.creditNotePattern ?? DEFAULT_CREDIT_NOTE_PATTERN);
  if (!creditPattern) throw new MailbotError('BAD_PATTERN', `client ${client.id} has an invalid credit note pattern`);
  const patternOf = (inv: Invoice): NumberPattern => (inv.documentType === '381' ? creditPattern : invoicePattern);
  const sequences = structuredClone(before);
  const issues: CsvIssue[] = [];
  const ordered = [...drafts].sort((a, b) => a.issueDate.localeCompare(b.issueDate) || a.firstLine - b.firstLine);
  const invoices: Invoice[] = [];
  const summaries: InvoiceSummary[] = [];
  for (const draft of ordered) {
    const pattern = patternOf(draft);
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
    ...(inv.documentType && inv.documentType !== '380' ? { documentType: inv.documentType } : {}), // BT-3
    ...(inv.preceding ? { preceding: inv.preceding.map((p) => ({ number: p.number, ...(p.issueDate ? { issueDate: p.issueDate } : {}), ...(p.credited ? { credited: amount(p.credited) } : {}) })) } : {}), // BG-3
    ...(inv.totals.prepaidAmount.gt(0) ? { prepaidAmount: amount(inv.totals.prepaidAmount) } : {}), // BT-113
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
    vat: inv.vat.map((v) => ({ category: v.category, rate: v.rate.toFixed(), taxable: amount(v.taxableAmount), tax: amount(v.taxAmount) })), // BG-23
    operation: inv.operationType,
    ...(inv.buyer.electronicAddress ? { buyerElectronicAddress: { scheme: inv.buyer.electronicAddress.scheme, value: inv.buyer.electronicAddress.value } } : {}), // BT-49
    lineCount: inv.lines.length,
  };
}
