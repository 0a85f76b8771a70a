/**
 * Records → invoice drafts. Every problem in the file is collected, with the
 * physical line, the column as the client wrote it and the value as given;
 * nothing stops at the first error.
 */
import type { ClientRecord } from '../clients/record.js';
import { compactId, isSiren, isSiret, vatIdProblem } from '../core/identifiers.js';
import { Dec } from '../core/money.js';
import { truncate } from '../core/text.js';
import type { Buyer, InvoiceDraft, LineDraft } from '../invoice/model.js';
import { COLUMNS, REQUIRED_COLUMNS, columnForHeader, type ColumnKey } from './columns.js';
import type { CsvIssue, IssueCode } from './issues.js';
import type { CsvLimits, RawRecord, ReadResult } from './read.js';
import * as V from './values.js';

export type SellerTerms = Pick<ClientRecord, 'vatRegime' | 'allowedVatRates' | 'paymentTermsDays' | 'defaultOperationType'>;

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

const MAX_DECIMALS = 6;
const MAX_LINE_AMOUNT = new Dec('1e12');

interface Cell {
  raw: string;
  column: string;
  line: number;
  /** Already reported (too long): treated as failed, never reported again as missing. */
  rejected?: boolean;
}

export interface RowsResult {
  drafts: InvoiceDraft[];
  issues: CsvIssue[];
}

export function recordsToDrafts(read: ReadResult, seller: SellerTerms, today: string, limits: CsvLimits): RowsResult {
  const issues: CsvIssue[] = [];
  const header = read.header;
  if (!header) return { drafts: [], issues };

  const issue = (code: IssueCode, line: number, column?: string, value?: string, params?: Record<string, string>, severity: 'error' | 'warning' = 'error') => {
    issues.push({
      code,
      severity,
      line,
      ...(column !== undefined ? { column } : {}),
      ...(value !== undefined ? { value: truncate(value) } : {}),
      ...(params ? { params } : {}),
    });
  };

  // Header → column index.
  const index = new Map<ColumnKey, number>();
  header.fields.forEach((name, i) => {
    const label = name.trim();
    if (label === '') return;
    const def = columnForHeader(label);
    if (!def) {
      issue('COLUMN_UNKNOWN', header.line, label, undefined, undefined, 'warning');
    } else if (index.has(def.key)) {
      issue('COLUMN_DUPLICATE', header.line, label, undefined, { first: header.fields[index.get(def.key) ?? 0]?.trim() ?? '' });
    } else {
      index.set(def.key, i);
    }
  });
  const franchise = seller.vatRegime === 'franchise';
  const required: ColumnKey[] = franchise ? [...REQUIRED_COLUMNS] : [...REQUIRED_COLUMNS, 'vat_rate'];
  for (const key of required) if (!index.has(key)) issue('COLUMN_MISSING', header.line, undefined, undefined, { column: key, aliases: columnAliases(key) });
  const headerText = (key: ColumnKey) => header.fields[index.get(key) ?? -1]?.trim() ?? key;
  const width = header.fields.length;

  // Records → rows of cells, grouped by invoice_ref in order of first appearance.
  const groups = new Map<string, Map<ColumnKey, Cell>[]>();
  for (const rec of read.records) {
    const row = toRow(rec, index, headerText);
    const extra = rec.fields.slice(width).filter((f) => f.trim() !== '');
    if (extra.length > 0) issue('ROW_EXTRA_FIELDS', rec.line, undefined, extra[0], { expected: String(width), found: String(rec.fields.length) });
    for (const cell of row.values()) {
      if (cell.raw.length > limits.maxFieldChars) {
        issue('FIELD_TOO_LONG', cell.line, cell.column, cell.raw, { limit: String(limits.maxFieldChars) });
        cell.raw = '';
        cell.rejected = true;
      }
    }
    const ref = row.get('invoice_ref');
    if (!ref || ref.raw === '') {
      if (index.has('invoice_ref')) issue('VALUE_REQUIRED', rec.line, headerText('invoice_ref'));
      continue;
    }
    const list = groups.get(ref.raw) ?? [];
    list.push(row);
    groups.set(ref.raw, list);
  }

  const drafts: InvoiceDraft[] = [];
  for (const [ref, rows] of groups) {
    const draft = buildDraft(ref, rows, seller, today, issue, index);
    if (draft) drafts.push(draft);
  }
  // With a required column missing, rows are still checked (every error at once) but no invoice can be built.
  const columnsComplete = required.every((key) => index.has(key));
  return { drafts: columnsComplete ? drafts : [], issues };
}

