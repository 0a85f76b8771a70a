/**
 * EN 16931 calculation model (EN 16931-1 §6, rules BR-CO-10 to BR-CO-17):
 * - line allowances and charges (BG-27, BG-28): an amount, or a percentage
 *   of the line's quantity × price rounded (BT-137, BT-142), rounded to 2 decimals;
 * - line net (BT-131) = quantity (BT-129) × net price (BT-146), rounded half-up
 *   to 2 decimals, − its allowances + its charges;
 * - document allowances and charges (BG-20, BG-21), each of one VAT category
 *   and rate: an amount, or a percentage of the net total of that rate's lines;
 * - per VAT category and rate: taxable amount (BT-116) = its line nets − its
 *   document allowances + its document charges; VAT (BT-117) = BT-116 × rate
 *   (BT-119) / 100, rounded to 2 decimals;
 * - BT-106 = Σ BT-131; BT-107 = Σ BT-92; BT-108 = Σ BT-99;
 *   BT-109 = BT-106 − BT-107 + BT-108; BT-110 = Σ BT-117;
 *   BT-112 = BT-109 + BT-110; BT-115 = BT-112 − BT-113 (BR-CO-16);
 * - BT-111 = BT-110 × the exchange rate, rounded to 2 decimals, when the
 *   invoice is not in EUR (BR-FR-CO-12; BR-53 asks for it once BT-6 is given).
 */
import { HUNDRED, round2, sum, ZERO, type Dec } from '../core/money.js';
import { billingFramework } from './documents.js';
import type { AdjustmentDraft, AllowanceCharge, Invoice, InvoiceDraft, InvoiceLine, VatBreakdown } from './model.js';

/** An adjustment's amount on a base: stated, or its percentage of the base, rounded. */
export function applyAdjustment(a: AdjustmentDraft, base: Dec): AllowanceCharge {
  if (a.amount) return { ...a, amount: round2(a.amount) };
  const percent = a.percent ?? ZERO;
  return { ...a, amount: round2(base.times(percent).div(HUNDRED)), baseAmount: base };
}

const signed = (a: AllowanceCharge): Dec => (a.charge ? a.amount : a.amount.neg());
const groupKey = (category: string, rate: Dec) => `${category}|${rate.toFixed()}`;

export function computeInvoice(draft: InvoiceDraft, number: string): Invoice {
  const lines: InvoiceLine[] = draft.lines.map((l, i) => {
    const gross = round2(l.quantity.times(l.unitPrice));
    const allowanceCharges = (l.adjustments ?? []).map((a) => applyAdjustment(a, gross));
    return { ...l, id: String(i + 1), allowanceCharges, netAmount: allowanceCharges.reduce((n, a) => n.plus(signed(a)), gross) };
  });

  const groups = new Map<string, InvoiceLine[]>();
  for (const line of lines) {
    const key = groupKey(line.vatCategory, line.vatRate);
    const list = groups.get(key) ?? [];
    list.push(line);
    groups.set(key, list);
  }
  const groupNet = (key: string) => sum((groups.get(key) ?? []).map((l) => l.netAmount));
  // Each document adjustment belongs to one VAT category and rate (resolved when the file was read).
  const allowanceCharges = (draft.adjustments ?? []).map((a) => applyAdjustment(a, groupNet(groupKey(a.vatCategory ?? 'S', a.vatRate ?? ZERO))));

  const vat: VatBreakdown[] = [...groups.entries()].map(([key, group]) => {
    const head = group[0] as InvoiceLine;
    const own = allowanceCharges.filter((a) => groupKey(a.vatCategory ?? 'S', a.vatRate ?? ZERO) === key);
    const taxableAmount = own.reduce((n, a) => n.plus(signed(a)), groupNet(key));
    return {
      category: head.vatCategory,
      rate: head.vatRate,
      taxableAmount,
      taxAmount: round2(taxableAmount.times(head.vatRate).div(HUNDRED)),
      ...(head.exemptionReason ? { exemptionReason: head.exemptionReason } : {}),
      ...(head.exemptionCode ? { exemptionCode: head.exemptionCode } : {}),
    };
  });
  // Stable order: highest rate first, as French invoices usually show it.
  vat.sort((a, b) => b.rate.comparedTo(a.rate) || a.category.localeCompare(b.category));

  const lineTotal = sum(lines.map((l) => l.netAmount));
  const allowanceTotal = sum(allowanceCharges.filter((a) => !a.charge).map((a) => a.amount));
  const chargeTotal = sum(allowanceCharges.filter((a) => a.charge).map((a) => a.amount));
  const taxBasisTotal = lineTotal.minus(allowanceTotal).plus(chargeTotal);
  const taxTotal = sum(vat.map((v) => v.taxAmount));
  const grandTotal = taxBasisTotal.plus(taxTotal);
  const prepaidAmount = round2(draft.prepaidAmount ?? ZERO);
  const taxTotalEur = draft.exchangeRate && draft.currency !== 'EUR' ? round2(taxTotal.times(draft.exchangeRate)) : undefined;
  const framework = billingFramework({
    ...(draft.documentType ? { documentType: draft.documentType } : {}),
    operationType: draft.operationType,
    // A plain invoice that names earlier ones is a final invoice after deposits (contract v2, BG-3).
    afterDeposits: (draft.documentType ?? '380') === '380' && (draft.preceding?.length ?? 0) > 0,
    alreadyPaid: prepaidAmount.gt(0) && prepaidAmount.eq(grandTotal),
  });
  return {
    ...draft,
    number,
    framework,
    lines,
    allowanceCharges,
    vat,
    totals: { lineTotal, allowanceTotal, chargeTotal, taxBasisTotal, taxTotal, grandTotal, prepaidAmount, duePayable: grandTotal.minus(prepaidAmount), ...(taxTotalEur ? { taxTotalEur } : {}) },
  };
}

