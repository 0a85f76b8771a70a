/**
 * A dead process's pid handed to another program (after a reboot, a
 * restart): its lock, its pending work and its leftovers are a dead
 * process's, whatever now runs under that pid. The "other program" here is
 * a `sleep` started by the test, which has a pid and a start time of its own.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROCESS_STARTED, processAlive, processStartedAt } from '../../src/store/embedded/staging.js';
import { sweepLeftovers } from '../../src/store/leftovers.js';
import { acquireDataLock } from '../../src/store/lock.js';
import { tempDir } from '../helpers/tools.js';

const HOUR = 3_600_000;

describe('a pid that now belongs to another process', () => {
  let other: ChildProcess;
  let pid: number;
  let otherStarted: number;

  before(async () => {
    other = spawn('sleep', ['60'], { stdio: 'ignore' });
    await new Promise((resolve) => other.once('spawn', resolve));
    pid = other.pid ?? 0;
    otherStarted = Date.now();
  });
  after(() => {
    other.kill('SIGKILL');
  });

  it('reads when a process started from /proc, to within the boot time\'s second', () => {
    const self = processStartedAt(process.pid);
    assert.ok(self !== undefined, 'this process has a start time');
    // The kernel starts the process before Node sets its time origin; boot time is rounded down to the second.
    assert.ok(self <= PROCESS_STARTED + 20 && self > PROCESS_STARTED - 3000, `${self} is about ${PROCESS_STARTED}`);
    const at = processStartedAt(pid);
    assert.ok(at !== undefined && at > PROCESS_STARTED - 1000 && at <= otherStarted + 20, `the child started after this process (${at})`);
    assert.equal(processStartedAt(4_194_000), undefined, 'no such process');
  });

  it('is alive for a time it ran at, and not for a process known an hour before it started', () => {
    assert.equal(processAlive(pid), true);
    assert.equal(processAlive(pid, otherStarted), true);
    assert.equal(processAlive(pid, Date.now()), true);
    assert.equal(processAlive(pid, otherStarted - HOUR), false);
    assert.equal(processAlive(4_194_000, Date.now()), false, 'a pid nobody has');
  });

  it('does not keep a stale daemon lock whose pid is now another program\'s', async () => {
    const dir = tempDir('mailbot-pidreuse-');
    try {
      const lockFile = join(dir.path, 'mailbot.lock');
      writeFileSync(lockFile, JSON.stringify({ pid, started: otherStarted - HOUR, purpose: 'daemon', token: 'old' }), { mode: 0o600 });
      const lock = await acquireDataLock(dir.path, 'daemon');
      const holder = JSON.parse(readFileSync(lockFile, 'utf8')) as { pid: number; started: number };
      assert.deepEqual([holder.pid, holder.started], [process.pid, PROCESS_STARTED], 'the lock is this process\'s now');
      await lock.release();

      // The same pid with a start it had: that process holds the directory.
      writeFileSync(lockFile, JSON.stringify({ pid, started: otherStarted, purpose: 'daemon', token: 'live' }), { mode: 0o600 });
      await assert.rejects(acquireDataLock(dir.path, 'daemon'), (err: { code?: string }) => err.code === 'DATA_LOCKED');
      // A lock written by an older version, without a start time: judged by the pid alone, as before.
      writeFileSync(lockFile, JSON.stringify({ pid, purpose: 'daemon', token: 'older' }), { mode: 0o600 });
      await assert.rejects(acquireDataLock(dir.path, 'daemon'), (err: { code?: string }) => err.code === 'DATA_LOCKED');
    } finally {
      dir.cleanup();
    }
  });

  it('shreds a file written aside under that pid before the program started, and keeps one written since', async () => {
    const dir = tempDir('mailbot-pidreuse-');
    try {
      const earlier = join(dir.path, `.${pid}.0123456789ab.tmp`);
      const recent = join(dir.path, `.${pid}.ba9876543210.tmp`);
      writeFileSync(earlier, 'personal data');
      writeFileSync(recent, 'being written');
      const then = new Date(otherStarted - HOUR);
      utimesSync(earlier, then, then);
      assert.equal(await sweepLeftovers(dir.path), 1);
      assert.equal(existsSync(earlier), false, 'the dead writer\'s file is gone');
      assert.equal(existsSync(recent), true, 'a file its pid\'s process may be writing stays');
    } finally {
      dir.cleanup();
    }
  });
});
