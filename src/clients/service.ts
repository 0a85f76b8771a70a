/** Client records through the store: add, change, find. Validation lives in record.ts, the invariants in the store. */
import { NotFoundError } from '../core/errors.js';
import type { Store } from '../store/port.js';
import { updateClient, validateClient, type ClientRecord } from './record.js';

export async function findClient(store: Store, id: string): Promise<ClientRecord | undefined> {
  return store.read((tx) => tx.clients.get(id));
}

export async function getClient(store: Store, id: string): Promise<ClientRecord> {
  const client = await findClient(store, id);
  if (!client) throw new NotFoundError('client', id);
  return client;
}

/** The client whose record lists this sender address, if any. */
export async function clientForEmail(store: Store, email: string): Promise<ClientRecord | undefined> {
  return store.read((tx) => tx.clients.byEmail(email));
}

export async function addClient(store: Store, input: unknown): Promise<ClientRecord> {
  const record = validateClient(input);
  await store.transact((tx) => tx.clients.add(record));
  return record;
}

/** Merge a change into a record and check the whole again, against the record as it is at the commit. */
export async function changeClient(store: Store, id: string, patch: Record<string, unknown>): Promise<{ before: ClientRecord; after: ClientRecord }> {
  return store.transact(async (tx) => {
    const before = await tx.clients.get(id);
    if (!before) throw new NotFoundError('client', id);
    const after = updateClient(before, patch);
    await tx.clients.put(after);
    return { before, after };
  });
}
