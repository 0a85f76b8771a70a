/**
 * The French reform rules run on each invoice of a file before anything is
 * numbered: a rule broken by a value of the CSV becomes an error of the file,
 * with its line and column, like any other. Rules broken by the seller's
 * record or by the bot itself are left to the self-check, which refuses to
 * commit the batch.
 */
import type { CsvIssue } from '../csv/issues.js';
import type { ColumnKey } from '../csv/columns.js';
import type { Seller } from '../facturx/seller.js';
import { brfrCheck } from '../invoice/brfr.js';
import type { Invoice } from '../invoice/model.js';

/** A number that breaks no rule, standing in until the real ones are given. */
export const PROVISIONAL_NUMBER = 'PROVISIONAL-1';

/** The rules broken by CSV values, on the file's invoices computed with a provisional number (the rules never read it). */
export function ruleIssuesOf(seller: Seller, invoices: readonly Invoice[], labels: Partial<Record<ColumnKey, string>>): CsvIssue[] {
  const issues: CsvIssue[] = [];
  const seen = new Set<string>();
  for (const inv of invoices) {
    for (const v of brfrCheck(seller, inv)) {
      if (!v.source) continue;
      const { line, column, value } = v.source;
      // A breakdown or a total repeats the fault of its lines: one message per place is enough.
      const key = `${v.rule}|${line}|${column ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push({
        code: 'EINVOICE_RULE',
        severity: 'error',
        line,
        ...(column ? { column: labels[column] ?? column } : {}),
        ...(value !== undefined ? { value } : {}),
        params: { rule: v.rule },
      });
    }
  }
  return issues;
}
