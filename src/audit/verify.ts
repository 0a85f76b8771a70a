/**
 * `mailbot log --verify`: the whole trail through the chain verifier, in
 * order and in constant memory, and the store's recorded head compared with
 * the last line read (a trail cut short at its end, or a head moved back).
 */
import type { Store } from '../store/port.js';
import { ChainVerifier, type AuditSeal, type ChainReport } from './chain.js';

export async function verifyTrail(store: Store, seal: AuditSeal): Promise<ChainReport & { recordedHead: { seq: number; mac: string } }> {
  const verifier = new ChainVerifier(seal);
  for await (const e of store.auditEntries({})) verifier.push(e);
  const report = verifier.finish();
  const recordedHead = await store.auditHead();
  if (report.ok && (recordedHead.seq !== report.head.seq || recordedHead.mac !== report.head.mac)) {
    return {
      ...report,
      ok: false,
      problem: { position: report.lines, seq: report.head.seq, problem: `the store's head is seq ${recordedHead.seq} but the trail ends at seq ${report.head.seq}: lines at the end were removed` },
      recordedHead,
    };
  }
  return { ...report, recordedHead };
}
