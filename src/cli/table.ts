/** Plain-text tables for the terminal: columns padded to their widest cell. */
export function table(headers: readonly string[], cells: readonly (readonly string[])[], align: readonly ('l' | 'r')[] = []): string {
  const rows = cells.map((r) => r.map(printable));
  const widths = headers.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const fmt = (cells: readonly string[]) =>
    cells
      .map((c, i) => {
        const w = widths[i] ?? 0;
        const pad = ' '.repeat(Math.max(0, w - [...c].length));
        return align[i] === 'r' ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  return [fmt(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

/**
 * A value as it may reach the terminal: control characters (an escape
 * sequence hidden in a Message-ID or an error) are shown as "?", never sent.
 */
export function printable(value: string): string {
  // eslint-disable-next-line no-control-regex -- these are exactly what must not reach the terminal
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
}

/** Words joined into lines of at most `width` characters, each indented. */
export function wrap(text: string, width: number, indent = ''): string {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(indent + current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(indent + current);
  return lines.join('\n');
}

