/**
 * EN 16931 calculation model (EN 16931-1 §6, rules BR-CO-10 to BR-CO-17):
 * - line net (BT-131) = quantity (BT-129) × net price (BT-146), rounded half-up to 2 decimals;
 * - per VAT category and rate: taxable amount (BT-116) = sum of its line nets,
 *   VAT (BT-117) = BT-116 × rate (BT-119) / 100, rounded to 2 decimals;
 * - BT-106 = Σ BT-131; BT-109 = BT-106 (no document-level allowances or charges);
 *   BT-110 = Σ BT-117; BT-112 = BT-109 + BT-110; BT-115 = BT-112 (nothing prepaid).
 */
import { HUNDRED, round2, sum } from '../core/money.js';
import type { Invoice, InvoiceDraft, InvoiceLine, VatBreakdown } from './model.js';

export function computeInvoice(draft: InvoiceDraft, number: string): Invoice {
  const lines: InvoiceLine[] = draft.lines.map((l, i) => ({
    ...l,
    id: String(i + 1),
    netAmount: round2(l.quantity.times(l.unitPrice)),
  }));

  const groups = new Map<string, InvoiceLine[]>();
  for (const line of lines) {
    const key = `${line.vatCategory}|${line.vatRate.toFixed()}`;
    const list = groups.get(key) ?? [];
    list.push(line);
    groups.set(key, list);
  }
  const vat: VatBreakdown[] = [...groups.values()].map((group) => {
    const head = group[0] as InvoiceLine;
    const taxableAmount = sum(group.map((l) => l.netAmount));
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
  const taxTotal = sum(vat.map((v) => v.taxAmount));
  const grandTotal = lineTotal.plus(taxTotal);
  return {
    ...draft,
    number,
    lines,
    vat,
    totals: { lineTotal, taxBasisTotal: lineTotal, taxTotal, grandTotal, duePayable: grandTotal },
  };
}
