/**
 * An issued batch's invoices join the deposit queue in the batch's own
 * commit, for a seller whose platform is in `deposit` mode: nothing issued
 * is ever missing from the queue, and nothing is queued that was not
 * issued. The queue is handled like the outbox: at least once, idempotent
 * by seller and number, each attempt leased (deposit.ts).
 */
import { createHash } from 'node:crypto';
import type { BatchRecord } from '../batch/types.js';
import type { ClientRecord } from '../clients/record.js';
import type { Tx } from '../store/port.js';
import type { PlatformFlow } from './records.js';

/**
 * XP Z12-013 `trackingId` (at most 36 characters): a UUID-shaped digest of
 * the seller and the number, the same at every attempt, so that a retry
 * finds what an attempt cut short had deposited.
 */
export function trackingIdOf(clientId: string, number: string): string {
  const h = createHash('sha256').update(`${clientId}\u0000${number}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function depositsOf(client: Pick<ClientRecord, 'id' | 'platform'>, batch: Pick<BatchRecord, 'id' | 'invoices'>, at: string): PlatformFlow[] {
  if (client.platform?.mode !== 'deposit') return [];
  return batch.invoices.map((i) => ({
    clientId: client.id,
    number: i.number,
    batchId: batch.id,
    pdfFile: i.pdfFile,
    trackingId: trackingIdOf(client.id, i.number),
    state: 'queued',
    attempts: 0,
    nextAttemptAt: at,
    history: [],
    queuedAt: at,
    updatedAt: at,
  }));
}

/** In the batch's commit: its invoices wait for deposit, with one audit line. */
export async function queueDeposits(tx: Tx, client: Pick<ClientRecord, 'id' | 'platform'>, batch: Pick<BatchRecord, 'id' | 'invoices'>, at: string): Promise<void> {
  const flows = depositsOf(client, batch, at);
  if (flows.length === 0) return;
  await tx.platform.queue(flows);
  tx.audit({ time: at, action: 'platform-queued', outcome: 'ok', clientId: client.id, details: { batchId: batch.id, invoices: flows.length } });
}
