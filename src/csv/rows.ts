/**
 * Records → invoice drafts. Every problem in the file is collected, with the
 * physical line, the column as the client wrote it and the value as given;
 * nothing stops at the first error.
 *
 * Written as one class with plain methods and arrays indexed by column: a
 * 100,000-row file must not allocate a map and a handful of closures per row.
 */
import { isVatexCode } from '../core/vatex.js';
import type { ClientRecord } from '../clients/record.js';
import { electronicAddressProblem, normaliseAddress, parseScheme, recogniseAddress, type ElectronicAddress } from '../core/eaddress.js';
import { compactId, isGtin, isSiren, isSiret, vatIdProblem } from '../core/identifiers.js';
import { Dec } from '../core/money.js';
import { isTrimSpace, truncate } from '../core/text.js';
import type { AdjustmentDraft, Buyer, DeliverTo, InvoiceDraft, LineDraft, Period, PostalAddress } from '../invoice/model.js';
import { applyAdjustment } from '../invoice/compute.js';
import { reasonOf } from '../invoice/allowances.js';
import { lineNet, parseAdjustment, resolveVatGroup, sameAdjustment, vatGroups } from './adjustments.js';
import { COLUMN_KEYS, COLUMNS, REQUIRED_COLUMNS, columnForHeader, type ColumnKey } from './columns.js';
import type { CsvIssue, IssueCode } from './issues.js';
import { looksLikeMoney } from './money-header.js';
import { readDocumentFields } from './documents.js';
import type { CsvLimits, ReadResult } from './read.js';
import type { RawRecord, RecordTable } from './table.js';
import * as V from './values.js';

export type SellerTerms = Pick<ClientRecord, 'vatRegime' | 'allowedVatRates' | 'paymentTermsDays' | 'defaultOperationType'> & Partial<Pick<ClientRecord, 'sepaCreditorId'>>;

/** The mention French law requires for a seller under franchise en base (CGI art. 293 B). */
export const FRANCHISE_REASON = 'TVA non applicable, art. 293 B du CGI';
export const FRANCHISE_CODE = 'VATEX-FR-FRANCHISE';

/** Default wording for exemption codes a client may write instead of a sentence (CEF VATEX list). */
const VATEX_TEXT: Record<string, string> = {
  'VATEX-EU-AE': 'Autoliquidation',
  'VATEX-EU-IC': 'Exonération de TVA, article 262 ter I du CGI',
  'VATEX-EU-G': 'Exonération de TVA, article 262 I du CGI (exportation)',
  'VATEX-EU-O': 'Non soumis à la TVA',
  'VATEX-FR-FRANCHISE': FRANCHISE_REASON,
};
const EXEMPT_CATEGORIES = new Set<V.VatCategory>(['E', 'AE', 'K', 'G', 'O']);
const MAX_DECIMALS = 6;
const MAX_LINE_AMOUNT = new Dec('1e12');
const ZERO = new Dec(0);
/** C0 controls other than TAB, LF and CR, DEL and C1 controls: invisible, and refused by XML or by the reader of the PDF. */
// eslint-disable-next-line no-control-regex -- finding exactly these characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const K = Object.fromEntries(COLUMN_KEYS.map((k, i) => [k, i])) as Record<ColumnKey, number>;

/**
 * One CSV row, cut from the record table while its invoice is built: its
 * physical line and the values of the file's contract columns at their
 * positions in the file (read through DraftBuilder.value), trimmed, a
 * refused one emptied.
 */
interface Row {
  line: number;
  fields: string[];
  /** Columns whose value was refused already (too long): failed, never reported again as missing. */
  rejected: ColumnKey[] | undefined;
}

/** A value with where it came from, for invoice-level fields. */
interface Located {
  raw: string;
  line: number;
}

export interface RowsResult {
  drafts: InvoiceDraft[];
  issues: CsvIssue[];
  /** Each column this file has, as its header names it: rule violations found later point at it. */
  labels: Partial<Record<ColumnKey, string>>;
}

/** Rows and invoice drafts from a file's records. */
export function recordsToDrafts(read: ReadResult, seller: SellerTerms, today: string, limits: CsvLimits): RowsResult {
  if (!read.header) return { drafts: [], issues: [], labels: {} };
  return new DraftBuilder(read.header, seller, today, limits).run(read.records);
}

class DraftBuilder {
  readonly issues: CsvIssue[] = [];
  /** Column ordinal → position in the file, -1 when the file has no such column. */
  private readonly position: number[] = COLUMN_KEYS.map(() => -1);
  private readonly label: string[] = [...COLUMN_KEYS];
  private readonly required: ColumnKey[];
  /** Ordinals of the columns this file has, so rows only touch those. */
  private readonly present: number[] = [];
  private readonly franchise: boolean;
  /** Set while a line or an invoice is being built: any error clears it. */
  private ok = true;
  /** Rates, units and dates repeat on thousands of rows: each distinct text is parsed once. */
  private readonly rateCache = new Map<string, V.Parsed<Dec>>();
  private readonly unitCache = new Map<string, V.Parsed<string>>();
  private readonly numberCache = new Map<string, V.Parsed<Dec>>();
  private readonly dateCache = new Map<string, V.Parsed<string>>();
  /** Due dates (BT-9) from the payment terms, by issue date. */
  private readonly dueDates = new Map<string, string>();
  private readonly date = (raw: string): V.Parsed<string> => {
    if (this.dateCache.size > 10_000) this.dateCache.clear();
    return memo(this.dateCache, raw, V.parseDate);
  };
  private readonly rate = (raw: string): V.Parsed<Dec> => V.parseRate(raw, this.seller.allowedVatRates, this.decimalMark);
  /** The decimal mark the file's numbers show, if they agree on one. */
  private decimalMark?: V.DecimalMark;
  /** Columns without a header: values under them are ignored, and said so once (COLUMN_UNNAMED). */
  private readonly unnamed: number[] = [];
  /** Lines the current invoice's invoice-level values came from. */
  private origins: Partial<Record<ColumnKey, number>> = {};
  /** The last issue date (BT-2) the file may give, from the processing date. */
  private readonly latestIssueDate: string;
  /** One past the last position in the file of a contract column: a row's length. */
  private readonly rowWidth: number;
  /** Whether the file has a column of line allowances or charges (BG-27, BG-28). */
  private readonly lineAdjustments: boolean;

