/**
 * One CSV file → its invoices, all or nothing.
 *
 * read → validate → number (tentatively) → compute → XML → self-check → PDF
 * → files staged → one transaction that consumes the numbers, records the
 * batch and adopts its files.
 *
 * A failure anywhere before the commit consumes no number and leaves no file
 * behind; a batch whose series moved meanwhile (another process committed a
 * batch of the same seller) is numbered again. The same bytes from the same client are recognised by
 * their SHA-256 and answered with the earlier result. Whether the client may
 * be invoiced at all (issuing.ts) is checked first, and again in the commit.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AuditActor } from '../audit/entry.js';
import { auditEntry, type AuditInput } from '../audit/trail.js';
import type { ClientRecord } from '../clients/record.js';
import { MailbotError, NotFoundError } from '../core/errors.js';
import { failpoint } from '../core/failpoints.js';
import { parisDay } from '../core/format.js';
import { DEFAULT_LIMITS, type CsvLimits } from '../csv/read.js';
import { numberFileStem } from '../invoice/numbering.js';
import type { SeriesState, Staging, Store, Tx } from '../store/port.js';
import type { PackedInvoice } from '../work/tasks.js';
import { InlineWork, type Work } from '../work/pool.js';
import type { RenderedDocument } from './render.js';
import { assertMayIssue, IssuingRefusedError } from './issuing.js';
import { queueDeposits } from '../platform/queue.js';
import { registerFacts } from './references.js';
import { renderReportCsv } from './report.js';
import type { BatchRecord, BatchResult, IssuedInvoice } from './types.js';

export interface BatchInput {
  clientId: string;
  fileName: string;
  bytes: Uint8Array;
  /** Processing date (YYYY-MM-DD, Europe/Paris) used when the CSV gives no issue date. */
  today?: string;
  limits?: CsvLimits;
  now?: Date;
  /** The mail the file came in (ledger key), recorded with the batch. */
  mailKey?: string;
  /** Where the heavy steps run (work/pool.ts); by default on the calling thread. */
  work?: Work;
}

/** Stored name of a file of a batch. */
export function batchFile(batchId: string, file: string): string {
  return `batches/${batchId}/${file}`;
}

/** Today in France, where the invoices are issued. */
export function parisToday(now = new Date()): string {
  return parisDay(now);
}

/**
 * A batch ready to commit: its files are staged, `commit` is what makes it
 * real (numbers consumed, batch recorded, files adopted), run by the caller
 * inside its own transaction (the mail daemon adds the reply and the ledger
 * to it); `abort` if that transaction failed. Rejected and duplicate files
 * have nothing to commit.
 */
export interface PreparedBatch {
  result: BatchResult;
  /** The staged files, readable before the commit (same names as in `result.files`). */
  staging?: Staging;
  commit?: (tx: Tx) => Promise<void>;
  /** The seller's series after this batch: the base for a second batch of the same mail. */
  sequencesAfter?: Record<string, SeriesState>;
  /** The batch as its commit records it: what a second batch of the same mail sees in the register. */
  record?: BatchRecord;
  abort(): Promise<void>;
}

const nothing = (): Promise<void> => Promise.resolve();

/** Conflicts a new attempt resolves: another batch of the seller took numbers meanwhile. */
export function isRetryableConflict(err: unknown): boolean {
  return err instanceof MailbotError && (err.code === 'SEQUENCE_MOVED' || err.code === 'STORE_CONFLICT');
}

/** The audit line of a batch's result, the same on every path (mail, command line). */
export function batchAudit(r: BatchResult): Omit<AuditInput, 'messageId' | 'mailKey'> {
  return {
    action: r.status === 'issued' ? 'invoices-issued' : r.status === 'duplicate' ? 'batch-duplicate' : 'batch-rejected',
    outcome: r.status === 'rejected' ? 'refused' : 'ok',
    clientId: r.clientId,
    details: { invoices: r.invoices.length, errors: r.errors.length, ...(r.batchId ? { batchId: r.batchId } : {}), ...(r.invoices.length > 0 ? { numbers: `${r.invoices[0]?.number}…${r.invoices.at(-1)?.number}` } : {}) },
  };
}

