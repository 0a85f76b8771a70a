/**
 * The invoice as the core computes it. Field comments name the EN 16931
 * business term each value becomes, so the renderers can be checked against
 * the norm.
 */
import type { ElectronicAddress } from '../core/eaddress.js';
import type { Dec } from '../core/money.js';
import type { ColumnKey } from '../csv/columns.js';
import type { OperationType, VatCategory } from '../csv/values.js';
import type { DocumentType } from './documents.js';

export interface PostalAddress {
  line1: string; // BT-35 / BT-50
  line2?: string; // BT-36 / BT-51
  postcode: string; // BT-38 / BT-53
  city: string; // BT-37 / BT-52
  country: string; // BT-40 / BT-55, ISO 3166-1 alpha-2
}

export interface Buyer {
  name: string; // BT-44
  siren?: string; // BT-47, scheme 0002
  vatId?: string; // BT-48
  address: PostalAddress;
  email?: string; // BT-58
  /** BT-49 with its scheme BT-49-1; mandatory under the French reform (BR-FR-12). */
  electronicAddress?: ElectronicAddress;
}

/** BG-13/BG-15: where the goods or services go, written only when it differs from the buyer's address. */
export interface DeliverTo {
  name?: string; // BT-70
  address: PostalAddress; // BT-75..80
}

export interface LineDraft {
  /** Physical CSV line, for error messages. */
  sourceLine: number;
  description: string; // BT-153
  quantity: Dec; // BT-129
  unitCode: string; // BT-130
  unitPrice: Dec; // BT-146, net of VAT
  vatCategory: VatCategory; // BT-151
  vatRate: Dec; // BT-152, percent
  exemptionReason?: string; // BT-120
  exemptionCode?: string; // BT-121
  period?: Period; // BG-26: BT-134, BT-135
  note?: string; // BT-127
  orderLineRef?: string; // BT-132
  sellerItemId?: string; // BT-155
  gtin?: string; // BT-157, scheme 0160 (GS1)
  adjustments?: AdjustmentDraft[]; // BG-27, BG-28
}

/**
 * A discount (allowance) or a charge as the file states it: on the invoice
 * (BG-20, BG-21) or on a line (BG-27, BG-28), an amount excl. VAT or a
 * percentage of its base.
 */
export interface AdjustmentDraft {
  charge: boolean; // ChargeIndicator: false for an allowance, true for a charge
  amount?: Dec; // BT-92, BT-99, BT-136, BT-141
  percent?: Dec; // BT-94, BT-101, BT-138, BT-143
  reason?: string; // BT-97, BT-104, BT-139, BT-144
  reasonCode?: string; // BT-98 (UNTDID 5189), BT-105 (UNTDID 7161), BT-140, BT-145
  /** On the invoice: the VAT category and rate it belongs to (BT-95/96, BT-102/103), resolved against the lines. */
  vatCategory?: VatCategory;
  vatRate?: Dec;
}

/** An allowance or charge computed: its amount, and the base a percentage applied to. */
export interface AllowanceCharge extends AdjustmentDraft {
  amount: Dec;
  baseAmount?: Dec; // BT-93, BT-100, BT-137, BT-142
}

/** An invoicing period (BG-14, BG-26), ISO dates; at least one bound (BR-CO-19, BR-CO-20), end not before start (BR-29, BR-30). */
export interface Period {
  start?: string;
  end?: string;
}

/** BG-3: an earlier invoice this document refers to. */
export interface PrecedingInvoice {
  number: string; // BT-25
  /** BT-26: given in the file, or taken from the seller's register when the invoice is held here. */
  issueDate?: string;
  /** On a credit note: how much of its total (incl. VAT) is credited on this invoice of the register. */
  credited?: Dec;
}

/** BG-16: how the buyer pays (BT-81, UNTDID 4461). */
export interface PaymentMeans {
  /** 58 SEPA credit transfer (the default), 59 SEPA direct debit, 48 bank card, 20 cheque, 10 cash. */
  code: '58' | '59' | '48' | '20' | '10';
  mandateRef?: string; // BT-89, direct debit only
  debitedAccount?: string; // BT-91, direct debit only: the buyer's IBAN
}

/** An invoice as read from the CSV: validated, not yet numbered nor computed. */
export interface InvoiceDraft {
  ref: string; // client's grouping key, echoed in the report; becomes BT-83 payment reference context
  firstLine: number;
  /** BT-3; absent means 380, a commercial invoice. */
  documentType?: DocumentType;
  preceding?: PrecedingInvoice[]; // BG-3
  prepaidAmount?: Dec; // BT-113, incl. VAT
  /** BG-16; absent means a SEPA credit transfer to the seller's IBAN (58). */
  payment?: PaymentMeans;
  /** EUR per one unit of the invoice currency (BT-5 ≠ EUR): gives BT-111 with BT-6 = EUR (BR-FR-CO-12). */
  exchangeRate?: Dec;
  issueDate: string; // BT-2
  dueDate: string; // BT-9
  serviceDate: string; // BT-72
  period?: Period; // BG-14: BT-73, BT-74
  operationType: OperationType; // French reform mention; BT-23 "cadre de facturation"
  currency: string; // BT-5
  notes: string[]; // BT-22
  buyerReference?: string; // BT-10
  purchaseOrder?: string; // BT-13
  buyerAccountingRef?: string; // BT-19
  /** BG-20, BG-21: each with its VAT category and rate resolved (csv/adjustments.ts). */
  adjustments?: AdjustmentDraft[];
  buyer: Buyer;
  deliverTo?: DeliverTo;
  lines: LineDraft[];
  /** The CSV line each invoice-level value came from, so a rule broken by it names that line. */
  origins?: Partial<Record<ColumnKey, number>>;
}

export interface InvoiceLine extends LineDraft {
  id: string; // BT-126
  /** BT-131 = round2(BT-129 × BT-146) − Σ line allowances + Σ line charges. */
  netAmount: Dec;
  allowanceCharges: AllowanceCharge[]; // BG-27, BG-28
}

export interface VatBreakdown {
  category: VatCategory; // BT-118
  rate: Dec; // BT-119
  taxableAmount: Dec; // BT-116
  taxAmount: Dec; // BT-117
  exemptionReason?: string; // BT-120
  exemptionCode?: string; // BT-121
}

export interface Totals {
  lineTotal: Dec; // BT-106
  allowanceTotal: Dec; // BT-107
  chargeTotal: Dec; // BT-108
  taxBasisTotal: Dec; // BT-109
  taxTotal: Dec; // BT-110
  grandTotal: Dec; // BT-112
  prepaidAmount: Dec; // BT-113
  duePayable: Dec; // BT-115 = BT-112 − BT-113
  /** BT-111: the VAT in EUR (BT-6) when the invoice is in another currency. */
  taxTotalEur?: Dec;
}

/** A computed, numbered invoice ready to render. */
export interface Invoice extends Omit<InvoiceDraft, 'lines'> {
  number: string; // BT-1
  /** BT-23, the French billing framework (documents.ts). */
  framework: string;
  lines: InvoiceLine[];
  allowanceCharges: AllowanceCharge[]; // BG-20, BG-21
  vat: VatBreakdown[];
  totals: Totals;
}
