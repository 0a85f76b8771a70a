/**
 * Payments received, declared by the seller (XP Z12-012 status 212
 * "Encaissée"): for services, VAT is due when the price is collected, so the
 * platform must hear of each payment. The client mails a CSV of payments
 * (one row per payment: the invoice number, the day, the amount received
 * incl. VAT); each row becomes a CDAR status message (cdar-build.ts), queued
 * for deposit like an invoice (`flowSyntax` CDAR) and recorded with the
 * invoice. Errors are answered like CSV errors: every one at once, by line.
 *
 * | column | aliases | rule |
 * |---|---|---|
 * | invoice_number | numero_facture, facture, n_facture, invoice | an invoice of this seller, deposited on its platform, with services |
 * | payment_date | date_paiement, date_encaissement, date_reglement, paid_on | a date, not before the invoice, not in the future |
 * | amount | montant, montant_encaisse, montant_ttc, amount_received | incl. VAT, positive, at most what remains unpaid |
 */
import { createHash } from 'node:crypto';
import type { ClientRecord } from '../clients/record.js';
import { MailbotError } from '../core/errors.js';
import { Dec, amount } from '../core/money.js';
import { headerKey } from '../csv/columns.js';
import { hasErrors, sortIssues, type CsvIssue, type IssueCode } from '../csv/issues.js';
import { DEFAULT_LIMITS, readCsv } from '../csv/read.js';
import { parseDate, parseDecimal } from '../csv/values.js';
import type { IssuedInvoice } from '../batch/types.js';
import type { Staging, Store, Tx } from '../store/port.js';
import { paymentCdar } from './cdar-build.js';
import { trackingIdOf } from './queue.js';
import type { PlatformFlow } from './records.js';

const COLUMNS = {
  invoice_number: ['invoice_number', 'numero_facture', 'facture', 'n_facture', 'no_facture', 'invoice', 'invoice_no'],
  payment_date: ['payment_date', 'date_paiement', 'date_encaissement', 'date_reglement', 'paid_on', 'date'],
  amount: ['amount', 'montant', 'montant_encaisse', 'montant_ttc', 'amount_received', 'montant_regle'],
} as const;
const BY_KEY = new Map<string, PaymentColumn>();
for (const [col, names] of Object.entries(COLUMNS) as [PaymentColumn, readonly string[]][]) for (const n of names) BY_KEY.set(headerKey(n), col);

/** Whether a CSV's header is the payments contract's (and not the invoices'): what the mail handler routes by. */
export async function isPaymentsCsv(bytes: Uint8Array): Promise<boolean> {
  const read = await readCsv(bytes.subarray(0, 64 * 1024), DEFAULT_LIMITS).catch(() => undefined);
  const found = new Set((read?.header?.fields ?? []).map((h) => BY_KEY.get(headerKey(h))).filter(Boolean));
  return found.has('invoice_number') && found.has('payment_date') && found.has('amount') && (read?.header?.fields.length ?? 0) <= 6;
}

export interface PaymentRow {
  line: number;
  invoice: string;
  date: string;
  amount: Dec;
}

export interface Declared {
  key: string;
  invoice: string;
  date: string;
  amount: string;
  currency: string;
}

export interface PaymentsResult {
  declared: Declared[];
  issues: CsvIssue[];
  /** The same file was declared before (its SHA-256): nothing new, the earlier declarations stand. */
  duplicate?: boolean;
}

/** A file of payments ready to commit: `commit` queues its status messages (in the caller's transaction), `abort` drops what was staged. */
export interface PreparedPayments {
  result: PaymentsResult;
  commit?: (tx: Tx) => Promise<void>;
  abort(): Promise<void>;
}

const issue = (code: IssueCode, line: number, column?: string, value?: string, params?: Record<string, string>): CsvIssue => ({ code, severity: 'error', line, ...(column ? { column } : {}), ...(value !== undefined ? { value } : {}), ...(params ? { params } : {}) });

/** The rows of a payments file, each checked alone. */
export type PaymentColumn = keyof typeof COLUMNS;

