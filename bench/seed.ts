/**
 * History for the benchmarks, written quickly through the store port (no
 * mail is sent): `mails` handled mails, one in ten a CSV mail whose batch
 * issued `invoicesPerBatch` invoices (so 50,000 mails give 5,000 batches and
 * 50,000 invoices), the rest questions answered with the help reply. Each
 * mail goes the way the daemon takes it: claim, a commit with its ledger
 * entry, its batch and its audit lines, then a commit that notes it moved.
 * The audit lines are those a real mail leaves (reply-queued, received,
 * routed, routed/invoices-issued, moved, reply-sent: six per mail), with
 * identities and received Message-IDs as keyed hashes. No PDF
 * is written: the batch records name files that are not there.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { AuditEntry } from '../src/audit/entry.js';
import type { BatchRecord, IssuedInvoice } from '../src/batch/types.js';
import { formatNumber, parsePattern, seriesKey, type NumberPattern } from '../src/invoice/numbering.js';
import { ledgerKey, type MailKey, type SeriesState, type Store } from '../src/store/port.js';

export interface SeedOptions {
  clientId: string;
  /** Handled mails to write. */
  mails: number;
  invoicesPerBatch?: number;
  /** Mails per transaction. */
  chunk?: number;
  /** The mailbox the seeded ledger names (an older UIDVALIDITY than any live one). */
  mailbox?: string;
  auditKey: Buffer;
  keyId?: string;
}

export interface SeedResult {
  mails: number;
  batches: number;
  invoices: number;
  auditLines: number;
  seconds: number;
}

const DAY = 86_400_000;
/** The history spans 1 January 2025 to 20 November 2026 (the bench CSVs are dated 20/11/2026). */
const FROM = Date.parse('2025-01-01T08:00:00Z');
const TO = Date.parse('2026-11-20T08:00:00Z');

