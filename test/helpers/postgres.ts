/**
 * A private PostgreSQL for the tests: a cluster made with initdb in a
 * temporary folder, started with pg_ctl on a free loopback port (never
 * another address), one database per test. As root (CI), the server runs as
 * the `postgres` system user, which PostgreSQL requires.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import pg from 'pg';
import { freePort } from './mailservers.js';
import { tempDir } from './tools.js';

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  return undefined;
}

/** In CI a missing PostgreSQL fails the run; elsewhere the tests that need it are skipped, saying why. */
export function postgresSkipReason(): string | false {
  if (binDir()) return false;
  if (process.env.CI === 'true') throw new Error('PostgreSQL is required in CI (apt-get install postgresql)');
  return 'PostgreSQL is not installed: run `apt-get install postgresql` to enable the PostgreSQL store tests';
}

const asRoot = process.getuid?.() === 0;

function run(cmd: string, args: string[]): void {
  const full = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] as const : [cmd, args] as const;
  const r = spawnSync(full[0], [...full[1]], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout}`);
}

export class PrivatePostgres {
  readonly dir = tempDir('mailbot-pg-');
  port = 0;
  private started = false;
  private counter = 0;

  async start(): Promise<void> {
    const bin = binDir();
    if (!bin) throw new Error('PostgreSQL is not installed');
    this.port = await freePort();
    chmodSync(this.dir.path, 0o755);
    if (asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(this.dir.path, uid, gid);
    }
    run(join(bin, 'initdb'), ['-D', join(this.dir.path, 'db'), '-A', 'trust', '-U', 'mailbot', '--no-sync', '-E', 'UTF8']);
    this.resume();
  }

  /** The server goes away (a crash, a maintenance): clients get refused connections until `resume`. */
  pause(): void {
    const bin = binDir();
    if (bin && this.started) run(join(bin, 'pg_ctl'), ['-D', join(this.dir.path, 'db'), '-m', 'immediate', 'stop']);
    this.started = false;
  }

  /** The server back, on the same port, with its data. */
  resume(): void {
    const bin = binDir();
    if (!bin) throw new Error('PostgreSQL is not installed');
    run(join(bin, 'pg_ctl'), ['-D', join(this.dir.path, 'db'), '-l', join(this.dir.path, 'log'), '-w', 'start', '-o', `-p ${this.port} -k ${this.dir.path} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`]);
    this.started = true;
  }

  url(database = 'postgres'): string {
    return `postgresql://mailbot@127.0.0.1:${this.port}/${database}`;
  }

  /** A fresh database, so that tests do not see each other's rows. */
  async database(prefix = 't'): Promise<string> {
    const name = `${prefix}_${process.pid}_${++this.counter}`;
    const c = new pg.Client({ connectionString: this.url() });
    await c.connect();
    try {
      await c.query(`CREATE DATABASE ${name}`);
    } finally {
      await c.end();
    }
    return this.url(name);
  }

  stop(): Promise<void> {
    if (this.started) {
      const bin = binDir();
      if (bin) run(join(bin, 'pg_ctl'), ['-D', join(this.dir.path, 'db'), '-m', 'fast', 'stop']);
      this.started = false;
    }
    this.dir.cleanup();
    return Promise.resolve();
  }
}

/** A private server for the tests of the enclosing describe block: started before them, stopped after. */
export function privatePostgresForSuite(): () => PrivatePostgres {
  let server: PrivatePostgres | undefined;
  before(async () => {
    server = new PrivatePostgres();
    await server.start();
  });
  after(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('the private PostgreSQL is not started (used outside its tests)');
    return server;
  };
}
