/**
 * A mail that answers no mail (a digest, a platform alert), composed into a
 * staging area before the commit that queues it: the caller queues it in
 * the same transaction as what it reports, so it leaves once and only if
 * that commits.
 */
import type { Config } from '../config/schema.js';
import type { Staging, Store } from '../store/port.js';
import type { OutboxEntry } from '../store/records.js';
import { composeReply, identityOf, type ReplyDraft } from './compose.js';
import { stageReply } from './outbox.js';
import type { Templates } from './templates.js';

export interface StagedMail {
  staging: Staging;
  entry: OutboxEntry;
}

export type MailStager = (draft: ReplyDraft) => Promise<StagedMail>;

export function mailStager(store: Store, config: Config, templates: Templates): MailStager {
  return async (draft) => {
    const staging = await store.files.stage();
    try {
      const entry = await stageReply(staging, (out) => composeReply(undefined, draft, identityOf(config), templates, out), { kind: draft.kind });
      return { staging, entry };
    } catch (err) {
      await staging.discard();
      throw err;
    }
  };
}
