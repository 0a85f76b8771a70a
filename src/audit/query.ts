/**
 * What an operator asks of the trail ("this client", "this sender", "this
 * mail", since, actions), as one predicate the CLI's `log` and the console's
 * mail list share.
 *
 * A mail's story is told by several lines and not each names what the
 * operator asked for: `received` names the sender (as its keyed hash) but
 * the client only since the client was known at arrival, `moved` and
 * `reply-sent` name neither, the `gdpr-*` lines name the request. So a line
 * that matches directly makes its mail, its request and its replies
 * related, and a related line matches too (and relates its own: a reply
 * queued for the mail makes that reply's sending related). The scope learns as it reads
 * (lines come in commit order, the naming line before the rest), and
 * `learn` lets a first pass teach it the lines that came before the naming
 * one (a `received` written by an older version without its client).
 */
import { MailbotError } from '../core/errors.js';
import { AUDIT_ACTIONS, type AuditAction, type AuditEntry } from './entry.js';

export interface AuditQuery {
  since?: number;
  actions?: readonly string[];
  clientId?: string;
  /** The keyed hash of a sender's address. */
  sender?: string;
  /** A mail key, a Message-ID of ours in clear, or the keyed hash of a received one (`messageRef`). */
  message?: string;
  messageRef?: string;
  /** A rights request's reference: its lines, and the mails that made, joined or answered it. */
  ref?: string;
}

/** Refused values name what would have been accepted. */
export class AuditQueryError extends MailbotError {
  constructor(message: string) {
    super('AUDIT_QUERY', message);
  }
}

const ACTION_SET: ReadonlySet<string> = new Set(AUDIT_ACTIONS);

/** `--action a,b`: each name checked against the trail's actions; a misspelt one is an error that lists the nearest. */
export function parseActions(list: string): AuditAction[] {
  const names = list.split(',').map((a) => a.trim()).filter(Boolean);
  const unknown = names.filter((a) => !ACTION_SET.has(a));
  if (unknown.length > 0) {
    const near = (a: string) => AUDIT_ACTIONS.filter((k) => k.includes(a) || a.includes(k) || k.split('-')[0] === a.split('-')[0]);
    const hints = unknown.map((a) => `"${a}"${near(a).length > 0 ? ` (did you mean ${near(a).slice(0, 4).join(', ')}?)` : ''}`);
    throw new AuditQueryError(`unknown action ${hints.join(', ')}; the actions are: ${AUDIT_ACTIONS.join(', ')}`);
  }
  if (names.length === 0) throw new AuditQueryError('--action: name at least one action');
  return names as AuditAction[];
}

/** A Message-ID as mail headers carry it, in its angle brackets, however the operator pasted it. */
export function bracketed(id: string): string {
  return `<${id.trim().replace(/^<|>$/g, '')}>`;
}

/** The forms a Message-ID or mail key is asked for in: as given, bracketed, bare. */
export function messageIdForms(id: string): string[] {
  const b = bracketed(id);
  return [...new Set([id.trim(), b, b.slice(1, -1)])];
}

/** The references of a line that tie it to others: its mail, its Message-ID, its request, its reply. */
function refsOf(e: AuditEntry): string[] {
  const out: string[] = [];
  if (e.mailKey) out.push(`k:${e.mailKey}`);
  if (e.messageId) out.push(`m:${e.messageId}`);
  const ref = e.details?.ref;
  if (typeof ref === 'string' && ref !== '') out.push(`r:${ref}`);
  const reply = e.details?.reply;
  if (typeof reply === 'string' && reply !== '') out.push(`m:${reply}`);
  return out;
}

/** One identity asked for (client, sender or message) and the references known to belong to it. */
class Scope {
  private readonly refs = new Set<string>();
  constructor(private readonly names: (e: AuditEntry) => boolean) {}

  /** Seed a reference known from elsewhere (a request's ref from the store). */
  add(ref: string): void {
    this.refs.add(ref);
  }

  learn(e: AuditEntry): void {
    this.covers(e);
  }

  /** A line naming the identity, or tied to one that did; its own references then belong too (a reply queued → its sending). */
  covers(e: AuditEntry): boolean {
    const refs = refsOf(e);
    if (!this.names(e) && !refs.some((r) => this.refs.has(r))) return false;
    for (const r of refs) this.refs.add(r);
    return true;
  }

  /** How many references are held: bounded by one client's or one sender's history. */
  get size(): number {
    return this.refs.size;
  }
}

export interface AuditMatcher {
  /** The first pass: what names the asked identities, nothing printed. */
  learn(e: AuditEntry): void;
  matches(e: AuditEntry): boolean;
  /** Seed the refs of requests known to concern the client. */
  requestRefs(refs: Iterable<string>): void;
  /** Whether a first pass can add anything (an identity was asked for). */
  readonly scoped: boolean;
}

export function auditMatcher(q: AuditQuery): AuditMatcher {
  const scopes: Scope[] = [];
  const client = q.clientId ? new Scope((e) => e.clientId === q.clientId) : undefined;
  if (client) scopes.push(client);
  if (q.sender) scopes.push(new Scope((e) => e.sender === q.sender));
  if (q.message) {
    const forms = new Set([...messageIdForms(q.message), ...(q.messageRef ? [q.messageRef] : [])]);
    // The table shows a kept hash as "#" and its first 12 hex digits: that is enough to ask for it.
    const prefix = /^#?([0-9a-f]{12,64})$/.exec(q.message.trim())?.[1];
    const hashed = (id: string | undefined) => prefix !== undefined && id !== undefined && /^hmac:[^:]+:/.test(id) && (id.split(':')[2] ?? '').startsWith(prefix);
    scopes.push(new Scope((e) => forms.has(e.mailKey ?? '\0') || forms.has(e.messageId ?? '\0') || hashed(e.messageId)));
  }
  if (q.ref) {
    const ref = q.ref;
    scopes.push(new Scope((e) => e.details?.ref === ref));
  }
  const actions = q.actions && q.actions.length > 0 ? new Set(q.actions) : undefined;
  return {
    scoped: scopes.length > 0,
    learn: (e) => {
      for (const s of scopes) s.learn(e);
    },
    requestRefs: (refs) => {
      for (const r of refs) client?.add(`r:${r}`);
    },
    matches: (e) => {
      // Every scope sees the line, so each learns from it even when another refuses it.
      const covered = scopes.map((s) => s.covers(e)).every(Boolean);
      if (!covered) return false;
      if (q.since !== undefined && Date.parse(e.time) < q.since) return false;
      if (actions && !actions.has(e.action)) return false;
      return true;
    },
  };
}

/** A line's details as a table shows them, "key=value" each, and who acted when it was not the bot. */
export function detailsText(e: Pick<AuditEntry, 'details' | 'actor'>): string {
  return [...Object.entries(e.details ?? {}).map(([k, v]) => `${k}=${String(v)}`), ...(e.actor ? [`by=${e.actor}`] : [])].join(' ');
}

/**
 * A mail key or Message-ID as a table shows it: a kept hash as "#" and its
 * first 12 hex digits (which `log --message` takes back), anything longer
 * than `width` cut in its middle, so both its start and its end stay.
 */
export function shortRef(value: string | undefined, width = 24): string {
  if (!value) return '';
  const hash = /^hmac:[^:]+:([0-9a-f]{64})$/.exec(value);
  if (hash) return `#${hash[1]?.slice(0, 12) ?? ''}`;
  if ([...value].length <= width) return value;
  const chars = [...value];
  const head = Math.ceil((width - 1) / 2);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (width - 1 - head)).join('')}`;
}
