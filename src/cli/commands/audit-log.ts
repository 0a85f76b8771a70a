/**
 * The audit trail as the operator reads it: `mailbot log` lists only what
 * the key sealed, `mailbot log --verify` checks the chain, and `mailbot log
 * --seal-legacy` seals, once, the lines an older version wrote before the
 * chain began.
 *
 * `mailbot log` verifies the whole trail before it shows a line, and shows
 * nothing from a trail that does not verify (exit 1, with the line at
 * fault). Marking doubtful lines instead was not chosen: whether a line is
 * genuine is often known only further on (the first line kept is anchored
 * by a checkpoint written after it, unsealed lines by the seal written
 * after them), so a listing made as it reads cannot mark them honestly, and
 * a forged `invoices-issued` or erasure printed among genuine lines, even
 * marked, reads as a fact. `--verify` names what is wrong.
 */
import type { AuditSeal, ChainHead } from '../../audit/chain.js';
import { ChainVerifier, type ChainProblem } from '../../audit/chain.js';
import type { AuditEntry } from '../../audit/entry.js';
import { LEGACY_UNSEALED } from '../../audit/legacy.js';
import { readStoredLine } from '../../audit/line.js';
import { verifyTrail } from '../../audit/verify.js';
import { MailbotError } from '../../core/errors.js';
import type { AuditMatcher } from '../../audit/query.js';
import type { Store } from '../../store/port.js';

function where(p: ChainProblem | undefined): string {
  return `line ${p?.position ?? '?'}${p?.seq !== undefined ? ` (seq ${p.seq})` : ''}: ${p?.problem ?? ''}`;
}

function fail(message: string): void {
  console.error(`mailbot: ${message}`);
  process.exitCode = 1;
}

/** `mailbot log --verify [--head SEQ:MAC]`. */
export async function verifyCommand(store: Store, seal: AuditSeal, json: boolean, known?: ChainHead): Promise<void> {
  const r = await verifyTrail(store, seal, known);
  if (json) console.log(JSON.stringify(r, null, 2));
  else if (r.ok) {
    const legacy = r.unsealed ? ` (the first ${r.unsealed} written before the chain began, sealed at seq ${r.legacySealedBy?.seq ?? '?'})` : '';
    console.log(`mailbot: the audit trail is intact: ${r.lines} line(s)${legacy}, from seq ${r.start?.seq ?? '-'} (${r.start?.anchoredBy ?? 'empty'})`);
    console.log(`mailbot: head ${r.head.seq}:${r.head.mac}`);
    if (r.knownHead === 'matches') console.log(`mailbot: the head sent out (seq ${known?.seq ?? ''}) is in the chain, unchanged`);
    if (r.knownHead === 'purged') console.log(`mailbot: the head sent out (seq ${known?.seq ?? ''}) is older than the trail kept (retention): the checkpoint anchors what stays`);
  } else if (r.problem?.code === LEGACY_UNSEALED) {
    console.error(`mailbot: the audit trail is not sealed at ${where(r.problem)}`);
  } else {
    console.error(`mailbot: the audit trail was altered at ${where(r.problem)}`);
  }
  if (!r.ok) process.exitCode = 1;
}

/**
 * `mailbot log --seal-legacy`: one sealed line covering the lines without a
 * chain hash at the start of the trail, exactly as they are now. Refused
 * when anything else is wrong with the trail: sealing must never cover up
 * another problem.
 */
