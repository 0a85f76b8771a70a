/**
 * The human-readable side of a Factur-X invoice: a PDF/A-3b page set that
 * carries the same figures as the embedded CII XML, with the French legal
 * mentions. Layout: seller and buyer blocks, dates and references, a lines
 * table that continues across pages, the VAT breakdown, totals, payment
 * details, mentions, and a footer with the seller's legal line and page n/N.
 */
import { displayAmount, displayDate, displayDecimal, displayMoney, displayPercent, displayPeriod } from '../core/format.js';
import type { Dec } from '../core/money.js';
import type { Invoice } from '../invoice/model.js';
import { electronicAddressLine, serviceDateLabel, vatLabel } from '../invoice/wording.js';
import { invoiceNotes } from './cii.js';
import { paymentLines } from './payment.js';
import { documentTitle, referenceLead } from '../invoice/documents.js';
import { loadFonts } from './fonts.js';
import { PdfA3Document } from './pdfa/document.js';
import { sellerElectronicAddress, sellerLegalInfo, type Seller } from './seller.js';
import { adjustmentLabel } from '../invoice/allowances.js';
import { FACTURX_FILENAME, facturxXmp } from './xmp.js';

const PAGE = { width: 595.28, height: 841.89, margin: 42 };
const CONTENT_W = PAGE.width - 2 * PAGE.margin;
const FOOTER_Y = PAGE.height - PAGE.margin - 18;
const BOTTOM = FOOTER_Y - 10;
const GREY = '#555555';
const RULE = '#999999';

const UNIT_LABEL: Record<string, string> = {
  C62: 'u', H87: 'pce', HUR: 'h', DAY: 'j', MIN: 'min', WEE: 'sem.', MON: 'mois', ANN: 'an', KGM: 'kg', GRM: 'g', TNE: 't',
  MTR: 'm', KMT: 'km', CMT: 'cm', MMT: 'mm', MTK: 'm²', MTQ: 'm³', LTR: 'l', MLT: 'ml', CLT: 'cl', LS: 'forfait', LO: 'lot', KWH: 'kWh', ZP: 'page',
};

export interface PdfInput {
  seller: Seller;
  invoice: Invoice;
  xml: string;
  /** Creation time written in the PDF and XMP; fixed by tests for reproducible output. */
  createdAt?: Date;
}

/** The invoice's PDF; drawn synchronously, a promise for the callers written when drawing streamed. */
export async function renderPdf(input: PdfInput): Promise<Buffer> {
  return Promise.resolve(drawPdf(input));
}

