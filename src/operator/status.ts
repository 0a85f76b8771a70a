/** What `mailbot status` and the console's first page say of the daemons and the environment, from one source. */
import { describeFault } from '../mail/faults.js';
import { processAlive } from '../store/embedded/staging.js';
import { probeDataDir } from '../store/health.js';
import type { DaemonStatus, Store } from '../store/port.js';

/** A fault of the environment seen now, by this process or by a daemon. */
export interface FaultLine {
  cause: string;
  since?: string;
  seenBy: string;
}

/** The daemons that run now: an embedded store's by their process, a shared store's by their last sign of life. */
export function liveDaemons(store: Pick<Store, 'backend'>, daemons: readonly DaemonStatus[], now = Date.now()): DaemonStatus[] {
  return daemons.filter((d) => (store.backend === 'embedded' ? processAlive(d.pid, Date.parse(d.startedAt)) && d.connection !== 'stopped' : now - Date.parse(d.updatedAt) < 120_000));
}

/** The data directory's own faults (read-only, full), then those the live daemons report. */
export async function environmentFaults(dataDir: string, live: readonly DaemonStatus[]): Promise<FaultLine[]> {
  const faults: FaultLine[] = [];
  const disk = await probeDataDir(dataDir);
  if (disk) faults.push({ cause: `${describeFault(disk)}${disk.freeBytes !== undefined ? `, ${disk.freeBytes} bytes free` : ''}`, seenBy: 'this command' });
  for (const d of live) if (d.fault) faults.push({ cause: d.fault.cause, since: d.fault.since, seenBy: `daemon ${d.pid} on ${d.node}` });
  return faults;
}
