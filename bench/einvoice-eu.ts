/**
 * Benchmark counterpart: the same invoices issued as Factur-X EN 16931 by the
 * devDependency @e-invoice-eu/core, so `bench/run.ts` can print a speed ratio
 * against our own renderer. Each invoice is mapped to the library's UBL-like
 * JSON with the business terms src/facturx/cii.ts writes, then passed to
 * `InvoiceService.generate()`. The library cannot draw an invoice PDF itself
 * (only through LibreOffice, which we never use): it needs a finished PDF to
 * turn into PDF/A-3 and attach factur-x.xml to. We draw ONE placeholder page
 * with pdfkit up front and hand it over every time; see `note`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InvoiceService, type Invoice as EeuInvoice } from '@e-invoice-eu/core';
import PDFDocument from 'pdfkit';
import { amount, Dec, plain } from '../src/core/money.js';
import { FACTURX_GUIDELINE, invoiceNotes, paymentTermsText } from '../src/facturx/cii.js';
import { sellerLegalInfo, type Seller } from '../src/facturx/seller.js';
import type { Invoice, PostalAddress } from '../src/invoice/model.js';

export interface EInvoiceEuRun {
  format: string;
  render(seller: Seller, invoice: Invoice): Promise<Uint8Array>;
  note: string;
}

const FORMAT = 'Factur-X-EN16931';

type Ubl = EeuInvoice['ubl:Invoice'];
type Party = Ubl['cac:AccountingSupplierParty']['cac:Party'];
type Address = Party['cac:PostalAddress'];
type Country = Address['cac:Country']['cbc:IdentificationCode'];
type Currency = Ubl['cbc:DocumentCurrencyCode'];
type Line = Ubl['cac:InvoiceLine'][number];
type UnitCode = NonNullable<Line['cbc:InvoicedQuantity@unitCode']>;
type Subtotal = NonNullable<Ubl['cac:TaxTotal'][0]['cac:TaxSubtotal']>[number];

const VAT = { 'cbc:ID': 'VAT' } as const;

function address(a: PostalAddress): Address {
  return {
    'cbc:StreetName': a.line1, // BT-35 / BT-50
    ...(a.line2 ? { 'cbc:AdditionalStreetName': a.line2 } : {}), // BT-36 / BT-51
    'cbc:CityName': a.city, // BT-37 / BT-52
    'cbc:PostalZone': a.postcode, // BT-38 / BT-53
    'cac:Country': { 'cbc:IdentificationCode': a.country as Country }, // BT-40 / BT-55
  };
}

/**
 * BT-146 as the library accepts it: its schema types the net price as an
 * Amount (at most 2 decimals), so a price like 0.335 is given per 10^k units
 * through BT-149 base quantity (3.35 per 10), which means the same thing.
 */
function price(unitPrice: Dec, unitCode: UnitCode, cur: Currency): Line['cac:Price'] {
  const extra = Math.max(0, unitPrice.decimalPlaces() - 2);
  const base = new Dec(10).pow(extra);
  return {
    'cbc:PriceAmount': plain(unitPrice.times(base)),
    'cbc:PriceAmount@currencyID': cur,
    ...(extra ? { 'cbc:BaseQuantity': plain(base), 'cbc:BaseQuantity@unitCode': unitCode } : {}),
  };
}

