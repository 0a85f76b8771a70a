/** What the store holds, read through the store port as an operator's command would (for assertions). */
import type { BatchRecord } from '../../src/batch/types.js';
import type { ClientRecord } from '../../src/clients/record.js';
import type { RightsRequest } from '../../src/gdpr/requests.js';
import { EmbeddedStore } from '../../src/store/embedded/store.js';
import type { OutboxEntry, SeriesState, Store } from '../../src/store/port.js';

export interface StateView {
  clients: ClientRecord[];
  requests: RightsRequest[];
  batches: BatchRecord[];
  series: Record<string, Record<string, SeriesState>>;
  outbox: OutboxEntry[];
}

export async function viewOf(store: Store): Promise<StateView> {
  return store.read(async (tx) => {
    const clients = await tx.clients.list();
    const batches: BatchRecord[] = [];
    const series: StateView['series'] = {};
    for (const c of clients) {
      batches.push(...(await tx.batches.ofClient(c.id)));
      series[c.id] = await tx.series.of(c.id);
    }
    return { clients, requests: await tx.requests.list(), batches, series, outbox: await tx.outbox.list() };
  });
}

/** The state of an embedded data directory. */
export async function readState(dataDir: string): Promise<StateView> {
  const store = await EmbeddedStore.open(dataDir);
  try {
    return await viewOf(store);
  } finally {
    await store.close();
  }
}
