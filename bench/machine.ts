/**
 * Where a benchmark's CPU goes on the whole machine: the daemon is one
 * process among the mail servers it works with (Dovecot, the SMTP relay in
 * the bench's own process) and the kernel work they cause. Read from
 * /proc/stat (every CPU, in clock ticks) and /proc/<pid>/stat.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';

const TICK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** A process's name and the fields of /proc/<pid>/stat after it (the state first), or undefined once it is gone. */
function procStat(pid: number | string | undefined): { comm: string; fields: string[] } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') };
  } catch {
    return undefined;
  }
}

/** CPU milliseconds of a live process (user + system), or NaN once it is gone. */
export function processCpuMs(pid: number | undefined): number {
  const f = procStat(pid)?.fields;
  return f ? ((Number(f[11]) + Number(f[12])) * 1000) / TICK : NaN;
}

/**
 * CPU milliseconds of every process named `comm` (PostgreSQL's postmaster and
 * backends), with what their exited children used (a backend that ended is
 * counted in its postmaster's cutime and cstime, so none is counted twice).
 */
export function serverCpuMs(comm: string): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const p = procStat(pid);
    if (p?.comm === comm) ticks += Number(p.fields[11]) + Number(p.fields[12]) + Number(p.fields[13]) + Number(p.fields[14]);
  }
  return (ticks * 1000) / TICK;
}

/** Busy CPU milliseconds of the whole machine so far: every state but idle and waiting for I/O. */
function machineBusyMs(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already counted in user).
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return ((user + nice + system + irq + softirq + steal) * 1000) / TICK;
}

export interface CpuShares {
  /** Busy CPU of the whole machine over the window. */
  machineMs: number;
  daemonMs: number;
  /** This process: the SMTP relay and the bench's own polling. */
  benchMs: number;
  /** PostgreSQL's processes (all of them on this machine: the bench's private server is the only one). */
  postgresMs: number;
  wallMs: number;
}

/** Start counting; the function it returns gives the shares since then (call it while the daemon still runs). */
export function cpuWindow(daemonPid: number | undefined): () => CpuShares {
  const t0 = performance.now();
  const machine0 = machineBusyMs();
  const daemon0 = processCpuMs(daemonPid);
  const self0 = process.cpuUsage();
  const postgres0 = serverCpuMs('postgres');
  return () => {
    const self = process.cpuUsage(self0);
    return {
      machineMs: machineBusyMs() - machine0,
      daemonMs: processCpuMs(daemonPid) - (Number.isNaN(daemon0) ? 0 : daemon0),
      benchMs: (self.user + self.system) / 1000,
      postgresMs: serverCpuMs('postgres') - postgres0,
      wallMs: performance.now() - t0,
    };
  };
}

export const CORES = availableParallelism();
