/**
 * The seller's register decides what a document may refer to (contract v2,
 * "Documents"): a credit note (381) credits no more than remains uncredited
 * on the invoices it names; a corrective invoice (384) cancels and replaces
 * an invoice nothing credited or replaced yet; a final invoice (380) deducts
 * deposit invoices (386) that no other final invoice deducted. Each names
 * the same buyer, in the same currency, and comes after what it names. An
 * invoice issued elsewhere is taken on the client's word with its date.
 *
 * Pure: the facts come from the batches the store holds
 * (`tx.batches.concerning`). The same facts back the store's own check at
 * the commit (store/invariants.ts), so two batches racing to credit one
 * invoice cannot both succeed.
 */
import { Dec, ZERO, amount } from '../core/money.js';
import type { ColumnKey } from '../csv/columns.js';
import type { CsvIssue, IssueCode } from '../csv/issues.js';
import type { DocumentType } from '../invoice/documents.js';
import type { Invoice, PrecedingInvoice } from '../invoice/model.js';
import type { BatchRecord, IssuedInvoice } from './types.js';

/** What the register knows of one number of the seller. */
export interface RegisterFacts {
  number: string;
  documentType: DocumentType;
  issueDate: string;
  currency: string;
  totalInclVat: string; // BT-112
  /** Absent once only the register is left of its batch (retention, erasure). */
  buyer?: { name: string; siren?: string };
  /** Σ of what credit notes credited on it (incl. VAT). */
  credited: string;
  creditedBy: string[];
  replacedBy?: string;
  deductedBy?: string;
}

/** The numbers a set of documents refers to. */
export function referencedNumbers(docs: readonly { preceding?: readonly { number: string }[] | undefined }[]): string[] {
  const out = new Set<string>();
  for (const d of docs) for (const p of d.preceding ?? []) out.add(p.number);
  return [...out];
}

/** The register's facts about `numbers`, from the seller's batches that hold them or refer to them. */
export function registerFacts(batches: readonly BatchRecord[], numbers: Iterable<string>): RegisterFacts[] {
  const wanted = new Set(numbers);
  const facts = new Map<string, RegisterFacts>();
  const all = batches.flatMap((b) => b.invoices);
  for (const inv of all) {
    if (!wanted.has(inv.number)) continue;
    facts.set(inv.number, {
      number: inv.number,
      documentType: inv.documentType ?? '380',
      issueDate: inv.issueDate,
      currency: inv.currency,
      totalInclVat: inv.totalInclVat,
      ...(inv.buyerName ? { buyer: { name: inv.buyerName, ...(inv.buyerSiren ? { siren: inv.buyerSiren } : {}) } } : {}),
      credited: '0.00',
      creditedBy: [],
    });
  }
  for (const inv of all) for (const ref of inv.preceding ?? []) {
    const f = facts.get(ref.number);
    if (f) applyToFacts(f, inv, ref.credited);
  }
  return [...facts.values()];
}

function applyToFacts(f: RegisterFacts, by: Pick<IssuedInvoice, 'number' | 'documentType'>, credited: string | undefined): void {
  const type = by.documentType ?? '380';
  if (type === '381') {
    f.credited = amount(new Dec(f.credited).plus(credited ?? '0'));
    f.creditedBy.push(by.number);
  } else if (type === '384') f.replacedBy ??= by.number;
  else if (type === '380') f.deductedBy ??= by.number;
}

export interface ReferenceCheck {
  issues: CsvIssue[];
  /** The documents with BG-3 completed: dates from the register, the credited part of each credit note. */
  invoices: Invoice[];
}

const sameBuyer = (f: RegisterFacts, inv: Invoice): boolean => {
  if (!f.buyer) return true; // the register no longer knows it
  if (f.buyer.siren && inv.buyer.siren) return f.buyer.siren === inv.buyer.siren;
  const fold = (s: string) => s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/\s+/g, ' ').trim().toLowerCase();
  return fold(f.buyer.name) === fold(inv.buyer.name);
};

/**
 * Every reference of a file's documents against the register, in the
 * order the documents will be issued (each sees what those before it
 * credited, replaced or deducted). `labels` are the file's headers.
 */
