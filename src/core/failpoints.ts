/**
 * Crash points for the crash tests. When $MAILBOT_FAILPOINT names one, the
 * process kills itself there with SIGKILL, as the OOM killer or a power cut
 * would ("name"), or the operation fails with an error ("name=throw"), so a
 * test can check what the bot does next. Unset, each is one comparison.
 */
export function failpoint(name: string): void {
  const set = process.env.MAILBOT_FAILPOINT;
  if (set === undefined) return;
  if (set === name) process.kill(process.pid, 'SIGKILL');
  if (set === `${name}=throw`) throw new Error(`failure injected at ${name}`);
}
