/**
 * A file's errors as a CSV, for a list too long to read in a mail: line,
 * column, value, what is expected, in the client's language and separator
 * convention, every cell quoted and neutralised like the report's.
 */
import { neutraliseCell } from '../core/text.js';
import type { CsvIssue } from './issues.js';
import { issueText, type Lang } from './messages.js';

export function renderIssuesCsv(issues: readonly CsvIssue[], lang: Lang): string {
  const sep = lang === 'fr' ? ';' : ',';
  const cell = (value: string) => `"${neutraliseCell(value).replaceAll('"', '""')}"`;
  const head = lang === 'fr' ? ['ligne', 'colonne', 'valeur', 'probleme'] : ['line', 'column', 'value', 'problem'];
  const rows = [head.map(cell).join(sep)];
  for (const i of issues) rows.push([i.line > 0 ? String(i.line) : '', i.column ?? '', i.value ?? '', issueText(i, lang)].map(cell).join(sep));
  return `\ufeff${rows.join('\r\n')}\r\n`;
}