export async function seedHistory(store: Store, o: SeedOptions): Promise<SeedResult> {
  const t0 = performance.now();
  const perBatch = o.invoicesPerBatch ?? 10;
  const chunk = o.chunk ?? 500;
  const mailbox = o.mailbox ?? 'imap://factures@127.0.0.1:143/INBOX';
  const hash = (id: string) => `hmac:${o.keyId ?? 'k1'}:${createHmac('sha256', o.auditKey).update(id.toLowerCase()).digest('hex')}`;
  const client = await store.read((tx) => tx.clients.get(o.clientId));
  if (!client) throw new Error(`seed: client ${o.clientId} not found`);
  const parsed = parsePattern(client.numberPattern);
  if (!parsed) throw new Error(`seed: bad number pattern ${client.numberPattern}`);
  const pattern: NumberPattern = parsed;
  const sender = client.emails[0] ?? 'compta@example.org';
  let batches = 0;
  let invoices = 0;
  let auditLines = 0;

  for (let start = 0; start < o.mails; start += chunk) {
    const mails = Array.from({ length: Math.min(chunk, o.mails - start) }, (_, j) => {
      const i = start + j;
      const at = new Date(FROM + Math.floor(((TO - FROM) * i) / Math.max(1, o.mails)));
      const mailKey: MailKey = { mailbox, uidValidity: '1600000000', uid: String(i + 1) };
      // A received mail's Message-ID is kept as a keyed hash, as the pipeline keeps it.
      return { i, at, mailKey, key: ledgerKey(mailKey), csv: i % 10 === 0, messageId: hash(`<seed-${i}@history.example>`) };
    });
    // The claims (one by one, as the daemon's workers take them: a few at a time).
    for (let k = 0; k < mails.length; k += 8) await Promise.all(mails.slice(k, k + 8).map((m) => store.mail.claim(m.key, m.mailKey)));

    await store.transact(async (tx) => {
      for (const m of mails) {
        const time = m.at.toISOString();
        const from = m.csv ? sender : `person${m.i % 997}@example.org`;
        const base = { mailKey: m.key, messageId: m.messageId, time };
        let clientId: string | undefined;
        const audit: Omit<AuditEntry, 'time' | 'mailKey' | 'messageId'>[] = [];
        if (m.csv) {
          clientId = o.clientId;
          const batch = await recordBatch(m, perBatch);
          audit.push({ action: 'reply-queued', outcome: 'ok', clientId, details: { kind: 'invoices' } });
          audit.push({ action: 'received', outcome: 'info', sender: hash(from), ip: hash(`192.0.2.${m.i % 250}`), details: { bytes: 2400, attachments: 1 } });
          audit.push({ action: 'routed', outcome: 'info', clientId, details: { handler: 'invoice' } });
          audit.push({ action: 'invoices-issued', outcome: 'ok', clientId, details: { invoices: batch.invoices.length, errors: 0, numbers: `${batch.invoices[0]?.number}…${batch.invoices.at(-1)?.number}` } });
        } else {
          audit.push({ action: 'reply-queued', outcome: 'ok', details: { kind: 'help' } });
          audit.push({ action: 'received', outcome: 'info', sender: hash(from), ip: hash(`198.51.100.${m.i % 250}`), details: { bytes: 900, attachments: 0 } });
          audit.push({ action: 'routed', outcome: 'info', details: { handler: 'help' } });
          audit.push({ action: 'routed', outcome: 'ok', details: { handler: 'help' } });
        }
        await tx.ledger.record({ ...m.mailKey, messageId: m.messageId, state: 'handled', attempts: 1, outcome: m.csv ? 'invoices-issued' : 'help-sent', folder: 'Processed', ...(clientId ? { clientId } : {}), firstSeenAt: time, updatedAt: time });
        for (const a of audit) tx.audit({ ...a, ...base });
      }

      async function recordBatch(m: (typeof mails)[number], count: number): Promise<BatchRecord> {
        const issueDate = m.at.toISOString().slice(0, 10);
        const expected = await tx.series.of(o.clientId);
        const next: Record<string, SeriesState> = structuredClone(expected);
        const key = seriesKey(pattern, { issueDate });
        const list: IssuedInvoice[] = [];
        for (let n = 0; n < count; n++) {
          const seq = (next[key]?.last ?? 0) + 1;
          next[key] = { last: seq, lastIssueDate: issueDate };
          const number = formatNumber(pattern, { issueDate }, seq);
          const ht = 100 + ((m.i * 7 + n * 13) % 900);
          const euros = (cents: number) => (cents / 100).toFixed(2);
          const withEmail = n % 3 === 0;
          list.push({
            ref: `R-${m.i}-${n + 1}`,
            number,
            issueDate,
            dueDate: new Date(m.at.getTime() + 30 * DAY).toISOString().slice(0, 10),
            buyerName: `Client ${(m.i + n) % 50} SAS`,
            buyerSiren: '123456790',
            ...(withEmail ? { buyerEmail: `achats${(m.i + n) % 200}@buyer.example` } : {}),
            currency: 'EUR',
            totalExclVat: euros(ht * 100),
            totalVat: euros(ht * 20),
            totalInclVat: euros(ht * 120),
            amountDue: euros(ht * 120),
            lineCount: 3,
            pdfFile: `${number}.pdf`,
            series: key,
            seq,
          });
        }
        const record: BatchRecord = {
          id: randomUUID(),
          clientId: o.clientId,
          fileName: `lot-${m.i}.csv`,
          fileSha256: createHash('sha256').update(`seed ${m.i} ${randomUUID()}`).digest('hex'),
          committedAt: m.at.toISOString(),
          invoices: list,
          warnings: [],
          reportFile: 'rapport.csv',
          sourceFile: 'source.csv',
          mailKey: m.key,
        };
        await tx.series.advance(o.clientId, expected, next);
        await tx.batches.record(record);
        return record;
      }
    });

    // The move, then its note in the ledger and the reply sent (as the daemon's later commits do).
    await store.transact(async (tx) => {
      for (const m of mails) {
        const at = new Date(m.at.getTime() + 1500).toISOString();
        await tx.ledger.moved([m.key], at);
        tx.audit({ action: 'moved', outcome: 'ok', mailKey: m.key, messageId: m.messageId, time: at, details: { folder: 'Processed' } });
        tx.audit({ action: 'reply-sent', outcome: 'ok', messageId: `<reply-${m.i}@studio.test>`, time: at, ...(m.csv ? { clientId: o.clientId } : {}), details: { kind: m.csv ? 'invoices' : 'help', attempts: 1, savedToSent: true } });
      }
    });
    // Counted once committed (a transaction function may run again after a conflict).
    const csvMails = mails.filter((m) => m.csv).length;
    batches += csvMails;
    invoices += csvMails * perBatch;
    auditLines += mails.length * 6;
  }
  return { mails: o.mails, batches, invoices, auditLines, seconds: (performance.now() - t0) / 1000 };
}
