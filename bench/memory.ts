/**
 * `npx tsx bench/memory.ts`: the peak RSS of the real daemon (`bin/mailbot.js start`, from dist/,
 * with --max-old-space-size=192 as `npm start` runs it) while it handles one big mail, each case in
 * a fresh data directory and a fresh process, on the embedded mailbox (data/mailbox → data/outbox,
 * no mail server needed):
 * 1. a mail just under limits.messageBytes (25 MiB raw) from the client: a small CSV and two scans;
 * 2. a 100,000-row CSV (the most csv/read.ts takes), kept under its 10 MB cap;
 * 3. a 10,000-invoice batch, whose reply is split into mails ≤ replies.maxMessageBytes.
 * Memory is meant to be bounded by design: the heap is capped at 192 MB, mails in hand are limited by
 * limits.inFlightBytes, CSVs are parsed in slices and replies staged on disk. These figures check that
 * the whole process stays ≤ 300 MB RSS (MB = 1024² bytes, as the limits count them). Printed, never
 * asserted: a missed target says MISSED, and the script exits 0.
 * Peak = VmHWM of the daemon's node process (read before it is stopped), cross-checked by VmRSS
 * sampled every 100 ms. MAILBOT_NODE_ARGS adds flags to the daemon's node (e.g. --heap-prof);
 * BENCH_CASES=1,3 runs some cases only; BENCH_KEEP=1 keeps the data directories.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { deliverToMaildir } from '../src/mail/maildir.js';
import { mailbot } from '../test/helpers/cli.js';
import { auditActions, BOT, CLIENT, startDaemon, type DaemonHandle } from '../test/helpers/daemon.js';
import { NODE_FLAGS } from '../test/helpers/product.js';
import { sellerInput } from '../test/helpers/sample.js';
import { tempDir } from '../test/helpers/tools.js';
import { ensureBuilt } from './build.js';
import { generateBatchCsv } from './generate.js';

const TARGET_MB = 300;
const MESSAGE_BYTES = 25 * 1024 * 1024; // limits.messageBytes (src/config/schema.ts)
const CSV_BYTES = 10 * 1024 * 1024; // DEFAULT_LIMITS.maxBytes (src/csv/read.ts)
const MAX_REPLY_BYTES = 20 * 1024 * 1024; // replies.maxMessageBytes
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 1800) * 1000;

const MiB = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Case {
  title: string;
  /** What the mail is, in words. */
  what: string;
  raw: Buffer;
}

const compose = (opts: ConstructorParameters<typeof MailComposer>[0]) => new MailComposer({ from: CLIENT, to: BOT, ...opts }).compile().build();

async function bigMail(): Promise<Case> {
  // Two incompressible 9 MiB files (base64: ~12.3 MiB each), under limits.attachmentBytes (10 MiB) each.
  const scan = 9 * 1024 * 1024;
  const csv = generateBatchCsv(10, 3);
  const raw = await compose({
    subject: 'Lot de novembre et justificatifs',
    text: 'Bonjour,\n\nci-joint le lot de novembre, avec le bon de commande scanné et une photo du chantier.\n\nClaire',
    attachments: [
      { filename: 'lot-novembre.csv', content: Buffer.from(csv), contentType: 'text/csv' },
      { filename: 'bon-de-commande.pdf', content: randomBytes(scan), contentType: 'application/pdf' },
      { filename: 'photo-chantier.jpg', content: randomBytes(scan), contentType: 'image/jpeg' },
    ],
  });
  if (raw.length >= MESSAGE_BYTES) throw new Error(`the big mail is ${raw.length} bytes, not under ${MESSAGE_BYTES}`);
  return { title: '25 MB mail', what: `${MiB(raw.length)} raw (limit ${MiB(MESSAGE_BYTES)}), from the client: a 10-invoice CSV (${csv.length} B) + a 9 MiB PDF scan + a 9 MiB JPEG, base64`, raw };
}

