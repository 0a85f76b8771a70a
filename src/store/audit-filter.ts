/** The filters of `mailbot log`, applied the same way by both backends. */
import type { AuditEntry } from '../audit/entry.js';
import type { AuditFilter } from './port.js';

export function auditMatches(e: AuditEntry, f: AuditFilter): boolean {
  if (f.since !== undefined && Date.parse(e.time) < f.since) return false;
  if (f.actions && f.actions.length > 0 && !f.actions.includes(e.action)) return false;
  if (f.clientId && e.clientId !== f.clientId) return false;
  if (f.message && e.messageId !== f.message && e.mailKey !== f.message && (!f.messageRef || e.messageId !== f.messageRef)) return false;
  return true;
}
