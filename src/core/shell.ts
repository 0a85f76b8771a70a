/** A value as a POSIX shell reads it back unchanged when pasted: single-quoted unless it is plainly safe. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
