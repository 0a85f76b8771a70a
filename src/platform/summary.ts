/** What `mailbot status` says of the platform, computed the same way by both backends. */
import type { PlatformFlow } from './records.js';

export interface PlatformSummary {
  queued: number;
  failed: number;
  oldestQueuedAt?: string;
  lastError?: { clientId: string; number: string; error: string; at: string };
}

export function platformSummary(flows: Iterable<PlatformFlow>): PlatformSummary {
  let queued = 0;
  let failed = 0;
  let oldest: string | undefined;
  let last: PlatformSummary['lastError'];
  for (const f of flows) {
    if (f.state === 'queued') {
      queued += 1;
      if (!oldest || f.queuedAt < oldest) oldest = f.queuedAt;
    }
    if (f.state === 'failed') failed += 1;
    if (f.lastError && (!last || f.updatedAt > last.at)) last = { clientId: f.clientId, number: f.number, error: f.lastError, at: f.updatedAt };
  }
  return { queued, failed, ...(oldest ? { oldestQueuedAt: oldest } : {}), ...(last ? { lastError: last } : {}) };
}