  constructor(
    private readonly header: RawRecord,
    private readonly seller: SellerTerms,
    private readonly today: string,
    private readonly limits: CsvLimits,
  ) {
    header.fields.forEach((name, i) => {
      const label = name.trim();
      if (label === '') {
        this.unnamed.push(i);
        return;
      }
      const def = columnForHeader(label);
      if (!def) this.unknownColumn(label);
      else if (this.has(def.key)) this.report('COLUMN_DUPLICATE', header.line, label, undefined, { first: this.label[K[def.key]] ?? '' });
      else {
        this.position[K[def.key]] = i;
        this.label[K[def.key]] = label;
      }
    });
    this.position.forEach((pos, k) => {
      if (pos !== -1) this.present.push(k);
    });
    this.franchise = seller.vatRegime === 'franchise';
    this.latestIssueDate = V.addDays(today, limits.maxFutureIssueDays);
    this.lineAdjustments = this.has('line_discount') || this.has('line_charge');
    this.rowWidth = Math.max(0, ...this.position) + 1;
    this.required = this.franchise ? [...REQUIRED_COLUMNS] : [...REQUIRED_COLUMNS, 'vat_rate'];
    for (const key of this.required) {
      if (!this.has(key)) this.report('COLUMN_MISSING', header.line, undefined, undefined, { column: key, aliases: COLUMNS.find((c) => c.key === key)?.aliases.join(', ') ?? '' });
    }
  }

  /**
   * A header that names no contract column: refused when it looks like
   * money (ignored, it could change a price the client meant), ignored with
   * a warning otherwise.
   */
  private unknownColumn(label: string): void {
    if (looksLikeMoney(label)) this.report('COLUMN_AMOUNT_UNKNOWN', this.header.line, label);
    else this.warn('COLUMN_UNKNOWN', this.header.line, label);
  }

  /**
   * Two passes over the table. The first checks each record on its own,
   * settles the decimal mark and groups the records by invoice, keeping
   * only their indexes; the second cuts each invoice's rows from the table
   * when that invoice is built, so they die with it.
   */
  run(records: RecordTable): RowsResult {
    this.decimalMark = this.fileDecimalMark(records);
    const groups = new Map<string, number[]>();
    const refused = new Map<number, ColumnKey[]>();
    const width = this.header.fields.length;
    const refAt = this.position[K.invoice_ref] ?? -1;
    for (let r = 0; r < records.length; r++) {
      const rejected = this.checkRecord(records, r, width);
      if (rejected) refused.set(r, rejected);
      const ref = refAt === -1 || rejected?.includes('invoice_ref') ? '' : trimmed(records.value(r, refAt));
      if (ref === '') {
        if (this.has('invoice_ref') && !rejected?.includes('invoice_ref')) this.report('VALUE_REQUIRED', records.line(r), this.label[K.invoice_ref]);
        continue;
      }
      const list = groups.get(ref);
      if (list) list.push(r);
      else groups.set(ref, [r]);
    }
    const drafts: InvoiceDraft[] = [];
    for (const [ref, indexes] of groups) {
      const draft = this.invoice(ref, indexes.map((r) => this.row(records, r, refused.get(r))));
      if (draft) drafts.push(draft);
    }
    // With a required column missing, rows are still checked (every error at once) but no invoice can be built.
    const complete = this.required.every((key) => this.has(key));
    const labels: Partial<Record<ColumnKey, string>> = {};
    for (const k of this.present) labels[COLUMN_KEYS[k] as ColumnKey] = this.label[k] ?? '';
    return { drafts: complete ? drafts : [], issues: this.issues, labels };
  }

  /** The decimal mark of the number columns' cells, which settles "1,500" and "1.500" for the whole file. */
  private fileDecimalMark(records: RecordTable): V.DecimalMark | undefined {
    const columns = (['quantity', 'unit_price', 'vat_rate'] as const).map((key) => this.position[K[key]] ?? -1).filter((p) => p !== -1);
    const tally = new V.DecimalMarkTally();
    for (let r = 0; r < records.length; r++) for (const p of columns) if (!tally.add(records.value(r, p))) return undefined;
    return tally.mark;
  }

  /** A row's value for a column ordinal: '' when the file has no such column or the row stops short. */
  private value(row: Row, k: number): string {
    const p = this.position[k] ?? -1;
    return p === -1 ? '' : (row.fields[p] ?? '');
  }

  private has(key: ColumnKey): boolean {
    return this.position[K[key]] !== -1;
  }

