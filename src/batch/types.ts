/** The outcome of one CSV file: plain data, shared by the CLI, the mail replies and the store. */
import type { CsvIssue } from '../csv/issues.js';

export interface IssuedInvoice {
  ref: string;
  number: string; // BT-1
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
  lineCount: number;
  pdfFile: string;
  /** The series (invoice/numbering.ts) and the number's place in it: the register keeps both. */
  series?: string;
  seq?: number;
}

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
