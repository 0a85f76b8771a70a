/**
 * Who may be invoiced: the rules every issuing path obeys alike (the mail
 * handler, `mailbot invoice`, anything later). A batch checks them when it
 * is prepared, before any number is taken, and again inside the transaction
 * that commits it, against the record as it is then: a restriction or a
 * closure committed meanwhile is never overtaken by a batch prepared before.
 */
import type { ClientRecord } from '../clients/record.js';
import { MailbotError } from '../core/errors.js';

export type IssuingRefusalCode = 'CLIENT_ERASED' | 'CLIENT_RESTRICTED' | 'CLIENT_CLOSED';

/** No invoice may be issued for this client now; `code` says why (stable, see core/errors.ts). */
export class IssuingRefusedError extends MailbotError {
  override readonly code: IssuingRefusalCode;
  readonly clientId: string;
  /** What the refusal rests on: the date it began (erasure, restriction, end of contract), the request behind it, a scheduled lift. */
  readonly facts: { at: string; ref?: string; liftAt?: string };

  constructor(code: IssuingRefusalCode, clientId: string, message: string, facts: { at: string; ref?: string; liftAt?: string }) {
    super(code, message, { clientId, ...facts });
    this.name = 'IssuingRefusedError';
    this.code = code;
    this.clientId = clientId;
    this.facts = facts;
  }
}

const day = (iso: string) => iso.slice(0, 10);

/** Why no invoice may be issued for `client` at `now`, or undefined when it may. */
export function issuingRefusal(client: ClientRecord, now: Date): IssuingRefusedError | undefined {
  // Art. 17: the personal data is gone; what stays is the identity the register refers to, nothing to invoice for.
  if (client.erased) {
    return new IssuingRefusedError('CLIENT_ERASED', client.id, `client ${client.id} was erased on ${day(client.erased.at)} (GDPR Art. 17, ${client.erased.ref}): no invoice can be issued for it`, { ref: client.erased.ref, at: client.erased.at });
  }
  // Art. 18(2): while restricted, the data is only stored; issuing an invoice is processing it.
  if (client.restricted) {
    const { since, ref, liftAt } = client.restricted;
    const until = liftAt ? `; the lift is scheduled for ${liftAt.slice(0, 16).replace('T', ' ')} UTC` : '; lift it with `mailbot requests unrestrict`';
    return new IssuingRefusedError('CLIENT_RESTRICTED', client.id, `client ${client.id} is under restriction of processing since ${day(since)} (GDPR Art. 18, ${ref}): its data is only stored, no invoice is issued${until}`, { ref, at: since, ...(liftAt ? { liftAt } : {}) });
  }
  // The contract ended (`mailbot client close`): its data is only kept until the retention removes it.
  if (client.closedAt && client.closedAt <= now.toISOString()) {
    return new IssuingRefusedError('CLIENT_CLOSED', client.id, `client ${client.id}'s contract ended on ${day(client.closedAt)}: no invoice is issued for it any more`, { at: client.closedAt });
  }
  return undefined;
}

/** Throw the refusal, if any: called by every issuer before numbering and inside the commit. */
export function assertMayIssue(client: ClientRecord, now: Date): void {
  const refusal = issuingRefusal(client, now);
  if (refusal) throw refusal;
}
