/**
 * The pure part of a batch that draws its documents: for each computed
 * invoice its CII XML, the EN 16931 self-check, and the Factur-X PDF that
 * embeds the XML, with the PDF's SHA-256 for the register. No I/O: it runs
 * in the worker threads, several invoices per task.
 */
import { createHash } from 'node:crypto';
import type { ClientRecord } from '../clients/record.js';
import { SelfCheckError } from '../core/errors.js';
import { renderCii } from '../facturx/cii.js';
import { renderPdf } from '../facturx/pdf.js';
import type { Invoice } from '../invoice/model.js';
import { selfCheck } from '../invoice/selfcheck.js';

export interface RenderInput {
  client: ClientRecord;
  invoices: Invoice[];
  /** Written in each PDF and its XMP: the batch's one time, so the same input gives the same bytes. */
  createdAt: Date;
}

export interface RenderedDocument {
  pdf: Uint8Array;
  pdfSha256: string;
}

export async function renderDocuments({ client, invoices, createdAt }: RenderInput): Promise<RenderedDocument[]> {
  const out: RenderedDocument[] = [];
  for (const inv of invoices) {
    const xml = renderCii(client, inv);
    // Invariant 7: a document that breaks a rule is a bug on our side and is never issued.
    const violations = selfCheck(client, inv);
    if (violations.length > 0) throw new SelfCheckError(inv.ref, violations);
    const pdf = await renderPdf({ seller: client, invoice: inv, xml, createdAt });
    out.push({ pdf, pdfSha256: createHash('sha256').update(pdf).digest('hex') });
  }
  return out;
}
