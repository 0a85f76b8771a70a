/** `mailbot invoice FILE.csv --client ID`: the invoice core from the command line. */
import { copyFile, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { recoverStaging, runBatch } from '../../batch/run.js';
import type { BatchResult } from '../../batch/types.js';
import { getClient } from '../../clients/service.js';
import { displayAmount } from '../../core/money.js';
import { describeIssue, issueText, type Lang } from '../../csv/messages.js';
import { ensurePrivateDir } from '../../store/files.js';
import { withDataLock } from '../../store/lock.js';
import { openStore, type GlobalOptions } from '../context.js';
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
      const store = await openStore(globals());
      const client = getClient(store, flags.client);
      const lang: Lang = flags.lang ?? client.language;
      const bytes = await readFile(file);
      const result = await withDataLock(store.dataDir, 'invoice batch', async () => {
        await store.reload();
        await recoverStaging(store);
        return runBatch(store, { clientId: client.id, fileName: basename(file), bytes, ...(flags.today ? { today: flags.today } : {}) });
      });
      if (flags.out && result.files) {
        const out = resolve(flags.out);
        await ensurePrivateDir(out);
        for (const path of [...result.files.pdfs, result.files.report]) await copyFile(path, join(out, basename(path)));
      }
      if (flags.json) {
        const withText = (list: BatchResult['errors']) => list.map((i) => ({ ...i, message: { fr: issueText(i, 'fr'), en: issueText(i, 'en') } }));
        console.log(JSON.stringify({ ...result, errors: withText(result.errors), warnings: withText(result.warnings) }, null, 2));
      } else {
        console.log(summary(result, lang, flags.out));
      }
      if (result.status === 'rejected') process.exitCode = 1;
    });
}

function summary(r: BatchResult, lang: Lang, out?: string): string {
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
    const head =
      r.status === 'duplicate'
        ? fr ? `${r.fileName} : fichier déjà traité le ${r.committedAt ?? ''} ; aucune nouvelle facture, voici celles émises alors.` : `${r.fileName}: this file was already processed on ${r.committedAt ?? ''}; nothing new issued, here are the invoices from then.`
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
    if (r.files) parts.push('', `${fr ? 'Fichiers' : 'Files'}: ${out ? resolve(out) : r.files.dir}`);
  }
  if (r.warnings.length > 0) {
    parts.push('', fr ? 'Avertissements :' : 'Warnings:', ...r.warnings.map((w) => `  ${describeIssue(w, lang)}`));
  }
  return parts.join('\n');
}
