/**
 * Versioned SQL migrations (migrations/NNN_name.sql), applied in order at
 * start, each in its own transaction, under an advisory lock so that two
 * daemons starting together apply each one once. A database migrated by a
 * newer mailbot is refused rather than used with a schema this one does not
 * know.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { MailbotError } from '../../core/errors.js';

/** The migrations ship as SQL files beside the sources (the same path from src/ and from dist/). */
export const MIGRATIONS_DIR = join(import.meta.dirname, '..', '..', '..', 'src', 'store', 'postgres', 'migrations');
const LOCK_KEY = 727_001; // pg_advisory_lock key of mailbot's migrations

export async function migrate(pool: pg.Pool, dir = MIGRATIONS_DIR): Promise<number[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const known = new Set(files.map((f) => Number(f.slice(0, 3))));
    const unknown = [...done].filter((v) => !known.has(v));
    if (unknown.length > 0) throw new MailbotError('STORE_TOO_NEW', `the database has schema version(s) ${unknown.join(', ')} that this mailbot does not know: it was migrated by a newer version`);
    for (const file of files) {
      const version = Number(file.slice(0, 3));
      if (done.has(version)) continue;
      const sql = await readFile(join(dir, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [version, file]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
      applied.push(version);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    client.release();
  }
  return applied;
}
