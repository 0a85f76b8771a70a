/**
 * The outbox's runs: one flush sends everything due, batch after batch; a
 * flush asked for while a run is under way is served by that run before it
 * ends (a reply queued meanwhile does not wait for the next timer); with the
 * SMTP server down, a run stops at the first failure and does not go round
 * again however often it is asked.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { smtpSchema } from '../../src/config/schema.js';
import { Outbox, SENDERS } from '../../src/mail/outbox.js';
import { Templates } from '../../src/mail/templates.js';
import { FolderTransport, SmtpTransport, type MailTransport } from '../../src/mail/transport.js';
import type { Store } from '../../src/store/port.js';
import { freePort } from '../helpers/mailservers.js';
import { PrivatePostgres, postgresSkipReason } from '../helpers/postgres.js';
import { embeddedBackend, postgresBackendOn, type Backend } from '../helpers/store-backends.js';
import { tempDir } from '../helpers/tools.js';

const BOT = 'factures@studio.test';
let serial = 0;

/** Replies staged and queued in one commit, as the pipeline queues them. */
async function queue(store: Store, count: number): Promise<string[]> {
  const staging = await store.files.stage();
  const ids: string[] = [];
  const at = new Date().toISOString();
  const entries = Array.from({ length: count }, () => {
    const n = String(++serial).padStart(12, '0');
    const id = `00000000-0000-4000-8000-${n}`;
    ids.push(id);
    return { id, createdAt: at, messageId: `<${n}@studio.test>`, envelope: { from: BOT, to: ['jane@example.org'] }, file: `queue/${id}.eml`, bytes: 40, state: 'queued' as const, attempts: 0, nextAttemptAt: at, kind: 'help' };
  });
  for (const e of entries) await staging.write(e.file, `Message-ID: ${e.messageId}\r\nSubject: Re: Question\r\n\r\nBonjour\r\n`);
  await store.transact(async (tx) => {
    tx.files.adopt(staging);
    for (const e of entries) await tx.outbox.queue(e);
  });
  return ids;
}

function outboxOf(store: Store, transport: MailTransport): Outbox {
  return new Outbox(store, transport, undefined, pino({ level: 'silent' }), {
    me: { botAddress: BOT, botName: 'Studio', contact: BOT },
    templates: new Templates(),
    redact: (t) => t,
    hash: (a) => a,
  });
}

/** A folder transport whose sends wait, each, until the test lets them go: a run the test can hold open. */
class HeldTransport implements MailTransport {
  readonly name = 'held';
  readonly folder: FolderTransport;
  private gate: Promise<Error | undefined>;
  private let: (failure?: Error) => void = () => undefined;
  sends = 0;
  constructor(readonly dir: string) {
    this.folder = new FolderTransport(dir);
    this.gate = new Promise((resolve) => (this.let = resolve));
  }
  /** The sends waiting go on, or fail with `failure` (as when the server drops the connection); later ones pass. */
  open(failure?: Error): void {
    this.let(failure);
    this.gate = Promise.resolve(undefined);
  }
  async send(raw: Buffer, envelope: { from: string; to: string[] }): Promise<void> {
    this.sends++;
    const failure = await this.gate;
    if (failure) throw failure;
    await this.folder.send(raw, envelope);
  }
  async verify(): Promise<void> {}
  close(): void {}
}

async function withStore(fn: (store: Store, dir: string) => Promise<void>, backend: Backend = embeddedBackend()): Promise<void> {
  const fresh = await backend.fresh();
  const dir = tempDir('mailbot-outbox-');
  try {
    await fn(fresh.store, dir.path);
  } finally {
    await fresh.store.close();
    await fresh.cleanup();
    dir.cleanup();
  }
}

describe('outbox runs', () => {
  it('one flush sends every reply due, more than one batch of them', async () => {
    await withStore(async (store, dir) => {
      await queue(store, 450);
      const sent = join(dir, 'sent');
      await outboxOf(store, new FolderTransport(sent)).flush();
      assert.equal(readdirSync(sent).length, 450);
      const left = (await store.read((tx) => tx.outbox.list())).filter((e) => e.state === 'queued');
      assert.deepEqual(left, []);
    });
  });

  it('a flush asked for during a run shares it, and the reply queued meanwhile leaves before that run ends', async () => {
    await withStore(async (store, dir) => {
      await queue(store, 1);
      const transport = new HeldTransport(join(dir, 'sent'));
      const outbox = outboxOf(store, transport);
      const first = outbox.flush();
      // The run is under way: its reply is with the server, which has not answered yet.
      while (transport.sends === 0) await new Promise((r) => setTimeout(r, 5));
      await queue(store, 1);
      const second = outbox.flush();
      assert.equal(second, first, 'one run');
      transport.open();
      await first;
      assert.equal(readdirSync(join(dir, 'sent')).length, 2, 'both replies sent by the one run');
    });
  });

  it('with the SMTP server down, a run stops at its first failure however often a flush is asked for', async () => {
    await withStore(async (store) => {
      await queue(store, 3 * SENDERS);
      const port = await freePort(); // nothing listens there
      const transport = new SmtpTransport(smtpSchema.parse({ host: '127.0.0.1', port, security: 'plain' }), {});
      try {
        const outbox = outboxOf(store, transport);
        const run = outbox.flush();
        for (let i = 0; i < 20; i++) void outbox.flush();
        await run;
        const entries = await store.read((tx) => tx.outbox.list());
        const tried = entries.filter((e) => e.attempts > 0);
        // The replies already on their way when the first failed (one per connection), no more.
        assert.ok(tried.length >= 1 && tried.length <= SENDERS, `at most one try per connection, the others left for the next try: ${JSON.stringify(entries.map((e) => e.attempts))}`);
        assert.ok(tried.every((e) => Date.parse(e.nextAttemptAt) > Date.now()), 'those tried wait for their retry time');
        assert.ok(entries.every((e) => e.state === 'queued'), 'nothing lost, nothing failed for good');
      } finally {
        transport.close();
      }
    });
  });

  describe('on PostgreSQL', { skip: postgresSkipReason() }, () => {
    const server = new PrivatePostgres();
    before(() => server.start());
    after(() => server.stop());

    it('a batch the store failed in the middle gives back what it took: once the store is back, every reply goes, none waits out its send lease', async () => {
      await withStore(async (store, dir) => {
        await queue(store, 3 * SENDERS);
        const transport = new HeldTransport(join(dir, 'sent'));
        const outbox = outboxOf(store, transport);
        const first = outbox.flush();
        while (transport.sends < SENDERS) await new Promise((r) => setTimeout(r, 5));
        // The store goes away while the first replies are with the server, which then drops them.
        server.pause();
        try {
          transport.open(Object.assign(new Error('Connection closed unexpectedly'), { code: 'ECONNECTION' }));
          await assert.rejects(first, (err: { code?: string }) => err.code === 'STORE_UNREACHABLE');
        } finally {
          server.resume();
        }
        // Nothing was recorded: the replies are still queued, and this process may take them again now.
        await outbox.flush();
        assert.equal(readdirSync(join(dir, 'sent')).length, 3 * SENDERS, 'every reply sent once the store is back');
        const left = (await store.read((tx) => tx.outbox.list())).filter((e) => e.state === 'queued');
        assert.deepEqual(left, []);
      }, postgresBackendOn(server));
    });
  });
});
