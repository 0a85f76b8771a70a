/**
 * The daemon's configuration: a JSON file (default data/config.json, never in
 * git) plus environment variables for every secret. Validated at start, so a
 * mistake is reported with its field and fix before the first mail
 * (invariant 14).
 */
import { z } from 'zod';
import { duration, retentionSchema } from '../retention/settings.js';

const port = z.number().int().min(1).max(65535);
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'the name of an environment variable, e.g. MAILBOT_IMAP_PASSWORD');

/** Password or OAuth2. Secrets are never in the file: only the names of the variables that hold them. */
const authSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('password'), user: z.string().min(1), passwordEnv: envName }),
  z.object({
    type: z.literal('oauth2'),
    user: z.string().min(1),
    tokenUrl: z.url(),
    clientId: z.string().min(1),
    clientSecretEnv: envName.optional(),
    refreshTokenEnv: envName,
    scope: z.string().optional(),
    /** XOAUTH2 (Google, Microsoft) or OAUTHBEARER (RFC 7628). */
    method: z.enum(['XOAUTH2', 'OAUTHBEARER']).default('XOAUTH2'),
  }),
]);
export type AuthConfig = z.infer<typeof authSchema>;

/** tls: implicit TLS; starttls: upgrade required; plain: no TLS, refused unless the host is a loopback address. */
const security = z.enum(['tls', 'starttls', 'plain']);

export const imapSchema = z.object({
  host: z.string().min(1),
  port: port.default(993),
  security: security.default('tls'),
  auth: authSchema,
  /** PEM file of a CA to trust (self-signed test servers). */
  caFile: z.string().optional(),
  inbox: z.string().default('INBOX'),
  sentFolder: z.string().nullable().default('Sent'),
});

export const smtpSchema = z.object({
  host: z.string().min(1),
  port: port.default(587),
  security: security.default('starttls'),
  auth: authSchema.optional(),
  caFile: z.string().optional(),
});

const folders = z.object({
  processed: z.string().default('Processed'),
  rejected: z.string().default('Rejected'),
  ignored: z.string().default('Ignored'),
});

/**
 * Where the bot keeps its state: the embedded store in the data directory
 * (the default), or PostgreSQL, for several daemons sharing one state. The
 * connection URL (with its password) comes from the environment.
 */
const storeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('embedded') }),
  z.object({
    type: z.literal('postgres'),
    urlEnv: envName.default('MAILBOT_DATABASE_URL'),
    /** This daemon's name among those sharing the database (default: host name and data directory). */
    node: z.string().regex(/^[A-Za-z0-9._:@/-]{1,100}$/).optional(),
    /** A daemon that gave no sign of life for this long is taken as dead: its mails in hand go to the others. */
    leaseSeconds: z.number().int().min(5).max(3600).default(60),
    poolSize: z.number().int().min(2).max(50).default(6),
  }),
]);
export type StoreConfig = z.infer<typeof storeSchema>;

