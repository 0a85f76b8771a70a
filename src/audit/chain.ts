/**
 * The audit trail's hash chain: every line carries its place in the trail
 * (`seq`) and a keyed hash (`mac`, HMAC-SHA-256 with the audit key) of its
 * content and of the line before it. Editing, removing, inserting or
 * swapping a line breaks the chain at that line, and whoever lacks the key
 * cannot mend it. A retention purge that drops old lines first writes a
 * checkpoint line, itself in the chain, that names the first line kept and
 * the hash it follows: the shortened trail still proves itself. Removing
 * lines at the end is what a chain alone cannot show; the head (last seq
 * and mac) goes out in the operator's daily digest, so a copy kept outside
 * can prove it later. Lines written before the chain existed count only
 * once a line of the chain seals them (legacy.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AuditEntry } from './entry.js';
import { LegacyPrefix } from './legacy.js';
import { readStoredLine } from './line.js';

/** The hash the first line follows. */
export const GENESIS = '0'.repeat(64);

export interface ChainHead {
  seq: number;
  /** "<key id>:<hex>", or GENESIS before the first line. */
  mac: string;
}

export const EMPTY_HEAD: ChainHead = { seq: 0, mac: GENESIS };

export interface AuditSeal {
  key: Buffer;
  keyId: string;
}

/** JSON with keys sorted at every level: one text per value, whatever order a database returns keys in. */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonical(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`).join(',')}}`;
}

function hexOf(mac: string): string {
  const at = mac.lastIndexOf(':');
  return at >= 0 ? mac.slice(at + 1) : mac;
}

/** The mac of an entry at `seq` following `prev`: it covers every field but the chain's own. */
export function macOf(seal: AuditSeal, prev: string, seq: number, entry: AuditEntry): string {
  const { seq: _s, mac: _m, ...content } = entry;
  const hex = createHmac('sha256', seal.key).update(`${hexOf(prev)}\n${seq}\n${canonical(content)}`).digest('hex');
  return `${seal.keyId}:${hex}`;
}

/** Chain new entries after `head`; returns them sealed and the new head. */
export function sealEntries(seal: AuditSeal, head: ChainHead, entries: readonly AuditEntry[]): { sealed: AuditEntry[]; head: ChainHead } {
  let { seq, mac } = head;
  const sealed = entries.map((e) => {
    seq += 1;
    const { seq: _s, mac: _m, ...content } = e;
    mac = macOf(seal, mac, seq, content);
    return { ...content, seq, mac };
  });
  return { sealed, head: { seq, mac } };
}

/** The line a purge writes before it drops the lines older than `keptFrom`. */
export function checkpointEntry(time: string, firstKeptSeq: number, anchor: string, dropped: number, keptFrom: string): AuditEntry {
  return { time, action: 'audit-checkpoint', outcome: 'info', details: { firstKeptSeq, anchor, dropped, keptFrom } };
}

export interface ChainProblem {
  /** 1-based place of the line in the trail as read. */
  position: number;
  seq?: number;
  problem: string;
  /** Set for the problem a command can resolve (legacy.ts: unsealed lines never sealed). */
  code?: string;
}

export interface ChainReport {
  ok: boolean;
  lines: number;
  /** Lines written before the chain began (an older version), at the start of the trail. */
  unsealed: number;
  /** The line that sealed them (`mailbot log --seal-legacy`), if any. */
  legacySealedBy?: { position: number; seq: number };
  head: ChainHead;
  /** The first line of the chain that is kept, and how it is anchored. */
  start?: { seq: number; anchoredBy: 'genesis' | 'checkpoint' };
  /** The earliest problem in the trail, if any. */
  problem?: ChainProblem;
  /** How many problems there are in all. */
  problems: number;
}

/**
 * What the verifier makes of a line as it reads it: `sealed` (it carries
 * the chain and, so far as the lines read show, the key sealed it), `legacy`
 * (no chain hash, at the start: accepted only if a seal further on covers
 * it) or `refused`.
 */
