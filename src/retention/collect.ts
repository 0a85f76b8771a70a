/**
 * What the retention policy says must go at an instant, read through one
 * transaction: the dry run lists it, the purge removes it, from the same
 * list. Each category's cutoff comes from the settings (settings.ts); an
 * item older than its cutoff goes, one of the cutoff's own instant stays.
 */
import type { ClientRecord } from '../clients/record.js';
import { OPEN_STATUSES, type RightsRequest } from '../gdpr/requests.js';
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
  const clients = await tx.clients.list();
  const restricted = clients.filter((c) => c.restricted);
  const heldIds = new Set(restricted.map((c) => c.id));
  const heldAddresses = restricted.flatMap((c) => c.emails.map((e) => e.toLowerCase()));
  let heldItems = 0;
  /** What is due, less what belongs to a client under restriction (counted as held). */
  const unlessHeld = <T>(list: readonly T[], belongsToHeld: (x: T) => boolean): T[] =>
    list.filter((x) => {
      const held = belongsToHeld(x);
      if (held) heldItems++;
      return !held;
    });
  const ofHeldClient = (x: { clientId?: string | undefined }) => x.clientId !== undefined && heldIds.has(x.clientId);

  const sourceFiles: DueBatchFiles[] = [];
  const issuedCopies: DueBatchFiles[] = [];
  for (const b of unlessHeld(await tx.batches.committedBefore(cutoffs.sourceFiles), ofHeldClient)) {
    const gone = new Set(b.filesRemoved);
    if (b.committedAt < cutoffs.issuedCopies) {
      issuedCopies.push({ batchId: b.id, committedAt: b.committedAt, files: b.files.filter((f) => !gone.has(f)) });
    } else {
      // committedBefore lists the source file first (batch-summary.ts).
      const source = b.files[0];
      if (source && !gone.has(source)) sourceFiles.push({ batchId: b.id, committedAt: b.committedAt, files: [source] });
    }
  }
  const closed = (await tx.requests.list({})).filter((r) => r.closedAt !== undefined && !OPEN_STATUSES.includes(r.status));
  const aboutHeld = (r: RightsRequest) => heldAddresses.includes(r.requester.toLowerCase()) || (r.clientIds ?? []).some((id) => heldIds.has(id));
  return {
    cutoffs,
    sourceFiles,
    issuedCopies,
    failedReplies: unlessHeld((await tx.outbox.list()).filter((e) => e.state === 'failed' && e.createdAt < cutoffs.mails), ofHeldClient),
    requestContent: unlessHeld(closed.filter((r) => !r.proofSince && (r.closedAt ?? '') < cutoffs.requestContent), aboutHeld),
    requestProof: unlessHeld(closed.filter((r) => (r.closedAt ?? '') < cutoffs.requestProof), aboutHeld),
    clientRecords: unlessHeld(clients.filter((c) => c.closedAt !== undefined && c.closedAt < cutoffs.clientRecords && !isTombstone(c)), (c) => heldIds.has(c.id)),
    register: unlessHeld(await tx.batches.registerBefore(cutoffs.register), ofHeldClient),
    held: { clientIds: [...heldIds], addresses: heldAddresses, items: heldItems },
  };
}

/** A record already reduced to the identity the register refers to (by an erasure or by the retention). */
export function isTombstone(c: ClientRecord): boolean {
  return c.erased !== undefined && c.emails.length === 0 && c.iban === '';
}