function toRow(rec: RawRecord, index: Map<ColumnKey, number>, headerText: (k: ColumnKey) => string): Map<ColumnKey, Cell> {
  const row = new Map<ColumnKey, Cell>();
  for (const [key, i] of index) {
    row.set(key, { raw: (rec.fields[i] ?? '').trim(), column: headerText(key), line: rec.line });
  }
  return row;
}

type IssueFn = (code: IssueCode, line: number, column?: string, value?: string, params?: Record<string, string>) => void;

function buildDraft(
  ref: string,
  rows: Map<ColumnKey, Cell>[],
  seller: SellerTerms,
  today: string,
  issue: IssueFn,
  index: Map<ColumnKey, number>,
): InvoiceDraft | null {
  const first = rows[0];
  if (!first) return null;
  const firstLine = first.get('invoice_ref')?.line ?? 0;
  let failed = false;
  const report: IssueFn = (...args) => {
    failed = true;
    issue(...args);
  };

  /** An invoice-level value: the first one given; a later line that differs is an error. */
  const invoiceCell = (key: ColumnKey): Cell | undefined => {
    let chosen: Cell | undefined;
    for (const row of rows) {
      const cell = row.get(key);
      if (!cell || cell.raw === '') continue;
      if (!chosen) chosen = cell;
      else if (normalizeSpace(cell.raw).toLowerCase() !== normalizeSpace(chosen.raw).toLowerCase()) {
        report(key === 'currency' ? 'CURRENCY_MIXED' : 'INVOICE_FIELD_CONFLICT', cell.line, cell.column, cell.raw, {
          first: truncate(chosen.raw),
          firstLine: String(chosen.line),
        });
      }
    }
    return chosen;
  };
  const requiredCell = (key: ColumnKey): Cell | undefined => {
    const cell = invoiceCell(key);
    if (!cell && rows.some((r) => r.get(key)?.rejected)) failed = true;
    else if (!cell && index.has(key)) report('VALUE_REQUIRED', firstLine, first.get(key)?.column ?? key);
    return cell;
  };
  const parsed = <T>(cell: Cell | undefined, parse: (raw: string) => V.Parsed<T>): T | undefined => {
    if (!cell) return undefined;
    const r = parse(cell.raw);
    if (r.ok) return r.value;
    report(r.code, cell.line, cell.column, cell.raw, r.params);
    return undefined;
  };

  // Dates (BT-2, BT-9, BT-72).
  const issueDate = parsed(invoiceCell('issue_date'), V.parseDate) ?? today;
  const dueCell = invoiceCell('due_date');
  const dueDate = parsed(dueCell, V.parseDate) ?? V.addDays(issueDate, seller.paymentTermsDays);
  if (dueCell && dueDate < issueDate) report('DUE_BEFORE_ISSUE', dueCell.line, dueCell.column, dueCell.raw, { issueDate });
  const serviceDate = parsed(invoiceCell('service_date'), V.parseDate) ?? issueDate;
  const operationType = parsed(invoiceCell('operation_type'), V.parseOperationType) ?? seller.defaultOperationType;
  const currency = parsed(invoiceCell('currency'), V.parseCurrency) ?? 'EUR';

  // Buyer (BG-7).
  const name = requiredCell('buyer_name');
  const line1 = requiredCell('buyer_address');
  const postcode = requiredCell('buyer_postcode');
  const city = requiredCell('buyer_city');
  const countryCell = invoiceCell('buyer_country');
  const country = parsed(countryCell, V.parseCountry) ?? (countryCell ? 'XX' : 'FR');
  const sirenCell = invoiceCell('buyer_siren');
  let siren: string | undefined;
  if (sirenCell) {
    const id = compactId(sirenCell.raw);
    if (isSiren(id) || isSiret(id)) siren = id.slice(0, 9);
    else report('SIREN_INVALID', sirenCell.line, sirenCell.column, sirenCell.raw);
  } else if (country === 'FR') {
    report('SIREN_REQUIRED', firstLine, first.get('buyer_siren')?.column ?? 'buyer_siren');
  }
  const vatCell = invoiceCell('buyer_vat_id');
  let vatId: string | undefined;
  if (vatCell) {
    const v = compactId(vatCell.raw);
    const problem = vatIdProblem(v);
    if (problem) report('VAT_ID_INVALID', vatCell.line, vatCell.column, vatCell.raw);
    else if (siren && v.startsWith('FR') && v.slice(4) !== siren) report('VAT_ID_INVALID', vatCell.line, vatCell.column, vatCell.raw, { siren });
    else vatId = v;
  }
  const email = parsed(invoiceCell('buyer_email'), V.parseEmail);
  const line2 = invoiceCell('buyer_address2')?.raw;
  const buyer: Buyer = {
    name: name?.raw ?? '',
    ...(siren ? { siren } : {}),
    ...(vatId ? { vatId } : {}),
    address: { line1: line1?.raw ?? '', ...(line2 ? { line2 } : {}), postcode: postcode?.raw ?? '', city: city?.raw ?? '', country },
    ...(email ? { email } : {}),
  };

  // Lines (BG-25).
  const lines: LineDraft[] = [];
  const reasons = new Map<string, Cell>();
  for (const row of rows) {
    const line = buildLine(row, seller, report, index);
    if (!line) continue;
    lines.push(line);
    const reasonCell = row.get('vat_exemption_reason');
    // One exemption reason per VAT category on an invoice (BT-120 sits on the breakdown, BG-23).
    if (line.exemptionReason && reasonCell && reasonCell.raw !== '') {
      const seen = reasons.get(line.vatCategory);
      if (!seen) reasons.set(line.vatCategory, reasonCell);
      else if (seen.raw !== reasonCell.raw) report('INVOICE_FIELD_CONFLICT', reasonCell.line, reasonCell.column, reasonCell.raw, { first: truncate(seen.raw), firstLine: String(seen.line) });
    }
  }
  const categories = new Set(lines.map((l) => l.vatCategory));
  if (categories.has('O') && categories.size > 1) report('VAT_CATEGORY_O_MIXED', firstLine, first.get('vat_category')?.column ?? 'vat_category'); // BR-O-11..14
  if ((categories.has('AE') || categories.has('K')) && !vatId) {
    // BR-AE-2 / BR-K-2: reverse charge and intra-community supply need the buyer's VAT id.
    report('VAT_ID_REQUIRED', firstLine, first.get('buyer_vat_id')?.column ?? 'buyer_vat_id');
  }

  if (failed) return null;
  // BG-1 allows several notes: each distinct note of the invoice's lines is kept, in order.
  const notes = [...new Set(rows.map((r) => r.get('note')?.raw ?? '').filter((n) => n !== ''))];
  const buyerReference = invoiceCell('buyer_reference')?.raw;
  const purchaseOrder = invoiceCell('purchase_order')?.raw;
  return {
    ref,
    firstLine,
    issueDate,
    dueDate,
    serviceDate,
    operationType,
    currency,
    notes,
    ...(buyerReference ? { buyerReference } : {}),
    ...(purchaseOrder ? { purchaseOrder } : {}),
    buyer,
    lines,
  };
}

