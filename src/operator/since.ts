/** The `since` of the operator's filters (CLI and console). */
import { UsageError } from '../core/errors.js';

/** "2h", "3d", "30m" or an ISO date. */
export function parseSince(value: string, now = Date.now()): number {
  const rel = /^(\d+)\s*([mhdw])$/.exec(value.trim());
  if (rel) return now - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[rel[2] as 'm' | 'h' | 'd' | 'w'];
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new UsageError(`--since: "${value}" is neither a duration (30m, 2h, 7d) nor a date (2026-11-01)`);
  return t;
}

