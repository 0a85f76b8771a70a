#!/usr/bin/env -S node --max-old-space-size=192
// The heap cap keeps a 1,000-invoice batch under ~210 MB RSS (V8 otherwise grows the heap
// long before it collects); 100,000-row files fit well within it (see npm run bench).
// Entry point of the `mailbot` command: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
