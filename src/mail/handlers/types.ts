/**
 * The router's contract. A handler says whether a mail is for it and what
 * to do; the pipeline does the I/O: one store write (batches, reply, ledger),
 * then the move. Adding a kind of mail is adding a handler to the list.
 */
import type { AuditEntry } from '../../audit/trail.js';
import type { PreparedBatch } from '../../batch/run.js';
import type { ClientRecord } from '../../clients/record.js';
import type { Config } from '../../config/schema.js';
import type { DbShape, Store } from '../../store/db.js';
import type { AuditTrail } from '../../audit/trail.js';
import type { TrustVerdict } from '../authresults.js';
import type { ReplyDraft } from '../compose.js';
import type { Lang } from '../language.js';
import type { ParsedMessage } from '../parse.js';

export type FolderRole = 'processed' | 'rejected' | 'ignored';

export interface MailContext {
  message: ParsedMessage;
  /** The ledger key of the mail. */
  key: string;
  /** Set when the From address is on a client record. */
  client?: ClientRecord;
  trust: TrustVerdict;
  lang: Lang;
  store: Store;
  config: Config;
  audit: AuditTrail;
  now: Date;
}

export interface HandlerResult {
  outcome: string;
  folder: FolderRole;
  reply?: ReplyDraft;
  /** Batches to commit in the same store write as the reply. */
  prepared?: PreparedBatch[];
  /** Other store changes of the same write (rights requests, client records). Checks first, then changes. */
  apply?: (d: DbShape) => void;
  /** Further mails, not replies to this one (the controller told of a request, an old address told of a change). */
  notify?: ReplyDraft[];
  clientId?: string;
  audit: Omit<AuditEntry, 'time' | 'messageId' | 'mailKey'>[];
}

export interface MailHandler {
  readonly name: string;
  /** Handled one at a time, from `handle` to the store write (mails run concurrently otherwise). */
  readonly exclusive?: boolean;
  accepts(ctx: MailContext): boolean;
  handle(ctx: MailContext): Promise<HandlerResult>;
}
