/**
 * The operator's console in a real browser (Debian's Chromium driven by
 * playwright-core), against `mailbot console` started as production starts
 * it, on loopback: login by the one-time link, every page (a screenshot of
 * each in a temporary folder), every action with its audit line naming the
 * session, CSRF and session refusals, hostile content shown as text, a
 * non-loopback bind refused.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, unlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import MailComposer from 'nodemailer/lib/mail-composer';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { AuditEntry } from '../../src/audit/entry.js';
import { loadConfig } from '../../src/config/load.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { openStore } from '../../src/store/open.js';
import { mailbot } from '../helpers/cli.js';
import { productArgs } from '../helpers/product.js';
import { tempDir } from '../helpers/tools.js';

const CHROMIUM = '/usr/bin/chromium';
const BOT = 'factures@mailbot.localhost';
const CLIENT = 'compta@demo-atelier.example';
const HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`;
const build = (opts: ConstructorParameters<typeof MailComposer>[0]) => new MailComposer(opts).compile().build();
const log = (data: string, actions: string) => mailbot(data, ['log', '--action', actions, '--json']).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEntry);

/** `mailbot console` as the operator starts it; resolves with its first line, the login link. */
function startConsole(data: string, args: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, productArgs(['--data', data, 'console', ...args]), { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const first = out.split('\n')[0];
      if (out.includes('\n') && first) resolve({ child, url: first });
    });
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.once('exit', (code) => reject(new Error(`mailbot console exited ${code}: ${err}`)));
  });
}