export async function readPayments(bytes: Uint8Array, today: string): Promise<{ rows: PaymentRow[]; issues: CsvIssue[]; labels: Record<PaymentColumn, string> }> {
  const read = await readCsv(bytes, DEFAULT_LIMITS);
  const issues = [...read.issues];
  const labels = { invoice_number: 'invoice_number', payment_date: 'payment_date', amount: 'amount' } as Record<PaymentColumn, string>;
  const position = new Map<PaymentColumn, number>();
  (read.header?.fields ?? []).forEach((h, i) => {
    const col = BY_KEY.get(headerKey(h));
    if (col && !position.has(col)) {
      position.set(col, i);
      labels[col] = h.trim();
    }
  });
  for (const col of Object.keys(COLUMNS) as PaymentColumn[]) if (!position.has(col)) issues.push(issue('COLUMN_MISSING', read.header?.line ?? 1, undefined, undefined, { column: col, aliases: COLUMNS[col].join(', ') }));
  const rows: PaymentRow[] = [];
  if (issues.some((i) => i.code === 'COLUMN_MISSING')) return { rows, issues, labels };
  for (const rec of read.records) {
    const cell = (c: PaymentColumn) => (rec.fields[position.get(c) ?? -1] ?? '').trim();
    if (rec.fields.every((f) => f.trim() === '')) continue;
    const invoice = cell('invoice_number');
    const date = parseDate(cell('payment_date'));
    const sum = parseDecimal(cell('amount'));
    const before = issues.length;
    if (!invoice) issues.push(issue('VALUE_REQUIRED', rec.line, labels.invoice_number));
    if (!date.ok) issues.push(issue(cell('payment_date') ? date.code : 'VALUE_REQUIRED', rec.line, labels.payment_date, cell('payment_date')));
    else if (date.value > today) issues.push(issue('PAYMENT_IN_FUTURE', rec.line, labels.payment_date, cell('payment_date'), { today }));
    if (!sum.ok) issues.push(issue(cell('amount') ? sum.code : 'VALUE_REQUIRED', rec.line, labels.amount, cell('amount'), sum.params));
    else if (!sum.value.gt(0) || sum.value.decimalPlaces() > 2) issues.push(issue('PAYMENT_AMOUNT_INVALID', rec.line, labels.amount, cell('amount')));
    const ok = issues.length === before;
    if (ok && date.ok && sum.ok) rows.push({ line: rec.line, invoice, date: date.value, amount: sum.value });
  }
  return { rows, issues, labels };
}

/** The amount received split over the invoice's VAT rates in proportion to each rate's total incl. VAT; the last rate takes the rounding. */
export function splitByRate(received: Dec, vat: NonNullable<IssuedInvoice['vat']>): { rate: string; amount: string }[] {
  const withTax = vat.map((v) => ({ rate: v.rate, ttc: new Dec(v.taxable).plus(v.tax) }));
  const total = withTax.reduce((n, v) => n.plus(v.ttc), new Dec(0));
  if (total.isZero()) return [{ rate: vat[0]?.rate ?? '0', amount: amount(received) }];
  let left = received;
  return withTax.map((v, i) => {
    const part = i === withTax.length - 1 ? left : received.times(v.ttc).div(total).toDecimalPlaces(2, Dec.ROUND_HALF_UP);
    left = left.minus(part);
    return { rate: v.rate, amount: amount(part) };
  });
}

/** Prepare and commit on its own (`mailbot payments`). */
export async function declarePayments(store: Store, client: ClientRecord, bytes: Uint8Array, now: Date): Promise<PaymentsResult> {
  const prepared = await preparePayments(store, client, bytes, now);
  const commit = prepared.commit;
  if (!commit) return prepared.result;
  try {
    await store.transact((tx) => commit(tx));
  } catch (err) {
    await prepared.abort();
    throw err;
  }
  return prepared.result;
}

const nothing = () => Promise.resolve();

/**
 * A payments file of a seller: checked against its register and platform
 * records; when nothing is wrong, each payment's CDAR staged, and a commit
 * that queues them for deposit. Nothing is declared from a file with an
 * error, and a file declared before declares nothing again.
 */
export async function preparePayments(store: Store, client: ClientRecord, bytes: Uint8Array, now: Date): Promise<PreparedPayments> {
  const read = await readPayments(bytes, now.toISOString().slice(0, 10));
  return preparePaymentRows(store, client, read, createHash('sha256').update(bytes).digest('hex'), now);
}

/**
 * Payments from rows already read (a file's, or a client's answer "payée le
 * …"); `source` identifies what they came from (a file's SHA-256, a mail's),
 * which declares nothing twice. A row without an amount is the whole
 * remaining amount of its invoice.
 */
