/** The outcome of one CSV file: plain data, shared by the CLI, the mail replies and the store. */
import type { CsvIssue } from '../csv/issues.js';
import type { DocumentType } from '../invoice/documents.js';

/** BG-3 as the register keeps it: the number, its date, and what a credit note credited on it. */
export interface IssuedReference {
  number: string; // BT-25
  issueDate?: string; // BT-26
  /** On a credit note, the part of its total (incl. VAT) credited on this invoice of the register. */
  credited?: string;
}

export interface IssuedInvoice {
  ref: string;
  number: string; // BT-1
  /** BT-3; absent for a commercial invoice (380), as every invoice before contract v2. */
  documentType?: DocumentType;
  preceding?: IssuedReference[]; // BG-3
  prepaidAmount?: string; // BT-113
  issueDate: string; // BT-2
  dueDate: string; // BT-9
  buyerName: string; // BT-44
  buyerSiren?: string; // BT-47
  buyerEmail?: string; // BT-58
  currency: string; // BT-5
  totalExclVat: string; // BT-109
  totalVat: string; // BT-110
  totalInclVat: string; // BT-112
  amountDue: string; // BT-115
  /** BG-23 per category and rate: what a payment declaration (status 212) splits its amount by. */
  vat?: { category: string; rate: string; taxable: string; tax: string }[];
  /** BT-23's letter: B goods, S services, M mixed (a payment is declared for services). */
  operation?: 'goods' | 'services' | 'mixed';
  /** BT-49 with its scheme: where the buyer's platform receives the status messages. */
  buyerElectronicAddress?: { scheme: string; value: string };
  lineCount: number;
  pdfFile: string;
  /** The series (invoice/numbering.ts) and the number's place in it: the register keeps both. */
  series?: string;
  seq?: number;
  /** SHA-256 of the PDF as sent: the register proves which invoice bore the number. */
  pdfSha256?: string;
}

/**
 * What the numbering register keeps of an invoice once the studio's copies
 * are gone: no buyer, no line, nothing personal; enough to keep the series
 * gapless and to prove which invoice bore each number.
 */
export type RegisterEntry = Pick<IssuedInvoice, 'number' | 'documentType' | 'preceding' | 'issueDate' | 'currency' | 'totalExclVat' | 'totalVat' | 'totalInclVat' | 'vat' | 'operation' | 'pdfFile' | 'series' | 'seq' | 'pdfSha256'>;

/** A committed batch as the store keeps it. */
export interface BatchRecord {
  id: string;
  clientId: string;
  fileName: string;
  fileSha256: string;
  committedAt: string;
  invoices: IssuedInvoice[];
  warnings: CsvIssue[];
  reportFile: string;
  sourceFile: string;
  mailKey?: string;
  /** Files of the batch that were shredded since (GDPR erasure, retention). */
  filesRemoved?: string[];
  /** Set when only the register is left of the batch (see `registerOnly`). */
  minimizedAt?: string;
}

/**
 * The batch as the register keeps it: the file's hash (invariant 8 still
 * holds), the dates, the numbers and totals with each PDF's hash; the file
 * name, the warnings, the buyers and the references go.
 */
export function registerOnly(b: BatchRecord, at: string): BatchRecord {
  const keep = (i: IssuedInvoice): IssuedInvoice => {
    const { number, documentType, preceding, issueDate, currency, totalExclVat, totalVat, totalInclVat, vat, operation, pdfFile, series, seq, pdfSha256 } = i;
    // The kind of document and what it refers to stay: they say what was credited, replaced or deducted (batch/references.ts).
    const entry: RegisterEntry = {
      number, ...(documentType ? { documentType } : {}), ...(preceding ? { preceding } : {}), issueDate, currency, totalExclVat, totalVat, totalInclVat, ...(vat ? { vat } : {}), ...(operation ? { operation } : {}), pdfFile,
      ...(series !== undefined ? { series } : {}), ...(seq !== undefined ? { seq } : {}), ...(pdfSha256 ? { pdfSha256 } : {}),
    };
    return { ...entry, ref: '', dueDate: '', buyerName: '', amountDue: totalInclVat, lineCount: 0 };
  };
  return {
    id: b.id,
    clientId: b.clientId,
    fileName: '',
    fileSha256: b.fileSha256,
    committedAt: b.committedAt,
    invoices: b.invoices.map(keep),
    warnings: [],
    reportFile: b.reportFile,
    sourceFile: b.sourceFile,
    filesRemoved: [...new Set([...(b.filesRemoved ?? []), b.sourceFile, b.reportFile, ...b.invoices.map((i) => i.pdfFile)])],
    minimizedAt: at,
  };
}

export type BatchStatus = 'issued' | 'duplicate' | 'rejected';

export interface BatchResult {
  status: BatchStatus;
  clientId: string;
  fileName: string;
  fileSha256: string;
  /** Set when invoices exist (issued now, or earlier for a duplicate). */
  batchId?: string;
  committedAt?: string;
  encoding?: string;
  delimiter?: string;
  invoices: IssuedInvoice[];
  errors: CsvIssue[];
  warnings: CsvIssue[];
  /** Stored names of the batch's files (store.files), when there are invoices. */
  files?: { pdfs: string[]; report: string };
}
