/**
 * How the tests start the product: as production does. The node flags (the
 * heap cap) are those of bin/mailbot.js's first line, the one place `npm
 * start`, the systemd unit and an installed `mailbot` take them from by
 * running the file itself. The tests run it with the node that runs them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'mailbot.js');

function shebangFlags(): string[] {
  const first = readFileSync(BIN, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\/usr\/bin\/env -S node((?: --\S+)+)$/.exec(first);
  // A first line without flags would let every test run without the production heap cap, silently.
  if (!m?.[1]) throw new Error(`bin/mailbot.js must start with "#!/usr/bin/env -S node --flag…", not ${JSON.stringify(first)}`);
  return m[1].trim().split(' ');
}

/** The node flags production runs with, e.g. ["--max-old-space-size=192"]. */
export const NODE_FLAGS: readonly string[] = shebangFlags();

/** Arguments for process.execPath that run `mailbot ARGS` as production does; `nodeArgs` (e.g. --cpu-prof) come after the product's flags. */
export function productArgs(args: readonly string[], nodeArgs: readonly string[] = []): string[] {
  return [...NODE_FLAGS, ...nodeArgs, BIN, ...args];
}
