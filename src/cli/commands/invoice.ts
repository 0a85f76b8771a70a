/** `mailbot invoice FILE.csv --client ID`: the invoice core from the command line. */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { BatchResult } from '../../batch/types.js';
import { getClient } from '../../clients/service.js';
import { displayAmount, displayDateTime } from '../../core/format.js';
import { describeIssue, issueText, type Lang } from '../../csv/messages.js';
import { ensurePrivateDir, writePrivateFile } from '../../store/files.js';
import { withStore, type GlobalOptions } from '../context.js';
import { table } from '../table.js';

interface InvoiceFlags {
  client: string;
  out?: string;
  json?: boolean;
  lang?: Lang;
  today?: string;
}

export function registerInvoiceCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('invoice <file>')
    .description('turn a CSV batch into Factur-X invoices, or list every error in it')
    .requiredOption('--client <id>', 'the seller the invoices are issued for')
    .option('--out <dir>', 'also copy the PDFs and the report to this folder')
    .option('--json', 'print the result as JSON')
    .option('--lang <lang>', 'language of messages: fr | en (default: the client’s)')
    .option('--today <date>', 'processing date YYYY-MM-DD used when the CSV has no issue date (default: today in Paris)')
    .action(async (file: string, flags: InvoiceFlags) => {
      const bytes = await readFile(file);
      // The invoice core (PDF, fonts) is loaded only by the command that uses it.
      const { runBatch } = await import('../../batch/run.js');
      const { DEFAULT_LIMITS } = await import('../../csv/read.js');
      await withStore(globals(), async (store, config) => {
        await store.check();
        const client = await getClient(store, flags.client);
        const lang: Lang = flags.lang ?? client.language;
        const limits = { ...DEFAULT_LIMITS, maxFutureIssueDays: config.limits.maxFutureIssueDays };
        const { operatorActor } = await import('../actor.js');
        // The same rules and the same audit line as a batch by mail (batch/issuing.ts, batchAudit), the operator as the actor.
        // The batch's invoices are drawn on every core, as the daemon draws them.
        const { workerPool } = await import('../../work/pool.js');
        const work = workerPool(config);
        const result = await runBatch(store, { clientId: client.id, fileName: basename(file), bytes, limits, work, ...(flags.today ? { today: flags.today } : {}) }, await operatorActor(store, config)).finally(() => work.close());
        if (flags.out && result.files) {
          const out = resolve(flags.out);
          await ensurePrivateDir(out);
          for (const name of [...result.files.pdfs, result.files.report]) await writePrivateFile(join(out, basename(name)), await store.files.read(name));
        }
        if (flags.json) {
          const withText = (list: BatchResult['errors']) => list.map((i) => ({ ...i, message: { fr: issueText(i, 'fr'), en: issueText(i, 'en') } }));
          console.log(JSON.stringify({ ...result, errors: withText(result.errors), warnings: withText(result.warnings) }, null, 2));
        } else {
          const local = result.files ? store.files.localPath(result.files.report) : undefined;
          console.log(summary(result, lang, flags.out ? resolve(flags.out) : local ? dirname(local) : undefined));
        }
        if (result.status === 'rejected') process.exitCode = 1;
      });
    });
}

function summary(r: BatchResult, lang: Lang, where?: string): string {
  const fr = lang === 'fr';
  const parts: string[] = [];
  if (r.status === 'rejected') {
    parts.push(
      fr ? `${r.fileName} : aucune facture émise, ${r.errors.length} erreur(s) à corriger.` : `${r.fileName}: no invoice issued, ${r.errors.length} error(s) to fix.`,
      '',
      table(
        fr ? ['ligne', 'colonne', 'valeur', 'problème'] : ['line', 'column', 'value', 'problem'],
        r.errors.map((e) => [e.line > 0 ? String(e.line) : '—', e.column ?? '', e.value ?? '', issueText(e, lang)]),
        ['r'],
      ),
    );
  } else {
    const when = r.committedAt ? displayDateTime(r.committedAt, lang) : '';
    const head =
      r.status === 'duplicate'
        ? fr ? `${r.fileName} : fichier déjà traité le ${when} ; aucune nouvelle facture, voici celles émises alors.` : `${r.fileName}: this file was already processed on ${when}; nothing new issued, here are the invoices from then.`
        : fr ? `${r.fileName} : ${r.invoices.length} facture(s) émise(s).` : `${r.fileName}: ${r.invoices.length} invoice(s) issued.`;
    parts.push(
      head,
      '',
      table(
        fr ? ['référence', 'numéro', 'client', 'total HT', 'TVA', 'total TTC'] : ['reference', 'number', 'buyer', 'excl. VAT', 'VAT', 'incl. VAT'],
        r.invoices.map((i) => [i.ref, i.number, i.buyerName, displayAmount(i.totalExclVat, lang), displayAmount(i.totalVat, lang), `${displayAmount(i.totalInclVat, lang)} ${i.currency}`]),
        ['l', 'l', 'l', 'r', 'r', 'r'],
      ),
    );
    if (r.files && where) parts.push('', `${fr ? 'Fichiers' : 'Files'}: ${where}`);
  }
  if (r.warnings.length > 0) {
    parts.push('', fr ? 'Avertissements :' : 'Warnings:', ...r.warnings.map((w) => `  ${describeIssue(w, lang)}`));
  }
  return parts.join('\n');
}
