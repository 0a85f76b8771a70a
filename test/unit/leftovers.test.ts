/** What a killed process leaves aside is shredded at the next start; what a living one writes is not touched. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sweepLeftovers } from '../../src/store/leftovers.js';
import { tempDir } from '../helpers/tools.js';

const DEAD = 4_194_000; // above any pid this machine hands out
const aside = (pid: number) => `.${pid}.0123456789ab.tmp`;

describe('leftovers of a killed process', () => {
  it('shreds files written aside by a dead process, in the data directory, the queue and the Maildir folders, tmp/ included', async () => {
    const dir = tempDir('mailbot-leftovers-');
    try {
      const data = dir.path;
      for (const d of ['queue', 'mailbox/tmp', 'mailbox/.Sent/tmp', 'mailbox/.Sent/cur']) mkdirSync(join(data, d), { recursive: true });
      const files = {
        dead: [aside(DEAD), `queue/${aside(DEAD)}`, `mailbox/.Sent/${aside(DEAD)}`, `mailbox/.Sent/tmp/${aside(DEAD)}`, `mailbox/tmp/1796000000.M000001P${DEAD}.host`],
        alive: [aside(process.pid), `mailbox/.Sent/tmp/${aside(process.pid)}`, `mailbox/tmp/1796000000.M000002P${process.pid}.host`, 'mailbox/.Sent/cur/1796000000.M3.host:2,S', 'queue/reply.eml'],
      };
      for (const f of [...files.dead, ...files.alive]) writeFileSync(join(data, f), 'personal data');
      assert.equal(await sweepLeftovers(data), files.dead.length);
      for (const f of files.dead) assert.equal(existsSync(join(data, f)), false, `${f} is gone`);
      for (const f of files.alive) assert.equal(existsSync(join(data, f)), true, `${f} stays`);
    } finally {
      dir.cleanup();
    }
  });

  it('shreds what an earlier process with this same pid left (written before this process started), not what this one writes', async () => {
    const dir = tempDir('mailbot-leftovers-');
    try {
      const data = dir.path;
      mkdirSync(join(data, 'mailbox/tmp'), { recursive: true });
      const earlier = [aside(process.pid), `mailbox/tmp/1796000000.M000001P${process.pid}.host`];
      for (const f of earlier) {
        writeFileSync(join(data, f), 'personal data');
        const then = new Date(Date.now() - 3_600_000); // an hour ago: before this process started
        utimesSync(join(data, f), then, then);
      }
      writeFileSync(join(data, 'mailbox/tmp', aside(process.pid)), 'being written now');
      assert.equal(await sweepLeftovers(data), earlier.length);
      for (const f of earlier) assert.equal(existsSync(join(data, f)), false, `${f} is gone`);
      assert.equal(existsSync(join(data, 'mailbox/tmp', aside(process.pid))), true, 'this process\'s own file stays');
    } finally {
      dir.cleanup();
    }
  });
});
