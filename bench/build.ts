/**
 * The benches run the daemon and the commands as production does, from the
 * compiled JavaScript (bin/mailbot.js → dist/): build it first when it is
 * missing or older than a file of src/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

function newest(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0);
}

export function ensureBuilt(): void {
  delete process.env.MAILBOT_FROM_SOURCE; // the daemons and commands the bench starts run dist/
  const main = join(ROOT, 'dist', 'cli', 'main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newest(join(ROOT, 'src'))) return;
  console.log('dist/ is missing or older than src/: npm run build');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) console.log(`  npm run build failed (tsc still emits; the figures are of what it emitted):\n${(r.stdout + r.stderr).split('\n').slice(-15).join('\n')}`);
}
