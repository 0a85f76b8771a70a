/**
 * UN/CEFACT CII D16B XML for the Factur-X EN 16931 profile
 * (guideline urn:cen.eu:en16931:2017). Element order follows the CII schema;
 * comments name the EN 16931 business term of each element.
 */
import { amount, Dec, plain } from '../core/money.js';
import { xmlEscape as x } from '../core/text.js';
import type { AllowanceCharge, Invoice, Period, PostalAddress } from '../invoice/model.js';
import type { ElectronicAddress } from '../core/eaddress.js';
import {
  NO_DISCOUNT_FR, OPERATION_LABEL_FR, RECOVERY_INDEMNITY_FR, VAT_ON_DEBITS_DUE_DATE_CODE, VAT_ON_DEBITS_FR,
  sellerElectronicAddress, sellerLegalInfo, vatOnDebitsApplies, type Seller,
} from './seller.js';
import { paymentMeansXml, paymentTermsText } from './payment.js';

export { paymentTermsText };
export const FACTURX_GUIDELINE = 'urn:cen.eu:en16931:2017';

const date102 = (iso: string) => `<udt:DateTimeString format="102">${iso.replaceAll('-', '')}</udt:DateTimeString>`;

/**
 * An allowance or a charge: on a line (BG-27, BG-28) it has no VAT of its
 * own; on the invoice (BG-20, BG-21) it names its VAT category and rate
 * (BT-95/96, BT-102/103), none for "not subject" (BR-O-…).
 */
function allowanceCharge(a: AllowanceCharge, document = false): string {
  const tax = document
    ? `<ram:CategoryTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>${a.vatCategory ?? 'S'}</ram:CategoryCode>${a.vatCategory === 'O' ? '' : `<ram:RateApplicablePercent>${plain(a.vatRate ?? new Dec(0))}</ram:RateApplicablePercent>`}</ram:CategoryTradeTax>`
    : '';
  return [
    '<ram:SpecifiedTradeAllowanceCharge>',
    `<ram:ChargeIndicator><udt:Indicator>${a.charge ? 'true' : 'false'}</udt:Indicator></ram:ChargeIndicator>`,
    a.percent ? `<ram:CalculationPercent>${plain(a.percent)}</ram:CalculationPercent>` : '', // BT-94, BT-101, BT-138, BT-143
    a.baseAmount ? `<ram:BasisAmount>${amount(a.baseAmount)}</ram:BasisAmount>` : '', // BT-93, BT-100, BT-137, BT-142
    `<ram:ActualAmount>${amount(a.amount)}</ram:ActualAmount>`, // BT-92, BT-99, BT-136, BT-141
    a.reasonCode ? `<ram:ReasonCode>${x(a.reasonCode)}</ram:ReasonCode>` : '', // BT-98, BT-105, BT-140, BT-145
    a.reason ? `<ram:Reason>${x(a.reason)}</ram:Reason>` : '', // BT-97, BT-104, BT-139, BT-144
    tax,
    '</ram:SpecifiedTradeAllowanceCharge>',
  ].join('');
}

/** BG-14 / BG-26, where the CII schema places it: after the trade taxes, before allowances, charges and terms. */
function billingPeriod(p: Period | undefined): string {
  if (!p) return '';
  const start = p.start ? `<ram:StartDateTime>${date102(p.start)}</ram:StartDateTime>` : '';
  const end = p.end ? `<ram:EndDateTime>${date102(p.end)}</ram:EndDateTime>` : '';
  return `<ram:BillingSpecifiedPeriod>${start}${end}</ram:BillingSpecifiedPeriod>`;
}

function address(a: PostalAddress): string {
  return (
    '<ram:PostalTradeAddress>' +
    `<ram:PostcodeCode>${x(a.postcode)}</ram:PostcodeCode>` + // BT-38 / BT-53
    `<ram:LineOne>${x(a.line1)}</ram:LineOne>` + // BT-35 / BT-50
    (a.line2 ? `<ram:LineTwo>${x(a.line2)}</ram:LineTwo>` : '') + // BT-36 / BT-51
    `<ram:CityName>${x(a.city)}</ram:CityName>` + // BT-37 / BT-52
    `<ram:CountryID>${x(a.country)}</ram:CountryID>` + // BT-40 / BT-55
    '</ram:PostalTradeAddress>'
  );
}

/** BT-34 / BT-49 with the scheme (BT-34-1 / BT-49-1): BR-62, BR-63. */
function electronicAddress(a: ElectronicAddress): string {
  return `<ram:URIUniversalCommunication><ram:URIID schemeID="${x(a.scheme)}">${x(a.value)}</ram:URIID></ram:URIUniversalCommunication>`;
}