export async function preparePaymentRows(store: Store, client: ClientRecord, read: { rows: (Omit<PaymentRow, 'amount'> & { amount?: Dec })[]; issues: CsvIssue[]; labels: Record<PaymentColumn, string> }, source: string, now: Date): Promise<PreparedPayments> {
  const fileSha256 = source;
  const { issues, labels } = read;
  const numbers = [...new Set(read.rows.map((r) => r.invoice))];
  const facts = await store.read(async (tx) => {
    const batches = await tx.batches.concerning(client.id, numbers);
    const invoices = new Map(batches.flatMap((b) => b.invoices).filter((i) => numbers.includes(i.number)).map((i) => [i.number, i]));
    const flows = new Map<string, PlatformFlow | undefined>();
    for (const n of numbers) flows.set(n, await tx.platform.get(client.id, n));
    const payments = (await tx.platform.list({ clientId: client.id })).filter((f) => f.kind === 'payment' && f.payment);
    const declared = payments.filter((f) => f.payment && numbers.includes(f.payment.invoice));
    const earlier = payments.filter((f) => f.payment?.fileSha256 === fileSha256);
    return { invoices, flows, declared, earlier };
  });
  if (facts.earlier.length > 0) {
    const declared = facts.earlier.map((f) => ({ key: f.number, invoice: f.payment?.invoice ?? '', date: f.payment?.date ?? '', amount: f.payment?.amount ?? '', currency: f.payment?.currency ?? '' }));
    return { result: { declared, issues: [], duplicate: true }, abort: nothing };
  }
  const paid = new Map<string, Dec>();
  for (const d of facts.declared) if (d.payment) paid.set(d.payment.invoice, (paid.get(d.payment.invoice) ?? new Dec(0)).plus(d.payment.amount));
  const accepted: { row: PaymentRow; inv: IssuedInvoice }[] = [];
  for (const given of read.rows) {
    const inv = facts.invoices.get(given.invoice);
    const row: PaymentRow = { ...given, amount: given.amount ?? (inv ? new Dec(inv.totalInclVat).minus(paid.get(inv.number) ?? 0) : new Dec(0)) };
    const at = (code: IssueCode, params?: Record<string, string>) => issues.push(issue(code, row.line, labels.invoice_number, row.invoice, params));
    if (!inv) at('PAYMENT_INVOICE_UNKNOWN');
    else if (!facts.flows.get(row.invoice)?.flowId) at('PAYMENT_NOT_DEPOSITED');
    else if (inv.operation === 'goods') at('PAYMENT_GOODS_ONLY');
    else if (!inv.vat || inv.vat.length === 0) at('PAYMENT_BREAKDOWN_UNKNOWN');
    else if (row.date < inv.issueDate) issues.push(issue('PAYMENT_BEFORE_INVOICE', row.line, labels.payment_date, row.date, { issueDate: inv.issueDate }));
    else {
      const already = paid.get(inv.number) ?? new Dec(0);
      const remaining = new Dec(inv.totalInclVat).minus(already);
      if (row.amount.lte(0) || row.amount.gt(remaining)) issues.push(issue('PAYMENT_TOO_LARGE', row.line, labels.amount, amount(row.amount), { number: inv.number, remaining: amount(remaining), total: inv.totalInclVat, currency: inv.currency }));
      else {
        paid.set(inv.number, already.plus(row.amount));
        accepted.push({ row, inv });
      }
    }
  }
  const sorted = sortIssues(issues);
  if (hasErrors(sorted) || accepted.length === 0) return { result: { declared: [], issues: sorted }, abort: nothing };

  const at = now.toISOString();
  const staging: Staging = await store.files.stage();
  try {
    const flows: PlatformFlow[] = [];
    const declared: Declared[] = [];
    const counts = new Map<string, number>();
    for (const d of facts.declared) if (d.payment) counts.set(d.payment.invoice, (counts.get(d.payment.invoice) ?? 0) + 1);
    for (const { row, inv } of accepted) {
      const n = (counts.get(inv.number) ?? 0) + 1;
      counts.set(inv.number, n);
      const key = `${inv.number}#P${n}`;
      const file = `platform/${client.id}/${createHash('sha256').update(`${client.id}\u0000${key}`).digest('hex').slice(0, 32)}.xml`;
      const xml = paymentCdar({
        messageId: `${inv.number}_212_${at.replace(/[-:T.Z]/g, '').slice(0, 14)}_${n}`,
        at: now,
        invoice: { number: inv.number, issueDate: inv.issueDate, typeCode: inv.documentType ?? '380' },
        seller: { siren: client.siren, name: client.legalName },
        buyer: { name: inv.buyerName, ...(inv.buyerSiren ? { siren: inv.buyerSiren } : {}), ...(inv.buyerElectronicAddress ? { address: inv.buyerElectronicAddress } : {}) },
        receivedOn: row.date,
        currency: inv.currency,
        perRate: splitByRate(row.amount, inv.vat ?? []),
      });
      await staging.write(file, xml);
      flows.push({ clientId: client.id, number: key, kind: 'payment', payment: { invoice: inv.number, date: row.date, amount: amount(row.amount), currency: inv.currency, file, fileSha256 }, batchId: '', pdfFile: '', trackingId: trackingIdOf(client.id, key), state: 'queued', attempts: 0, nextAttemptAt: at, history: [], queuedAt: at, updatedAt: at });
      declared.push({ key, invoice: inv.number, date: row.date, amount: amount(row.amount), currency: inv.currency });
    }
    return {
      result: { declared, issues: sorted },
      commit: async (tx) => {
        // Another file may have declared payments of these invoices since: they would be counted twice.
        for (const f of flows) if (await tx.platform.get(client.id, f.number)) throw new MailbotError('STORE_CONFLICT', `payment ${f.number} was declared meanwhile`);
        tx.files.adopt(staging);
        await tx.platform.queue(flows);
        tx.audit({ time: at, action: 'platform-queued', outcome: 'ok', clientId: client.id, details: { payments: flows.length } });
      },
      abort: () => staging.discard(),
    };
  } catch (err) {
    await staging.discard();
    throw err;
  }
}
