/**
 * Where a V8 CPU profile (node --cpu-prof) spends its time, as lines to
 * print: self time by module (a package of node_modules or a file of
 * mailbot's dist/; Node's internals and native calls, such as the file
 * system's, count for the module that called them), self time by function, and
 * time spent under each mailbot function (inclusive; an `await` starts a
 * new stack, so this is the synchronous share only).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function moduleOf(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm ${pkg[1]}`;
  const own = /\/(dist|src)\/(.+)$/.exec(url);
  if (own) return `mailbot ${own[1]}/${own[2]}`;
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/').slice(0, 2).join('/')}`;
  return url;
}

const short = (url: string) => url.replace(/^.*\/(node_modules|dist|src)\//, '$1/');

export function summariseProfile(file: string, top = 15): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  /** The nearest frame (itself or a caller) with a script: outside Node's own if there is one. */
  const caller = (id: number): ProfileNode | undefined => {
    let internal: ProfileNode | undefined;
    for (let n = byId.get(id); n; n = byId.get(parent.get(n.id) ?? -1)) {
      if (n.callFrame.url && !n.callFrame.url.startsWith('node:')) return n;
      if (n.callFrame.url) internal ??= n;
    }
    return internal;
  };
  const add = (m: Map<string, number>, k: string, us: number) => m.set(k, (m.get(k) ?? 0) + us);
  const mods = new Map<string, number>();
  const fns = new Map<string, number>();
  const under = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    total += us;
    const f = node.callFrame;
    if (f.functionName === '(idle)') return void (idle += us);
    const js = caller(id);
    const where = js ? `${short(js.callFrame.url)}:${js.callFrame.lineNumber + 1}` : '';
    add(mods, js ? moduleOf(js.callFrame.url) : f.functionName || '(native)', us);
    const own = f.url ? `${f.functionName || '(anonymous)'} ${short(f.url)}:${f.lineNumber + 1}` : f.functionName || '(native)';
    add(fns, js && js !== node ? `${own} ← ${js.callFrame.functionName || '(anonymous)'} ${where}` : own, us);
    const seen = new Set<string>();
    for (let n: ProfileNode | undefined = node; n; n = byId.get(parent.get(n.id) ?? -1)) {
      if (!/\/dist\//.test(n.callFrame.url) || n.callFrame.url.includes('node_modules')) continue;
      const k = `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
      if (!seen.has(k)) add(under, k, us);
      seen.add(k);
    }
  });
  const busy = total - idle;
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `    ${((100 * us) / busy).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
  return [
    `  profile: ${(total / 1e6).toFixed(2)} s sampled, ${((100 * idle) / total).toFixed(0)} % idle; shares below are of the ${(busy / 1e6).toFixed(2)} s busy`,
    '  self time by module (native calls count for the module that made them):',
    ...list(mods),
    '  self time by function:',
    ...list(fns),
    '  time under mailbot functions (synchronous part, inclusive):',
    ...list(under),
  ];
}