  private report(code: IssueCode, line: number, column?: string, value?: string, params?: Record<string, string>): void {
    this.ok = false;
    this.issues.push({
      code,
      severity: 'error',
      line,
      ...(column !== undefined ? { column } : {}),
      ...(value !== undefined ? { value: truncate(value) } : {}),
      ...(params ? { params } : {}),
    });
  }

  private warn(code: IssueCode, line: number, column: string, params?: Record<string, string>): void {
    this.issues.push({ code, severity: 'warning', line, column, ...(params ? { params } : {}) });
  }

  /**
   * Checks record `r`'s values on their own (length, control characters,
   * values without a header, values past the header's width); the columns
   * whose value it refuses, which later count as failed, never as missing.
   * Values are cut from the table only where a check needs them.
   */
  private checkRecord(records: RecordTable, r: number, width: number): ColumnKey[] | undefined {
    const line = records.line(r);
    const max = this.limits.maxFieldChars;
    let rejected: ColumnKey[] | undefined;
    // Most records have no control character at all: one search over the whole record says so.
    const control = CONTROL.test(records.recordText(r));
    for (const k of this.present) {
      const p = this.position[k] ?? -1;
      if (!control && records.span(r, p) <= max) continue;
      const v = trimmed(records.value(r, p));
      if (v.length > max) {
        this.report('FIELD_TOO_LONG', line, this.label[k], v, { limit: String(max) });
        (rejected ??= []).push(COLUMN_KEYS[k] as ColumnKey);
      } else if (CONTROL.test(v)) {
        const found = CONTROL.exec(v)?.[0] ?? '';
        const shown = v.replace(new RegExp(CONTROL.source, 'g'), (c) => `<${codePoint(c)}>`);
        this.report('CONTROL_CHARACTER', line, this.label[k], shown, { char: codePoint(found) });
        (rejected ??= []).push(COLUMN_KEYS[k] as ColumnKey);
      }
    }
    for (let u = 0; u < this.unnamed.length; u++) {
      const at = this.unnamed[u] ?? 0;
      const value = records.value(r, at).trim();
      if (value === '') continue;
      this.issues.push({ code: 'COLUMN_UNNAMED', severity: 'warning', line, value: truncate(value), params: { position: String(at + 1) } });
      this.unnamed.splice(u--, 1);
    }
    let filled = records.width(r);
    while (filled > width && records.value(r, filled - 1).trim() === '') filled--;
    if (filled > width) {
      // An unquoted separator shifted the values: each column holds its neighbour's, so checking them would
      // only list errors that are not there. The row is refused once, for what it is.
      const extra: string[] = [];
      for (let p = width; p < filled; p++) extra.push(records.value(r, p));
      this.report('ROW_EXTRA_FIELDS', line, undefined, extra.join(' '), { expected: String(width), found: String(filled) });
      return this.present.map((k) => COLUMN_KEYS[k] as ColumnKey);
    }
    return rejected;
  }

  /** Record `r` as a row: its values trimmed, a refused one emptied, by position in the file. */
  private row(records: RecordTable, r: number, rejected: ColumnKey[] | undefined): Row {
    // Sized once: the values land at their positions in the file, not in order.
    const fields = new Array<string>(this.rowWidth);
    for (const k of this.present) {
      const p = this.position[k] ?? -1;
      fields[p] = rejected?.includes(COLUMN_KEYS[k] as ColumnKey) ? '' : trimmed(records.value(r, p));
    }
    return { line: records.line(r), fields, rejected };
  }

  /** An invoice-level value: the first one given; a later line that differs is an error. */
  private invoiceValue(rows: readonly Row[], key: ColumnKey): Located | undefined {
    // Most of the contract's columns are absent from a given file.
    if (this.position[K[key]] === -1) return undefined;
    let chosen: Located | undefined;
    for (const row of rows) {
      const raw = this.value(row, K[key]);
      if (raw === '') continue;
      if (!chosen) {
        chosen = { raw, line: row.line };
        this.origins[key] = row.line;
      } else if (raw !== chosen.raw && normalizeSpace(raw) !== normalizeSpace(chosen.raw) && !SAME_VALUE[key]?.(raw, chosen.raw)) {
        this.report(key === 'currency' ? 'CURRENCY_MIXED' : 'INVOICE_FIELD_CONFLICT', row.line, this.label[K[key]], raw, { first: truncate(chosen.raw), firstLine: String(chosen.line) });
      }
    }
    return chosen;
  }

  private requiredValue(rows: readonly Row[], key: ColumnKey, firstLine: number): Located | undefined {
    const found = this.invoiceValue(rows, key);
    if (found) return found;
    if (rows.some((r) => r.rejected?.includes(key))) this.ok = false;
    else if (this.has(key)) this.report('VALUE_REQUIRED', firstLine, this.label[K[key]]);
    return undefined;
  }

  private parsed<T>(value: Located | undefined, key: ColumnKey, parse: (raw: string) => V.Parsed<T>): T | undefined {
    if (!value) return undefined;
    const r = parse(value.raw);
    if (r.ok) return r.value;
    this.report(r.code, value.line, this.label[K[key]], value.raw, r.params);
    return undefined;
  }

