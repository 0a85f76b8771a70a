/**
 * Starting the console: where it may listen, with what, and the login link.
 * Any other host than loopback is refused unless the configuration gives a
 * certificate and key; then it is HTTPS only.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { auditTrailFor } from '../audit/trail.js';
import { auditKey } from '../config/secrets.js';
import type { Config } from '../config/schema.js';
import { UsageError } from '../core/errors.js';
import type { MailboxAccess } from '../retention/run.js';
import type { Store } from '../store/port.js';
import { ConsoleAuth, isLoopback } from './auth.js';
import { buildConsole } from './server.js';

export interface RunningConsole {
  app: FastifyInstance;
  auth: ConsoleAuth;
  /** The address to open, without a token. */
  origin: string;
  /** A new one-time login link. */
  loginUrl(): string;
  close(): Promise<void>;
}

export async function startConsole(store: Store, config: Config, dataDir: string, at: { host?: string; port?: number } = {}): Promise<RunningConsole> {
  const host = at.host ?? config.console.host;
  const port = at.port ?? config.console.port;
  const tlsFiles = config.console.tls;
  if (!isLoopback(host) && !tlsFiles) throw new UsageError(`console: ${host} is not a loopback address; the console listens on 127.0.0.1 unless the configuration gives console.tls (certFile, keyFile), then HTTPS only. From another machine, use an SSH tunnel (README)`);
  const tls = tlsFiles ? { cert: await readFile(tlsFiles.certFile), key: await readFile(tlsFiles.keyFile) } : undefined;
  const trail = await auditTrailFor(store, config);
  const { key, keyId } = await auditKey(store.dataDir, config);
  const auth = new ConsoleAuth();
  // The Host header must name this console: filled in once the port is known.
  const allowedHosts: string[] = [];
  // The mailbox is opened once a page asks for a reply's Sent copy, and kept for the next ones.
  let mailbox: Promise<MailboxAccess | undefined> | undefined;
  const openMailbox = () =>
    (mailbox ??= (async () => {
      const { buildSourceAndTransport, createLogger } = await import('../mail/runtime.js');
      const { source, transport } = buildSourceAndTransport(dataDir, config, createLogger());
      try {
        await source.open({ deadlineMs: 5_000 });
        return { source, transport };
      } catch {
        mailbox = undefined; // tried again by the next page
        transport.close();
        await source.close().catch(() => undefined);
        return undefined;
      }
    })());
  const app = await buildConsole({ store, config, dataDir, trail, seal: { key, keyId }, auth, mailbox: openMailbox, ...(tls ? { tls } : {}) }, { allowedHosts });
  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  for (const name of [shown, ...(isLoopback(host) ? ['localhost', '127.0.0.1', '[::1]'] : [])]) allowedHosts.push(`${name}:${bound}`.toLowerCase());
  const origin = `${tls ? 'https' : 'http'}://${shown}:${bound}`;
  const close = async () => {
    await app.close();
    const open = await mailbox;
    open?.transport.close();
    await open?.source.close().catch(() => undefined);
  };
  return { app, auth, origin, loginUrl: () => `${origin}/login?token=${auth.issueToken()}`, close };
}