/** Our invoice as the library's internal (UBL-shaped) JSON, term for term as in cii.ts. */
export function toEInvoiceEu(seller: Seller, inv: Invoice): EeuInvoice {
  const notSubject = inv.vat.some((v) => v.category === 'O'); // BR-O-2..4: no VAT ids at all
  const intraCommunity = inv.vat.some((v) => v.category === 'K'); // BR-IC-12: deliver-to address
  const cur = inv.currency as Currency;
  const t = inv.totals;
  const lines = inv.lines.map((l): Line => ({
    'cbc:ID': l.id, // BT-126
    'cbc:InvoicedQuantity': plain(l.quantity), // BT-129
    'cbc:InvoicedQuantity@unitCode': l.unitCode as UnitCode, // BT-130
    'cbc:LineExtensionAmount': amount(l.netAmount), 'cbc:LineExtensionAmount@currencyID': cur, // BT-131
    'cac:Item': {
      'cbc:Name': l.description, // BT-153
      'cac:ClassifiedTaxCategory': {
        'cbc:ID': l.vatCategory, // BT-151
        ...(l.vatCategory === 'O' ? {} : { 'cbc:Percent': plain(l.vatRate) }), // BT-152
        'cac:TaxScheme': VAT,
      },
    },
    'cac:Price': price(l.unitPrice, l.unitCode as UnitCode, cur), // BT-146, BT-149
  }));
  const [first, ...rest] = lines;
  if (!first) throw new Error(`invoice ${inv.number} has no lines`);

  return {
    'ubl:Invoice': {
      'cbc:CustomizationID': FACTURX_GUIDELINE, // BT-24
      'cbc:ProfileID': inv.framework, // BT-23
      'cbc:ID': inv.number, // BT-1
      'cbc:IssueDate': inv.issueDate, // BT-2
      'cbc:DueDate': inv.dueDate, // BT-9
      'cbc:InvoiceTypeCode': '380', // BT-3
      // BG-1. The library writes every array item as another <ram:Content> of ONE IncludedNote, which the
      // Factur-X XSD rejects, and has no BT-21 subject codes: so one note, our notes one per line.
      'cbc:Note': [invoiceNotes(seller, inv).map((n) => n.content).join('\n')],
      'cbc:DocumentCurrencyCode': cur, // BT-5
      ...(inv.buyerReference ? { 'cbc:BuyerReference': inv.buyerReference } : {}), // BT-10
      ...(inv.purchaseOrder ? { 'cac:OrderReference': { 'cbc:ID': inv.purchaseOrder } } : {}), // BT-13
      'cac:AccountingSupplierParty': {
        'cac:Party': {
          ...(seller.siret ? { 'cac:PartyIdentification': [{ 'cbc:ID': seller.siret, 'cbc:ID@schemeID': '0009' }] } : {}), // BT-29
          'cac:PostalAddress': address(seller.address),
          ...(seller.vatId && !notSubject ? { 'cac:PartyTaxScheme': [{ 'cbc:CompanyID': seller.vatId, 'cac:TaxScheme': VAT }] } : {}), // BT-31
          'cac:PartyLegalEntity': {
            'cbc:RegistrationName': seller.legalName, // BT-27
            'cbc:CompanyID': seller.siren, // BT-30
            'cbc:CompanyID@schemeID': '0002',
            'cbc:CompanyLegalForm': sellerLegalInfo(seller), // BT-33
          },
        },
      },
      'cac:AccountingCustomerParty': {
        'cac:Party': {
          'cac:PostalAddress': address(inv.buyer.address),
          ...(inv.buyer.vatId && !notSubject ? { 'cac:PartyTaxScheme': { 'cbc:CompanyID': inv.buyer.vatId, 'cac:TaxScheme': VAT } } : {}), // BT-48
          'cac:PartyLegalEntity': {
            'cbc:RegistrationName': inv.buyer.name, // BT-44
            ...(inv.buyer.siren ? { 'cbc:CompanyID': inv.buyer.siren, 'cbc:CompanyID@schemeID': '0002' as const } : {}), // BT-47
          },
          ...(inv.buyer.email ? { 'cac:Contact': { 'cbc:ElectronicMail': inv.buyer.email } } : {}), // BT-58
        },
      },
      'cac:Delivery': {
        'cbc:ActualDeliveryDate': inv.serviceDate, // BT-72
        ...(intraCommunity
          ? { 'cac:DeliveryLocation': { 'cac:Address': address(inv.buyer.address) }, 'cac:DeliveryParty': { 'cac:PartyName': { 'cbc:Name': inv.buyer.name } } }
          : {}), // BG-15, BT-70
      },
      'cac:PaymentMeans': [
        {
          'cbc:PaymentMeansCode': '58', // BT-81: SEPA credit transfer
          'cbc:PaymentMeansCode@name': 'Virement SEPA', // BT-82
          'cbc:PaymentID': inv.number, // BT-83
          'cac:PayeeFinancialAccount': { 'cbc:ID': seller.iban, 'cac:FinancialInstitutionBranch': { 'cbc:ID': seller.bic } }, // BT-84, BT-86
        },
      ],
      'cac:PaymentTerms': { 'cbc:Note': paymentTermsText(inv) }, // BT-20
      'cac:TaxTotal': [
        {
          'cbc:TaxAmount': amount(t.taxTotal), 'cbc:TaxAmount@currencyID': cur, // BT-110
          'cac:TaxSubtotal': inv.vat.map((v): Subtotal => ({
            'cbc:TaxableAmount': amount(v.taxableAmount), 'cbc:TaxableAmount@currencyID': cur, // BT-116
            'cbc:TaxAmount': amount(v.taxAmount), 'cbc:TaxAmount@currencyID': cur, // BT-117
            'cac:TaxCategory': {
              'cbc:ID': v.category, // BT-118
              ...(v.category === 'O' ? {} : { 'cbc:Percent': plain(v.rate) }), // BT-119
              ...(v.exemptionCode ? { 'cbc:TaxExemptionReasonCode': v.exemptionCode } : {}), // BT-121
              ...(v.exemptionReason ? { 'cbc:TaxExemptionReason': v.exemptionReason } : {}), // BT-120
              'cac:TaxScheme': VAT,
            },
          })),
        },
      ],
      'cac:LegalMonetaryTotal': {
        'cbc:LineExtensionAmount': amount(t.lineTotal), 'cbc:LineExtensionAmount@currencyID': cur, // BT-106
        'cbc:TaxExclusiveAmount': amount(t.taxBasisTotal), 'cbc:TaxExclusiveAmount@currencyID': cur, // BT-109
        'cbc:TaxInclusiveAmount': amount(t.grandTotal), 'cbc:TaxInclusiveAmount@currencyID': cur, // BT-112
        'cbc:PayableAmount': amount(t.duePayable), 'cbc:PayableAmount@currencyID': cur, // BT-115
      },
      'cac:InvoiceLine': [first, ...rest],
    },
  };
}

