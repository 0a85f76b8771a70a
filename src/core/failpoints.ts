/**
 * Crash points for the crash tests. When $MAILBOT_FAILPOINT names one, the
 * process kills itself there with SIGKILL, as the OOM killer or a power cut
 * would ("name"), the operation fails with an error ("name=throw"), loses
 * to another writer of the same series ("name=conflict"), or the
 * process fills its heap until V8 aborts it, as a mail too big for memory
 * would ("name=oom"), or it never returns, as a pathological input could
 * ("name=hang"). "name~TEXT…" fires only where the point's subject
 * (a mail's Subject) contains TEXT. Unset, each is one comparison.
 */
import { MailbotError } from './errors.js';

export function failpoint(name: string, subject = ''): void {
  const set = process.env.MAILBOT_FAILPOINT;
  if (set === undefined) return;
  const [point = '', how = 'kill'] = set.split('=');
  const [pointName, marker] = point.split('~');
  if (pointName !== name || (marker !== undefined && !subject.includes(marker))) return;
  if (how === 'throw') throw new Error(`failure injected at ${name}`);
  if (how === 'conflict') throw new MailbotError('SEQUENCE_MOVED', `another writer's commit injected at ${name}`);
  if (how === 'oom') exhaustHeap();
  if (how === 'hang') for (;;);
  process.kill(process.pid, 'SIGKILL');
}

function exhaustHeap(): never {
  // Large live arrays: the heap cap is reached in a few steps, and V8 aborts as it would on a real mail.
  const hoard: number[][] = [];
  for (;;) hoard.push(new Array<number>(4_000_000).fill(hoard.length + 0.5));
}
