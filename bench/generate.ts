/** A synthetic batch for the benchmark: N invoices × M lines, French Excel style (";", decimal comma). */
import { frenchVatId, luhnValid } from '../src/core/identifiers.js';

function sirens(count: number): string[] {
  const out: string[] = [];
  for (let n = 300_000_000; out.length < count; n++) if (luhnValid(String(n))) out.push(String(n));
  return out;
}

/** The buyer's cells (on an invoice's first line only) and a line's cells, the same in every generated batch. */
function buyerCells(i: number, siren: string, first: boolean): string[] {
  return first ? [`Client ${i % 50} SAS`, siren, frenchVatId(siren), `${(i % 90) + 1} rue de la République`, '69002', 'Lyon'] : ['', '', '', '', '', ''];
}
function lineCells(i: number, l: number): string[] {
  return [`"Prestation ${l + 1} ; atelier « ${i} »"`, `${(l % 4) + 1},5`, 'heure', `${100 + (l * 7) % 900},${String((i * 13 + l) % 100).padStart(2, '0')}`];
}

export function generateBatchCsv(invoices: number, linesPerInvoice: number): string {
  const buyers = sirens(50);
  const rows = ['Référence;Date;Client;SIREN;TVA intracom;Adresse;Code postal;Ville;Désignation;Quantité;Unité;Prix unitaire HT;Taux TVA'];
  const rates = ['20', '20', '10', '5,5'];
  for (let i = 0; i < invoices; i++) {
    const siren = buyers[i % buyers.length] ?? '';
    for (let l = 0; l < linesPerInvoice; l++) {
      const first = l === 0;
      rows.push(
        [
          `B-${String(i + 1).padStart(5, '0')}`,
          '20/11/2026',
          ...buyerCells(i, siren, first),
          ...lineCells(i, l),
          rates[l % rates.length] ?? '20',
        ].join(';'),
      );
    }
  }
  return `${rows.join('\r\n')}\r\n`;
}

/**
 * A batch mixing every kind of document of contract v2, N documents × M
 * lines: invoices, deposits (386), credit notes (381) and corrective
 * invoices (384) of invoices issued elsewhere (with their dates), final
 * invoices after deposits with the amount paid (BT-113), direct debits
 * (BG-19), invoices in US dollars with their rate (BT-111), and discounts
 * and charges.
 */
export function generateMixedCsv(documents: number, linesPerDocument: number): string {
  const buyers = sirens(50);
  const head = 'Référence;Date;Type de document;Facture d’origine;Date facture origine;Acompte versé;Mode de paiement;RUM;IBAN débiteur;Devise;Taux de change;Remise;Frais de port;Client;SIREN;TVA intracom;Adresse;Code postal;Ville;Désignation;Quantité;Unité;Prix unitaire HT;Taux TVA';
  const rows = [head];
  for (let i = 0; i < documents; i++) {
    const siren = buyers[i % buyers.length] ?? '';
    const kind = i % 8;
    const doc: string[] =
      kind === 1 ? ['Facture d’acompte', '', '', '', '', '', '', '', '', '', '']
      : kind === 2 ? ['Avoir', `EXT-${i}`, '02/10/2026', '', '', '', '', '', '', '', '']
      : kind === 3 ? ['Facture rectificative', `EXT-${i}`, '03/10/2026', '', '', '', '', '', '', '', '']
      : kind === 4 ? ['Facture', `ACP-${i}`, '04/10/2026', '100,00', '', '', '', '', '', '', '']
      : kind === 5 ? ['Facture', '', '', '', 'Prélèvement', `RUM-${i}`, 'FR7630004000031234567890143', '', '', '', '']
      : kind === 6 ? ['Facture', '', '', '', '', '', '', 'USD', '0,923456', '', '']
      : kind === 7 ? ['Facture', '', '', '', '', '', '', '', '', '5 %', '12,50']
      : ['Facture', '', '', '', '', '', '', '', '', '', ''];
    for (let l = 0; l < linesPerDocument; l++) {
      const first = l === 0;
      rows.push(
        [
          `M-${String(i + 1).padStart(5, '0')}`,
          '20/11/2026',
          ...(first ? doc : doc.map(() => '')),
          ...buyerCells(i, siren, first),
          ...lineCells(i, l),
          // One rate per document keeps a discount of a fixed amount on one VAT group (BT-95/96).
          '20',
        ].join(';'),
      );
    }
  }
  return `${rows.join('\r\n')}\r\n`;
}
