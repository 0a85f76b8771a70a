/**
 * A rectification (GDPR Art. 16) as exact changes: the "champ : valeur"
 * lines become a patch of the client record, checked like `mailbot client
 * update`, and a list of changes (field: before → after) that the code mail
 * shows and the confirmation applies, nothing more. A change of what
 * identifies the account (an email address, the IBAN) is a key change: it
 * needs more than one proof (see the rights-request handler).
 */
import type { ClientRecord } from '../clients/record.js';
import { updateClient } from '../clients/record.js';
import { ValidationError } from '../core/errors.js';

/** Client record fields a person may correct by mail, by the words they would use. */
const FIELD_MAP: Record<string, string> = {
  adresse: 'address.line1', address: 'address.line1', rue: 'address.line1',
  complementadresse: 'address.line2', complement: 'address.line2', address2: 'address.line2',
  codepostal: 'address.postcode', cp: 'address.postcode', postcode: 'address.postcode', zip: 'address.postcode',
  ville: 'address.city', city: 'address.city', pays: 'address.country', country: 'address.country',
  telephone: 'phone', tel: 'phone', phone: 'phone',
  contact: 'contactName', nomducontact: 'contactName', contactname: 'contactName', nom: 'contactName', name: 'contactName',
  email: 'emails', emails: 'emails', courriel: 'emails', adresseemail: 'emails', mail: 'emails',
  iban: 'iban', bic: 'bic',
};

/** Fields whose change is a change of who the account is: more than one proof. */
export const KEY_FIELDS = new Set(['emails', 'iban']);

export interface Change {
  field: string;
  before: string;
  after: string;
}

export interface RectificationPlan {
  patch: Record<string, unknown>;
  changes: Change[];
  /** Labels of lines that name no field we know. */
  unknown: string[];
  /** Why the values cannot be applied (checked like `client update`). */
  error?: string;
  /** Addresses the change adds: each must prove it receives mail. */
  newAddresses: string[];
  keyChange: boolean;
}

/** New addresses one request may add (each proves it receives mail with a code of its own). */
export const MAX_NEW_ADDRESSES = 2;

function show(v: unknown): string {
  if (Array.isArray(v)) return v.join(', ');
  if (v && typeof v === 'object') return Object.values(v as Record<string, string | undefined>).filter(Boolean).join(', ');
  return typeof v === 'string' ? v : '';
}

/** The changes a patch makes to a record: what the code mail shows, what a confirmation applies. */
export function planFromPatch(client: ClientRecord, patch: Record<string, unknown>, unknown: string[], now: Date): RectificationPlan {
  const empty = { patch, changes: [], unknown, newAddresses: [], keyChange: false };
  if (Object.keys(patch).length === 0) return empty;
  let after: ClientRecord;
  try {
    after = updateClient(client, patch, now);
  } catch (err) {
    return { ...empty, error: err instanceof ValidationError ? err.message : String(err) };
  }
  const record = (c: ClientRecord) => c as unknown as Record<string, unknown>;
  const changes = Object.keys(patch)
    .map((field) => ({ field, before: show(record(client)[field]), after: show(record(after)[field]) }))
    .filter((c) => c.before !== c.after);
  const newAddresses = after.emails.filter((e) => !client.emails.includes(e));
  // Each new address gets a code mail: a request must not make the bot mail a list of strangers.
  if (newAddresses.length > MAX_NEW_ADDRESSES) return { ...empty, error: `at most ${MAX_NEW_ADDRESSES} new addresses in one request / au plus ${MAX_NEW_ADDRESSES} nouvelles adresses par demande` };
  return { patch, changes, unknown, newAddresses, keyChange: changes.some((c) => KEY_FIELDS.has(c.field)) };
}

/** "champ : valeur" lines → the patch they ask for. */
export function patchFromFields(fields: readonly { key: string; label: string; value: string }[]): { patch: Record<string, unknown>; unknown: string[] } {
  const patch: Record<string, unknown> = {};
  const address: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const f of fields) {
    const target = FIELD_MAP[f.key];
    if (!target) unknown.push(f.label);
    else if (target.startsWith('address.')) address[target.slice(8)] = f.value;
    else if (target === 'emails') patch.emails = f.value.split(/[\s,;]+/).filter(Boolean).map((e) => e.toLowerCase());
    else patch[target] = f.value;
  }
  if (Object.keys(address).length > 0) patch.address = address;
  return { patch, unknown };
}

/** A later mail's patch joined to an open request's: the later value wins for a field both name. */
export function unionPatch(earlier: Record<string, unknown>, later: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...earlier, ...later };
  if (earlier.address && later.address) merged.address = { ...(earlier.address), ...(later.address) };
  return merged;
}

/**
 * Apply the confirmed changes to the record as it is now. If one of the
 * fields changed since the code mail showed it (its "before" is no longer
 * true), nothing is applied: the person confirmed something else.
 */
export function applyConfirmed(current: ClientRecord, patch: Record<string, unknown>, shown: readonly Change[], now: Date): { after: ClientRecord } | { stale: Change[] } {
  const record = current as unknown as Record<string, unknown>;
  const stale = shown.filter((c) => show(record[c.field]) !== c.before);
  if (stale.length > 0) return { stale };
  return { after: updateClient(current, patch, now) };
}
