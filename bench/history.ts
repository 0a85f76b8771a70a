/**
 * `npm run bench:history`: what a long history costs. Printed, never asserted.
 *
 * 1. Per-mail cost against history size: a store seeded through the store
 *    port (bench/seed.ts) with 1,000 and with 50,000 handled mails and
 *    invoices; the compiled daemon (`bin/mailbot.js start`) then handles
 *    200 mails of one kind (questions, or 3-invoice CSVs from the client)
 *    through Dovecot, timed from its start to the inbox being empty (also
 *    shown: its own span from the audit trail, and its CPU time, which
 *    other load on the machine disturbs less). Both backends (embedded,
 *    PostgreSQL); each run on a fresh copy of the seed, the sizes in turn.
 * 2. Non-CSV throughput: 1,000 questions, each backend, no history, counted to
 *    the inbox empty and to the last reply sent (a reply is sent through
 *    the SMTP relay, which delivers it into Dovecot, and copied to Sent;
 *    both servers flush each new mail to disk). The whole machine's CPU
 *    over each run, to the last reply sent, is split between the daemon,
 *    this process (the SMTP relay) and the rest (Dovecot, the kernel): what
 *    the cores allow at those costs. Then the protocol floor (floor.ts):
 *    the same inbox handled by a client doing only FETCH, SMTP send, APPEND
 *    to Sent and MOVE, no bot, in a process of its own: what these servers
 *    allow on this machine before any bot work, and that client's own CPU
 *    (the least the protocols cost per mail). Below its target, one more
 *    run under --cpu-prof says where the daemon's time goes
 *    (BENCH_PROFILE_OUT=FILE keeps the .cpuprofile).
 * 3. Operator commands on the 50,000-mail embedded data directory: start-up
 *    time of `--help` and `status`, peak RSS of `status` and of `log`.
 *
 * Loopback only (Dovecot, the SMTP relay and PostgreSQL on 127.0.0.1).
 * Scale it down with BENCH_HISTORY=5000 BENCH_REPEAT=1; other knobs:
 * BENCH_HISTORY_SMALL, BENCH_HISTORY_MAILS, BENCH_THROUGHPUT_MAILS,
 * BENCH_BACKENDS=embedded,postgres, BENCH_PARTS=history,throughput,commands,
 * BENCH_PROFILE=auto|1|0.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import pg from 'pg';
import { EmbeddedStore } from '../src/store/embedded/store.js';
import { PostgresStore } from '../src/store/postgres/store.js';
import type { Store } from '../src/store/port.js';
import { mailbotAsync } from '../test/helpers/cli.js';
import { BOT, CLIENT, prepareData, startDaemon, type DaemonHandle } from '../test/helpers/daemon.js';
import { Dovecot, dovecotAvailable, SmtpRelay } from '../test/helpers/mailservers.js';
import { PrivatePostgres, postgresSkipReason } from '../test/helpers/postgres.js';
import { productArgs } from '../test/helpers/product.js';
import { sellerInput } from '../test/helpers/sample.js';
import { tempDir } from '../test/helpers/tools.js';
import { ensureBuilt } from './build.js';
import { summariseProfile } from './cpuprofile.js';
import { protocolFloor, type FloorRun } from './floor.js';
import { generateBatchCsv } from './generate.js';
import { CORES, cpuWindow, processCpuMs, type CpuShares } from './machine.js';
import { seedHistory } from './seed.js';

const num = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const BIG = num('BENCH_HISTORY', 50_000);
const SMALL = num('BENCH_HISTORY_SMALL', 1_000);
const RUN_MAILS = num('BENCH_HISTORY_MAILS', 200);
const REPEAT = Math.max(1, num('BENCH_REPEAT', 3));
const THROUGHPUT_MAILS = num('BENCH_THROUGHPUT_MAILS', 1_000);
const PARTS = new Set((process.env.BENCH_PARTS ?? 'history,throughput,commands').split(','));
const PROFILE = process.env.BENCH_PROFILE ?? 'auto';
const AUDIT_KEY = 'b7'.repeat(32);
/** Every question is answered: no per-sender limit, no cap on replies to unknown senders (older versions ignore the key). */
const LIMITS = { limits: { mailsPerSenderPerHour: 1_000_000, repliesToUnknownPerHour: 1_000_000 } };