  private invoice(ref: string, rows: readonly Row[]): InvoiceDraft | null {
    const firstLine = rows[0]?.line ?? 0;
    this.ok = true;
    this.origins = {};
    let valid = true;

    // Dates (BT-2, BT-9, BT-72), nature of the operation, currency (BT-5).
    const issued = this.invoiceValue(rows, 'issue_date');
    const issueDate = this.parsed(issued, 'issue_date', this.date) ?? this.today;
    const latest = this.latestIssueDate;
    if (issued && issueDate > latest) this.report('ISSUE_DATE_TOO_FAR', issued.line, this.label[K.issue_date], issued.raw, { latest, days: String(this.limits.maxFutureIssueDays) });
    const due = this.invoiceValue(rows, 'due_date');
    const dueDate = this.parsed(due, 'due_date', this.date) ?? memo(this.dueDates, issueDate, (d) => V.addDays(d, this.seller.paymentTermsDays));
    if (due && dueDate < issueDate) this.report('DUE_BEFORE_ISSUE', due.line, this.label[K.due_date], due.raw, { issueDate });
    const period = this.period(this.invoiceValue(rows, 'period_start'), this.invoiceValue(rows, 'period_end'), 'period_start', 'period_end'); // BG-14
    // BT-72 not given: the service was rendered by the end of the invoiced period, or on the issue date.
    const serviceDate = this.parsed(this.invoiceValue(rows, 'service_date'), 'service_date', this.date) ?? period?.end ?? period?.start ?? issueDate;
    const operationType = this.parsed(this.invoiceValue(rows, 'operation_type'), 'operation_type', V.parseOperationType) ?? this.seller.defaultOperationType;
    const currency = this.parsed(this.invoiceValue(rows, 'currency'), 'currency', V.parseCurrency) ?? 'EUR';

    // Buyer (BG-7).
    const name = this.requiredValue(rows, 'buyer_name', firstLine);
    const line1 = this.requiredValue(rows, 'buyer_address', firstLine);
    const postcode = this.requiredValue(rows, 'buyer_postcode', firstLine);
    const city = this.requiredValue(rows, 'buyer_city', firstLine);
    const countryValue = this.invoiceValue(rows, 'buyer_country');
    const country = this.parsed(countryValue, 'buyer_country', V.parseCountry) ?? (countryValue ? 'XX' : 'FR');
    // A French postcode has five digits: four is one whose leading 0 a spreadsheet dropped (01000 → 1000).
    if (postcode && country === 'FR' && /^\d{4}$/.test(postcode.raw)) this.report('POSTCODE_LEADING_ZERO', postcode.line, this.label[K.buyer_postcode], postcode.raw, { fixed: `0${postcode.raw}` });
    const sirenValue = this.invoiceValue(rows, 'buyer_siren');
    let siren: string | undefined;
    if (sirenValue) {
      const id = compactId(sirenValue.raw);
      if (isSiren(id) || isSiret(id)) siren = id.slice(0, 9);
      // "8,91047E+13": a spreadsheet showed the number in scientific notation and the CSV kept only what it showed.
      else this.report('SIREN_INVALID', sirenValue.line, this.label[K.buyer_siren], sirenValue.raw, SCIENTIFIC.test(sirenValue.raw.trim()) ? { scientific: 'yes' } : undefined);
    } else if (country === 'FR') {
      this.report('SIREN_REQUIRED', firstLine, this.label[K.buyer_siren]);
    }
    const vatValue = this.invoiceValue(rows, 'buyer_vat_id');
    let vatId: string | undefined;
    if (vatValue) {
      const v = compactId(vatValue.raw);
      const problem = vatIdProblem(v);
      if (problem) this.report('VAT_ID_INVALID', vatValue.line, this.label[K.buyer_vat_id], vatValue.raw, problem === 'prefix' ? { prefix: v.slice(0, 2) } : undefined);
      else if (siren && v.startsWith('FR') && v.slice(4) !== siren) this.report('VAT_ID_INVALID', vatValue.line, this.label[K.buyer_vat_id], vatValue.raw, { siren });
      else vatId = v;
    }
    const email = this.parsed(this.invoiceValue(rows, 'buyer_email'), 'buyer_email', V.parseEmail);
    const line2 = this.invoiceValue(rows, 'buyer_address2')?.raw;
    const electronicAddress = this.electronicAddress(rows, country, siren, email);
    const buyer: Buyer = {
      name: name?.raw ?? '',
      ...(siren ? { siren } : {}),
      ...(vatId ? { vatId } : {}),
      address: { line1: line1?.raw ?? '', ...(line2 ? { line2 } : {}), postcode: postcode?.raw ?? '', city: city?.raw ?? '', country },
      ...(email ? { email } : {}),
      ...(electronicAddress ? { electronicAddress } : {}),
    };
    const deliverTo = this.deliverTo(rows, buyer.address, firstLine);
    // BT-3, BG-3, BT-113, BG-16, BT-111 (contract v2).
    const documentFields = readDocumentFields(
      {
        value: (key) => this.invoiceValue(rows, key),
        report: (code, at, key, params) => this.report(code, at.line, this.label[K[key]], at.raw, params),
      },
      { firstLine, issueDate, currency, decimalMark: this.decimalMark, creditorId: this.seller.sepaCreditorId },
    );
    valid &&= this.ok;

    // Lines (BG-25). One exemption reason per VAT category on an invoice: BT-120 sits on the breakdown (BG-23).
    const lines: LineDraft[] = [];
    const reasons = new Map<string, Located>();
    for (const row of rows) {
      const line = this.line(row);
      valid &&= line !== null;
      if (!line) continue;
      lines.push(line);
      const reason = this.value(row, K.vat_exemption_reason);
      if (line.exemptionReason && reason !== '' && !this.franchise) {
        const seen = reasons.get(line.vatCategory);
        if (!seen) reasons.set(line.vatCategory, { raw: reason, line: row.line });
        else if (seen.raw !== reason) {
          this.report('INVOICE_FIELD_CONFLICT', row.line, this.label[K.vat_exemption_reason], reason, { first: truncate(seen.raw), firstLine: String(seen.line) });
          valid = false;
        }
      }
    }
    this.ok = true;
    this.linePeriodsWithin(lines, period);
    // Every error at once: the discount's own value is checked whatever else is wrong; what depends on the lines, only when all are read.
    const adjustments = this.documentAdjustments(rows, lines, lines.length === rows.length);
    const categories = new Set(lines.map((l) => l.vatCategory));
    // BR-O-11..14: "not subject to VAT" excludes every other category.
    if (categories.has('O') && categories.size > 1) this.report('VAT_CATEGORY_O_MIXED', firstLine, this.label[K.vat_category]);
    // BR-AE-2 / BR-IC-2: reverse charge and intra-community supply need the buyer's VAT id.
    if ((categories.has('AE') || categories.has('K')) && !vatId) this.report('VAT_ID_REQUIRED', firstLine, this.label[K.buyer_vat_id]);
    valid &&= this.ok;
    if (!valid) return null;

    // BG-1: each distinct note of the invoice's lines is kept, in order.
    const notes = [...new Set(rows.map((r) => this.value(r, K.note)).filter((n) => n !== ''))];
    const buyerReference = this.invoiceValue(rows, 'buyer_reference')?.raw;
    const purchaseOrder = this.invoiceValue(rows, 'purchase_order')?.raw;
    const buyerAccountingRef = this.invoiceValue(rows, 'buyer_accounting_ref')?.raw.trim(); // BT-19
    return {
      ref,
      firstLine,
      ...documentFields,
      issueDate,
      dueDate,
      serviceDate,
      ...(period ? { period } : {}),
      operationType,
      currency,
      notes,
      ...(buyerReference ? { buyerReference } : {}),
      ...(purchaseOrder ? { purchaseOrder } : {}),
      ...(buyerAccountingRef ? { buyerAccountingRef } : {}),
      ...(adjustments.length > 0 ? { adjustments } : {}),
      buyer,
      ...(deliverTo ? { deliverTo } : {}),
      lines,
      origins: { ...this.origins },
    };
  }