export const configSchema = z
  .object({
    store: storeSchema.default({ type: 'embedded' }),
    /** The bot's own address: the From of every reply, and never answered. */
    botAddress: z.email().default('factures@mailbot.localhost'),
    botName: z.string().default('Mailbot'),
    /** Where operator digests go (GDPR deadlines). */
    operatorAddress: z.email().optional(),
    /**
     * The studio as the documents its clients read name it (the retention
     * policy): the controller of the clients' records, whom to write to, its
     * privacy policy, and what the operator commits to on the server, which
     * the software cannot see and the documents state only when set here.
     */
    studio: z
      .object({
        /** Legal name of the controller (the studio's company). */
        name: z.string().trim().min(1).max(200).optional(),
        /** Its postal address, on one line. */
        address: z.string().trim().min(1).max(300).optional(),
        /** Where a person writes about their data; default: operatorAddress, else botAddress. */
        contact: z.email().optional(),
        /** The studio's privacy policy, an https:// address. */
        privacyPolicyUrl: z.url({ protocol: /^https$/ }).optional(),
        /** The operator's own commitments about the server. */
        hosting: z
          .object({
            /** The data directory lives on an encrypted volume. */
            encryptedVolume: z.boolean().optional(),
            /** How long the server's own technical logs are kept (e.g. "6m"). */
            serverLogs: duration.optional(),
            /** How long a backup is kept before newer ones replace it (e.g. "30d"). */
            backups: duration.optional(),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    imap: imapSchema.optional(),
    smtp: smtpSchema.optional(),
    folders: folders.default({ processed: 'Processed', rejected: 'Rejected', ignored: 'Ignored' }),
    /** When set, the topmost Authentication-Results header with this id must show DMARC (or aligned DKIM/SPF) pass. */
    authservId: z.string().min(1).optional(),
    /**
     * Without `authservId`, anyone can put a client's address in From and send
     * batches. An IMAP mailbox refuses to start that way unless this says so.
     */
    trustUnauthenticatedSenders: z.boolean().default(false),
    limits: z
      .object({
        messageBytes: z.number().int().positive().default(25 * 1024 * 1024),
        attachments: z.number().int().positive().default(20),
        attachmentBytes: z.number().int().positive().default(10 * 1024 * 1024),
        mailsPerSenderPerHour: z.number().int().positive().default(30),
        /**
         * Replies to senders who are not clients, all of them together, per hour:
         * forged senders must not turn the bot into a source of backscatter.
         */
        repliesToUnknownPerHour: z.number().int().positive().default(200),
        /**
         * Mails carrying a confirmation code that one address may be sent in a
         * rolling day because of mails our server did not authenticate (forged or
         * unverifiable): past it, such a mail is filed away unanswered. 0 sends
         * none. Codes caused by authenticated mail are not counted.
         */
        unverifiedCodeMailsPerAddressPerDay: z.number().int().min(0).max(1000).default(3),
        /** Files inside ZIPs, all the mail's ZIPs together. */
        zipEntries: z.number().int().positive().default(20),
        /** Bytes once inflated, all the mail's ZIPs together (checked before inflating). */
        zipBytes: z.number().int().positive().default(20 * 1024 * 1024),
        /** Bytes of mail handled at the same time: a big mail is handled alone, small ones together. */
        inFlightBytes: z.number().int().positive().default(24 * 1024 * 1024),
        /** An issue date (BT-2) may be at most this many days after the processing date. */
        maxFutureIssueDays: z.number().int().min(0).max(366).default(7),
      })
      .prefault({}),
    /**
     * The worker threads that read, compute and draw the documents
     * (work/pool.ts). Each worker's heap is capped: a file that needs more is
     * that mail's error, never the daemon's end.
     */
    work: z
      .object({
        /** Worker threads; by default one per core (at most 8). */
        threads: z.number().int().min(1).max(32).optional(),
        /** Heap cap of each worker, in MB. */
        workerMemoryMb: z.number().int().min(64).max(4096).default(192),
        /** A task (reading a file, drawing a few invoices) stopped after this long is the mail's error. */
        taskSeconds: z.number().int().min(10).max(3600).default(300),
      })
      .prefault({}),
    replies: z
      .object({
        /** Beyond this many PDFs, or this many bytes, they travel as one ZIP. */
        zipAboveCount: z.number().int().nonnegative().default(5),
        zipAboveBytes: z.number().int().positive().default(5 * 1024 * 1024),
        /** No reply is bigger: above it the invoices travel in several mails, 1/N, 2/N… (servers refuse 25–35 MB). */
        maxMessageBytes: z.number().int().min(1024 * 1024).default(20 * 1024 * 1024),
      })
      .prefault({}),
    gdpr: z
      .object({
        /** How long a confirmation code stays valid (hours). */
        codeValidityHours: z.number().positive().default(72),
        /** Who receives the data on the studio's behalf (Art. 15(1)(c)), listed in access answers. */
        recipients: z.array(z.string()).default(['Hébergeur du serveur du studio (France)', 'Fournisseur de messagerie du studio']),
        /** When the operator digest of open requests is mailed (node-cron). */
        digestCron: z.string().default('0 8 * * *'),
        /**
         * Days between telling the person a restriction will be lifted and lifting it
         * (`mailbot requests unrestrict`; Art. 18(3) asks that they be told before).
         */
        restrictionLiftNoticeDays: z.number().positive().max(90).default(7),
      })
      .prefault({}),
    /** The approved platforms of the sellers in deposit mode (platform/): how often the queue and the lifecycle are looked at. */
    platform: z
      .object({
        /** Seconds between two passes of the deposit queue and the lifecycle poll. */
        pollSeconds: z.number().int().min(5).max(86_400).default(60),
        /** Deposits in flight at once, across sellers. */
        concurrency: z.number().int().min(1).max(32).default(4),
        /** How long an attempt holds its deposits; after a crash, another pass takes them again once it ran out. */
        leaseSeconds: z.number().int().min(1).max(3600).default(300),
        /** When the daily digest of statuses leaves (node-cron), for sellers who want it. */
        digestCron: z.string().default('0 7 * * *'),
      })
      .prefault({}),
    /**
     * The operator's web console (`mailbot console`): loopback only, unless
     * a certificate and key are given, then HTTPS only.
     */
    console: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        /** 0: a free port, printed at start. */
        port: z.number().int().min(0).max(65535).default(0),
        tls: z.object({ certFile: z.string().min(1), keyFile: z.string().min(1) }).strict().optional(),
      })
      .strict()
      .prefault({}),
    /** How long each category of data is kept (see src/retention/settings.ts and `mailbot retention policy`). */
    retention: retentionSchema,
    /** node-cron expression of the safety-net poll (IDLE is the main path). */
    pollCron: z.string().default('* * * * *'),
    /** IDLE restarts this often (ms) so the server sees activity; new mail still arrives within ~1 s. */
    idleRestartMs: z.number().int().positive().default(5 * 60_000),
    audit: z
      .object({
        /** HMAC-SHA-256 key for identities in the audit trail (hex or base64, ≥ 32 bytes), from this variable. */
        keyEnv: envName.default('MAILBOT_AUDIT_KEY'),
        keyId: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/).default('k1'),
      })
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ImapConfig = z.infer<typeof imapSchema>;
export type SmtpConfig = z.infer<typeof smtpSchema>;

/**
 * Where a reader is told to write for what the bot does not do ("contact the
 * studio"): the operator's address when the configuration names one (a
 * person reads it), else the bot's own address, whose mailbox the studio reads.
 */
export function studioContact(config: Pick<Config, 'operatorAddress' | 'botAddress'> & { studio?: Pick<Config['studio'], 'contact'> }): string {
  return config.studio?.contact ?? config.operatorAddress ?? config.botAddress;
}
