/**
 * Statements by name: PostgreSQL parses and plans a named statement once per
 * connection (the extended protocol's Parse), and each later run sends only
 * its values (Bind, Execute). The store's statements are fixed texts run
 * thousands of times an hour, so planning each run again was most of the
 * server's work on a small query. The name is a digest of the text: the same
 * text has the same name on every connection, and two texts never share one.
 *
 * A pooler that hands statements to another server session than the one
 * that prepared them (PgBouncer in transaction mode without
 * max_prepared_statements) breaks named statements: the README says how to
 * connect.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';

const names = new Map<string, string>();

export function prepared(text: string, values: readonly unknown[] = []): pg.QueryConfig {
  let name = names.get(text);
  if (name === undefined) {
    name = `mb_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return { name, text, values: [...values] };
}
