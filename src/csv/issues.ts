/**
 * Problems found in a CSV file. An issue is plain data with a stable code;
 * the words a person reads come from `describeIssue` in their language.
 */
export type Severity = 'error' | 'warning';

export interface CsvIssue {
  code: IssueCode;
  severity: Severity;
  /** Physical line in the file, 1-based, header = 1. 0 for the file as a whole. */
  line: number;
  /** Column header as the client wrote it. */
  column?: string;
  /** The value as given, truncated for display. */
  value?: string;
  params?: Record<string, string>;
}

export const ISSUE_CODES = [
  'FILE_EMPTY',
  'FILE_BINARY',
  'FILE_SPREADSHEET',
  'FILE_TOO_LARGE',
  'FILE_HEADER_ONLY',
  'FILE_TOO_MANY_ROWS',
  'FILE_TOO_MANY_COLUMNS',
  'FILE_HEADER_TOO_LONG',
  'FILE_LINE_TOO_LONG',
  'FILE_TOO_MANY_CELLS',
  'FILE_MALFORMED',
  'FILE_MIXED_ENCODING',
  'FILE_ENCODING_UNKNOWN',
  'COLUMN_MISSING',
  'COLUMN_DUPLICATE',
  'COLUMN_UNKNOWN',
  'COLUMN_UNNAMED',
  'COLUMN_AMOUNT_UNKNOWN',
  'ROW_EXTRA_FIELDS',
  'FIELD_TOO_LONG',
  'CONTROL_CHARACTER',
  'VALUE_REQUIRED',
  'NUMBER_INVALID',
  'NUMBER_AMBIGUOUS',
  'TOO_MANY_DECIMALS',
  'AMOUNT_TOO_LARGE',
  'QUANTITY_NOT_POSITIVE',
  'PRICE_NEGATIVE',
  'DATE_INVALID',
  'DUE_BEFORE_ISSUE',
  'PERIOD_END_BEFORE_START',
  'GTIN_INVALID',
  'ADJUSTMENT_INVALID',
  'ADJUSTMENT_NEGATIVE',
  'ADJUSTMENT_TOO_LARGE',
  'ADJUSTMENT_VAT_RATE_REQUIRED',
  'ADJUSTMENT_VAT_RATE_UNKNOWN',
  'LINE_PERIOD_OUTSIDE',
  'VAT_RATE_INVALID',
  'VAT_RATE_NOT_ALLOWED',
  'VAT_CATEGORY_INVALID',
  'VAT_CATEGORY_RATE_MISMATCH',
  'VAT_CATEGORY_NEEDED',
  'VAT_CATEGORY_O_MIXED',
  'EXEMPTION_REASON_REQUIRED',
  'VATEX_CODE_UNKNOWN',
  'FRANCHISE_RATE',
  'SIREN_INVALID',
  'POSTCODE_LEADING_ZERO',
  'SIREN_REQUIRED',
  'VAT_ID_INVALID',
  'VAT_ID_REQUIRED',
  'COUNTRY_INVALID',
  'CURRENCY_INVALID',
  'CURRENCY_MIXED',
  'UNIT_INVALID',
  'OPERATION_TYPE_INVALID',
  'EMAIL_INVALID',
  'ELECTRONIC_ADDRESS_INVALID',
  'ELECTRONIC_ADDRESS_UNRECOGNISED',
  'ELECTRONIC_ADDRESS_SCHEME_INVALID',
  'DOCUMENT_TYPE_UNKNOWN',
  'PRECEDING_INVALID',
  'PRECEDING_REPEATED',
  'PRECEDING_REQUIRED',
  'PRECEDING_ONE_ONLY',
  'PRECEDING_NOT_ALLOWED',
  'PRECEDING_DATE_COUNT',
  'PRECEDING_AFTER_DOCUMENT',
  'PRECEDING_NOT_FOUND',
  'PRECEDING_OTHER_BUYER',
  'PRECEDING_OTHER_CURRENCY',
  'PRECEDING_IS_CREDIT_NOTE',
  'PRECEDING_REPLACED',
  'PRECEDING_CREDITED',
  'PRECEDING_NOT_DEPOSIT',
  'DEPOSIT_ALREADY_DEDUCTED',
  'CREDIT_EXCEEDS_REMAINING',
  'PREPAID_INVALID',
  'PREPAID_REQUIRED',
  'PREPAID_TOO_LARGE',
  'PAYMENT_MEANS_INVALID',
  'MANDATE_INVALID',
  'IBAN_INVALID',
  'DIRECT_DEBIT_ONLY',
  'CREDITOR_ID_MISSING',
  'EXCHANGE_RATE_REQUIRED',
  'EXCHANGE_RATE_INVALID',
  'EXCHANGE_RATE_NOT_NEEDED',
  'PAYMENT_INVOICE_UNKNOWN',
  'PAYMENT_NOT_DEPOSITED',
  'PAYMENT_GOODS_ONLY',
  'PAYMENT_BREAKDOWN_UNKNOWN',
  'PAYMENT_BEFORE_INVOICE',
  'PAYMENT_IN_FUTURE',
  'PAYMENT_AMOUNT_INVALID',
  'PAYMENT_TOO_LARGE',
  'EINVOICE_RULE',
  'INVOICE_FIELD_CONFLICT',
  'ISSUE_DATE_TOO_FAR',
  'ISSUE_DATE_BEFORE_LAST',
] as const;
export type IssueCode = (typeof ISSUE_CODES)[number];

export function hasErrors(issues: readonly CsvIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

/** Issues in file order: by line, then errors before warnings. */
export function sortIssues(issues: CsvIssue[]): CsvIssue[] {
  return issues.sort((a, b) => a.line - b.line || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
}