function drawPdf({ seller, invoice: inv, xml, createdAt = new Date() }: PdfInput): Buffer {
  const fonts = loadFonts();
  const pdf = new PdfA3Document({ width: PAGE.width, height: PAGE.height, top: PAGE.margin, bottom: BOTTOM }, fonts);
  const c = pdf.canvas;

  // Seller block (BG-4) and title.
  let y = PAGE.margin;
  c.font(true, 13).fillColor('black').text(seller.legalName, PAGE.margin, y, 300);
  c.font(false, 8.5).fillColor(GREY);
  const sellerLines = [
    seller.address.line1,
    seller.address.line2,
    `${seller.address.postcode} ${seller.address.city}${seller.address.country !== 'FR' ? ` (${seller.address.country})` : ''}`,
    seller.siret ? `SIRET ${seller.siret}` : `SIREN ${seller.siren}`,
    seller.vatId ? `N° TVA intracommunautaire : ${seller.vatId}` : undefined,
    // BT-34: where the buyer's platform sends its messages to the seller (BR-FR-13).
    electronicAddressLine(sellerElectronicAddress(seller), 'fr'),
    sellerLegalInfo(seller),
  ].filter((l): l is string => Boolean(l));
  c.text(sellerLines.join('\n'), PAGE.margin, c.y + 2, 300);
  const sellerBottom = c.y;

  // The kind of document (BT-3) in words; the longer titles in a smaller size, on one line.
  const title = documentTitle(inv.documentType, 'fr');
  c.font(true, title.length > 12 ? 13 : 20).fillColor('black').text(title, PAGE.margin + 300, y, CONTENT_W - 300, 'right');
  c.font(false, 9);
  const meta: [string, string][] = [
    ['N°', inv.number],
    ["Date d'émission", displayDate(inv.issueDate, 'fr')],
    // BG-3: what the document credits, replaces or deducts, with each date (BT-25, BT-26).
    ...(inv.preceding ?? []).flatMap((p) => [
      [referenceLead(inv.documentType, 'fr'), p.number] as [string, string],
      ...(p.issueDate ? [[inv.documentType === '380' ? "Date de l'acompte" : 'Date de la facture', displayDate(p.issueDate, 'fr')] as [string, string]] : []),
    ]),
    [serviceDateLabel(inv.operationType, 'fr'), displayDate(inv.serviceDate, 'fr')], // BT-72
    ...(inv.period ? [['Période', displayPeriod(inv.period, 'fr')] as [string, string]] : []), // BG-14
    ["Date d'échéance", displayDate(inv.dueDate, 'fr')],
  ];
  if (inv.purchaseOrder) meta.push(['Bon de commande', inv.purchaseOrder]);
  if (inv.buyerReference) meta.push(['Référence acheteur', inv.buyerReference]);
  if (inv.buyerAccountingRef) meta.push(['Compte comptable', inv.buyerAccountingRef]); // BT-19
  let my = Math.max(y + 28, c.y + 6);
  for (const [label, value] of meta) {
    c.font(false, 9).fillColor(GREY).text(label, PAGE.margin + 300, my, 100);
    c.font(true, 9).fillColor('black').text(value, PAGE.margin + 400, my, CONTENT_W - 400, 'right');
    my = c.y + 2;
  }

  // Buyer block (BG-7).
  y = Math.max(sellerBottom, my) + 16;
  const bx = PAGE.margin + 270;
  const bw = CONTENT_W - 270;
  c.font(false, 8).fillColor(GREY).text('FACTURÉ À', bx + 8, y + 6, bw - 16);
  c.font(true, 10).fillColor('black').text(inv.buyer.name, bx + 8, c.y + 2, bw - 16);
  const buyerLines = [
    inv.buyer.address.line1,
    inv.buyer.address.line2,
    `${inv.buyer.address.postcode} ${inv.buyer.address.city}`,
    inv.buyer.address.country !== 'FR' ? inv.buyer.address.country : undefined,
    inv.buyer.siren ? `SIREN ${inv.buyer.siren}` : undefined,
    inv.buyer.vatId ? `N° TVA : ${inv.buyer.vatId}` : undefined,
    inv.buyer.email,
    // BT-49: where this invoice is delivered under the French reform (BR-FR-12).
    inv.buyer.electronicAddress ? electronicAddressLine(inv.buyer.electronicAddress, 'fr') : undefined,
  ].filter((l): l is string => Boolean(l));
  c.font(false, 9).text(buyerLines.join('\n'), bx + 8, c.y + 2, bw - 16);
  const buyerBottom = c.y + 6;
  c.strokeRect(bx, y, bw, buyerBottom - y, 0.6, RULE);

  // Deliver-to (BG-15): a French reform mention when it differs from the buyer's address.
  let deliverBottom = y;
  if (inv.deliverTo) {
    const d = inv.deliverTo;
    const dw = 250;
    c.font(false, 8).fillColor(GREY).text('LIVRÉ À', PAGE.margin + 8, y + 6, dw - 16);
    const deliverLines = [
      d.name,
      d.address.line1,
      d.address.line2,
      `${d.address.postcode} ${d.address.city}`,
      d.address.country !== 'FR' ? d.address.country : undefined,
    ].filter((l): l is string => Boolean(l));
    c.font(false, 9).fillColor('black').text(deliverLines.join('\n'), PAGE.margin + 8, c.y + 2, dw - 16);
    deliverBottom = c.y + 6;
    c.strokeRect(PAGE.margin, y, dw, deliverBottom - y, 0.6, RULE);
  }
  y = Math.max(buyerBottom, deliverBottom) + 18;

  // Lines table (BG-25), continued on new pages with its header repeated.
  const cols = [
    { key: 'description', label: 'Désignation', w: 223, align: 'left' as const },
    { key: 'qty', label: 'Qté', w: 45, align: 'right' as const },
    { key: 'unit', label: 'Unité', w: 40, align: 'left' as const },
    { key: 'price', label: 'PU HT', w: 70, align: 'right' as const },
    { key: 'vat', label: 'TVA', w: 40, align: 'right' as const },
    { key: 'net', label: 'Total HT', w: CONTENT_W - 418, align: 'right' as const },
  ];
  const drawHeader = () => {
    c.fillRect(PAGE.margin, y, CONTENT_W, 16, '#eeeeee');
    let x = PAGE.margin;
    c.font(true, 8.5).fillColor('black');
    for (const col of cols) {
      c.text(col.label, x + 4, y + 4, col.w - 8, col.align, { oneLine: true });
      x += col.w;
    }
    y += 20;
  };
  drawHeader();
  for (const line of inv.lines) {
    const cells: Record<string, string> = {
      // Under the designation: the item's references (BT-155, BT-157, BT-132), the line's period (BG-26) and note (BT-127).
      description: [line.description, itemReferences(line), ...line.allowanceCharges.map((a) => `${adjustmentLabel(a, a.charge)} : ${a.charge ? '+' : '−'}${displayAmount(a.amount, 'fr')}`), line.period ? displayPeriod(line.period, 'fr') : '', line.note ?? ''].filter(Boolean).join('\n'),
      qty: displayDecimal(line.quantity, 'fr'),
      unit: UNIT_LABEL[line.unitCode] ?? line.unitCode,
      price: displayDecimal(line.unitPrice, 'fr', 2), // BT-146 may carry more than two decimals
      vat: line.vatCategory === 'O' ? '—' : displayPercent(line.vatRate, 'fr'),
      net: displayAmount(line.netAmount, 'fr'),
    };
    // Each cell laid out once: its height decides the row's, then it is drawn as measured.
    c.font(false, 8.5);
    const blocks = cols.map((col) => c.layout(cells[col.key] ?? '', col.w - 8));
    const h = Math.max(...blocks.map((b) => b.height)) + 6;
    if (y + h > BOTTOM) {
      c.addPage();
      y = PAGE.margin;
      drawHeader();
    }
    let x = PAGE.margin;
    c.fillColor('black');
    cols.forEach((col, k) => {
      const block = blocks[k];
      if (block) c.drawBlock(block, x + 4, y + 2, col.w - 8, col.align);
      x += col.w;
    });
    y += h;
    c.rule(PAGE.margin, PAGE.margin + CONTENT_W, y, 0.3, '#cccccc');
  }

  // VAT breakdown (BG-23) on the left, totals (BG-22) on the right; kept together.
  const vatRows = inv.vat.map((v) => [
    vatLabel(v.category, v.rate, 'fr'),
    displayAmount(v.taxableAmount, 'fr'),
    displayAmount(v.taxAmount, 'fr'),
  ]);
  // BG-20, BG-21: the invoice's discounts and charges between the lines' total and the total excl. VAT.
  // On an invoice of several rates, each says which rate's base it changes.
  const adjustments: [string, Dec, boolean][] = inv.allowanceCharges.map((a) => [`${adjustmentLabel(a, a.charge)}${inv.vat.length > 1 && a.vatRate ? ` · TVA ${displayPercent(a.vatRate, 'fr')}` : ''}`, a.charge ? a.amount : a.amount.neg(), false]);
  const blockH = 20 + 14 * Math.max(vatRows.length + 1, 5) + 18 * (adjustments.length > 0 ? adjustments.length + 1 : 0);
  if (y + 14 + blockH > BOTTOM) {
    c.addPage();
    y = PAGE.margin;
  }
  y += 14;
  const vx = PAGE.margin;
  c.font(true, 8.5).fillColor('black');
  c.text('TVA', vx, y, 130);
  c.text('Base HT', vx + 130, y, 70, 'right');
  c.text('Montant TVA', vx + 200, y, 70, 'right');
  let vy = y + 14;
  c.font(false, 8.5);
  for (const [label, base, tax] of vatRows) {
    c.text(label ?? '', vx, vy, 130);
    c.text(base ?? '', vx + 130, vy, 70, 'right');
    c.text(tax ?? '', vx + 200, vy, 70, 'right');
    vy = c.y + 3;
  }
  const tx = PAGE.margin + 300;
  const tw = CONTENT_W - 300;
  // A credit note asks for nothing: its bottom line is what the buyer is credited.
  const DUE_LABEL = inv.documentType === '381' ? 'Montant crédité' : 'Net à payer';
  const totals: [string, Dec, boolean][] = [
    ...(adjustments.length > 0 ? [['Total des lignes HT', inv.totals.lineTotal, false] as [string, Dec, boolean], ...adjustments] : []),
    ['Total HT', inv.totals.taxBasisTotal, false],
    ['Total TVA', inv.totals.taxTotal, false],
    ['Total TTC', inv.totals.grandTotal, true],
    // BT-113: deposits or payments already received, deducted from what is due.
    ...(inv.totals.prepaidAmount.gt(0) ? [['Déjà versé', inv.totals.prepaidAmount.neg(), false] as [string, Dec, boolean]] : []),
    [DUE_LABEL, inv.totals.duePayable, true],
  ];
  let ty = y;
  for (const [label, value, strong] of totals) {
    if (label === DUE_LABEL) {
      c.fillRect(tx, ty - 3, tw, 18, '#eeeeee');
    }
    c.font(strong, strong ? 10 : 9).fillColor('black');
    c.text(label, tx + 6, ty, tw - 86, 'left', { oneLine: true });
    c.text(displayMoney(value, inv.currency, 'fr'), tx + tw - 80, ty, 74, 'right');
    ty += 18;
  }
  y = Math.max(vy, ty) + 12;

  // Payment (BG-16) and mentions (BG-1): the same texts as the XML notes.
  const exemptions = inv.vat.filter((v) => v.exemptionReason).map((v) => `${v.exemptionReason}${v.exemptionCode ? ` (${v.exemptionCode})` : ''}`);
  const payment = paymentLines(seller, inv, formatIban);
  const mentions = [
    ...exemptions.filter((e) => !e.startsWith('TVA non applicable')),
    ...invoiceNotes(seller, inv)
      .filter((n) => n.subjectCode !== 'REG')
      .map((n) => n.content),
  ];
  c.font(true, 9).fillColor('black');
  const paymentText = payment.join('\n');
  const mentionText = mentions.join('\n');
  c.font(false, 8);
  const needed = c.heightOf(paymentText, CONTENT_W) + c.heightOf(mentionText, CONTENT_W) + 30;
  if (y + needed > BOTTOM) {
    c.addPage();
    y = PAGE.margin;
  }
  c.font(true, 9).text('Paiement', PAGE.margin, y, CONTENT_W);
  c.font(false, 8.5).text(paymentText, PAGE.margin, c.y + 2, CONTENT_W);
  c.font(true, 9).text('Mentions', PAGE.margin, c.y + 8, CONTENT_W);
  c.font(false, 8).fillColor(GREY).text(mentionText, PAGE.margin, c.y + 2, CONTENT_W);

  // Footer on every page: who issued it, and where the reader is.
  const footer = `${seller.legalName} · ${sellerLegalInfo(seller)}${seller.vatId ? ` · TVA ${seller.vatId}` : ''}`;
  const pageCount = c.pageCount;
  for (let i = 0; i < pageCount; i++) {
    c.switchToPage(i);
    c.rule(PAGE.margin, PAGE.margin + CONTENT_W, FOOTER_Y - 4, 0.3, RULE);
    c.font(false, 7).fillColor(GREY);
    c.text(footer, PAGE.margin, FOOTER_Y, CONTENT_W - 86, 'left', { oneLine: true });
    c.text(`Page ${i + 1}/${pageCount}`, PAGE.margin + CONTENT_W - 80, FOOTER_Y, 80, 'right', { oneLine: true });
  }

  // Factur-X: the XML travels inside the PDF as an associated file (PDF/A-3 §6.8), declared in the XMP.
  return pdf.finish({
    title: `${title.charAt(0)}${title.slice(1).toLocaleLowerCase('fr')} ${inv.number}`,
    creator: 'mailbot',
    producer: 'mailbot',
    createdAt,
    lang: 'fr-FR',
    xmp: facturxXmp(),
    attachment: { name: FACTURX_FILENAME, mime: 'text/xml', description: 'Factur-X invoice (EN 16931)', relationship: 'Alternative', bytes: Buffer.from(xml, 'utf8') },
  });
}

/** "Réf. AB-12 · EAN 3017620422003 · Ligne de commande 4", or nothing. */
function itemReferences(line: Invoice['lines'][number]): string {
  return [line.sellerItemId ? `Réf. ${line.sellerItemId}` : '', line.gtin ? `EAN ${line.gtin}` : '', line.orderLineRef ? `Ligne de commande ${line.orderLineRef}` : ''].filter(Boolean).join(' · ');
}

function formatIban(iban: string): string {
  return iban.replace(/(.{4})(?=.)/g, '$1 ');
}