async function hundredThousandRows(): Promise<Case> {
  let csv = generateBatchCsv(50_000, 2);
  let kind = 'valid rows, 50,000 invoices × 2 lines';
  if (Buffer.byteLength(csv) > CSV_BYTES) {
    // 11.7 MB as generated: the designation shortened and every quantity negative (one error per row).
    csv = csv.replace(/"Prestation (\d+) ; atelier « \d+ »";/g, 'Prestation $1;-');
    kind = `50,000 invoices × 2 lines made shorter and invalid (a negative quantity on each row: the 100,000-error path), as generated it was ${MiB(Buffer.byteLength(generateBatchCsv(50_000, 2)))} > the ${MiB(CSV_BYTES)} CSV cap`;
  }
  const bytes = Buffer.from(csv);
  if (bytes.length > CSV_BYTES) throw new Error(`the 100,000-row CSV is ${bytes.length} bytes, over ${CSV_BYTES}`);
  const rows = csv.split('\r\n').length - 2;
  const raw = await compose({ subject: 'Gros lot', text: 'ci-joint', attachments: [{ filename: 'gros-lot.csv', content: bytes, contentType: 'text/csv' }] });
  return { title: '100,000-row CSV', what: `${rows.toLocaleString('en-GB')} rows, ${MiB(bytes.length)} CSV, ${MiB(raw.length)} raw mail; ${kind}`, raw };
}

async function tenThousandInvoices(): Promise<Case> {
  const bytes = Buffer.from(generateBatchCsv(10_000, 1));
  const raw = await compose({ subject: 'Lot de 10 000', text: 'ci-joint', attachments: [{ filename: 'lot-10000.csv', content: bytes, contentType: 'text/csv' }] });
  return { title: '10,000-invoice batch', what: `10,000 invoices × 1 line, ${MiB(bytes.length)} CSV, ${MiB(raw.length)} raw mail`, raw };
}

