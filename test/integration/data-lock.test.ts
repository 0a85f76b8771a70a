/**
 * The data lock under real processes: a stale lock (a holder killed with
 * kill -9, or a lock file naming a dead process) raced for by eight
 * processes at once, fifty times; and a killed holder's lock taken over at
 * the next start.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import type { MailbotError } from '../../src/core/errors.js';
import { PROCESS_STARTED } from '../../src/store/embedded/staging.js';
import { acquireDataLock } from '../../src/store/lock.js';
import { tempDir } from '../helpers/tools.js';

const RACER = join(import.meta.dirname, '..', 'helpers', 'lock-racer.ts');
const TRIALS = 50;
const RACERS = 8;
const HOLD_MS = 25;

interface Racer {
  child: ChildProcessWithoutNullStreams;
  lines: Interface;
}

/** Every racer started, killed when the tests end, whatever became of them. */
const started: Racer[] = [];

function startRacer(...args: string[]): Racer {
  const child = spawn(process.execPath, ['--import', 'tsx', RACER, ...args]);
  child.stderr.on('data', (c: Buffer) => process.stderr.write(c));
  const racer = { child, lines: createInterface({ input: child.stdout }) };
  started.push(racer);
  return racer;
}

function nextLine(racer: Racer): Promise<string> {
  return new Promise((resolve, reject) => {
    const onExit = (status: number | null) => reject(new Error(`lock racer exited ${status}`));
    racer.child.once('exit', onExit);
    racer.lines.once('line', (line) => {
      racer.child.off('exit', onExit);
      resolve(line);
    });
  });
}

/** Tell a `hold` racer to take the lock, and wait until it has. */
async function holding(holder: Racer): Promise<void> {
  const held = nextLine(holder);
  holder.child.stdin.write('go\n');
  assert.equal(await held, 'held');
}

/** A holder that took the lock, then was killed with kill -9: its lock file stays behind, naming it. */
async function killedHolder(holder: Racer): Promise<void> {
  await holding(holder);
  const exited = new Promise((resolve) => holder.child.once('exit', resolve));
  holder.child.kill('SIGKILL');
  await exited;
}

interface Event {
  trial: number;
  pid: number;
  ev: 'held' | 'released' | 'refused' | 'error';
  t: number;
  message?: string;
}