type Backend = 'embedded' | 'postgres';
type Kind = 'question' | 'csv';
/** One daemon run: wall seconds from its start to the inbox empty, its own span (audit trail), its CPU seconds, the load average before it. */
interface Run {
  seconds: number;
  span: number;
  /** First mail received → last reply sent (audit trail): the replies keep pace, or not. */
  replied: number;
  cpu: number;
  load: number;
  /** With `drain`: the whole machine's CPU from the daemon's start to its outbox empty. */
  shares?: CpuShares;
}
interface Seed {
  backend: Backend;
  history: number;
  dataDir: string;
  db?: string;
}

const fmt = (n: number, digits = 1) => n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const int = (n: number) => n.toLocaleString('en-GB');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');
const describe = (r: Run, mails: number) =>
  `${fmt(mails / r.seconds)} mails/s start→empty, ${fmt(mails / r.span)} handling, ${fmt(mails / r.replied)} to the last reply sent, ${fmt((r.cpu * 1000) / mails, 2)} ms CPU/mail (load average before: ${fmt(r.load, 2)})`;
const build = (opts: ConstructorParameters<typeof MailComposer>[0]) => new MailComposer(opts).compile().build();
/** Replies the embedded outbox still holds (none before the first is queued). */
const queued = (dataDir: string) => (existsSync(join(dataDir, 'queue')) ? readdirSync(join(dataDir, 'queue')).length : 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function main(): Promise<void> {
  if (!dovecotAvailable()) {
    console.log('history bench: Dovecot is not installed (apt-get install dovecot-imapd dovecot-lmtpd); nothing measured');
    return;
  }
  ensureBuilt(); // the daemon and the commands run dist/, as in production
  const wanted = (process.env.BENCH_BACKENDS ?? 'embedded,postgres').split(',') as Backend[];
  const pgWanted = wanted.includes('postgres') && (PARTS.has('history') || PARTS.has('throughput'));
  const pgSkip = pgWanted ? postgresSkipReason() : 'not asked for';
  const backends = wanted.filter((b) => b === 'embedded' || (b === 'postgres' && !pgSkip));
  if (pgWanted && pgSkip) console.log(`PostgreSQL not measured: ${pgSkip}`);

  const dir = tempDir('mailbot-histbench-');
  const dovecot = new Dovecot();
  const smtp = new SmtpRelay(dovecot);
  const server = backends.includes('postgres') ? new PrivatePostgres() : undefined;
  let runs = 0;
  let daemon: DaemonHandle | undefined;
  const teardown = async () => {
    await daemon?.stop();
    await smtp.stop();
    await dovecot.destroy();
    await server?.stop();
    dir.cleanup();
  };
  // Interrupted (Ctrl-C): the servers and the temporary directory go all the same.
  const onSignal = () => void teardown().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await dovecot.start();
    // Every mailbox is made now: Dovecot may not notice a passwd file changed twice within a second.
    const planned = backends.length * 8 * REPEAT + REPEAT + 1;
    for (const u of ['factures', 'compta', 'jane', ...Array.from({ length: planned }, (_, i) => `run${i + 1}`), ...Array.from({ length: REPEAT }, (_, i) => `floor${i + 1}`)]) dovecot.addUser(u);
    await smtp.start();
    await server?.start();
    const admin = async <T>(fn: (c: pg.Client) => Promise<T>, db?: string): Promise<T> => {
      const c = new pg.Client({ connectionString: server?.url(db) });
      await c.connect();
      try {
        return await fn(c);
      } finally {
        await c.end();
      }
    };

    const storeConfig = (db: string) => ({ store: { type: 'postgres', urlEnv: 'TEST_DB_URL', leaseSeconds: 5 } as const, env: { TEST_DB_URL: server?.url(db) ?? '' } });
    const seeds = new Map<string, Seed>();
    /** A data directory (and database) with `history` mails and invoices behind it, made once. */
    const seed = async (backend: Backend, history: number): Promise<Seed> => {
      const id = `${backend}-${history}`;
      const known = seeds.get(id);
      if (known) return known;
      const dataDir = join(dir.path, `seed-${id}`, 'data');
      const db = backend === 'postgres' ? `seed_${history}` : undefined;
      if (db) await admin((c) => c.query(`CREATE DATABASE ${db}`));
      const pgc = db ? storeConfig(db) : undefined;
      const env = { MAILBOT_AUDIT_KEY: AUDIT_KEY, ...pgc?.env };
      prepareData(dataDir, dovecot, smtp, { ...LIMITS, ...(pgc ? { store: pgc.store } : {}) }, {}, { env });
      const reserved = [BOT];
      // Sealed with the key the daemon will run with ($MAILBOT_AUDIT_KEY, id k1), so its trail verifies.
      const seal = { key: Buffer.from(AUDIT_KEY, 'hex'), keyId: 'k1' };
      const store: Store = pgc ? await PostgresStore.open(dataDir, { ...pgc.store, poolSize: 8 }, pgc.env, { reserved, seal }) : await EmbeddedStore.open(dataDir, { reserved, seal });
      try {
        const r = await seedHistory(store, { clientId: sellerInput.id, mails: history, auditKey: Buffer.from(AUDIT_KEY, 'hex'), mailbox: `imap://factures@127.0.0.1:${dovecot.imapPort}/INBOX` });
        console.log(`  seeded ${backend} store: ${int(r.mails)} mails, ${int(r.batches)} batches, ${int(r.invoices)} invoices, ${int(r.auditLines)} audit lines in ${fmt(r.seconds)} s`);
      } finally {
        await store.close();
      }
      // As autovacuum would have left a database that old: the dead row versions of the seeding go.
      if (db) await admin((c) => c.query('VACUUM ANALYZE'), db);
      const s: Seed = { backend, history, dataDir, ...(db ? { db } : {}) };
      seeds.set(id, s);
      return s;
    };

    /**
     * The daemon on a fresh copy of `seed`, with `mails` of one kind in a new inbox: seconds from
     * its start to the inbox empty, and the daemon's own span from its audit trail (first mail
     * received → last mail moved, its start-up left out). Every mail must have had the outcome of
     * its kind (help sent, or invoices issued), or the run is refused.
     */
    const runOnce = async (s: Seed, kind: Kind, mails: readonly Buffer[], nodeArgs?: string, drain = false): Promise<Run> => {
      const n = ++runs;
      const user = `run${n}`;
      const dataDir = join(dir.path, `run-${n}`, 'data');
      cpSync(s.dataDir, dataDir, { recursive: true });
      const configFile = join(dataDir, 'config.json');
      const config = JSON.parse(readFileSync(configFile, 'utf8')) as { imap: { auth: { user: string } } };
      config.imap.auth.user = user;
      writeFileSync(configFile, JSON.stringify(config, null, 2));
      const db = s.db ? `run_${n}` : undefined;
      if (db) await admin((c) => c.query(`CREATE DATABASE ${db} TEMPLATE ${s.db} STRATEGY FILE_COPY`));
      const env = { MAILBOT_AUDIT_KEY: AUDIT_KEY, ...(db ? storeConfig(db).env : {}) };
      const imap = dovecot.client(user);
      try {
        await imap.connect();
        for (const raw of mails) await imap.append('INBOX', raw);
        spawnSync('sync'); // the copy's dirty pages are written now, not during the daemon's first fsyncs
        const load = loadavg()[0] ?? 0;
        const since = new Date().toISOString();
        const before = process.env.MAILBOT_NODE_ARGS;
        if (nodeArgs) process.env.MAILBOT_NODE_ARGS = nodeArgs;
        const t0 = performance.now();
        const d = startDaemon(dataDir, env);
        daemon = d;
        const window = cpuWindow(d.child.pid);
        if (nodeArgs) process.env.MAILBOT_NODE_ARGS = before ?? '';
        let seconds: number;
        let cpu: number;
        let shares: CpuShares | undefined;
        try {
          const deadline = Date.now() + 30 * 60_000;
          for (;;) {
            const st = await imap.status('INBOX', { messages: true });
            const left = st === false ? -1 : (st.messages ?? 0);
            if (left === 0) break;
            if (d.child.exitCode !== null || Date.now() > deadline) throw new Error(`the daemon stopped or stalled with ${left} mails left:\n${d.output().slice(-3000)}`);
            await sleep(25);
          }
          seconds = (performance.now() - t0) / 1000;
          cpu = processCpuMs(d.child.pid) / 1000;
          // The outbox keeps each queued reply (embedded: its file in queue/) until it is sent and recorded.
          const left = async () => (db ? Number(await admin(async (c) => (await c.query<{ n: string }>("SELECT count(*) AS n FROM outbox WHERE state <> 'failed'")).rows[0]?.n ?? 0, db)) : queued(dataDir));
          while (drain && (await left()) > 0) {
            if (d.child.exitCode !== null || Date.now() > deadline) throw new Error(`the daemon stopped or stalled with replies queued:\n${d.output().slice(-3000)}`);
            await sleep(25);
          }
          if (drain) shares = window();
        } finally {
          await d.stop();
          daemon = undefined;
        }
        const log = await mailbotAsync(dataDir, ['log', '--json', '--since', since], env);
        const trail = log.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { action: string; time: string; details?: { kind?: string } });
        const expected = trail.filter((e) => (kind === 'csv' ? e.action === 'invoices-issued' : e.action === 'reply-queued' && e.details?.kind === 'help')).length;
        if (expected !== mails.length) throw new Error(`${s.backend} ${kind} run: ${expected} of ${mails.length} mails had the expected outcome\n${log.stderr}${d.output().slice(-3000)}`);
        const first = Date.parse(trail.find((e) => e.action === 'received')?.time ?? '');
        const last = Date.parse(trail.filter((e) => e.action === 'moved').at(-1)?.time ?? '');
        // The daemon sends what is queued before it stops: the last reply's line is in the trail.
        const lastSent = Date.parse(trail.filter((e) => e.action === 'reply-sent').at(-1)?.time ?? '');
        return { seconds, span: (last - first) / 1000, replied: (lastSent - first) / 1000, cpu, load, ...(shares ? { shares } : {}) };
      } finally {
        await imap.logout().catch(() => undefined);
        rmSync(join(dir.path, `run-${n}`), { recursive: true, force: true });
        if (db) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`));
      }
    };

    const questions = (count: number, tag: string) => Promise.all(Array.from({ length: count }, (_, i) => build({ from: 'jane@example.org', to: BOT, subject: `Question ${tag}${i}`, text: 'Bonjour, à quoi sert cette adresse ?' })));
    const csvs = (count: number) =>
      Promise.all(Array.from({ length: count }, (_, i) => build({ from: CLIENT, to: BOT, subject: `Lot ${i}`, text: 'ci-joint', attachments: [{ filename: `lot-${i}.csv`, content: Buffer.from(generateBatchCsv(3, 3).replace(/B-0000/g, `H${i}-`)), contentType: 'text/csv' }] })));

    // 1. Per-mail cost against history size.
    if (PARTS.has('history')) {
      console.log(`\nhistory bench: ${int(RUN_MAILS)} mails per run, histories ${int(SMALL)} and ${int(BIG)} mails (as many invoices), ${REPEAT} run(s) each, Node ${process.version}`);
      const mailsOf: Record<Kind, Buffer[]> = { question: await questions(RUN_MAILS, 'h'), csv: await csvs(RUN_MAILS) };
      const times = new Map<string, Run[]>();
      for (const b of backends) for (const h of [SMALL, BIG]) await seed(b, h);
      for (let rep = 1; rep <= REPEAT; rep++) {
        for (const b of backends) {
          for (const kind of ['question', 'csv'] as const) {
            // The two sizes back to back: whatever else loads the machine weighs on both.
            for (const h of [SMALL, BIG]) {
              const run = await runOnce(await seed(b, h), kind, mailsOf[kind]);
              const key = `${b} ${kind} ${h}`;
              times.set(key, [...(times.get(key) ?? []), run]);
              console.log(`  run ${rep}/${REPEAT} ${key.padEnd(24)} ${describe(run, RUN_MAILS)}`);
            }
          }
        }
      }
      console.log(`\nper-mail cost against history size (${int(RUN_MAILS)} mails per run, median of ${REPEAT} runs)`);
      console.log('  start→empty: from the daemon\'s start to the inbox empty (the target\'s measure); handling: first mail received → last moved');
      console.log('  (audit trail); daemon CPU: user + system time of the daemon process (PostgreSQL\'s own time not included)');
      console.log('                               ------- start→empty --------------------   -- handling --   - daemon CPU -');
      console.log('backend    kind      history   mails/s  ms/mail  ratio  [target ≤ 1.5]   ms/mail  ratio   ms/mail  ratio');
      for (const b of backends) {
        for (const kind of ['question', 'csv'] as const) {
          const ms = (h: number, f: 'seconds' | 'span' | 'cpu') => (median((times.get(`${b} ${kind} ${h}`) ?? []).map((r) => r[f])) * 1000) / RUN_MAILS;
          for (const h of [SMALL, BIG]) {
            const big = h === BIG;
            const ratio = (f: 'seconds' | 'span' | 'cpu') => (big ? fmt(ms(BIG, f) / ms(SMALL, f), 2) : '');
            const verdictCol = big ? verdict(ms(BIG, 'seconds') / ms(SMALL, 'seconds') <= 1.5) : '';
            console.log(
              `${b.padEnd(10)} ${kind.padEnd(9)} ${int(h).padStart(7)} ${fmt(1000 / ms(h, 'seconds')).padStart(9)} ${fmt(ms(h, 'seconds'), 2).padStart(8)} ${ratio('seconds').padStart(6)}  ${verdictCol.padEnd(14)} ` +
                `${fmt(ms(h, 'span'), 2).padStart(9)} ${ratio('span').padStart(6)} ${fmt(ms(h, 'cpu'), 2).padStart(9)} ${ratio('cpu').padStart(6)}`,
            );
          }
        }
      }
    }

    // 2. Non-CSV throughput, no history, on each backend; then the protocol floor in the same run.
    if (PARTS.has('throughput')) {
      const mails = await questions(THROUGHPUT_MAILS, 't');
      const results: { backend: Backend; rate: number; replied: number; cpuMs: number; seed: Seed }[] = [];
      for (const b of backends) {
        console.log(`\nnon-CSV throughput: ${int(THROUGHPUT_MAILS)} questions, ${b} store, no history, ${REPEAT} run(s)`);
        const empty = await seed(b, 0);
        const runsOf: Run[] = [];
        for (let rep = 1; rep <= REPEAT; rep++) {
          const run = await runOnce(empty, 'question', mails, undefined, true);
          runsOf.push(run);
          console.log(`  run ${rep}/${REPEAT}: ${describe(run, THROUGHPUT_MAILS)}`);
        }
        const rate = THROUGHPUT_MAILS / median(runsOf.map((r) => r.seconds));
        const handling = THROUGHPUT_MAILS / median(runsOf.map((r) => r.span));
        const replied = THROUGHPUT_MAILS / median(runsOf.map((r) => r.replied));
        const cpuMs = (median(runsOf.map((r) => r.cpu)) * 1000) / THROUGHPUT_MAILS;
        results.push({ backend: b, rate, replied, cpuMs, seed: empty });
        console.log(`${b.padEnd(10)}          ${fmt(rate)} mails/s from the daemon's start to the inbox empty (median)`);
        console.log(`                    ${fmt(handling)} mails/s from the first mail received to the last moved (start-up left out)`);
        console.log(`                    ${fmt(replied)} mails/s from the first mail received to the last reply sent (SMTP relay, copy in Sent)`);
        console.log(`                    the daemon used ${fmt(cpuMs, 2)} ms of CPU per mail (median; PostgreSQL's own time not included)   [target ≤ 2.5]  ${verdict(cpuMs <= 2.5)}`);
        const perMail = (f: (c: CpuShares) => number) => median(runsOf.map((r) => (r.shares ? f(r.shares) : NaN))) / THROUGHPUT_MAILS;
        const all = perMail((c) => c.machineMs);
        const daemonMs = perMail((c) => c.daemonMs);
        const benchMs = perMail((c) => c.benchMs);
        // On the embedded store, the server idling for the next backend's runs stays in "the rest", as any other load.
        const postgresMs = b === 'postgres' ? perMail((c) => c.postgresMs) : 0;
        const rest = perMail((c) => c.machineMs - c.daemonMs - c.benchMs) - postgresMs;
        console.log(`  CPU per mail on the whole machine, daemon's start → last reply sent (median): ${fmt(all, 2)} ms`);
        console.log(`                    daemon ${fmt(daemonMs, 2)}, ${b === 'postgres' ? `PostgreSQL ${fmt(postgresMs, 2)}, ` : ''}this bench's process (the SMTP relay, polling) ${fmt(benchMs, 2)}, the rest (Dovecot, kernel, other load) ${fmt(rest, 2)}`);
        const store = b === 'postgres' ? ` and a PostgreSQL that cost nothing, ${fmt((CORES * 1000) / (all - daemonMs - postgresMs))}` : '';
        console.log(`                    ${CORES} cores: at most ${fmt((CORES * 1000) / all)} mails/s at these costs; with a daemon that cost nothing, ${fmt((CORES * 1000) / (all - daemonMs))}${store}`);
      }
      // The same inbox handled by a client doing only the protocol work (bench/floor.ts), in turn with nothing else.
      const floors: FloorRun[] = [];
      for (let rep = 1; rep <= REPEAT; rep++) {
        const user = `floor${rep}`;
        const imap = dovecot.client(user);
        await imap.connect();
        for (const raw of mails) await imap.append('INBOX', raw);
        await imap.logout();
        spawnSync('sync');
        const f = await protocolFloor(dovecot, smtp, user);
        floors.push(f);
        console.log(`  floor run ${rep}/${REPEAT}: ${fmt(THROUGHPUT_MAILS / f.replied)} mails/s to the last reply sent; machine ${fmt(f.shares.machineMs / THROUGHPUT_MAILS, 2)} ms/mail (the floor client ${fmt(f.clientMs / THROUGHPUT_MAILS, 2)}, this process with the SMTP relay ${fmt(f.shares.benchMs / THROUGHPUT_MAILS, 2)})`);
      }
      const floorRate = THROUGHPUT_MAILS / median(floors.map((f) => f.replied));
      const floorMs = median(floors.map((f) => f.shares.machineMs)) / THROUGHPUT_MAILS;
      console.log(`protocol floor      ${fmt(floorRate)} mails/s to the last reply sent (median), by a client doing only FETCH, SMTP send, APPEND to Sent and MOVE (no bot)`);
      console.log(`                    the whole machine spent ${fmt(floorMs, 2)} ms of CPU per mail on it: ${CORES} cores allow at most ${fmt((CORES * 1000) / floorMs)} mails/s before any bot work`);
      const clientMs = median(floors.map((f) => f.clientMs)) / THROUGHPUT_MAILS;
      console.log(`                    the floor client itself used ${fmt(clientMs, 2)} ms of CPU per mail: the least the mail protocols cost a bot with these libraries, before it parses, stores or composes anything`);
      for (const r of results) {
        const share = r.replied / floorRate;
        console.log(`${r.backend.padEnd(10)} share   ${fmt(share, 2)} of the floor to the last reply sent (${fmt(r.replied)} of ${fmt(floorRate)} mails/s)   [target ≥ 0.85]  ${verdict(share >= 0.85)};  CPU ${fmt(r.cpuMs, 2)} ms/mail   [target ≤ 2.5]  ${verdict(r.cpuMs <= 2.5)}`);
      }
      for (const r of results) {
        if (!(PROFILE === '1' || (PROFILE === 'auto' && (r.cpuMs > 2.5 || r.replied < 0.85 * floorRate)))) continue;
        const profDir = join(dir.path, `profile-${r.backend}`);
        mkdirSync(profDir);
        const run = await runOnce(r.seed, 'question', mails, `--cpu-prof --cpu-prof-dir=${profDir}`, true);
        const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
        console.log(`\nprofiled run, ${r.backend} (the daemon under --cpu-prof): ${describe(run, THROUGHPUT_MAILS)}`);
        console.log(file ? summariseProfile(join(profDir, file)).join('\n') : '  no profile was written (the daemon did not exit normally)');
        const out = process.env.BENCH_PROFILE_OUT;
        if (file && out) cpSync(join(profDir, file), out.replace(/(\.cpuprofile)?$/, `-${r.backend}.cpuprofile`));
      }
    }

    // 3. Operator commands on a big embedded data directory.
    if (PARTS.has('commands')) {
      const big = await seed('embedded', BIG);
      const env = { ...process.env };
      delete env.MAILBOT_FROM_SOURCE;
      const run = (args: string[], wrap: string[] = []) => {
        const cmd = [...wrap, process.execPath, ...productArgs(args)];
        const t0 = performance.now();
        const r = spawnSync(cmd[0] ?? '', cmd.slice(1), { env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
        if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
        return { seconds: (performance.now() - t0) / 1000, stderr: r.stderr };
      };
      const timeBin = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', '%M'] : undefined;
      // /usr/bin/time -f %M: the child's peak RSS in KB, on the last line of its stderr.
      const peakMb = (args: string[], wrap: string[]) => Number(run(args, wrap).stderr.trim().split('\n').pop()) / 1024;
      const data = ['--data', big.dataDir];
      console.log(`\noperator commands on an embedded data directory with ${int(BIG)} invoices and ${int(BIG)} handled mails (dist/, median of 5)`);
      const help = median(Array.from({ length: 5 }, () => run(['--help']).seconds));
      const status = median(Array.from({ length: 5 }, () => run([...data, 'status']).seconds));
      const log = median(Array.from({ length: 3 }, () => run([...data, 'log']).seconds));
      console.log(`mailbot --help      ${fmt(help, 3)} s   [target ≤ 0.4]  ${verdict(help <= 0.4)}`);
      console.log(`mailbot status      ${fmt(status, 3)} s   [target ≤ 0.4]  ${verdict(status <= 0.4)}`);
      if (timeBin) {
        const statusRss = Math.max(...Array.from({ length: 3 }, () => peakMb([...data, 'status'], timeBin)));
        const logRss = Math.max(...Array.from({ length: 3 }, () => peakMb([...data, 'log'], timeBin)));
        console.log(`status peak RSS     ${fmt(statusRss, 0)} MB (highest of 3)   [target ≤ 120]  ${verdict(statusRss <= 120)}`);
        console.log(`log peak RSS        ${fmt(logRss, 0)} MB (highest of 3; the whole trail to /dev/null, ${fmt(log, 2)} s)   [target ≤ 120]  ${verdict(logRss <= 120)}`);
      } else {
        console.log('peak RSS            not measured: /usr/bin/time is not installed (apt-get install time)');
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await teardown();
  }
}

await main();