/** VmRSS / VmHWM of a process, in bytes (undefined once it is gone). */
function memory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** The daemon's JSON log lines (pino, on stderr). */
function logLines(d: DaemonHandle): Record<string, unknown>[] {
  return d.output().split('\n').filter((l) => l.startsWith('{')).flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

async function run(c: Case, index: number): Promise<boolean> {
  console.log(`\n${index}. ${c.title}: ${c.what}`);
  const dir = tempDir('mailbot-membench-');
  let daemon: DaemonHandle | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    const data = join(dir.path, 'data');
    const clientFile = join(dir.path, 'client.json');
    writeFileSync(clientFile, JSON.stringify({ ...sellerInput, emails: [CLIENT] }));
    const add = mailbot(data, ['client', 'add', '--file', clientFile]);
    if (add.status !== 0) throw new Error(`client add: ${add.stderr}`);
    writeFileSync(join(data, 'config.json'), JSON.stringify({ botAddress: BOT }));

    daemon = startDaemon(data, { MAILBOT_LOG_LEVEL: 'info' });
    const pid = daemon.child.pid ?? NaN;
    const d = daemon;
    const dead = () => d.child.exitCode !== null || d.child.signalCode !== null;
    for (const t0 = Date.now(); !d.output().includes('client(s) configured'); await sleep(50)) {
      if (dead() || Date.now() - t0 > 60_000) throw new Error(`the daemon did not start:\n${d.output().slice(-2000)}`);
    }
    await sleep(500);
    const idle = memory(pid);
    // The samples' maximum, while the mail is handled and once its outcome is logged (replies being written).
    const sampled = { handling: 0, sending: 0 };
    let phase: keyof typeof sampled = 'handling';
    sampler = setInterval(() => (sampled[phase] = Math.max(sampled[phase], memory(pid)?.rss ?? 0)), 100);

    const t0 = performance.now();
    await deliverToMaildir(join(data, 'mailbox'), c.raw);
    let outcome: string | undefined;
    let handledS = NaN;
    let lastHwm = 0;
    let failure: string | undefined;
    for (;;) {
      const m = memory(pid);
      if (m) lastHwm = m.hwm;
      if (dead()) {
        failure = `the daemon died (exit ${String(d.child.exitCode)}, signal ${String(d.child.signalCode)}):\n${d.output().split('\n').filter((l) => !l.startsWith('{"level":30')).slice(-25).join('\n')}`;
        break;
      }
      if (!outcome) {
        const handled = logLines(d).find((l) => l.msg === 'mail handled');
        if (handled) {
          outcome = `${String(handled.outcome)} (folder ${String(handled.folder)})`;
          handledS = (performance.now() - t0) / 1000;
          phase = 'sending';
        }
      }
      const trail = auditActions(data);
      const queued = trail.filter((a) => a.action === 'reply-queued').length;
      const done = trail.filter((a) => a.action === 'reply-sent' || a.action === 'reply-failed').length;
      if (outcome && queued > 0 && done >= queued) break;
      if (performance.now() - t0 > TIMEOUT_MS) {
        failure = `timed out after ${TIMEOUT_MS / 1000} s (outcome ${outcome ?? 'none yet'}, ${done}/${queued} replies written)`;
        break;
      }
      await sleep(100);
    }
    const seconds = (performance.now() - t0) / 1000;
    const end = memory(pid); // VmHWM just before the stop: the peak while the mail was handled
    clearInterval(sampler);
    sampler = undefined;
    const peak = end?.hwm ?? lastHwm;

    const trail = auditActions(data);
    const batch = trail.filter((a) => ['invoices-issued', 'batch-rejected', 'batch-duplicate'].includes(a.action)).map((a) => `${a.action} ${JSON.stringify(a.details ?? {})}`);
    const outDir = join(data, 'outbox');
    const files = existsSync(outDir) ? readdirSync(outDir).sort().map((f) => join(outDir, f)) : [];
    const replies = files.map((f) => statSync(f).size);
    // replies.maxMessageBytes (20 MiB); the .eml files of data/outbox add two X-Envelope lines (< 200 B).
    const over = files.filter((f) => statSync(f).size > MAX_REPLY_BYTES).map((f) => `"${/^Subject: (.*)$/m.exec(readFileSync(f, 'latin1').slice(0, 64 * 1024))?.[1] ?? '?'}" ${MiB(statSync(f).size)}`);
    const heapErrors = /heap out of memory|Allocation failed|ERR_STRING_TOO_LONG|RangeError/.exec(d.output());
    console.log(`   idle daemon     ${idle ? MiB(idle.rss) : '?'} RSS before the mail`);
    console.log(`   time            ${seconds.toFixed(1)} s from delivery to the last reply written (mail handled after ${handledS.toFixed(1)} s)`);
    console.log(`   outcome         ${outcome ?? 'none'}${batch.length ? `; ${batch.join('; ')}` : ''}`);
    console.log(`   replies         ${replies.length} mail(s): ${replies.map(MiB).join(', ') || '-'} (total ${MiB(replies.reduce((a, b) => a + b, 0))}; each ≤ 20 MB: ${over.length === 0 ? 'yes' : `NO, over: ${over.join(', ')}`})`);
    if (heapErrors) console.log(`   log             ${heapErrors[0]} in the daemon's output`);
    if (failure) console.log(`   FAILED          ${failure}`);
    const ok = !failure && peak <= TARGET_MB * 1024 * 1024;
    console.log(`   peak RSS        ${MiB(peak)} (VmHWM; 100 ms VmRSS samples: max ${MiB(sampled.handling)} while handling the mail, ${sampled.sending ? MiB(sampled.sending) : 'none taken'} while writing the replies)   [target ≤ ${TARGET_MB} MB] ${ok ? 'ok' : 'MISSED'}`);
    return ok;
  } finally {
    if (sampler) clearInterval(sampler);
    const code = await daemon?.stop();
    if (daemon && code !== 0 && code !== null) console.log(`   (the daemon exited with ${code} when stopped)`);
    if (process.env.BENCH_KEEP === '1') console.log(`   kept            ${dir.path}`);
    else dir.cleanup();
  }
}

async function main(): Promise<void> {
  ensureBuilt();
  // The daemon runs as `npm start` does: from dist/, with the node flags of bin/mailbot.js (the heap cap).
  const flags = [...NODE_FLAGS, ...(process.env.MAILBOT_NODE_ARGS ?? '').split(' ').filter(Boolean)].join(' ');
  console.log(`memory bench: peak RSS of \`node ${flags} bin/mailbot.js start\` (dist/, embedded mailbox), Node ${process.version}`);
  const cases = [bigMail, hundredThousandRows, tenThousandInvoices];
  const only = process.env.BENCH_CASES?.split(',').map(Number);
  let missed = 0;
  for (const [i, make] of cases.entries()) {
    if (only && !only.includes(i + 1)) continue;
    try {
      if (!(await run(await make(), i + 1))) missed++;
    } catch (err) {
      missed++;
      console.log(`   FAILED          ${err instanceof Error ? err.message : String(err)}   [target ≤ ${TARGET_MB} MB] MISSED`);
    }
  }
  console.log(`\n${missed === 0 ? 'all cases within' : `${missed} case(s) MISSED`} the ${TARGET_MB} MB target`);
}

await main();
