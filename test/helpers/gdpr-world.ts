/**
 * The daemon on its embedded mailbox, run mail by mail (`mailbot start
 * --once`), for the rights-request tests: send as someone, run, read what
 * the bot sent.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { mailbot } from './cli.js';
import { sellerInput } from './sample.js';
import { readState, type StateView } from './state.js';
import { tempDir } from './tools.js';

export const BOT = 'factures@studio.test';
export const CLIENT = 'compta@atelier-dupont.test';
export const CSV = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'csv', 'libreoffice-en.csv'));

export class World {
  readonly dir = tempDir('mailbot-gdpr-');
  readonly data = join(this.dir.path, 'data');
  private seen = new Set<string>();

  constructor(config: Record<string, unknown> = {}, language: 'fr' | 'en' = 'fr') {
    writeFileSync(join(this.dir.path, 'client.json'), JSON.stringify({ ...sellerInput, emails: [CLIENT], contactName: 'Claire Dupont', phone: '0478000000', language }));
    assert.equal(mailbot(this.data, ['client', 'add', '--file', join(this.dir.path, 'client.json')]).status, 0);
    writeFileSync(join(this.data, 'config.json'), JSON.stringify({ botAddress: BOT, operatorAddress: 'ops@studio.test', ...config }));
  }

  async send(from: string, subject: string, text: string, extra: Partial<ConstructorParameters<typeof MailComposer>[0]> = {}): Promise<void> {
    const raw = await new MailComposer({ from, to: BOT, subject, text, ...extra }).compile().build();
    await deliverToMaildir(join(this.data, 'mailbox'), raw);
  }

  /** A message exactly as given (headers and all). */
  async deliverRaw(raw: string): Promise<void> {
    await deliverToMaildir(join(this.data, 'mailbox'), Buffer.from(raw));
  }

  /** Run the daemon over what is in the mailbox; return the mails it sent this time. */
  async run(): Promise<ParsedMail[]> {
    const r = mailbot(this.data, ['start', '--once']);
    assert.equal(r.status, 0, r.stderr);
    const dir = join(this.data, 'outbox');
    const fresh = existsSync(dir) ? readdirSync(dir).filter((f) => !this.seen.has(f)).sort() : [];
    for (const f of fresh) this.seen.add(f);
    return Promise.all(
      fresh.map(async (f) => {
        const raw = readFileSync(join(dir, f));
        const mail = await simpleParser(raw);
        this.sizes.set(mail, raw.length);
        return mail;
      }),
    );
  }

  private readonly sizes = new WeakMap<ParsedMail, number>();

  /** Every mail the bot sent so far, in order. */
  async collect(): Promise<ParsedMail[]> {
    const dir = join(this.data, 'outbox');
    const all = existsSync(dir) ? readdirSync(dir).sort() : [];
    for (const f of all) this.seen.add(f);
    return Promise.all(all.map((f) => simpleParser(readFileSync(join(dir, f)))));
  }

  /** The size of a mail as it was sent (its raw bytes). */
  rawSize(mail: ParsedMail): number {
    return this.sizes.get(mail) ?? NaN;
  }

  state(): Promise<StateView> {
    return readState(this.data);
  }

  /**
   * Which files under the data directory hold one of these strings (read as
   * bytes, whatever the file): a message folder counts as one place.
   */
  grep(needles: string[]): { file: string; needle: string }[] {
    const out = new Map<string, { file: string; needle: string }>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.isFile()) {
          const bytes = readFileSync(path).toString('latin1') + readFileSync(path).toString('utf8');
          const rel = relative(this.data, path);
          const place = /^(mailbox\/[^/]*\/|outbox\/)/.exec(rel.replace(/(cur|new)\/[^/]+$/, ''))?.[1] ?? rel;
          for (const n of needles) if (bytes.includes(n)) out.set(`${place}|${n}`, { file: place, needle: n });
        }
      }
    };
    walk(this.data);
    return [...out.values()];
  }

  cleanup(): void {
    this.dir.cleanup();
  }
}

export const to = (m: ParsedMail) => m.to && !Array.isArray(m.to) ? m.to.value[0]?.address : undefined;
export const codeOf = (m: ParsedMail) => /code ?: ([A-Z2-9]{8})/.exec(m.text ?? '')?.[1] ?? assert.fail(`no code in: ${m.text ?? ''}`);
export const refOf = (m: ParsedMail) => /RGPD-\d{4}-\d{4}/.exec(m.subject ?? '')?.[0] ?? assert.fail(`no ref in: ${m.subject}`);

/** Ask, get the code, answer with it (after optional wrong tries); returns the final answer. */
export async function confirmed(w: World, from: string, subject: string, body: string, wrong = 0): Promise<ParsedMail> {
  await w.send(from, subject, body);
  const [codeMail] = await w.run();
  assert.ok(codeMail);
  assert.equal(to(codeMail), from);
  const ref = refOf(codeMail);
  for (let i = 0; i < wrong; i++) {
    await w.send(from, `Re: ${codeMail.subject}`, 'Voici le code : ZZZZZZZZ');
    const [answer] = await w.run();
    assert.match(answer?.text ?? '', /ne correspond pas|does not match/);
  }
  await w.send(from, `Re: ${codeMail.subject}`, `${codeOf(codeMail)}\n\n> ${ref}`, { inReplyTo: codeMail.messageId ?? '' });
  const mails = await w.run();
  const answer = mails.find((m) => to(m) === from);
  assert.ok(answer, 'an answer to the requester');
  return answer;
}

