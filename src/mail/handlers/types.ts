/**
 * The router's contract. A handler says whether a mail is for it and what
 * it wants done: records to write (`commit`, run inside the mail's one
 * transaction), replies and notices to queue, audit entries; the pipeline
 * applies all of it in one commit, then moves the mail. A handler reads the
 * store but never writes it itself. Adding a kind of mail is adding a
 * handler to the list.
 */
import type { AuditInput, AuditTrail } from '../../audit/trail.js';
import type { ClientRecord } from '../../clients/record.js';
import type { Config } from '../../config/schema.js';
import type { Staging, Store, Tx } from '../../store/port.js';
import type { Work } from '../../work/pool.js';
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
  /** For reading; writes go in `HandlerResult.commit`. */
  store: Store;
  config: Config;
  audit: AuditTrail;
  /** Where the heavy steps run (worker threads). */
  work: Work;
  now: Date;
}

export interface HandlerResult {
  outcome: string;
  folder: FolderRole;
  reply?: ReplyDraft;
  /** Further parts of the reply, threaded like it (a batch too big for one mail: 2/N, 3/N…). */
  moreReplies?: ReplyDraft[];
  /** Files made only to be attached (ZIPs): removed once the replies are composed. */
  scratch?: Staging;
  /**
   * Store writes of the mail's transaction (batches, rights requests, client records). Checks first, then writes.
   * `queued` names the replies committed with them (an erasure keeps its own answer).
   */
  commit?: (tx: Tx, queued: QueuedReplies) => Promise<void>;
  /** Undo what was prepared outside the store (staged files) when the transaction failed. */
  abort?: () => Promise<void>;
  /** Further mails, not replies to this one (the controller told of a request, an old address told of a change). */
  notify?: ReplyDraft[];
  clientId?: string;
  audit: Omit<AuditInput, 'messageId' | 'mailKey'>[];
}

export interface MailHandler {
  readonly name: string;
  /** Handled one at a time, from `handle` to the commit (mails run concurrently otherwise). */
  readonly exclusive?: boolean;
  accepts(ctx: MailContext): boolean | Promise<boolean>;
  handle(ctx: MailContext): Promise<HandlerResult>;
}

/** The replies a transaction queues, by their Message-IDs. */
export interface QueuedReplies {
  messageIds: string[];
}