/**
 * Prepare and commit one file on its own (the `mailbot invoice` command),
 * with its audit line naming `by`: in the batch's own commit when it issues,
 * on its own when it issues nothing.
 */
export async function runBatch(store: Store, input: BatchInput, by: AuditActor): Promise<BatchResult> {
  for (let attempt = 1; ; attempt++) {
    const prepared = await prepareBatch(store, input).catch(async (err: unknown) => {
      // A refused client is an action on its record too: the attempt is in the trail, with who made it.
      if (err instanceof IssuingRefusedError) await store.transact((tx) => Promise.resolve(tx.audit(auditEntry({ action: 'batch-rejected', outcome: 'refused', clientId: err.clientId, details: { reason: err.code }, ...by }, input.now))));
      throw err;
    });
    const commit = prepared.commit;
    const line = (r: BatchResult) => auditEntry({ ...batchAudit(r), ...by }, input.now);
    if (!commit) {
      await store.transact((tx) => Promise.resolve(tx.audit(line(prepared.result))));
      return prepared.result;
    }
    try {
      // The one commit that makes the batch real, with its audit line.
      await store.transact(async (tx) => {
        await commit(tx);
        tx.audit(line(prepared.result));
      });
      return prepared.result;
    } catch (err) {
      await prepared.abort();
      if (!isRetryableConflict(err) || attempt >= 5) throw err;
    }
  }
}

/**
 * `baseSequences` and `earlier` chain the batches of one mail, committed
 * together: the second continues the first's series and sees its documents
 * in the register (a credit note of the second file counts what the first
 * credited).
 */
export async function prepareBatch(store: Store, input: BatchInput, baseSequences?: Record<string, SeriesState>, earlier: readonly BatchRecord[] = []): Promise<PreparedBatch> {
  const fileSha256 = createHash('sha256').update(input.bytes).digest('hex');
  const seen = await store.read(async (tx) => ({
    client: await tx.clients.get(input.clientId),
    earlier: await tx.batches.byFile(input.clientId, fileSha256),
    sequences: await tx.series.of(input.clientId),
  }));
  const client = seen.client;
  if (!client) throw new NotFoundError('client', input.clientId);
  const now = input.now ?? new Date();
  // Before anything else, even a duplicate's earlier invoices: a restricted or closed client's data is only stored.
  assertMayIssue(client, now);
  const base = { clientId: client.id, fileName: input.fileName, fileSha256 };
  if (seen.earlier) return { result: { ...base, ...committedView(seen.earlier), status: 'duplicate', errors: [] }, abort: nothing };

  const limits = input.limits ?? DEFAULT_LIMITS;
  const today = input.today ?? parisToday(input.now);
  const work = input.work ?? new InlineWork();
  const sequencesBefore = structuredClone(baseSequences ?? seen.sequences);
  // Reading, validating, numbering and computing run in a worker: a file that exhausts memory costs it, not the daemon.
  const planInput = { client, fileName: input.fileName, bytes: input.bytes, today, limits, sequencesBefore };
  let plan = await work.run('plan', planInput);
  if (plan.references) {
    // The file refers to earlier invoices: what the register knows of them decides (batch/references.ts).
    const numbers = plan.references;
    const register = await store.read(async (tx) => registerFacts([...(await tx.batches.concerning(client.id, numbers)), ...earlier], numbers));
    plan = await work.run('plan', { ...planInput, register });
  }
  const issues = plan.issues;
  const format = plan.format as Pick<BatchResult, 'encoding' | 'delimiter'>;
  if (!plan.numbered) {
    return {
      result: { ...base, ...format, status: 'rejected', invoices: [], errors: issues.filter((i) => i.severity === 'error'), warnings: issues.filter((i) => i.severity === 'warning') },
      abort: nothing,
    };
  }
  // Taken apart so that no closure below holds the plan: its invoices can be let go once drawn.
  const { invoices, summaries, sequences: sequencesAfter } = plan.numbered;

  const batchId = randomUUID();
  failpoint('batch-render');
  const staging = await store.files.stage();
  try {
    const issued = await renderAll(work, client, invoices, now, async (i, doc) => {
      const summary = summaries[i];
      if (!summary) throw new MailbotError('BATCH_PLAN_MISMATCH', `document ${i} has no summary`);
      const pdfFile = `${numberFileStem(summary.number)}.pdf`;
      // Written as it is made: a big batch never holds its PDFs together in memory.
      await staging.write(batchFile(batchId, pdfFile), doc.pdf);
      return { ...summary, pdfFile, pdfSha256: doc.pdfSha256 };
    });
    const reportFile = client.language === 'en' ? 'report.csv' : 'rapport.csv';
    await staging.write(batchFile(batchId, reportFile), renderReportCsv(issued, client.language));
    await staging.write(batchFile(batchId, 'source.csv'), input.bytes);

    const record: BatchRecord = {
      id: batchId,
      clientId: client.id,
      fileName: input.fileName,
      fileSha256,
      committedAt: now.toISOString(),
      invoices: issued,
      warnings: issues.filter((i) => i.severity === 'warning'),
      reportFile,
      sourceFile: 'source.csv',
      ...(input.mailKey ? { mailKey: input.mailKey } : {}),
    };
    return {
      result: { ...base, ...format, ...committedView(record), status: 'issued', errors: [] },
      staging,
      sequencesAfter,
      record,
      commit: async (tx) => {
        // The record as it is at the commit: a restriction or a closure committed since the preparation wins.
        const current = await tx.clients.get(client.id);
        if (!current) throw new NotFoundError('client', client.id);
        assertMayIssue(current, now);
        await tx.series.advance(client.id, sequencesBefore, sequencesAfter);
        await tx.batches.record(record);
        tx.files.adopt(staging);
        // Under the reform, the seller's platform receives each invoice: queued in this same commit (platform/queue.ts).
        await queueDeposits(tx, current, record, now.toISOString());
      },
      abort: () => staging.discard(),
    };
  } catch (err) {
    await staging.discard();
    throw err;
  }
}