describe('the data lock between processes', () => {
  let dir: ReturnType<typeof tempDir>;

  before(() => {
    dir = tempDir('mailbot-lock-');
  });
  after(() => {
    for (const r of started) r.child.kill('SIGKILL');
    dir.cleanup();
  });

  it(`a stale lock raced for by ${RACERS} processes, ${TRIALS} times: one holder at a time, and one gets it every time`, { timeout: 120_000 }, async (t) => {
    const racers = Array.from({ length: RACERS }, () => startRacer('race'));
    const log = join(dir.path, 'race.log');
    writeFileSync(log, '');
    // Killed holders start a few trials ahead, while earlier trials run, so that their start costs little time.
    const holders = new Map<number, Racer>();
    const dataDirOf = (trial: number) => join(dir.path, `trial-${trial}`);
    for (let trial = 0; trial < TRIALS; trial++) {
      for (let ahead = trial; ahead < Math.min(trial + 8, TRIALS); ahead++) {
        if (ahead % 2 === 1 && !holders.has(ahead)) holders.set(ahead, startRacer('hold', dataDirOf(ahead)));
      }
      const dataDir = dataDirOf(trial);
      const holder = holders.get(trial);
      if (holder) {
        await killedHolder(holder);
        holders.delete(trial);
      } else {
        // A lock file naming a process that has exited.
        mkdirSync(dataDir);
        writeFileSync(join(dataDir, 'mailbot.lock'), JSON.stringify({ pid: spawnSync('true').pid, started: Date.now() - 50, purpose: 'daemon' }), { mode: 0o600 });
      }
      const done = racers.map((r) => nextLine(r));
      const go = `${JSON.stringify({ trial, dataDir, holdMs: HOLD_MS, log })}\n`;
      for (const r of racers) r.child.stdin.write(go);
      assert.deepEqual(await Promise.all(done), Array<string>(RACERS).fill('done'));
    }

    const events = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Event);
    assert.deepEqual(events.filter((e) => e.ev === 'error'), [], 'no attempt failed otherwise than by DATA_LOCKED');
    const overlaps: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const mine = events.filter((e) => e.trial === trial);
      assert.equal(mine.filter((e) => e.ev === 'held' || e.ev === 'refused').length, RACERS, `trial ${trial}: each racer held or was refused`);
      assert.ok(mine.some((e) => e.ev === 'held'), `trial ${trial}: someone took the stale lock`);
      // In the log's order (the kernel's), a hold is closed by its own release before the next hold opens.
      let holding: Event | undefined;
      for (const e of mine) {
        if (e.ev === 'held') {
          if (holding) overlaps.push(`trial ${trial}: ${e.pid} held while ${holding.pid} did`);
          holding = e;
        } else if (e.ev === 'released') {
          if (holding?.pid === e.pid) holding = undefined;
        }
      }
      // And by the clocks: each hold starts after the previous one ended.
      const spans = mine.filter((e) => e.ev === 'held').map((h) => [h.t, mine.find((e) => e.ev === 'released' && e.pid === h.pid)?.t ?? Infinity] as const);
      spans.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < spans.length; i++) if ((spans[i]?.[0] ?? 0) < (spans[i - 1]?.[1] ?? 0)) overlaps.push(`trial ${trial}: holds overlap in time ${JSON.stringify(spans)}`);
    }
    assert.deepEqual(overlaps, [], 'never two holders at once');
    t.diagnostic(`${events.filter((e) => e.ev === 'held').length} holds and ${events.filter((e) => e.ev === 'refused').length} refusals in ${TRIALS} trials`);
  });

  it('a running holder refuses a second start, named by its lock file, whatever that file says since', { timeout: 30_000 }, async () => {
    const dataDir = join(dir.path, 'running');
    const holder = startRacer('hold', dataDir);
    try {
      await holding(holder);
      await assert.rejects(acquireDataLock(dataDir, 'daemon'), (err: MailbotError) => {
        assert.equal(err.code, 'DATA_LOCKED');
        assert.equal(err.details.pid, holder.child.pid);
        assert.match(err.message, /in use by process \d+ \(holder\)/);
        return true;
      });
      // The kernel's lock decides, not the text: a lock file rewritten to name a dead process changes nothing.
      writeFileSync(join(dataDir, 'mailbot.lock'), JSON.stringify({ pid: spawnSync('true').pid, started: Date.now(), purpose: 'daemon' }));
      await assert.rejects(acquireDataLock(dataDir, 'daemon'), (err: MailbotError) => err.code === 'DATA_LOCKED');
    } finally {
      holder.child.kill('SIGKILL');
    }
  });

  it('a holder killed with kill -9 does not block the next start, and the lock file then names the new holder', { timeout: 30_000 }, async () => {
    const dataDir = join(dir.path, 'killed');
    await killedHolder(startRacer('hold', dataDir));
    const killed = JSON.parse(readFileSync(join(dataDir, 'mailbot.lock'), 'utf8')) as { purpose: string };
    assert.equal(killed.purpose, 'holder', 'the killed holder\'s lock file is left behind');
    const lock = await acquireDataLock(dataDir, 'daemon');
    try {
      const holder = JSON.parse(readFileSync(join(dataDir, 'mailbot.lock'), 'utf8')) as { pid: number; started: number; purpose: string };
      assert.deepEqual([holder.pid, holder.started, holder.purpose], [process.pid, PROCESS_STARTED, 'daemon']);
    } finally {
      await lock.release();
    }
  });
});