function note(content: string, subjectCode?: string): string {
  return `<ram:IncludedNote><ram:Content>${x(content)}</ram:Content>${subjectCode ? `<ram:SubjectCode>${subjectCode}</ram:SubjectCode>` : ''}</ram:IncludedNote>`;
}

/** The notes (BG-1) every invoice carries: French mandatory payment mentions, coded per UNTDID 4451. */
export function invoiceNotes(seller: Seller, inv: Invoice): { content: string; subjectCode?: string }[] {
  const notes: { content: string; subjectCode?: string }[] = [];
  for (const content of inv.notes) notes.push({ content });
  notes.push({ content: `Nature de l'opération : ${OPERATION_LABEL_FR[inv.operationType]}`, subjectCode: 'AAI' });
  // TXD appears at most once (BR-FR-06): a franchise seller charges no VAT, so it never has both mentions.
  if (seller.vatRegime === 'franchise') notes.push({ content: 'TVA non applicable, art. 293 B du CGI', subjectCode: 'TXD' });
  else if (vatOnDebitsApplies(seller, inv)) notes.push({ content: VAT_ON_DEBITS_FR, subjectCode: 'TXD' });
  notes.push({ content: seller.latePenaltyText, subjectCode: 'PMD' });
  notes.push({ content: RECOVERY_INDEMNITY_FR, subjectCode: 'PMT' });
  notes.push({ content: NO_DISCOUNT_FR, subjectCode: 'AAB' });
  notes.push({ content: `${seller.legalName} · ${sellerLegalInfo(seller)}`, subjectCode: 'REG' });
  return notes;
}