  /**
   * An invoicing period from its two columns (BG-14 or BG-26): either bound
   * may be given alone (BR-CO-19, BR-CO-20); an end before the start is
   * refused at the end's line (BR-29, BR-30).
   */
  private period(start: Located | undefined, end: Located | undefined, startKey: ColumnKey, endKey: ColumnKey): Period | undefined {
    const from = this.parsed(start, startKey, this.date);
    const to = this.parsed(end, endKey, this.date);
    if (from && to && to < from && end) this.report('PERIOD_END_BEFORE_START', end.line, this.label[K[endKey]], end.raw, { start: from });
    return from || to ? { ...(from ? { start: from } : {}), ...(to ? { end: to } : {}) } : undefined;
  }

  /**
   * BG-20, BG-21: the invoice's discount and charge, each with its reason
   * and the VAT rate it belongs to (csv/adjustments.ts), stated once per
   * invoice or repeated identically; refused when a discount would take a
   * VAT group, or the invoice, below zero. Without all the lines
   * (`linesRead` false), only the values themselves are checked.
   */
  private documentAdjustments(rows: readonly Row[], lines: readonly LineDraft[], linesRead: boolean): AdjustmentDraft[] {
    if (!this.has('discount') && !this.has('charge')) return [];
    const groups = vatGroups(lines);
    const rates = groups.map((g) => `${g.rate.toFixed().replace('.', ',')} %`).join(', ');
    const out: AdjustmentDraft[] = [];
    const stated: { line: number; key: ColumnKey; raw: string }[] = [];
    for (const [key, reasonKey, rateKey, charge] of [['discount', 'discount_reason', 'discount_vat_rate', false], ['charge', 'charge_reason', 'charge_vat_rate', true]] as const) {
      const value = this.invoiceValue(rows, key);
      if (!value) continue;
      const amount = parseAdjustment(value.raw, charge, this.decimalMark, this.label[K[key]]?.includes('%'));
      if (!amount.ok) {
        this.report(amount.code, value.line, this.label[K[key]], value.raw, amount.params);
        continue;
      }
      const rateValue = this.invoiceValue(rows, rateKey);
      const rate = rateValue ? this.parsed(rateValue, rateKey, (raw) => V.parseRate(raw, [...this.seller.allowedVatRates, '0'], this.decimalMark)) : undefined;
      if (!amount.value || (rateValue && !rate) || !linesRead) continue;
      const resolved = resolveVatGroup({ charge, ...amount.value, ...reasonOf(this.invoiceValue(rows, reasonKey)?.raw ?? '', charge) }, rate, groups);
      if (!resolved.ok) {
        const at = resolved.onRate && rateValue ? rateValue : value;
        this.report(resolved.code, at.line, this.label[K[resolved.onRate ? rateKey : key]], at.raw, { rates, column: this.label[K[rateKey]] ?? rateKey });
        continue;
      }
      out.push(...resolved.adjustments);
      stated.push({ line: value.line, key, raw: value.raw });
    }
    // A VAT group's base after the invoice's discount and charge may not go below zero (nor may BT-109).
    const discount = stated.find((s) => s.key === 'discount');
    if (discount) {
      for (const g of groups) {
        const base = lines.filter((l) => l.vatCategory === g.category && l.vatRate.eq(g.rate)).reduce((n, l) => n.plus(lineNet(l).net), new Dec(0));
        let after = base;
        for (const a of out.filter((x) => x.vatCategory === g.category && x.vatRate?.eq(g.rate))) after = a.charge ? after.plus(applyAdjustment(a, base).amount) : after.minus(applyAdjustment(a, base).amount);
        if (after.isNegative()) {
          this.report('ADJUSTMENT_TOO_LARGE', discount.line, this.label[K.discount], discount.raw, { base: base.toFixed(2) });
          break;
        }
      }
    }
    return out;
  }

