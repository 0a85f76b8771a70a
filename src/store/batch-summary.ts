/** A batch as the retention sees it: its date, its stored files, what is gone already. */
import type { BatchRecord } from '../batch/types.js';
import type { BatchSummary } from './port.js';

export function summaryOf(b: BatchRecord): BatchSummary {
  const name = (f: string) => `batches/${b.id}/${f}`;
  return {
    id: b.id,
    clientId: b.clientId,
    committedAt: b.committedAt,
    files: [b.sourceFile, b.reportFile, ...b.invoices.map((i) => i.pdfFile)].map(name),
    filesRemoved: (b.filesRemoved ?? []).map(name),
    minimized: Boolean(b.minimizedAt),
  };
}
