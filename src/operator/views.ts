/** How the operator's pages and commands name things. */
import type { ClientRecord } from '../clients/record.js';
import type { RightsRequest } from '../gdpr/requests.js';

/**
 * Whom a request concerns: the client records it names once confirmed, else
 * the records whose addresses include the requester's (before the code
 * proves it, that is only who the address belongs to), else its role.
 */
export function readRequestClient(r: Pick<RightsRequest, 'clientIds' | 'role' | 'requester'>, clients: readonly ClientRecord[]): string {
  if (r.clientIds && r.clientIds.length > 0) return r.clientIds.join(', ');
  const address = r.requester.toLowerCase();
  const owners = clients.filter((c) => c.emails.some((e) => e.toLowerCase() === address)).map((c) => c.id);
  if (owners.length > 0) return `${owners.join(', ')} (address)`;
  return r.role ? `(${r.role})` : '';
}