export function renderCii(seller: Seller, inv: Invoice): string {
  const notSubject = inv.vat.some((v) => v.category === 'O'); // BR-O-2..4: no VAT ids at all
  const intraCommunity = inv.vat.some((v) => v.category === 'K'); // BR-IC-12: deliver-to country
  const out: string[] = [];
  out.push(
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"',
    ' xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100"',
    ' xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"',
    ' xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">',
    '<rsm:ExchangedDocumentContext>',
    // BT-23 business process: the French reform's "cadre de facturation".
    `<ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>${inv.framework}</ram:ID></ram:BusinessProcessSpecifiedDocumentContextParameter>`,
    `<ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>${FACTURX_GUIDELINE}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>`, // BT-24
    '</rsm:ExchangedDocumentContext>',
    '<rsm:ExchangedDocument>',
    `<ram:ID>${x(inv.number)}</ram:ID>`, // BT-1
    `<ram:TypeCode>${inv.documentType ?? '380'}</ram:TypeCode>`, // BT-3, UNTDID 1001 (BR-FR-04)
    `<ram:IssueDateTime>${date102(inv.issueDate)}</ram:IssueDateTime>`, // BT-2
  );
  for (const n of invoiceNotes(seller, inv)) out.push(note(n.content, n.subjectCode)); // BG-1
  out.push('</rsm:ExchangedDocument>', '<rsm:SupplyChainTradeTransaction>');

  for (const line of inv.lines) {
    out.push(
      '<ram:IncludedSupplyChainTradeLineItem>',
      // BT-126, BT-127
      `<ram:AssociatedDocumentLineDocument><ram:LineID>${line.id}</ram:LineID>${line.note ? `<ram:IncludedNote><ram:Content>${x(line.note)}</ram:Content></ram:IncludedNote>` : ''}</ram:AssociatedDocumentLineDocument>`,
      '<ram:SpecifiedTradeProduct>',
      line.gtin ? `<ram:GlobalID schemeID="0160">${line.gtin}</ram:GlobalID>` : '', // BT-157, ICD 0160 = GS1 GTIN
      line.sellerItemId ? `<ram:SellerAssignedID>${x(line.sellerItemId)}</ram:SellerAssignedID>` : '', // BT-155
      `<ram:Name>${x(line.description)}</ram:Name>`, // BT-153
      '</ram:SpecifiedTradeProduct>',
      '<ram:SpecifiedLineTradeAgreement>',
      line.orderLineRef ? `<ram:BuyerOrderReferencedDocument><ram:LineID>${x(line.orderLineRef)}</ram:LineID></ram:BuyerOrderReferencedDocument>` : '', // BT-132
      `<ram:NetPriceProductTradePrice><ram:ChargeAmount>${plain(line.unitPrice)}</ram:ChargeAmount></ram:NetPriceProductTradePrice>`, // BT-146
      '</ram:SpecifiedLineTradeAgreement>',
      `<ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="${x(line.unitCode)}">${plain(line.quantity)}</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>`, // BT-129, BT-130
      '<ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode>',
      `<ram:CategoryCode>${line.vatCategory}</ram:CategoryCode>`, // BT-151
      line.vatCategory === 'O' ? '' : `<ram:RateApplicablePercent>${plain(line.vatRate)}</ram:RateApplicablePercent>`, // BT-152 (BR-O-5: none for O)
      '</ram:ApplicableTradeTax>',
      billingPeriod(line.period), // BG-26: BT-134, BT-135
      ...line.allowanceCharges.map((a) => allowanceCharge(a)), // BG-27, BG-28
      `<ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>${amount(line.netAmount)}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>`, // BT-131
      '</ram:SpecifiedLineTradeSettlement>',
      '</ram:IncludedSupplyChainTradeLineItem>',
    );
  }

  // BG-4 seller, BG-7 buyer.
  out.push('<ram:ApplicableHeaderTradeAgreement>');
  if (inv.buyerReference) out.push(`<ram:BuyerReference>${x(inv.buyerReference)}</ram:BuyerReference>`); // BT-10
  out.push(
    '<ram:SellerTradeParty>',
    seller.siret ? `<ram:GlobalID schemeID="0009">${seller.siret}</ram:GlobalID>` : '', // BT-29, ICD 0009 = SIRET
    `<ram:Name>${x(seller.legalName)}</ram:Name>`, // BT-27
    `<ram:Description>${x(sellerLegalInfo(seller))}</ram:Description>`, // BT-33
    `<ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">${seller.siren}</ram:ID></ram:SpecifiedLegalOrganization>`, // BT-30, ICD 0002 = SIREN
    address(seller.address),
    electronicAddress(sellerElectronicAddress(seller)), // BT-34, BR-FR-13
    seller.vatId && !notSubject ? `<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">${x(seller.vatId)}</ram:ID></ram:SpecifiedTaxRegistration>` : '', // BT-31
    '</ram:SellerTradeParty>',
    '<ram:BuyerTradeParty>',
    `<ram:Name>${x(inv.buyer.name)}</ram:Name>`, // BT-44
    inv.buyer.siren ? `<ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">${inv.buyer.siren}</ram:ID></ram:SpecifiedLegalOrganization>` : '', // BT-47
    inv.buyer.email ? `<ram:DefinedTradeContact><ram:EmailURIUniversalCommunication><ram:URIID>${x(inv.buyer.email)}</ram:URIID></ram:EmailURIUniversalCommunication></ram:DefinedTradeContact>` : '', // BT-58
    address(inv.buyer.address),
    inv.buyer.electronicAddress ? electronicAddress(inv.buyer.electronicAddress) : '', // BT-49, BR-FR-12
    inv.buyer.vatId && !notSubject ? `<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">${x(inv.buyer.vatId)}</ram:ID></ram:SpecifiedTaxRegistration>` : '', // BT-48
    '</ram:BuyerTradeParty>',
  );
  if (inv.purchaseOrder) out.push(`<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>${x(inv.purchaseOrder)}</ram:IssuerAssignedID></ram:BuyerOrderReferencedDocument>`); // BT-13
  out.push('</ram:ApplicableHeaderTradeAgreement>');

  // BG-13 delivery: BT-72 actual delivery date; BG-15 deliver-to address when it differs from the
  // buyer's (a French reform mention), and always for intra-community supplies (BR-IC-12).
  out.push('<ram:ApplicableHeaderTradeDelivery>');
  if (inv.deliverTo) {
    const name = inv.deliverTo.name ? `<ram:Name>${x(inv.deliverTo.name)}</ram:Name>` : ''; // BT-70
    out.push(`<ram:ShipToTradeParty>${name}${address(inv.deliverTo.address)}</ram:ShipToTradeParty>`); // BT-75..80
  } else if (intraCommunity) out.push(`<ram:ShipToTradeParty><ram:Name>${x(inv.buyer.name)}</ram:Name>${address(inv.buyer.address)}</ram:ShipToTradeParty>`);
  out.push(`<ram:ActualDeliverySupplyChainEvent><ram:OccurrenceDateTime>${date102(inv.serviceDate)}</ram:OccurrenceDateTime></ram:ActualDeliverySupplyChainEvent>`);
  out.push('</ram:ApplicableHeaderTradeDelivery>');

  // BG-16 payment, BG-23 VAT breakdown, BG-22 totals.
  const means = inv.payment?.code ?? '58';
  out.push(
    '<ram:ApplicableHeaderTradeSettlement>',
    means === '59' && seller.sepaCreditorId ? `<ram:CreditorReferenceID>${x(seller.sepaCreditorId)}</ram:CreditorReferenceID>` : '', // BT-90
    `<ram:PaymentReference>${x(inv.number)}</ram:PaymentReference>`, // BT-83
    inv.totals.taxTotalEur ? '<ram:TaxCurrencyCode>EUR</ram:TaxCurrencyCode>' : '', // BT-6 (BR-FR-CO-12)
    `<ram:InvoiceCurrencyCode>${inv.currency}</ram:InvoiceCurrencyCode>`, // BT-5
    paymentMeansXml(seller, inv), // BG-16
  );
  const debits = vatOnDebitsApplies(seller, inv);
  for (const v of inv.vat) {
    out.push(
      '<ram:ApplicableTradeTax>',
      `<ram:CalculatedAmount>${amount(v.taxAmount)}</ram:CalculatedAmount>`, // BT-117
      '<ram:TypeCode>VAT</ram:TypeCode>',
      v.exemptionReason ? `<ram:ExemptionReason>${x(v.exemptionReason)}</ram:ExemptionReason>` : '', // BT-120
      `<ram:BasisAmount>${amount(v.taxableAmount)}</ram:BasisAmount>`, // BT-116
      `<ram:CategoryCode>${v.category}</ram:CategoryCode>`, // BT-118
      v.exemptionCode ? `<ram:ExemptionReasonCode>${x(v.exemptionCode)}</ram:ExemptionReasonCode>` : '', // BT-121
      // BT-8: VAT on debits, the same code on every breakdown (CII-SR-462), never with BT-7 (BR-CO-03).
      debits ? `<ram:DueDateTypeCode>${VAT_ON_DEBITS_DUE_DATE_CODE}</ram:DueDateTypeCode>` : '',
      v.category === 'O' ? '' : `<ram:RateApplicablePercent>${plain(v.rate)}</ram:RateApplicablePercent>`, // BT-119
      '</ram:ApplicableTradeTax>',
    );
  }
  out.push(billingPeriod(inv.period)); // BG-14: BT-73, BT-74
  for (const a of inv.allowanceCharges) out.push(allowanceCharge(a, true)); // BG-20, BG-21
  const t = inv.totals;
  out.push(
    '<ram:SpecifiedTradePaymentTerms>',
    `<ram:Description>${x(paymentTermsText(inv))}</ram:Description>`, // BT-20
    `<ram:DueDateDateTime>${date102(inv.dueDate)}</ram:DueDateDateTime>`, // BT-9
    inv.payment?.mandateRef ? `<ram:DirectDebitMandateID>${x(inv.payment.mandateRef)}</ram:DirectDebitMandateID>` : '', // BT-89
    '</ram:SpecifiedTradePaymentTerms>',
    '<ram:SpecifiedTradeSettlementHeaderMonetarySummation>',
    `<ram:LineTotalAmount>${amount(t.lineTotal)}</ram:LineTotalAmount>`, // BT-106
    inv.allowanceCharges.some((a) => a.charge) ? `<ram:ChargeTotalAmount>${amount(t.chargeTotal)}</ram:ChargeTotalAmount>` : '', // BT-108
    inv.allowanceCharges.some((a) => !a.charge) ? `<ram:AllowanceTotalAmount>${amount(t.allowanceTotal)}</ram:AllowanceTotalAmount>` : '', // BT-107
    `<ram:TaxBasisTotalAmount>${amount(t.taxBasisTotal)}</ram:TaxBasisTotalAmount>`, // BT-109
    `<ram:TaxTotalAmount currencyID="${inv.currency}">${amount(t.taxTotal)}</ram:TaxTotalAmount>`, // BT-110
    t.taxTotalEur ? `<ram:TaxTotalAmount currencyID="EUR">${amount(t.taxTotalEur)}</ram:TaxTotalAmount>` : '', // BT-111
    `<ram:GrandTotalAmount>${amount(t.grandTotal)}</ram:GrandTotalAmount>`, // BT-112
    t.prepaidAmount.gt(0) ? `<ram:TotalPrepaidAmount>${amount(t.prepaidAmount)}</ram:TotalPrepaidAmount>` : '', // BT-113
    `<ram:DuePayableAmount>${amount(t.duePayable)}</ram:DuePayableAmount>`, // BT-115
    '</ram:SpecifiedTradeSettlementHeaderMonetarySummation>',
    // BG-3: BT-25 with BT-26 (BR-FR-CO-04, BR-FR-CO-05 ask for the date).
    ...(inv.preceding ?? []).map((p) => `<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>${x(p.number)}</ram:IssuerAssignedID>${p.issueDate ? `<ram:FormattedIssueDateTime><qdt:DateTimeString format="102">${p.issueDate.replaceAll('-', '')}</qdt:DateTimeString></ram:FormattedIssueDateTime>` : ''}</ram:InvoiceReferencedDocument>`),
    inv.buyerAccountingRef ? `<ram:ReceivableSpecifiedTradeAccountingAccount><ram:ID>${x(inv.buyerAccountingRef)}</ram:ID></ram:ReceivableSpecifiedTradeAccountingAccount>` : '', // BT-19
    '</ram:ApplicableHeaderTradeSettlement>',
    '</rsm:SupplyChainTradeTransaction>',
    '</rsm:CrossIndustryInvoice>\n',
  );
  return out.join('');
}