export function checkReferences(invoices: readonly Invoice[], facts: readonly RegisterFacts[], labels: Partial<Record<ColumnKey, string>>): ReferenceCheck {
  const register = new Map(facts.map((f) => [f.number, { ...f, creditedBy: [...f.creditedBy] }]));
  const issues: CsvIssue[] = [];
  const ordered = [...invoices].sort((a, b) => a.issueDate.localeCompare(b.issueDate) || a.firstLine - b.firstLine);
  const completed = new Map<Invoice, Invoice>();
  for (const inv of ordered) {
    const line = inv.origins?.preceding_invoice ?? inv.firstLine;
    const report = (code: IssueCode, value: string, params: Record<string, string>, column: ColumnKey = 'preceding_invoice') =>
      issues.push({ code, severity: 'error', line, column: labels[column] ?? column, value, params });
    const type = inv.documentType ?? '380';
    const before = issues.length;
    const preceding: PrecedingInvoice[] = [];
    let creditLeft = inv.totals.grandTotal;
    const held: { f: RegisterFacts; remaining: Dec }[] = [];
    for (const ref of inv.preceding ?? []) {
      const f = register.get(ref.number);
      if (!f) {
        // Issued elsewhere: taken on the client's word, with its date (BT-26).
        if (!ref.issueDate) report('PRECEDING_NOT_FOUND', ref.number, { number: ref.number });
        preceding.push(ref);
        continue;
      }
      preceding.push({ number: f.number, issueDate: f.issueDate });
      if (!sameBuyer(f, inv)) report('PRECEDING_OTHER_BUYER', ref.number, { number: f.number, buyer: f.buyer?.name ?? '' });
      if (f.currency !== inv.currency) report('PRECEDING_OTHER_CURRENCY', ref.number, { number: f.number, currency: f.currency });
      if (inv.issueDate < f.issueDate) report('PRECEDING_AFTER_DOCUMENT', ref.number, { issueDate: inv.issueDate });
      if (type === '380') {
        if (f.documentType !== '386') report('PRECEDING_NOT_DEPOSIT', ref.number, { number: f.number, type: f.documentType });
        else if (f.deductedBy) report('DEPOSIT_ALREADY_DEDUCTED', ref.number, { number: f.number, by: f.deductedBy });
        continue;
      }
      if (f.documentType === '381') {
        report('PRECEDING_IS_CREDIT_NOTE', ref.number, { number: f.number });
        continue;
      }
      if (f.replacedBy) {
        report('PRECEDING_REPLACED', ref.number, { number: f.number, by: f.replacedBy });
        continue;
      }
      const remaining = new Dec(f.totalInclVat).minus(f.credited);
      if (type === '384' && f.creditedBy.length > 0) report('PRECEDING_CREDITED', ref.number, { number: f.number, by: f.creditedBy.join(', '), remaining: amount(remaining), currency: f.currency });
      held.push({ f, remaining });
    }
    if (type === '381' && issues.length === before) {
      // The credit goes to the invoices named, in their order, each up to what remains on it.
      for (const h of held) {
        const take = Dec.min(creditLeft, h.remaining.isNegative() ? ZERO : h.remaining);
        const p = preceding.find((x) => x.number === h.f.number);
        if (p) p.credited = take;
        creditLeft = creditLeft.minus(take);
      }
      const external = preceding.some((p) => !register.has(p.number));
      if (creditLeft.gt(0) && held.length > 0 && !external) {
        const remaining = held.reduce((n, h) => n.plus(h.remaining), ZERO);
        const total = held.reduce((n, h) => n.plus(h.f.totalInclVat), ZERO);
        report('CREDIT_EXCEEDS_REMAINING', held.map((h) => h.f.number).join(', '), { number: held.map((h) => h.f.number).join(', '), amount: amount(inv.totals.grandTotal), remaining: amount(remaining), total: amount(total), currency: inv.currency });
      }
    }
    // BT-113 never exceeds BT-112: the amount due (BT-115) is not negative.
    if (inv.totals.prepaidAmount.gt(inv.totals.grandTotal)) {
      issues.push({ code: 'PREPAID_TOO_LARGE', severity: 'error', line: inv.origins?.prepaid_amount ?? inv.firstLine, column: labels.prepaid_amount ?? 'prepaid_amount', value: amount(inv.totals.prepaidAmount), params: { total: amount(inv.totals.grandTotal), currency: inv.currency } });
    }
    const next: Invoice = preceding.length > 0 ? { ...inv, preceding } : inv;
    completed.set(inv, next);
    // What this document does is seen by the ones issued after it in the same file.
    if (issues.length === before) for (const p of preceding) {
      const f = register.get(p.number);
      if (f) applyToFacts(f, { number: `${labels.invoice_ref ?? 'ref'} ${inv.ref}`, documentType: type }, p.credited ? amount(p.credited) : undefined);
    }
  }
  return { issues, invoices: invoices.map((i) => completed.get(i) ?? i) };
}
