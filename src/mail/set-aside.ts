/**
 * Setting a mail aside is never silent: the mail goes to Rejected with its
 * error in the ledger; a client who sent it is told its mail could not be
 * processed and, only when an `operatorAddress` is set, that the operator
 * knows (otherwise to reach the studio); the operator is told which mail
 * (its key) and why, and how to put it back (`mailbot retry KEY`).
 *
 * The mail is not parsed again (it may be what crashed the parser): only
 * its header is read, for the sender and the automatic-mail markers.
 */
import { auditEntry, type AuditTrail } from '../audit/trail.js';
import { studioContact, type Config } from '../config/schema.js';
import { displayDate, displayDateTime } from '../core/format.js';
import { shellQuote } from '../core/shell.js';
import type { Store } from '../store/port.js';
import { identityOf, type ReplyDraft } from './compose.js';
import { notice } from './notices.js';
import { queueReplies, stageNotices } from './outbox.js';
import { headerAddresses } from './purge.js';
import type { MailRef, MailSource } from './source.js';
import type { Templates } from './templates.js';

export interface SetAsideDeps {
  store: Store;
  config: Config;
  audit: AuditTrail;
  templates: Templates;
}

/** From the raw header: the sender, the Message-ID, whether the mail is automatic (RFC 3834). */
function readHeader(header: string): { from?: string; messageId?: string; automatic: boolean } {
  const unfolded = header.replace(/\r?\n[ \t]+/g, ' ');
  const field = (name: string) => new RegExp(`^${name}\\s*:(.*)$`, 'im').exec(unfolded)?.[1]?.trim();
  const from = [...headerAddresses(`From:${field('from') ?? ''}`)][0];
  const auto = field('auto-submitted');
  const automatic = (auto !== undefined && !/^no\b/i.test(auto)) || /^(bulk|junk|list)$/i.test(field('precedence') ?? '') || field('list-id') !== undefined || /^<\s*>$/.test(field('return-path') ?? '');
  const messageId = field('message-id');
  return { ...(from ? { from } : {}), ...(messageId ? { messageId } : {}), automatic };
}

export async function setAside(deps: SetAsideDeps, source: MailSource, ref: MailRef, key: string, claim: { attempts: number; firstSeenAt: string }, why: string): Promise<string> {
  const { store, config, audit } = deps;
  const folder = config.folders.rejected;
  const error = audit.redact(why).slice(0, 500);
  const head = readHeader(await source.fetchHeader(ref).catch(() => ''));
  const client = head.from && !head.automatic ? await store.read((tx) => tx.clients.byEmail(head.from ?? '')) : undefined;
  const drafts: ReplyDraft[] = [];
  if (client && head.from) {
    const fr = client.language === 'fr';
    const received = displayDate(claim.firstSeenAt, client.language);
    // The client is told the operator knows only when the operator is mailed below.
    const told = fr
      ? `Nous n'avons pas pu traiter votre message reçu le ${received}. L'opérateur du service a été prévenu : il le traitera ou reviendra vers vous. Inutile de le renvoyer.`
      : `We could not process your message received on ${received}. The service's operator has been told: it will process it or come back to you. There is no need to send it again.`;
    const kept = fr
      ? `Nous n'avons pas pu traiter votre message reçu le ${received}. Il est conservé de côté pour être examiné ; sans nouvelles du studio d'ici quelques jours, écrivez-lui directement : ${studioContact(config)}.`
      : `We could not process your message received on ${received}. It is kept aside to be looked at; if you have no news from the studio within a few days, write to it directly: ${studioContact(config)}.`;
    drafts.push(notice(head.from, client.language, fr ? 'Votre message n’a pas pu être traité' : 'Your message could not be processed', [config.operatorAddress ? told : kept]));
  }
  if (config.operatorAddress) {
    drafts.push(
      notice(config.operatorAddress, 'fr', `Courrier mis de côté : ${key}`, [`Un courrier a été mis de côté dans le dossier ${folder} après ${claim.attempts} essai(s), reçu le ${displayDateTime(claim.firstSeenAt, 'fr')}${client ? ` du client ${client.id}` : ''}.`, `Erreur : ${error}`, `Après correction, remettez-le dans la boîte de réception avec : mailbot retry ${shellQuote(key)}`], [], undefined, 'operator-notice'),
    );
  }
  const staged = drafts.length > 0 ? await stageNotices(store, identityOf(config), deps.templates, drafts, client?.id) : undefined;
  const now = new Date().toISOString();
  try {
    await store.transact(async (tx) => {
      await tx.ledger.record({ ...ref.key, state: 'handled', attempts: claim.attempts, outcome: 'set-aside', folder, error, firstSeenAt: claim.firstSeenAt, updatedAt: now, ...(head.messageId ? { messageId: audit.hash(head.messageId) } : {}), ...(client ? { clientId: client.id } : {}) });
      tx.audit(auditEntry({ action: 'set-aside', outcome: 'failed', mailKey: key, ...(client ? { clientId: client.id } : {}), details: { attempts: claim.attempts, error: error.slice(0, 200), clientTold: Boolean(client), operatorTold: Boolean(config.operatorAddress) } }));
      if (staged) await queueReplies(tx, staged.staging, staged.entries, { mailKey: key });
    });
  } catch (err) {
    await staged?.staging.discard();
    throw err;
  }
  return folder;
}