function buildLine(row: Map<ColumnKey, Cell>, seller: SellerTerms, report: IssueFn, index: Map<ColumnKey, number>): LineDraft | null {
  let failed = false;
  const fail: IssueFn = (...args) => {
    failed = true;
    report(...args);
  };
  const lineNo = row.get('invoice_ref')?.line ?? 0;
  const get = (key: ColumnKey) => {
    const c = row.get(key);
    return c && c.raw !== '' ? c : undefined;
  };
  const need = (key: ColumnKey) => {
    const c = get(key);
    if (!c && row.get(key)?.rejected) failed = true;
    else if (!c && index.has(key)) fail('VALUE_REQUIRED', lineNo, row.get(key)?.column ?? key);
    return c;
  };
  const number = (cell: Cell | undefined): Dec | undefined => {
    if (!cell) return undefined;
    const r = V.parseDecimal(cell.raw);
    if (!r.ok) return void fail(r.code, cell.line, cell.column, cell.raw);
    if (r.value.decimalPlaces() > MAX_DECIMALS) return void fail('TOO_MANY_DECIMALS', cell.line, cell.column, cell.raw, { max: String(MAX_DECIMALS) });
    return r.value;
  };

  const description = need('description');
  const qtyCell = need('quantity');
  const quantity = number(qtyCell);
  if (qtyCell && quantity && quantity.lte(0)) fail('QUANTITY_NOT_POSITIVE', qtyCell.line, qtyCell.column, qtyCell.raw);
  const priceCell = need('unit_price');
  const unitPrice = number(priceCell);
  if (priceCell && unitPrice?.isNegative()) fail('PRICE_NEGATIVE', priceCell.line, priceCell.column, priceCell.raw);
  if (quantity && unitPrice && quantity.times(unitPrice).abs().gte(MAX_LINE_AMOUNT)) fail('AMOUNT_TOO_LARGE', lineNo, priceCell?.column, priceCell?.raw);
  const unitCell = get('unit');
  let unitCode = 'C62';
  if (unitCell) {
    const u = V.parseUnit(unitCell.raw);
    if (u.ok) unitCode = u.value;
    else fail(u.code, unitCell.line, unitCell.column, unitCell.raw);
  }

  // VAT (BT-151, BT-152, BT-120/121).
  const rateCell = get('vat_rate');
  const catCell = get('vat_category');
  const reasonCell = get('vat_exemption_reason');
  let vatCategory: V.VatCategory = 'S';
  let vatRate: Dec = new Dec(0);
  let exemptionReason: string | undefined;
  let exemptionCode: string | undefined;
  if (seller.vatRegime === 'franchise') {
    // CGI art. 293 B: no VAT; every line is exempt with the legal mention.
    const r = rateCell ? V.parseDecimal(rateCell.raw, { percent: true }) : undefined;
    if (rateCell && (!r?.ok || !r.value.isZero())) fail('FRANCHISE_RATE', rateCell.line, rateCell.column, rateCell.raw);
    if (catCell && catCell.raw.toUpperCase() !== 'E') fail('FRANCHISE_RATE', catCell.line, catCell.column, catCell.raw);
    vatCategory = 'E';
    exemptionReason = FRANCHISE_REASON;
    exemptionCode = FRANCHISE_CODE;
  } else {
    const rateParsed = rateCell ? V.parseRate(rateCell.raw, seller.allowedVatRates) : undefined;
    if (!rateCell && index.has('vat_rate')) fail('VALUE_REQUIRED', lineNo, row.get('vat_rate')?.column ?? 'vat_rate');
    else if (rateCell && rateParsed && !rateParsed.ok) fail(rateParsed.code, rateCell.line, rateCell.column, rateCell.raw, rateParsed.params);
    else if (rateParsed?.ok) vatRate = rateParsed.value;
    const rateKnown = rateParsed?.ok === true;
    if (catCell) {
      const c = V.parseVatCategory(catCell.raw);
      if (!c.ok) fail(c.code, catCell.line, catCell.column, catCell.raw);
      else {
        vatCategory = c.value;
        // BR-S-5: S has a rate above zero; BR-Z/E/AE/K/G/O-5: the others have 0.
        if (rateKnown && (vatCategory === 'S') === vatRate.isZero()) {
          fail('VAT_CATEGORY_RATE_MISMATCH', catCell.line, catCell.column, catCell.raw, { rate: vatRate.toFixed() });
        }
      }
    } else if (rateKnown && vatRate.isZero()) {
      fail('VAT_CATEGORY_NEEDED', lineNo, row.get('vat_category')?.column ?? 'vat_category');
    }
    if (['E', 'AE', 'K', 'G', 'O'].includes(vatCategory)) {
      // BR-E-10, BR-AE-10, BR-IC-10, BR-G-10, BR-O-10: an exemption reason text or code.
      if (!reasonCell) fail('EXEMPTION_REASON_REQUIRED', lineNo, row.get('vat_exemption_reason')?.column ?? 'vat_exemption_reason', undefined, { category: vatCategory });
      else if (/^VATEX-[A-Z0-9-]+$/i.test(reasonCell.raw)) {
        exemptionCode = reasonCell.raw.toUpperCase();
        exemptionReason = VATEX_TEXT[exemptionCode] ?? exemptionCode;
      } else exemptionReason = reasonCell.raw;
    }
  }

  if (failed || !description || !quantity || !unitPrice) return null;
  return {
    sourceLine: lineNo,
    description: description.raw,
    quantity,
    unitCode,
    unitPrice,
    vatCategory,
    vatRate,
    ...(exemptionReason ? { exemptionReason } : {}),
    ...(exemptionCode ? { exemptionCode } : {}),
  };
}

function columnAliases(key: ColumnKey): string {
  return COLUMNS.find((c) => c.key === key)?.aliases.join(', ') ?? '';
}

function normalizeSpace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
