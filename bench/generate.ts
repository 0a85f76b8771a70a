/** A synthetic batch for the benchmark: N invoices × M lines, French Excel style (";", decimal comma). */
import { frenchVatId, luhnValid } from '../src/core/identifiers.js';

function sirens(count: number): string[] {
  const out: string[] = [];
  for (let n = 300_000_000; out.length < count; n++) if (luhnValid(String(n))) out.push(String(n));
  return out;
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
          first ? `Client ${i % 50} SAS` : '',
          first ? siren : '',
          first ? frenchVatId(siren) : '',
          first ? `${(i % 90) + 1} rue de la République` : '',
          first ? '69002' : '',
          first ? 'Lyon' : '',
          `"Prestation ${l + 1} ; atelier « ${i} »"`,
          `${(l % 4) + 1},5`,
          'heure',
          `${100 + (l * 7) % 900},${String((i * 13 + l) % 100).padStart(2, '0')}`,
          rates[l % rates.length] ?? '20',
        ].join(';'),
      );
    }
  }
  return `${rows.join('\r\n')}\r\n`;
}