/** Invoices per task: enough to make the hand-over between threads negligible, few enough to spread a batch over every worker. */
const DOCUMENTS_PER_TASK = 8;

/**
 * Draws every invoice of a batch on the workers, a few tasks per worker in
 * flight, and hands each document to `keep` as it comes (its PDF written at
 * once, never all held together); the results come back in the numbers'
 * order whatever order the workers finish in. The first failure stops the
 * batch: no new task starts, the failure is thrown once those running end.
 */
async function renderAll(work: Work, client: ClientRecord, invoices: readonly PackedInvoice[], createdAt: Date, keep: (index: number, doc: RenderedDocument) => Promise<IssuedInvoice>): Promise<IssuedInvoice[]> {
  const issued = new Array<IssuedInvoice>(invoices.length);
  let next = 0;
  let failed: Error | undefined;
  const lane = async (): Promise<void> => {
    while (failed === undefined && next < invoices.length) {
      const from = next;
      const to = Math.min(invoices.length, from + DOCUMENTS_PER_TASK);
      next = to;
      try {
        const docs = await work.run('render', { client, invoices: invoices.slice(from, to), createdAt });
        if (docs.length !== to - from) throw new MailbotError('WORK_FAILED', `a worker drew ${docs.length} documents of ${to - from}`);
        for (const [k, doc] of docs.entries()) {
          if (failed !== undefined) return; // another lane failed: nothing more is written
          issued[from + k] = await keep(from + k, doc);
        }
      } catch (err) {
        failed ??= err instanceof Error ? err : new Error(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, work.parallelism * 2) }, lane));
  if (failed !== undefined) throw failed;
  return issued;
}

function committedView(b: BatchRecord): Pick<BatchResult, 'batchId' | 'committedAt' | 'invoices' | 'warnings' | 'files'> {
  return {
    batchId: b.id,
    committedAt: b.committedAt,
    invoices: b.invoices,
    warnings: b.warnings,
    files: { pdfs: b.invoices.map((i) => batchFile(b.id, i.pdfFile)), report: batchFile(b.id, b.reportFile) },
  };
}
