import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';
import { PROJECT_ROOT } from '../../paths.js';
import { MIGRATION_LOCK } from './locks.js';

export const PG_MIGRATIONS_FOLDER = join(PROJECT_ROOT, 'migrations', 'pg');

/** Where drizzle's migrator records what it applied (its defaults). */
const APPLIED = 'drizzle.__drizzle_migrations';

/** The migrations the code ships, by the time drizzle-kit gave each (what the migrator records as created_at). */
export function shippedMigrations(folder: string): number[] {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: { when: number }[] };
  return journal.entries.map((e) => e.when);
}

/**
 * Applies pending migrations, holding a session-level advisory lock meanwhile: instances
 * started together wait for the first to finish, then find nothing left to apply. (The lock
 * goes with the connection if this process dies.)
 */
export async function migrateOnce(pool: pg.Pool, folder: string): Promise<void> {
  const client = await pool.connect();
  let broken: unknown;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(drizzle({ client }), { migrationsFolder: folder });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } catch (error) {
    broken = error;
    throw error;
  } finally {
    // A connection that failed is not given back to the pool: it may still hold the lock.
    client.release(broken instanceof Error ? broken : undefined);
  }
}

/** How many of the shipped migrations the database records as applied. */
export async function appliedCount(pool: pg.Pool, shipped: readonly number[]): Promise<number> {
  let rows: { created_at: number }[];
  try {
    rows = (await pool.query<{ created_at: number }>(`SELECT created_at FROM ${APPLIED}`)).rows;
  } catch (error) {
    // No record at all: nothing was ever applied.
    if ((error as { code?: string }).code === '42P01') return 0;
    throw error;
  }
  const applied = new Set(rows.map((r) => Number(r.created_at)));
  return shipped.filter((when) => applied.has(when)).length;
}
