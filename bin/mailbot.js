#!/usr/bin/env -S node --max-old-space-size=192
// Entry point of the `mailbot` command. It runs the compiled JavaScript (dist/, built by
// `npm ci` through the prepare script): a command starts in a fraction of a second. With
// MAILBOT_FROM_SOURCE=1 (the tests, development), or before a build, it runs the TypeScript
// sources through tsx instead.
// The heap cap keeps a 1,000-invoice batch under ~210 MB RSS (V8 otherwise grows the heap
// long before it collects); 100,000-row files fit well within it (see npm run bench).
// The first line is the one place for the node flags: `npm start`, the systemd unit and an
// installed `mailbot` run this file itself, and the tests take them from it
// (test/helpers/product.ts), so the tests run under the heap cap production runs under.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (process.env.MAILBOT_FROM_SOURCE !== '1' && existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
