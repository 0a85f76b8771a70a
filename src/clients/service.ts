/**
 * Client records through the store: add, change, find. Validation lives in
 * record.ts, the invariants in the store. Every change is committed with its
 * audit line naming who made it (`by`), and the names of the fields it
 * changed, never their values.
 */
import type { AuditActor } from '../audit/entry.js';
import { auditEntry } from '../audit/trail.js';
import { MailbotError, NotFoundError } from '../core/errors.js';
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

export async function addClient(store: Store, input: unknown, by: AuditActor): Promise<ClientRecord> {
  const record = validateClient(input);
  await store.transact(async (tx) => {
    await tx.clients.add(record);
    tx.audit(auditEntry({ action: 'client-added', outcome: 'ok', clientId: record.id, details: { emails: record.emails.length }, ...by }));
  });
  return record;
}

/** The fields whose values differ between two versions of a record (their names only). */
export function changedFields(before: ClientRecord, after: ClientRecord): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  keys.delete('updatedAt');
  const value = (r: ClientRecord, k: string) => JSON.stringify((r as unknown as Record<string, unknown>)[k]);
  return [...keys].filter((k) => value(before, k) !== value(after, k)).sort();
}

/** Merge a change into a record and check the whole again, against the record as it is at the commit. */
export async function changeClient(store: Store, id: string, patch: Record<string, unknown>, by: AuditActor): Promise<{ before: ClientRecord; after: ClientRecord }> {
  return store.transact(async (tx) => {
    const before = await tx.clients.get(id);
    if (!before) throw new NotFoundError('client', id);
    const after = updateClient(before, patch);
    await tx.clients.put(after);
    tx.audit(auditEntry({ action: 'client-updated', outcome: 'ok', clientId: id, details: { fields: changedFields(before, after).join(',') }, ...by }));
    return { before, after };
  });
}

/**
 * The contract ended on `at`: no batch is issued for the client any more,
 * and its record goes (reduced to what the register refers to) once the
 * retention's `clientRecords` has passed since.
 */
export async function closeClient(store: Store, id: string, at: Date, by: AuditActor, now = new Date()): Promise<ClientRecord> {
  return store.transact(async (tx) => {
    const current = await tx.clients.get(id);
    if (!current) throw new NotFoundError('client', id);
    if (current.closedAt) throw new MailbotError('CLIENT_CLOSED', `client ${id} is closed since ${current.closedAt.slice(0, 10)}`);
    const closed = { ...current, closedAt: at.toISOString(), updatedAt: now.toISOString() };
    await tx.clients.put(closed);
    tx.audit(auditEntry({ action: 'client-closed', outcome: 'ok', clientId: id, details: { closedAt: closed.closedAt.slice(0, 10) }, ...by }, now));
    return closed;
  });
}
