/**
 * `mailbot log --verify`: the whole trail through the chain verifier, in
 * order and in constant memory, and the store's recorded head compared with
 * the last line read (a trail cut short at its end, or a head moved back).
 */
import type { Store } from '../store/port.js';
import { ChainVerifier, type AuditSeal, type ChainHead, type ChainReport } from './chain.js';
import { readStoredLine } from './line.js';

/** How a head kept outside (the daily digest) compares with the trail. */
export type KnownHeadCheck = 'matches' | 'differs' | 'purged' | 'beyond-end';

export type TrailReport = ChainReport & { recordedHead: ChainHead; knownHead?: KnownHeadCheck };

/**
 * The lines of the trail through `verifier`, with a head kept outside
 * compared as they pass; `macAt` gets the mac of the sealed line of seq
 * `macAt.seq`, if the trail has one.
 */
export async function readTrail(store: Store, verifier: ChainVerifier, known?: ChainHead, macAt?: { seq: number; mac?: string }): Promise<KnownHeadCheck | undefined> {
  let knownHead: KnownHeadCheck | undefined = known ? 'beyond-end' : undefined;
  for await (const { text } of store.auditLines()) {
    // Only a line the key sealed may answer for a head: an unsealed one proves nothing.
    if (verifier.push(text) !== 'sealed' || (!known && !macAt)) continue;
    const line = readStoredLine(text);
    if (!('entry' in line)) continue;
    const e = line.entry;
    if (macAt && e.seq === macAt.seq) macAt.mac = e.mac;
    if (!known) continue;
    // A line still in the trail must bear the mac sent out; the line a checkpoint anchors to is named by it.
    if (e.seq === known.seq) knownHead = e.mac === known.mac ? 'matches' : 'differs';
    else if (e.action === 'audit-checkpoint' && knownHead === 'beyond-end') {
      const first = Number(e.details?.firstKeptSeq);
      if (known.seq === first - 1) knownHead = e.details?.anchor === known.mac ? 'matches' : 'differs';
      else if (known.seq < first - 1) knownHead = 'purged';
    }
  }
  return knownHead;
}

/** `verifier` may be given to read more from it afterwards (the unsealed lines `--seal-legacy` seals). */
export async function verifyTrail(store: Store, seal: AuditSeal, known?: ChainHead, verifier?: ChainVerifier): Promise<TrailReport> {
  const first = await verifyOnce(store, seal, known, verifier ?? new ChainVerifier(seal));
  // The store had no head when the reading began and has lines now: they came while it read (the
  // first lines ever), or the head was taken away. Once more, from the head the store has now.
  if (!verifier && first.recordedHead.seq === 0 && first.head.seq > 0 && !first.ok) return verifyOnce(store, seal, known, new ChainVerifier(seal));
  return first;
}

async function verifyOnce(store: Store, seal: AuditSeal, known: ChainHead | undefined, verifier: ChainVerifier): Promise<TrailReport> {
  // The store's head is read first: a daemon may commit lines while the trail is read, and the
  // trail must then reach at least that head, bearing its mac (never "removed" for a line added since).
  const recordedHead = await store.auditHead();
  const macAt: { seq: number; mac?: string } = { seq: recordedHead.seq };
  const knownHead = await readTrail(store, verifier, known, macAt);
  const base = verifier.finish();
  const lost = knownHead === 'differs' ? `the line of seq ${known?.seq ?? 0} no longer bears the mac sent out (${known?.mac ?? ''}): the trail was rewritten` : knownHead === 'beyond-end' ? `the trail ends at seq ${base.head.seq}, before the head sent out (seq ${known?.seq ?? 0}): lines at the end were removed` : undefined;
  const report = lost && base.ok ? { ...base, ok: false, problems: base.problems + 1, problem: { position: base.lines, seq: known?.seq ?? 0, problem: lost } } : base;
  const extra = { recordedHead, ...(knownHead ? { knownHead } : {}) };
  // A store that had no head yet must have none now either, or exactly the trail's end (verifyTrail reads once more).
  const now = recordedHead.seq === 0 && report.head.seq > 0 ? await store.auditHead() : undefined;
  const headKept = now ? now.seq === report.head.seq && now.mac === report.head.mac : report.head.seq >= recordedHead.seq && (recordedHead.seq === 0 || macAt.mac === recordedHead.mac);
  if (report.ok && !headKept) {
    return {
      ...report,
      ...extra,
      ok: false,
      problems: report.problems + 1,
      problem: { position: report.lines, seq: report.head.seq, problem: `the store's head is seq ${recordedHead.seq} but the trail ends at seq ${report.head.seq}: lines at the end were removed` },
    };
  }
  return { ...report, ...extra };
}
