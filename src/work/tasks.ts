/**
 * The heavy, pure steps a worker thread runs, by name: one small function
 * per task behind a registry, as the mail protocols' commands are. Values
 * cross the thread boundary packed (pack.ts); the PDFs' bytes are moved,
 * not copied.
 */
import { planBatch, type BatchPlan, type PlanInput } from '../batch/plan.js';
import { renderDocuments, type RenderedDocument } from '../batch/render.js';
import type { ClientRecord } from '../clients/record.js';
import type { Invoice } from '../invoice/model.js';
import { pack, unpack } from './pack.js';

/** A computed invoice in transit (pack.ts): its amounts as exact decimal text, made an Invoice again by `unpack`. */
export type PackedInvoice = Record<string, unknown>;

/** A batch's plan as it leaves the worker: the invoices stay packed until a worker draws them. */
export type WirePlan = Omit<BatchPlan, 'numbered'> & {
  numbered?: Omit<NonNullable<BatchPlan['numbered']>, 'invoices'> & { invoices: PackedInvoice[] };
};

export interface RenderArgs {
  client: ClientRecord;
  invoices: PackedInvoice[];
  createdAt: Date;
}

export interface TaskResult<T> {
  value: T;
  /** Buffers whose ownership moves to the receiving thread. */
  transfer: ArrayBuffer[];
}

async function plan(input: PlanInput): Promise<TaskResult<WirePlan>> {
  const p = await planBatch(input);
  const value: WirePlan = p.numbered
    ? { ...p, numbered: { ...p.numbered, invoices: p.numbered.invoices.map((i) => pack(i) as PackedInvoice) } }
    : { format: p.format, issues: p.issues, ...(p.references ? { references: p.references } : {}) };
  return { value, transfer: [] };
}

async function render(args: RenderArgs): Promise<TaskResult<RenderedDocument[]>> {
  const docs = await renderDocuments({ client: args.client, invoices: args.invoices.map((i) => unpack<Invoice>(i)), createdAt: args.createdAt });
  const transfer: ArrayBuffer[] = [];
  const value = docs.map((d) => {
    // A PDF that shares its ArrayBuffer (a pooled Buffer) is copied into one of its own before it moves.
    const own = d.pdf.byteOffset === 0 && d.pdf.byteLength === d.pdf.buffer.byteLength ? d.pdf : new Uint8Array(d.pdf);
    transfer.push(own.buffer as ArrayBuffer);
    return { pdf: own, pdfSha256: d.pdfSha256 };
  });
  return { value, transfer };
}

export const TASKS = { plan, render } as const;

export type TaskName = keyof typeof TASKS;
export type TaskArgs<N extends TaskName> = Parameters<(typeof TASKS)[N]>[0];
export type TaskValue<N extends TaskName> = Awaited<ReturnType<(typeof TASKS)[N]>>['value'];