  /** Contract v2: a line's period lies within the invoice's period; each bound is compared where both sides give it. */
  private linePeriodsWithin(lines: readonly LineDraft[], period: Period | undefined): void {
    if (!period) return;
    for (const l of lines) {
      const p = l.period;
      if (!p) continue;
      const outside = (p.start !== undefined && ((period.start !== undefined && p.start < period.start) || (period.end !== undefined && p.start > period.end)))
        || (p.end !== undefined && ((period.end !== undefined && p.end > period.end) || (period.start !== undefined && p.end < period.start)));
      if (outside) {
        const key: ColumnKey = p.start !== undefined ? 'line_period_start' : 'line_period_end';
        this.report('LINE_PERIOD_OUTSIDE', l.sourceLine, this.label[K[key]], p.start ?? p.end, { ...(period.start ? { start: period.start } : {}), ...(period.end ? { end: period.end } : {}) });
      }
    }
  }

  /**
   * BT-49 and its scheme. The scheme comes from its own column or from the
   * form of the value (see recogniseAddress). Without a value: a buyer in
   * France is reached at its SIREN in the directory (0225), a buyer abroad
   * at its e-mail (EM); with neither, BR-FR-12 refuses the invoice later.
   */
  private electronicAddress(rows: readonly Row[], country: string, siren: string | undefined, email: string | undefined): ElectronicAddress | undefined {
    const value = this.invoiceValue(rows, 'buyer_electronic_address');
    const schemeValue = this.invoiceValue(rows, 'buyer_electronic_address_scheme');
    const scheme = schemeValue ? parseScheme(schemeValue.raw) : null;
    if (schemeValue && !scheme) this.report('ELECTRONIC_ADDRESS_SCHEME_INVALID', schemeValue.line, this.label[K.buyer_electronic_address_scheme], schemeValue.raw);
    if (!value) {
      if (schemeValue) this.report('VALUE_REQUIRED', schemeValue.line, this.label[K.buyer_electronic_address]);
      if (country === 'FR' && siren) return { value: siren, scheme: '0225' };
      if (country !== 'FR' && email) return { value: email, scheme: 'EM' };
      return undefined;
    }
    if (schemeValue && !scheme) return undefined;
    const address = scheme ? { scheme, value: normaliseAddress(value.raw, scheme) } : recogniseAddress(value.raw);
    const label = this.label[K.buyer_electronic_address];
    if (!address) return void this.report('ELECTRONIC_ADDRESS_UNRECOGNISED', value.line, label, value.raw);
    const problem = electronicAddressProblem(address, siren);
    if (problem) this.report('ELECTRONIC_ADDRESS_INVALID', value.line, label, value.raw, { scheme: address.scheme, problem, ...(siren ? { siren } : {}) });
    return address;
  }

  /**
   * BG-15, a French reform mention when the goods or services go elsewhere
   * than the buyer's address. Any delivery value asks for a whole address;
   * its country defaults to the buyer's. The buyer's own address is not repeated.
   */
  private deliverTo(rows: readonly Row[], buyerAddress: PostalAddress, firstLine: number): DeliverTo | undefined {
    const keys = ['delivery_name', 'delivery_address', 'delivery_address2', 'delivery_postcode', 'delivery_city', 'delivery_country'] as const;
    if (!keys.some((k) => this.has(k))) return undefined;
    const [name, line1, line2, postcode, city, countryValue] = keys.map((k) => this.invoiceValue(rows, k));
    if (!name && !line1 && !line2 && !postcode && !city && !countryValue) return undefined;
    for (const [key, value] of [['delivery_address', line1], ['delivery_postcode', postcode], ['delivery_city', city]] as const) {
      if (!value) this.report('VALUE_REQUIRED', firstLine, this.label[K[key]]);
    }
    const country = this.parsed(countryValue, 'delivery_country', V.parseCountry) ?? buyerAddress.country;
    if (!line1 || !postcode || !city) return undefined;
    const address: PostalAddress = { line1: line1.raw, ...(line2 ? { line2: line2.raw } : {}), postcode: postcode.raw, city: city.raw, country };
    const same = (a?: string, b?: string) => normalizeSpace(a ?? '') === normalizeSpace(b ?? '');
    const fields = ['line1', 'line2', 'postcode', 'city', 'country'] as const;
    if (fields.every((f) => same(address[f], buyerAddress[f]))) return undefined;
    return { ...(name ? { name: name.raw } : {}), address };
  }

