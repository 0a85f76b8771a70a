/**
 * Lines written before the audit chain existed (an older version) carry no
 * seq and no mac: nothing in them shows that the bot wrote them, and whoever
 * can write the data directory could put lines of their own among them. So
 * they are accepted only once the operator has sealed them, once, with
 * `mailbot log --seal-legacy`: one line in the chain (`audit-legacy-sealed`)
 * records their count, a SHA-256 of them all and a fingerprint of each.
 * From then on the verifier accepts exactly those lines at the start of the
 * trail and nothing else, and names the first one that differs.
 *
 * The fingerprints are there because the retention purge drops the oldest
 * lines first: a digest of them all can no longer be checked once some are
 * gone, while each remaining line still matches its own fingerprint (96 bits
 * of SHA-256: no line can be made up to match one). The purge's checkpoints
 * say how many lines they dropped; while unsealed lines remain, every purge
 * since the seal dropped only unsealed lines (the trail is dropped from its
 * start, and they come first), so those counts say where the remaining lines
 * begin in the sealed list.
 *
 * Lines are hashed in canonical JSON (chain.ts), the form the chain's macs
 * cover too: `mailbot migrate --to postgres` copies the trail into jsonb,
 * which keeps a line's content but not its spacing or key order.
 */
import { createHash, type Hash } from 'node:crypto';
import { canonical, type ChainProblem } from './chain.js';
import type { AuditAction, AuditEntry } from './entry.js';

export const LEGACY_SEAL_ACTION: AuditAction = 'audit-legacy-sealed';
/** The problem code of unsealed lines never sealed: the one problem `--seal-legacy` may resolve. */
export const LEGACY_UNSEALED = 'AUDIT_LEGACY_UNSEALED';
export const SEAL_LEGACY_COMMAND = 'mailbot log --seal-legacy';

const FINGERPRINT_BYTES = 12;

function fingerprint(entry: AuditEntry): Buffer {
  return createHash('sha256').update(canonical(entry)).digest().subarray(0, FINGERPRINT_BYTES);
}

interface Seal {
  position: number;
  seq: number;
  lines: number;
  sha256: string;
  fingerprints: Buffer;
  /** Lines the purges written after the seal dropped. */
  dropped: number;
}

/** The unsealed lines at the start of a trail, as the verifier reads them, and the seal that covers them. */
export class LegacyPrefix {
  private readonly positions: number[] = [];
  private readonly prints: Buffer[] = [];
  private readonly digest: Hash = createHash('sha256');
  private firstTime?: string;
  private lastTime?: string;
  private seal?: Seal;

  get lines(): number {
    return this.positions.length;
  }

  get sealedBy(): { position: number; seq: number } | undefined {
    return this.seal ? { position: this.seal.position, seq: this.seal.seq } : undefined;
  }

  add(position: number, entry: AuditEntry): void {
    this.positions.push(position);
    this.prints.push(fingerprint(entry));
    this.digest.update(`${canonical(entry)}\n`);
    this.firstTime ??= entry.time;
    this.lastTime = entry.time;
  }

  /** A sealed line of the chain, already checked by the key: the first seal counts, and the purges after it. */
  sealedLine(position: number, entry: AuditEntry): void {
    const d = entry.details ?? {};
    if (entry.action === LEGACY_SEAL_ACTION && !this.seal && typeof entry.seq === 'number') {
      this.seal = {
        position,
        seq: entry.seq,
        lines: Number(d.lines),
        sha256: String(d.sha256 ?? ''),
        fingerprints: Buffer.from(String(d.fingerprints ?? ''), 'base64url'),
        dropped: 0,
      };
    } else if (entry.action === 'audit-checkpoint' && this.seal && typeof d.dropped === 'number') {
      this.seal.dropped += d.dropped;
    }
  }

  /** The line `mailbot log --seal-legacy` writes for the lines read so far. */
  sealEntry(time: string): AuditEntry {
    return {
      time,
      action: LEGACY_SEAL_ACTION,
      outcome: 'info',
      details: {
        lines: this.lines,
        sha256: this.digest.copy().digest('hex'),
        fingerprints: Buffer.concat(this.prints).toString('base64url'),
        ...(this.firstTime ? { firstTime: this.firstTime } : {}),
        ...(this.lastTime ? { lastTime: this.lastTime } : {}),
      },
    };
  }

  /** The time span of the lines read, for the operator who is about to seal them. */
  span(): { from?: string; to?: string } {
    return { ...(this.firstTime ? { from: this.firstTime } : {}), ...(this.lastTime ? { to: this.lastTime } : {}) };
  }

  /**
   * The first problem with the unsealed lines: none if there are none, or
   * if they are exactly the ones sealed (less those the purges dropped).
   * `sealTrusted` is false when the seal line itself failed its check.
   */
  check(sealTrusted: boolean): ChainProblem | undefined {
    const s = this.seal;
    const first = this.positions[0] ?? 1;
    if (!s || !sealTrusted) {
      if (this.lines === 0) return undefined;
      const why = s ? `the line that would seal them (line ${s.position}, seq ${s.seq}) is not sealed by the key` : `once you have checked them (the lines from ${this.firstTime ?? '?'} to ${this.lastTime ?? '?'}), \`${SEAL_LEGACY_COMMAND}\` seals them`;
      return { position: first, problem: `${this.lines} line(s) at the start carry no chain hash: written before the chain began (an older version) or put there, and not sealed; ${why}`, code: LEGACY_UNSEALED };
    }
    const sealed = Math.floor(s.fingerprints.length / FINGERPRINT_BYTES);
    if (sealed !== s.lines) return { position: s.position, seq: s.seq, problem: 'its fingerprints do not match its count of lines: not a seal the bot wrote' };
    const from = Math.min(s.dropped, sealed);
    const expected = sealed - from;
    for (let i = 0; i < this.lines; i++) {
      const at = (from + i) * FINGERPRINT_BYTES;
      const print = this.prints[i];
      if (i >= expected || !print || !print.equals(s.fingerprints.subarray(at, at + FINGERPRINT_BYTES))) {
        const problem = i >= expected ? `carries no chain hash and is not among the ${s.lines} line(s) sealed at seq ${s.seq}: put there` : `carries no chain hash and is not line ${from + i + 1} of the ${s.lines} sealed at seq ${s.seq}: edited, put there, or a line before it removed`;
        return { position: this.positions[i] ?? first, problem };
      }
    }
    if (this.lines < expected) {
      return { position: (this.positions.at(-1) ?? 0) + 1, problem: `the last ${expected - this.lines} of the ${s.lines} line(s) sealed at seq ${s.seq} without a chain hash are missing: removed` };
    }
    // With nothing dropped, the digest of them all must hold too.
    if (from === 0 && this.digest.copy().digest('hex') !== s.sha256) {
      return { position: first, problem: `the ${this.lines} line(s) without a chain hash do not match the digest sealed at seq ${s.seq}: edited` };
    }
    return undefined;
  }
}
