/** Run the real `mailbot` command in a child process, as an operator would. */
import { spawn, spawnSync } from 'node:child_process';
import { productArgs } from './product.js';

export interface CliResult {
  status: number | null;
  signal?: string | null;
  stdout: string;
  stderr: string;
}

export function mailbot(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, productArgs(['--data', dataDir, ...args]), {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The same, without blocking the event loop: needed when the test process itself serves SMTP. */
export function mailbotAsync(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, productArgs(['--data', dataDir, ...args]), { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}