  /** A required line value; reports it missing unless its column is absent (reported once) or already refused. */
  private need(row: Row, key: ColumnKey): string | undefined {
    const v = this.value(row, K[key]);
    if (v !== '') return v;
    if (row.rejected?.includes(key)) this.ok = false;
    else if (this.has(key)) this.report('VALUE_REQUIRED', row.line, this.label[K[key]]);
    return undefined;
  }

  private decimal(row: Row, key: ColumnKey, raw: string | undefined): Dec | undefined {
    if (raw === undefined) return undefined;
    let r = this.numberCache.get(raw);
    if (r === undefined) {
      if (this.numberCache.size > 50_000) this.numberCache.clear();
      r = V.parseDecimal(raw, { decimalMark: this.decimalMark });
      if (r.ok && r.value.decimalPlaces() > MAX_DECIMALS) r = { ok: false, code: 'TOO_MANY_DECIMALS', params: { max: String(MAX_DECIMALS) } };
      this.numberCache.set(raw, r);
    }
    if (!r.ok) return void this.report(r.code, row.line, this.label[K[key]], raw, r.params);
    return r.value;
  }

  private line(row: Row): LineDraft | null {
    this.ok = true;
    const at = row.line;
    const description = this.need(row, 'description');
    const qtyRaw = this.need(row, 'quantity');
    const quantity = this.decimal(row, 'quantity', qtyRaw);
    if (quantity && (quantity.isZero() || quantity.isNegative())) this.report('QUANTITY_NOT_POSITIVE', at, this.label[K.quantity], qtyRaw);
    const priceRaw = this.need(row, 'unit_price');
    const unitPrice = this.decimal(row, 'unit_price', priceRaw);
    if (unitPrice?.isNegative()) this.report('PRICE_NEGATIVE', at, this.label[K.unit_price], priceRaw);
    // Decimal exponents bound the product's size; only large operands are multiplied to check.
    if (quantity && unitPrice && quantity.e + unitPrice.e >= 10 && quantity.times(unitPrice).abs().gte(MAX_LINE_AMOUNT)) {
      this.report('AMOUNT_TOO_LARGE', at, this.label[K.unit_price], priceRaw);
    }
    const unitRaw = this.value(row, K.unit);
    let unitCode = 'C62';
    if (unitRaw !== '') {
      const u = memo(this.unitCache, unitRaw, V.parseUnit);
      if (u.ok) unitCode = u.value;
      else this.report(u.code, at, this.label[K.unit], unitRaw);
    }

    // VAT (BT-151, BT-152, BT-120/121).
    const rateRaw = this.value(row, K.vat_rate);
    const catRaw = this.value(row, K.vat_category);
    const reasonRaw = this.value(row, K.vat_exemption_reason);
    let vatCategory: V.VatCategory = 'S';
    let vatRate = ZERO;
    let exemptionReason: string | undefined;
    let exemptionCode: string | undefined;
    if (this.franchise) {
      // CGI art. 293 B: no VAT; every line is exempt with the legal mention.
      const r = rateRaw !== '' ? V.parseDecimal(rateRaw, { percent: true, decimalMark: this.decimalMark }) : undefined;
      if (r && (!r.ok || !r.value.isZero())) this.report('FRANCHISE_RATE', at, this.label[K.vat_rate], rateRaw);
      if (catRaw !== '' && catRaw.toUpperCase() !== 'E') this.report('FRANCHISE_RATE', at, this.label[K.vat_category], catRaw);
      vatCategory = 'E';
      exemptionReason = FRANCHISE_REASON;
      exemptionCode = FRANCHISE_CODE;
    } else {
      let rateKnown = false;
      if (rateRaw === '') {
        if (this.has('vat_rate')) this.report('VALUE_REQUIRED', at, this.label[K.vat_rate]);
      } else {
        const r = memo(this.rateCache, rateRaw, this.rate);
        if (r.ok) {
          vatRate = r.value;
          rateKnown = true;
        } else this.report(r.code, at, this.label[K.vat_rate], rateRaw, r.params);
      }
      if (catRaw !== '') {
        const c = V.parseVatCategory(catRaw);
        if (!c.ok) this.report(c.code, at, this.label[K.vat_category], catRaw);
        else {
          vatCategory = c.value;
          // BR-S-5: S has a rate above zero; BR-Z/E/AE/IC/G/O-5: the others have 0.
          if (rateKnown && (vatCategory === 'S') === vatRate.isZero()) {
            this.report('VAT_CATEGORY_RATE_MISMATCH', at, this.label[K.vat_category], catRaw, { rate: vatRate.toFixed() });
          }
        }
      } else if (rateKnown && vatRate.isZero()) {
        this.report('VAT_CATEGORY_NEEDED', at, this.label[K.vat_category]);
      }
      if (EXEMPT_CATEGORIES.has(vatCategory)) {
        // BR-E-10, BR-AE-10, BR-IC-10, BR-G-10, BR-O-10: an exemption reason text or code.
        if (reasonRaw === '') this.report('EXEMPTION_REASON_REQUIRED', at, this.label[K.vat_exemption_reason], undefined, { category: vatCategory });
        else if (/^VATEX-[A-Z0-9-]+$/i.test(reasonRaw.trim())) {
          // BT-121 must be on the VATEX list (BR-CL-22).
          const code = reasonRaw.trim().toUpperCase();
          if (!isVatexCode(code)) this.report('VATEX_CODE_UNKNOWN', at, this.label[K.vat_exemption_reason], reasonRaw);
          exemptionCode = code;
          exemptionReason = VATEX_TEXT[code] ?? code;
        } else exemptionReason = reasonRaw;
      }
    }

    // BG-26: the line's own period, when the file gives one (BT-134, BT-135).
    const period = this.has('line_period_start') || this.has('line_period_end')
      ? this.period(this.located(row, 'line_period_start'), this.located(row, 'line_period_end'), 'line_period_start', 'line_period_end')
      : undefined;
    // BT-155, BT-157, BT-127, BT-132: identifiers and a note, carried as given (a GTIN only with its check digit).
    const sellerItemId = this.value(row, K.item_id).trim() || undefined;
    const gtinRaw = this.value(row, K.gtin);
    const gtin = gtinRaw.replace(/[\s-]/g, '');
    if (gtinRaw !== '' && !isGtin(gtin)) this.report('GTIN_INVALID', at, this.label[K.gtin], gtinRaw, SCIENTIFIC.test(gtinRaw.trim()) ? { scientific: 'yes' } : undefined);
    const note = this.value(row, K.line_note).trim() || undefined;
    // BG-27, BG-28: the line's discount and charge, an amount or a percentage of quantity × price.
    let adjustments: AdjustmentDraft[] | undefined;
    for (const [key, charge] of this.lineAdjustments ? LINE_ADJUSTMENTS : []) {
      const raw = this.value(row, K[key]);
      if (raw === '') continue;
      const stated = parseAdjustment(raw, charge, this.decimalMark, this.label[K[key]]?.includes('%'));
      if (!stated.ok) this.report(stated.code, at, this.label[K[key]], raw, stated.params);
      else if (stated.value) (adjustments ??= []).push({ charge, ...stated.value, ...reasonOf('', charge) });
    }
    if (quantity && unitPrice && adjustments) {
      const { gross, net } = lineNet({ quantity, unitPrice, adjustments });
      if (net.isNegative()) this.report('ADJUSTMENT_TOO_LARGE', at, this.label[K.line_discount], this.value(row, K.line_discount), { base: gross.toFixed(2) });
    }
    const orderLineRef = this.value(row, K.order_line_ref).trim() || undefined;

    if (!this.ok || !description || !quantity || !unitPrice) return null;
    // Optional terms are set one by one rather than spread: ten thousand lines, no temporary objects.
    const draft: LineDraft = { sourceLine: at, description, quantity, unitCode, unitPrice, vatCategory, vatRate };
    if (period) draft.period = period;
    if (note) draft.note = note;
    if (orderLineRef) draft.orderLineRef = orderLineRef;
    if (sellerItemId) draft.sellerItemId = sellerItemId;
    if (gtinRaw !== '') draft.gtin = gtin;
    if (adjustments) draft.adjustments = adjustments;
    if (exemptionReason) draft.exemptionReason = exemptionReason;
    if (exemptionCode) draft.exemptionCode = exemptionCode;
    return draft;
  }