/** One A4 page, DejaVu embedded, pdfkit's PDF/A-3b mode: the stand-in for the invoice PDF the library cannot draw. */
async function placeholderPdf(): Promise<Uint8Array> {
  const require = createRequire(import.meta.url);
  const ttf = readFileSync(join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans.ttf'));
  const doc = new PDFDocument({ size: 'A4', pdfVersion: '1.7', subset: 'PDF/A-3b', font: ttf as unknown as string, info: { Title: 'Placeholder' } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('dejavu', ttf);
  doc.font('dejavu').fontSize(12).text('Benchmark placeholder: the invoice data is in the attached factur-x.xml.', 50, 60);
  doc.end();
  return new Uint8Array(await done);
}

export async function createEInvoiceEuRenderer(): Promise<EInvoiceEuRun> {
  const say = (m: string) => console.warn(`[e-invoice-eu] ${m}`);
  const service = new InvoiceService({ log: () => undefined, warn: say, error: say });
  const pdf = await placeholderPdf();
  return {
    format: FORMAT,
    note:
      `@e-invoice-eu/core ${FORMAT} via InvoiceService.generate(): JSON → CII, attached to ONE fixed 1-page placeholder ` +
      `PDF drawn once at startup (it draws no invoice PDF without LibreOffice) and made PDF/A-3; ours draws the whole ` +
      `invoice PDF every time. Most of its time is Ajv recompiling its JSON schema on each call. Its CII loses ` +
      `BT-29, BT-33, BT-13 and BT-21 codes (notes merged into one BT-22).`,
    async render(seller, invoice) {
      const out = await service.generate(toEInvoiceEu(seller, invoice), {
        format: FORMAT,
        lang: seller.language === 'en' ? 'en-us' : 'fr-fr',
        pdf: { buffer: pdf, filename: `${invoice.number}.pdf`, mimetype: 'application/pdf' },
        noWarnings: true,
      });
      if (typeof out === 'string') throw new Error(`${FORMAT} returned XML, expected a PDF`);
      return out;
    },
  };
}
