/**
 * The status message a seller sends when it received a payment (XP Z12-012,
 * status 212 "Encaissée"; CDAR D22B "CDV"): for services, VAT is due on
 * collection, so the amount received is declared per VAT rate
 * (`SpecifiedDocumentCharacteristic`, TypeCode MEN, `ValueAmount` with
 * `ValuePercent`, BR-FR-CDV-14). Issued by the seller (role SE), to the
 * buyer (BY, at its electronic address) and the public portal (DFH).
 */
import { xmlEscape as x } from '../core/text.js';

export interface PaymentStatus {
  messageId: string;
  /** When the message is made (format 204, UTC). */
  at: Date;
  invoice: { number: string; issueDate: string; typeCode: string };
  seller: { siren: string; name: string };
  buyer: { siren?: string; name: string; address?: { scheme: string; value: string } };
  /** The day the payment was received (ISO date). */
  receivedOn: string;
  currency: string;
  /** The amount received per VAT rate (incl. VAT), rates as written ("20", "5.5"). */
  perRate: { rate: string; amount: string }[];
}

const t204 = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
const d102 = (iso: string) => iso.replaceAll('-', '');

export function paymentCdar(p: PaymentStatus): string {
  const buyerId = p.buyer.siren ? `<ram:GlobalID schemeID="0002">${x(p.buyer.siren)}</ram:GlobalID>` : '';
  const buyerAddress = p.buyer.address ? `<ram:URIUniversalCommunication><ram:URIID schemeID="${x(p.buyer.address.scheme)}">${x(p.buyer.address.value)}</ram:URIID></ram:URIUniversalCommunication>` : '';
  const characteristics = p.perRate
    .map((r) => `<ram:SpecifiedDocumentCharacteristic><ram:TypeCode>MEN</ram:TypeCode><ram:ValueChangedIndicator><udt:IndicatorString>false</udt:IndicatorString></ram:ValueChangedIndicator><ram:ValueAmount currencyID="${x(p.currency)}">${x(r.amount)}</ram:ValueAmount><ram:ValueDateTime><udt:DateTimeString format="102">${d102(p.receivedOn)}</udt:DateTimeString></ram:ValueDateTime><ram:ValuePercent>${x(r.rate)}</ram:ValuePercent></ram:SpecifiedDocumentCharacteristic>`)
    .join('');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<rsm:CrossDomainAcknowledgementAndResponse xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"',
    ' xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"',
    ' xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"',
    ' xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100">',
    '<rsm:ExchangedDocumentContext>',
    '<ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>REGULATED</ram:ID></ram:BusinessProcessSpecifiedDocumentContextParameter>', // MDT-2
    '<ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn.cpro.gouv.fr:1p0:CDV:invoice</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>', // MDT-3
    '</rsm:ExchangedDocumentContext>',
    '<rsm:ExchangedDocument>',
    `<ram:ID>${x(p.messageId)}</ram:ID>`, // MDT-4
    `<ram:IssueDateTime><udt:DateTimeString format="204">${t204(p.at)}</udt:DateTimeString></ram:IssueDateTime>`, // MDT-8
    '<ram:SenderTradeParty><ram:RoleCode>WK</ram:RoleCode></ram:SenderTradeParty>',
    `<ram:IssuerTradeParty><ram:GlobalID schemeID="0002">${x(p.seller.siren)}</ram:GlobalID><ram:Name>${x(p.seller.name)}</ram:Name><ram:RoleCode>SE</ram:RoleCode></ram:IssuerTradeParty>`,
    `<ram:RecipientTradeParty>${buyerId}<ram:Name>${x(p.buyer.name)}</ram:Name><ram:RoleCode>BY</ram:RoleCode>${buyerAddress}</ram:RecipientTradeParty>`,
    '<ram:RecipientTradeParty><ram:GlobalID schemeID="0238">0000</ram:GlobalID><ram:Name>PPF</ram:Name><ram:RoleCode>DFH</ram:RoleCode></ram:RecipientTradeParty>',
    '</rsm:ExchangedDocument>',
    '<rsm:AcknowledgementDocument>',
    '<ram:MultipleReferencesIndicator><udt:Indicator>false</udt:Indicator></ram:MultipleReferencesIndicator>', // MDT-74
    '<ram:TypeCode>23</ram:TypeCode>', // MDT-77: a processing (business) status
    `<ram:IssueDateTime><udt:DateTimeString format="204">${t204(p.at)}</udt:DateTimeString></ram:IssueDateTime>`, // MDT-78
    '<ram:ReferenceReferencedDocument>',
    `<ram:IssuerAssignedID>${x(p.invoice.number)}</ram:IssuerAssignedID>`, // MDT-87, BT-1
    '<ram:StatusCode>47</ram:StatusCode>', // MDT-88
    `<ram:TypeCode>${x(p.invoice.typeCode)}</ram:TypeCode>`, // MDT-91, BT-3
    `<ram:FormattedIssueDateTime><qdt:DateTimeString format="102">${d102(p.invoice.issueDate)}</qdt:DateTimeString></ram:FormattedIssueDateTime>`, // MDT-100, BT-2
    '<ram:ProcessConditionCode>212</ram:ProcessConditionCode>', // MDT-105
    '<ram:ProcessCondition>Encaissée</ram:ProcessCondition>', // MDT-106
    `<ram:IssuerTradeParty><ram:GlobalID schemeID="0002">${x(p.seller.siren)}</ram:GlobalID></ram:IssuerTradeParty>`, // MDT-129
    `<ram:SpecifiedDocumentStatus><ram:SequenceNumeric>1</ram:SequenceNumeric>${characteristics}</ram:SpecifiedDocumentStatus>`,
    '</ram:ReferenceReferencedDocument>',
    '</rsm:AcknowledgementDocument>',
    '</rsm:CrossDomainAcknowledgementAndResponse>\n',
  ].join('');
}