export async function sealLegacyCommand(store: Store, seal: AuditSeal, json: boolean): Promise<void> {
  const verifier = new ChainVerifier(seal);
  const r = await verifyTrail(store, seal, undefined, verifier);
  const out = (text: string, value: Record<string, unknown>) => console.log(json ? JSON.stringify(value) : `mailbot: ${text}`);
  if (r.legacySealedBy) {
    out(`the ${r.unsealed} line(s) written before the chain began were already sealed at seq ${r.legacySealedBy.seq}`, { sealed: false, already: r.legacySealedBy.seq, lines: r.unsealed });
    if (!r.ok) fail(`the audit trail does not verify at ${where(r.problem)}`);
    return;
  }
  if (r.unsealed === 0) {
    out('nothing to seal: every line of the audit trail carries the chain', { sealed: false, lines: 0 });
    if (!r.ok) fail(`the audit trail does not verify at ${where(r.problem)}`);
    return;
  }
  if (r.problems !== 1 || r.problem?.code !== LEGACY_UNSEALED) {
    const other = r.problem?.code === LEGACY_UNSEALED ? 'another problem' : where(r.problem);
    return fail(`nothing sealed: the audit trail has a problem besides its unsealed lines (${other}); \`mailbot log --verify\` names the first`);
  }
  const span = verifier.legacy.span();
  await store.transact((tx) => Promise.resolve(tx.audit(verifier.legacy.sealEntry(new Date().toISOString()))));
  const after = await verifyTrail(store, seal);
  if (!after.ok || !after.legacySealedBy) return fail(`sealed, but the audit trail does not verify at ${where(after.problem)}`);
  out(`sealed the ${after.unsealed} line(s) written before the chain began (${span.from ?? '?'} to ${span.to ?? '?'}) at seq ${after.legacySealedBy.seq}; \`mailbot log --verify\` now accepts exactly these lines`, {
    sealed: true,
    lines: after.unsealed,
    seq: after.legacySealedBy.seq,
    ...span,
  });
}

/** Stops the listing: the trail changed under the reader. */
class Unverified extends MailbotError {
  constructor(p: ChainProblem | undefined) {
    super('AUDIT_UNVERIFIED', `the audit trail stopped verifying while it was read, at ${where(p)}; nothing more is shown: \`mailbot log --verify\``);
  }
}

/** The lines of the trail from `cursor`, through `verifier`; the cursor after the last. Lines it refuses stop the listing. */
async function pass(store: Store, verifier: ChainVerifier, cursor: string | undefined, show: (e: AuditEntry) => void): Promise<string | undefined> {
  for await (const line of store.auditLines(cursor)) {
    const status = verifier.push(line.text);
    if (status === 'refused') throw new Unverified(verifier.finish().problem);
    const read = readStoredLine(line.text);
    if ('entry' in read) show(read.entry);
    cursor = line.cursor;
  }
  return cursor;
}

/**
 * `mailbot log [filters] [--follow]`: the trail is verified first, then
 * listed through a second verifier, so a line changed in between stops the
 * listing instead of being shown. Asked for a client, a sender or a mail,
 * the verifying pass also teaches the matcher which lines belong to it
 * (query.ts): lines written before the one that names it are shown too.
 */
export async function listCommand(store: Store, seal: AuditSeal, matcher: AuditMatcher, follow: boolean, print: (e: AuditEntry) => void): Promise<void> {
  const checked = await verifyTrail(store, seal);
  if (!checked.ok) {
    const hint = checked.problem?.code === LEGACY_UNSEALED ? '' : '; `mailbot log --verify` says more';
    return fail(`the audit trail does not verify, so nothing of it is shown: ${where(checked.problem)}${hint}`);
  }
  if (matcher.scoped) {
    for await (const line of store.auditLines(undefined)) {
      const read = readStoredLine(line.text);
      if ('entry' in read) matcher.learn(read.entry);
    }
  }
  let verifier = new ChainVerifier(seal);
  // After a purge rewrote the trail (embedded store) it is read again from its start: what was shown is not shown twice.
  let shown = 0;
  const show = (e: AuditEntry) => {
    if (e.seq === undefined ? shown > 0 : e.seq <= shown) return;
    shown = e.seq ?? 0;
    if (matcher.matches(e)) print(e);
  };
  try {
    let cursor = await pass(store, verifier, undefined, show);
    if (!follow) {
      const end = verifier.finish();
      if (!end.ok) throw new Unverified(end.problem);
      return;
    }
    for (;;) {
      try {
        const next = await pass(store, verifier, cursor, show);
        if (next === cursor) await new Promise((r) => setTimeout(r, 500));
        cursor = next;
      } catch (err) {
        if (!(err instanceof MailbotError) || err.code !== 'AUDIT_REWRITTEN') throw err;
        verifier = new ChainVerifier(seal);
        cursor = await pass(store, verifier, undefined, show);
      }
    }
  } catch (err) {
    if (err instanceof Unverified) return fail(err.message);
    throw err;
  }
}
