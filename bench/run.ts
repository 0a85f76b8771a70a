/**
 * `npm run bench`: speed figures of the invoice core, printed, never asserted.
 * On a generated batch of 1,000 invoices × 10 lines:
 * - CSV read + validate, lines per second;
 * - XML + PDF + self-check per invoice (warm), in ms;
 * - the whole batch through runBatch (files and the store commit included);
 * - peak RSS;
 * - the same invoices through @e-invoice-eu/core, and the ratio.
 */
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { DEFAULT_LIMITS, readCsv } from '../src/csv/read.js';
import { recordsToDrafts } from '../src/csv/rows.js';
import { renderCii } from '../src/facturx/cii.js';
import { renderPdf } from '../src/facturx/pdf.js';
import { computeInvoice } from '../src/invoice/compute.js';
import { selfCheck } from '../src/invoice/selfcheck.js';
import { NODE_FLAGS } from '../test/helpers/product.js';
import { seller } from '../test/helpers/sample.js';
import { generateBatchCsv } from './generate.js';

const INVOICES = Number(process.env.BENCH_INVOICES ?? 1000);
const LINES = Number(process.env.BENCH_LINES ?? 10);

const ms = (t0: number) => performance.now() - t0;
const fmt = (n: number, digits = 1) => n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const client = seller();
  const csv = Buffer.from(generateBatchCsv(INVOICES, LINES), 'utf8');
  const lineCount = INVOICES * LINES;
  console.log(`mailbot bench: ${INVOICES} invoices × ${LINES} lines (${lineCount.toLocaleString('en-GB')} CSV lines, ${fmt(csv.length / 1024 / 1024, 2)} MB), Node ${process.version}`);

  // 1. CSV read + validate.
  const parseTimes: number[] = [];
  let drafts = recordsToDrafts(await readCsv(csv), client, '2026-11-26', DEFAULT_LIMITS).drafts;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const read = await readCsv(csv);
    drafts = recordsToDrafts(read, client, '2026-11-26', DEFAULT_LIMITS).drafts;
    parseTimes.push(ms(t0));
  }
  if (drafts.length !== INVOICES) throw new Error(`expected ${INVOICES} drafts, got ${drafts.length}`);
  const parseMs = median(parseTimes);
  console.log(`csv read+validate   ${fmt(parseMs)} ms (median of 5) = ${Math.round(lineCount / (parseMs / 1000)).toLocaleString('en-GB')} lines/s   [target ≥ 100,000]`);

  // 2. Per invoice, warm: compute + XML + self-check + PDF.
  const invoices = drafts.map((d, i) => computeInvoice(d, `FA-2026-${String(i + 1).padStart(5, '0')}`));
  const renderOne = async (i: number) => {
    const inv = invoices[i % invoices.length];
    if (!inv) return 0;
    const xml = renderCii(client, inv);
    if (selfCheck(client, inv).length > 0) throw new Error('self-check failed');
    return (await renderPdf({ seller: client, invoice: inv, xml })).length;
  };
  for (let i = 0; i < 50; i++) await renderOne(i);
  let bytes = 0;
  const t1 = performance.now();
  for (let i = 0; i < invoices.length; i++) bytes += await renderOne(i);
  const perInvoice = ms(t1) / invoices.length;
  console.log(`xml+pdf+self-check  ${fmt(perInvoice, 2)} ms per invoice (warm, ${invoices.length} invoices, ${fmt(bytes / invoices.length / 1024)} KB per PDF)   [target ≤ 10]`);

  // 3. The whole batch, as the CLI and the mail daemon run it, in a fresh process (its peak RSS is the batch's).
  const child = spawnSync(process.execPath, [...NODE_FLAGS, '--import', 'tsx', join(import.meta.dirname, 'batch.ts'), String(INVOICES), String(LINES)], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`batch process failed: ${child.stderr}`);
  const batch = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as { seconds: number; rssMb: number; invoices: number };
  console.log(`whole batch         ${fmt(batch.seconds, 2)} s for ${batch.invoices} invoices (read, validate, number, render, write, commit)   [target ≤ 15]`);
  console.log(`peak RSS            ${fmt(batch.rssMb, 0)} MB for the whole batch process   [target ≤ 300]`);

  // 4. The same invoices with @e-invoice-eu/core.
  try {
    const { createEInvoiceEuRenderer } = await import('./einvoice-eu.js');
    const other = await createEInvoiceEuRenderer();
    const sample = invoices.slice(0, Math.min(200, invoices.length));
    for (let i = 0; i < 20; i++) await other.render(client, sample[i % sample.length] ?? invoices[0]!);
    const t3 = performance.now();
    for (const inv of sample) await other.render(client, inv);
    const theirs = ms(t3) / sample.length;
    console.log(`@e-invoice-eu/core  ${fmt(theirs, 2)} ms per invoice (${other.format}, warm, ${sample.length} invoices); ratio theirs/ours = ${fmt(theirs / perInvoice, 2)}`);
    console.log(`                    ${other.note}`);
  } catch (err) {
    console.log(`@e-invoice-eu/core  not measured: ${err instanceof Error ? err.message : String(err)}`);
  }

}

await main();