  /** A line's value with where it came from, or undefined when empty. */
  private located(row: Row, key: ColumnKey): Located | undefined {
    const raw = this.value(row, K[key]);
    return raw === '' ? undefined : { raw, line: row.line };
  }
}

const LINE_ADJUSTMENTS = [['line_discount', false], ['line_charge', true]] as const;
const SCIENTIFIC = /^\d+([.,]\d+)?E\+?\d+$/i;

/** Two spellings of one value (a SIREN with spaces, a date in two formats, FR and France) are no conflict. */
const sameParsed = <T>(parse: (raw: string) => V.Parsed<T>) => (a: string, b: string): boolean => {
  const x = parse(a);
  const y = parse(b);
  return x.ok && y.ok && x.value === y.value;
};
const sameId = (a: string, b: string) => compactId(a) === compactId(b);
const sameNumber = (a: string, b: string): boolean => {
  const x = V.parseDecimal(a, { percent: true });
  const y = V.parseDecimal(b, { percent: true });
  return x.ok && y.ok && x.value.eq(y.value);
};
const SAME_VALUE: Partial<Record<ColumnKey, (a: string, b: string) => boolean>> = {
  buyer_siren: sameId,
  buyer_vat_id: sameId,
  issue_date: sameParsed(V.parseDate),
  due_date: sameParsed(V.parseDate),
  service_date: sameParsed(V.parseDate),
  discount: sameAdjustment,
  charge: sameAdjustment,
  discount_vat_rate: sameNumber,
  charge_vat_rate: sameNumber,
  period_start: sameParsed(V.parseDate),
  period_end: sameParsed(V.parseDate),
  buyer_country: sameParsed(V.parseCountry),
  delivery_country: sameParsed(V.parseCountry),
  currency: sameParsed(V.parseCurrency),
  prepaid_amount: sameNumber,
  exchange_rate: sameNumber,
  preceding_invoice_date: sameParsed(V.parseDate),
  debited_account: sameId,
  buyer_email: (a, b) => a.trim().toLowerCase() === b.trim().toLowerCase(),
};

function memo<T>(cache: Map<string, T>, key: string, compute: (key: string) => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = compute(key);
    cache.set(key, value);
  }
  return value;
}

function codePoint(c: string): string {
  return `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** `raw.trim()`, without a new string for the many values that need none. */
function trimmed(raw: string): string {
  return raw.length > 0 && (isTrimSpace(raw.charCodeAt(0)) || isTrimSpace(raw.charCodeAt(raw.length - 1))) ? raw.trim() : raw;
}

function normalizeSpace(s: string): string {
  return s.replace(/\s+/g, ' ').trim().toLowerCase();
}