export type LineStatus = 'sealed' | 'legacy' | 'refused';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Checks a trail line by line as stored, in constant memory (but for the
 * fingerprints of unsealed lines at its start, legacy.ts). The first sealed
 * line is checked against the genesis hash (seq 1) or, when older lines
 * were purged, against the checkpoint that names it, found further on. A
 * checkpoint anchors only if it is itself sealed and checks; every line is
 * sealed by the key, or is a problem named by its place (invariant 25).
 */
export class ChainVerifier {
  private position = 0;
  private head: ChainHead = EMPTY_HEAD;
  private first?: { entry: AuditEntry; seq: number; position: number; anchoredBy?: 'genesis' | 'checkpoint' };
  private problems: ChainProblem[] = [];
  readonly legacy = new LegacyPrefix();

  constructor(private readonly seal: AuditSeal) {}

  /** One stored line (its JSON text), in trail order. */
  push(text: string): LineStatus {
    this.position += 1;
    const at = this.position;
    const line = readStoredLine(text);
    if ('problem' in line) {
      this.fail({ position: at, problem: line.problem });
      return 'refused';
    }
    const { entry } = line;
    if (!line.sealed) {
      if (this.first) {
        this.fail({ position: at, problem: 'carries no chain hash: inserted or edited' });
        return 'refused';
      }
      this.legacy.add(at, entry);
      return 'legacy';
    }
    const seq = entry.seq ?? 0;
    const mac = entry.mac ?? '';
    const before = this.problems.length;
    if (!mac.startsWith(`${this.seal.keyId}:`)) this.fail({ position: at, seq, problem: `sealed with key "${mac.split(':')[0] ?? ''}", not the current audit key "${this.seal.keyId}"` });
    if (!this.first) {
      this.first = { entry, seq, position: at };
      if (seq === 1) this.anchorFirst(GENESIS, 'genesis');
    } else if (seq !== this.head.seq + 1) {
      const problem = seq > this.head.seq + 1 ? `expected seq ${this.head.seq + 1}, found ${seq}: ${seq - this.head.seq - 1} line(s) removed or moved before it` : `expected seq ${this.head.seq + 1}, found ${seq}: a line out of order or repeated`;
      this.fail({ position: at, seq, problem });
    } else if (!same(mac, macOf(this.seal, this.head.mac, seq, entry))) {
      this.fail({ position: at, seq, problem: 'its content does not match its hash: edited' });
    }
    this.head = { seq, mac };
    if (this.problems.length > before) return 'refused';
    // Only a line that checks may anchor the first one or seal the unsealed ones.
    if (entry.action === 'audit-checkpoint' && this.first && !this.first.anchoredBy && entry.details?.firstKeptSeq === this.first.seq) {
      this.anchorFirst(String(entry.details.anchor ?? ''), 'checkpoint');
    }
    this.legacy.sealedLine(at, entry);
    return 'sealed';
  }

  private anchorFirst(prev: string, by: 'genesis' | 'checkpoint'): void {
    if (!this.first) return;
    this.first.anchoredBy = by;
    if (!same(this.first.entry.mac ?? '', macOf(this.seal, prev, this.first.seq, this.first.entry))) {
      this.fail({ position: this.first.position, seq: this.first.seq, problem: 'its content does not match its hash: edited' });
    }
  }

  private fail(p: ChainProblem): void {
    this.problems.push(p);
  }

  finish(): ChainReport {
    if (this.first && !this.first.anchoredBy) {
      this.fail({ position: this.first.position, seq: this.first.seq, problem: `the trail begins at seq ${this.first.seq} and no checkpoint anchors it: the lines before were removed` });
    }
    const sealedBy = this.legacy.sealedBy;
    const legacy = this.legacy.check(!sealedBy || !this.problems.some((p) => p.position === sealedBy.position));
    if (legacy) this.fail(legacy);
    const problem = [...this.problems].sort((a, b) => a.position - b.position)[0];
    return {
      ok: !problem,
      lines: this.position,
      unsealed: this.legacy.lines,
      ...(sealedBy ? { legacySealedBy: sealedBy } : {}),
      head: this.head,
      ...(this.first?.anchoredBy ? { start: { seq: this.first.seq, anchoredBy: this.first.anchoredBy } } : {}),
      ...(problem ? { problem } : {}),
      problems: this.problems.length,
    };
  }
}
