/** Client records in the store: add, update, find. Validation lives in record.ts. */
import { MailbotError, NotFoundError } from '../core/errors.js';
import type { Store } from '../store/db.js';
import { updateClient, validateClient, type ClientRecord } from './record.js';

export function findClient(store: Store, id: string): ClientRecord | undefined {
  return store.data.clients.find((c) => c.id === id);
}

export function getClient(store: Store, id: string): ClientRecord {
  const client = findClient(store, id);
  if (!client) throw new NotFoundError('client', id);
  return client;
}

/** The client whose record lists this sender address, if any. */
export function clientForEmail(store: Store, email: string): ClientRecord | undefined {
  const needle = email.trim().toLowerCase();
  return store.data.clients.find((c) => c.emails.includes(needle));
}

export async function addClient(store: Store, input: unknown): Promise<ClientRecord> {
  const record = validateClient(input);
  return store.update((d) => {
    if (d.clients.some((c) => c.id === record.id)) throw new MailbotError('CLIENT_EXISTS', `client "${record.id}" already exists`);
    const taken = d.clients.find((c) => c.emails.some((e) => record.emails.includes(e)));
    if (taken) throw new MailbotError('EMAIL_TAKEN', `an address of this client already belongs to client "${taken.id}"`);
    d.clients.push(record);
    return record;
  });
}

export async function changeClient(store: Store, id: string, patch: Record<string, unknown>): Promise<{ before: ClientRecord; after: ClientRecord }> {
  const before = getClient(store, id);
  const after = updateClient(before, patch);
  await store.update((d) => {
    const taken = d.clients.find((c) => c.id !== id && c.emails.some((e) => after.emails.includes(e)));
    if (taken) throw new MailbotError('EMAIL_TAKEN', `an address of this client already belongs to client "${taken.id}"`);
    d.clients = d.clients.map((c) => (c.id === id ? after : c));
  });
  return { before, after };
}