/** A raw request with a chosen Host header (a browser would not send one that differs). */
function rawGet(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

describe('the operator console in a real browser', { skip, timeout: 240_000 }, () => {
  const dir = tempDir('mailbot-console-');
  const data = join(dir.path, 'data');
  const shots = mkdtempSync(join(tmpdir(), 'mailbot-console-shots-'));
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleProc: ChildProcess;
  let url: string;
  let origin: string;
  const dialogs: string[] = [];

  before(async () => {
    assert.equal(mailbot(data, ['demo']).status, 0);
    const inbox = join(data, 'mailbox');
    // Hostile content where mail puts it on the pages: a file name and buyer names from a client's CSV.
    const csv = ['Référence;Date;Client;SIREN;Adresse;Code postal;Ville;Désignation;Quantité;Prix unitaire HT;Taux TVA', `H-1;22/11/2026;${HOSTILE};123456790;3 place du Marché;75001;Paris;Audit <b>gras</b>;1;300,00;20`].join('\r\n');
    await deliverToMaildir(inbox, await build({ from: CLIENT, to: BOT, subject: HOSTILE, text: HOSTILE, attachments: [{ filename: '<img src=x onerror=alert(1)>.csv', content: Buffer.from(`${csv}\r\n`), contentType: 'text/csv' }] }));
    await deliverToMaildir(inbox, await build({ from: CLIENT, to: BOT, subject: 'Accès', text: "Bonjour, je demande l'accès à mes données personnelles (article 15 RGPD)." }));
    assert.equal(mailbot(data, ['start', '--once']).status, 0);
    // A change of IBAN no other address of the record can confirm (RGPD-2026-0002): it waits for the operator's approval.
    await deliverToMaildir(inbox, await build({ from: CLIENT, to: BOT, subject: 'RGPD : rectification', text: 'iban : DE89370400440532013000' }));
    // A mail set aside: a new batch whose drawing fails twice.
    const lot = ['Référence;Date;Client;SIREN;Adresse;Code postal;Ville;Désignation;Quantité;Prix unitaire HT;Taux TVA', 'D-9;23/11/2026;Librairie Page SARL;123456808;8 rue Neuve;69001;Lyon;Atelier;1;85,00;20'].join('\r\n');
    await deliverToMaildir(inbox, await build({ from: CLIENT, to: BOT, subject: 'Lot', text: 'ci-joint', attachments: [{ filename: 'lot.csv', content: Buffer.from(`${lot}\r\n`), contentType: 'text/csv' }] }));
    for (let i = 0; i < 3; i++) assert.equal(mailbot(data, ['start', '--once'], { MAILBOT_FAILPOINT: 'batch-render=throw' }).status, 0);
    // A reply the mail server refused for good: the extension notice, queued by the CLI, then refused (through the store's door).
    assert.equal(mailbot(data, ['requests', 'extend', 'RGPD-2026-0001', '--months', '1', '--reason', 'volume']).status, 0);
    const config = await loadConfig(data, undefined, process.env, { secrets: false });
    const store = await openStore(data, config);
    try {
      const [queued] = await store.read((tx) => tx.outbox.list());
      assert.ok(queued);
      await store.transact((tx) => tx.outbox.fail(queued.id, { error: '550 5.1.1 mailbox unavailable' }));
    } finally {
      await store.close();
    }
    ({ child: consoleProc, url } = await startConsole(data));
    origin = new URL(url).origin;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    context = await browser.newContext({ locale: 'fr-FR' });
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  });

  after(async () => {
    await browser?.close();
    consoleProc?.kill('SIGTERM');
    dir.cleanup();
  });

  it('prints a one-time login link on loopback; without a session every page is refused', async () => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/login\?token=[A-Za-z0-9_-]{43}$/);
    for (const path of ['/', '/mails', '/invoices', '/requests', '/retention', '/audit', '/invoices/pdf?batch=x&number=y']) {
      const r = await page.request.get(`${origin}${path}`);
      assert.equal(r.status(), 401, path);
    }
    const forged = await page.goto(`${origin}/login?token=${'A'.repeat(43)}`);
    assert.equal(forged?.status(), 403);
  });

  it('logs in once by the link: an HttpOnly, SameSite=Strict, expiring session; the link does not work twice', async () => {
    const r = await page.goto(url);
    assert.equal(r?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/');
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'mailbot_session');
    assert.ok(cookie);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.ok(cookie.expires > Date.now() / 1000 && cookie.expires < Date.now() / 1000 + 9 * 3600);
    const other = await browser.newContext();
    assert.equal((await (await other.newPage()).goto(url))?.status(), 403, 'the same link a second time');
    await other.close();
    assert.equal(log(data, 'console-login').length, 1);
  });

  it('shows every page, in French and English, with a strict CSP and no script', async () => {
    const checks: [string, RegExp][] = [
      ['/', /Courriers mis de côté[\s\S]*Réponses refusées par le serveur[\s\S]*Demandes ouvertes/],
      ['/mails', /invoices-issued/],
      ['/invoices', /DEMO-2026-0001[\s\S]*DEMO-2026-0002/],
      ['/requests', /RGPD-2026-0001[\s\S]*compta@demo-atelier\.example/],
      ['/retention', /mailbox:Processed[\s\S]*Politique de conservation des données[\s\S]*Data retention policy/],
      ['/audit', /La chaîne est intacte[\s\S]*\d+:k?[\w:]+/],
      ['/mails?lang=en', /Mails and actions/],
    ];
    for (const [path, want] of checks) {
      const r = await page.goto(`${origin}${path}`);
      assert.equal(r?.status(), 200, path);
      const headers = r?.headers() ?? {};
      assert.match(headers['content-security-policy'] ?? '', /default-src 'none'/);
      assert.equal(headers['x-content-type-options'], 'nosniff');
      assert.match(await page.innerText('main'), want, path);
      assert.equal(await page.locator('script').count(), 0, `${path}: no script`);
      await page.screenshot({ path: join(shots, `${path.replace(/[^a-z]+/g, '_') || 'today'}.png`), fullPage: true });
    }
    // A mail's story, from the list.
    await page.goto(`${origin}/mails?action=received`);
    await page.locator('table.trail a').first().click();
    assert.match(await page.innerText('main'), /received[\s\S]*routed[\s\S]*(moved|set-aside)/);
    await page.screenshot({ path: join(shots, 'story.png'), fullPage: true });
    // The text of a reply as sent, from its copy in Sent: Jane's question got the English help.
    await page.goto(`${origin}/mails?from=${encodeURIComponent('jane@example.org')}&action=received`);
    await page.locator('table.trail a').first().click();
    assert.match(await page.innerText('pre.reply'), /This service answers/);
    // The PDF copy while it is kept.
    await page.goto(`${origin}/invoices`);
    const pdf = await page.request.get(`${origin}${(await page.locator('a', { hasText: 'PDF' }).first().getAttribute('href')) ?? ''}`);
    assert.equal(pdf.status(), 200);
    assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
  });

  it('shows hostile content from mail as text, and runs nothing', async () => {
    await page.goto(`${origin}/invoices`);
    const text = await page.innerText('main');
    assert.ok(text.includes('<img src=x onerror=alert(1)>.csv'), 'the file name, as text');
    assert.ok(text.includes(HOSTILE), 'the buyer name, as text');
    // A filter value is reflected into the form: as text too.
    await page.goto(`${origin}/mails?client=${encodeURIComponent(`"><script>window.__pwned=3</script>`)}`);
    assert.equal(await page.inputValue('input[name=client]'), '"><script>window.__pwned=3</script>');
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined);
    assert.deepEqual(dialogs, []);
    await page.screenshot({ path: join(shots, 'hostile.png'), fullPage: true });
  });

  it('acts with a CSRF token, each action audited under this session; a POST without the token is refused', async () => {
    const failed = (await page.goto(`${origin}/`)) && (await page.locator('form[action="/actions/resend"] input[name=id]').first().getAttribute('value'));
    assert.ok(failed);
    // Without the token, and with a wrong one: refused, nothing done.
    assert.equal((await page.request.post(`${origin}/actions/resend`, { form: { id: failed } })).status(), 403);
    assert.equal((await page.request.post(`${origin}/actions/resend`, { form: { id: failed, _csrf: 'forged' } })).status(), 403);
    assert.equal(log(data, 'reply-requeued').length, 0);

    await page.locator('form[action="/actions/resend"] button').first().click();
    assert.match(await page.innerText('.flash'), /Fait : .* queued again/);
    await page.locator('form[action="/actions/retry"] button').first().click();
    assert.match(await page.innerText('.flash'), /Fait : .*back in the inbox/);
    await page.goto(`${origin}/requests`);
    await page.fill('tr#RGPD-2026-0001 form[action="/actions/extend"] input[name=reason]', 'demandes nombreuses <b>ce mois</b>');
    await page.locator('tr#RGPD-2026-0001 form[action="/actions/extend"] button').click();
    assert.match(await page.innerText('.flash'), /Fait : RGPD-2026-0001: due \d{4}-\d\d-\d\d/);
    await page.goto(`${origin}/requests`);
    await page.locator('form[action="/actions/approve"] button').click();
    assert.match(await page.innerText('.flash'), /Fait : RGPD-2026-0002: approved; still waiting for/);
    assert.equal(await page.locator('form[action="/actions/approve"]').count(), 0, 'approved once');
    await page.screenshot({ path: join(shots, 'after-actions.png'), fullPage: true });
    // The request's history, from its reference: the mail that made it and each extension.
    await page.locator('a', { hasText: 'RGPD-2026-0001' }).first().click();
    const history = await page.innerText('main');
    assert.match(history, /gdpr-extended[\s\S]*gdpr-extended[\s\S]*gdpr-request[\s\S]*received/);

    const login = log(data, 'console-login')[0];
    const lines = log(data, 'reply-requeued,retried,gdpr-extended,gdpr-confirmed').filter((e) => e.actor !== undefined && e.actor !== 'operator:cli'); // the setup's own extension is the CLI's
    assert.deepEqual(lines.map((e) => e.action).sort(), ['gdpr-confirmed', 'gdpr-extended', 'reply-requeued', 'retried']);
    for (const e of lines) {
      assert.equal(e.actor, 'operator:console');
      assert.equal(e.actorId, login?.actorId, 'the session that logged in');
      assert.match(e.actorId ?? '', /^hmac:/);
    }
    // The mail is back in the inbox, the reply queued again: the store says so too.
    const status = JSON.parse(mailbot(data, ['status', '--json']).stdout) as { setAside: unknown[]; outbox: { failed: number } };
    assert.deepEqual([status.setAside.length, status.outbox.failed], [0, 0]);
  });

  it('refuses a request naming another host, and a logged-out session', async () => {
    assert.equal(await rawGet(`${origin}/login`, 'evil.example'), 421);
    await page.goto(`${origin}/`);
    await page.locator('form[action="/logout"] button').click();
    assert.equal((await page.request.get(`${origin}/mails`)).status(), 401);
  });

  it('refuses to listen beyond loopback without TLS', () => {
    const r = mailbot(data, ['console', '--host', '0.0.0.0']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /0\.0\.0\.0 is not a loopback address[\s\S]*console\.tls/);
  });

  it('serves HTTPS only when the configuration gives a certificate, with a Secure cookie', async () => {
    const certDir = join(dir.path, 'tls');
    mkdirSync(certDir);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
    writeFileSync(join(data, 'config.json'), JSON.stringify({ console: { tls: { certFile: join(certDir, 'cert.pem'), keyFile: join(certDir, 'key.pem') } } }));
    const tls = await startConsole(data);
    try {
      assert.match(tls.url, /^https:\/\/127\.0\.0\.1:\d+\/login\?token=/);
      const secure = await browser.newContext({ ignoreHTTPSErrors: true });
      const p = await secure.newPage();
      assert.equal((await p.goto(tls.url))?.status(), 200);
      const [cookie] = (await secure.cookies()).filter((c) => c.name === 'mailbot_session');
      assert.equal(cookie?.secure, true);
      await secure.close();
      // Plain HTTP on the same port gets no page.
      const plain = await rawGet(tls.url.replace('https:', 'http:'), new URL(tls.url).host).catch(() => 0);
      assert.notEqual(plain, 200);
    } finally {
      tls.child.kill('SIGTERM');
      unlinkSync(join(data, 'config.json'));
    }
  });

  after(() => {
    console.log(`# console screenshots: ${shots}`);
  });
});
