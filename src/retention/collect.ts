/**
 * What the retention policy says must go at an instant, read through one
 * transaction: the dry run lists it, the purge removes it, from the same
 * list. Each category's cutoff comes from the settings (settings.ts); an
 * item older than its cutoff goes, one of the cutoff's own instant stays.
 */
import type { ClientRecord } from '../clients/record.js';
import type { RightsRequest } from '../gdpr/requests.js';
import type { OutboxEntry, ReadTx } from '../store/port.js';
import type { RetentionCategory } from './settings.js';

export interface DueBatchFiles {
  batchId: string;
  committedAt: string;
  /** Stored file names (batches/<id>/<file>). */
  files: string[];
}

export interface Due {
  cutoffs: Record<RetentionCategory, string>;
  /** Source CSVs of batches older than `sourceFiles` (the batch itself stays). */
  sourceFiles: DueBatchFiles[];
  /** Batches older than `issuedCopies`: every file left, and the details beyond the register. */
  issuedCopies: DueBatchFiles[];
  /** Replies the server refused for good, kept for the operator until `mails`. */
  failedReplies: OutboxEntry[];
  /** Closed requests older than `requestContent` that still hold their content. */
  requestContent: RightsRequest[];
  /** Proof records older than `requestProof`. */
  requestProof: RightsRequest[];
  /** Clients closed before `clientRecords` and not yet reduced to what the register refers to. */
  clientRecords: ClientRecord[];
  /** Batches whose register is older than `register`. */
  register: { id: string; clientId: string; committedAt: string }[];
  /**
   * Clients under a restriction (GDPR Art. 18): their data is only stored,
   * never destroyed by the retention while it holds (the person may need it
   * for a claim, Art. 18(1)(c)); the purge takes it up again once lifted.
   */
  held: { clientIds: string[]; addresses: string[]; items: number };
}

/** A request reduced to its proof keeps only these fields (and its requester as a keyed hash). */
export const PROOF_FIELDS = ['ref', 'kind', 'status', 'requester', 'lang', 'receivedAt', 'dueAt', 'extendedDueAt', 'role', 'outcome', 'closedAt', 'proofSince'] as const;

export async function collectDue(tx: ReadTx, cutoffs: Record<RetentionCategory, string>): Promise<Due> {
  const sourceFiles: DueBatchFiles[] = [];
  const issuedCopies: DueBatchFiles[] = [];
  const clients = await tx.clients.list();
  const restricted = clients.filter((c) => c.restricted);
  const heldIds = new Set(restricted.map((c) => c.id));
  let heldItems = 0;
  const hold = <T extends { clientId?: string | undefined }>(list: T[]): T[] =>
    list.filter((x) => {
      const kept = x.clientId !== undefined && heldIds.has(x.clientId);
      if (kept) heldItems++;
      return !kept;
    });
  for (const b of hold(await tx.batches.committedBefore(cutoffs.sourceFiles))) {
    const gone = new Set([...b.filesRemoved]);
    const left = b.files.filter((f) => !gone.has(f));
    if (b.committedAt < cutoffs.issuedCopies) {
      issuedCopies.push({ batchId: b.id, committedAt: b.committedAt, files: left });
    } else {
      // committedBefore lists the source file first (batch-summary.ts).
      const source = b.files[0];
      if (source && !gone.has(source)) sourceFiles.push({ batchId: b.id, committedAt: b.committedAt, files: [source] });
    }
  }
  const requests = await tx.requests.list({});
  const closed = (r: RightsRequest) => r.closedAt !== undefined && !['awaiting-confirmation', 'confirmed'].includes(r.status);
  const heldAddresses = restricted.flatMap((c) => c.emails.map((e) => e.toLowerCase()));
  const aboutHeld = (r: RightsRequest) => {
    const kept = heldAddresses.includes(r.requester.toLowerCase()) || (r.clientIds ?? []).some((id) => heldIds.has(id));
    if (kept) heldItems++;
    return kept;
  };
  const clientRecords = clients.filter((c) => c.closedAt !== undefined && c.closedAt < cutoffs.clientRecords && c.erased?.ref !== 'retention' && !isTombstone(c));
  return {
    cutoffs,
    sourceFiles,
    issuedCopies,
    failedReplies: hold((await tx.outbox.list()).filter((e) => e.state === 'failed' && e.createdAt < cutoffs.mails)),
    requestContent: requests.filter((r) => closed(r) && !r.proofSince && (r.closedAt ?? '') < cutoffs.requestContent && !aboutHeld(r)),
    requestProof: requests.filter((r) => closed(r) && (r.closedAt ?? '') < cutoffs.requestProof && !aboutHeld(r)),
    clientRecords: clientRecords.filter((c) => {
      const kept = heldIds.has(c.id);
      if (kept) heldItems++;
      return !kept;
    }),
    register: hold(await tx.batches.registerBefore(cutoffs.register)),
    held: { clientIds: [...heldIds], addresses: heldAddresses, items: heldItems },
  };
}

/** A record already reduced to the identity the register refers to (by an erasure or by the retention). */
export function isTombstone(c: ClientRecord): boolean {
  return c.erased !== undefined && c.emails.length === 0 && c.iban === '';
}
