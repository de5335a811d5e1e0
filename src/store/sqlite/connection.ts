import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export interface SqliteConnection {
  sqlite: Database.Database;
  db: Db;
  /** How many migrations the code ships; readiness compares it with what the file has applied. */
  expectedMigrations: number;
}

/**
 * Opens (creating folder and file if needed) the ledger database with the design's
 * durability settings and applies pending migrations. WAL lets readers run beside the
 * writer; synchronous=FULL makes every acknowledged commit survive a crash or power loss;
 * the busy timeout lets a second process on the same file wait for the write lock instead
 * of failing. temp_store=MEMORY keeps the journal of each command's savepoint (group commit)
 * in memory rather than in a temporary file: it is discarded at COMMIT either way.
 */
export function openSqlite(path: string, migrationsFolder: string): SqliteConnection {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('temp_store = MEMORY');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder });
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  return { sqlite, db, expectedMigrations: journal.entries.length };
}

/** `file:./data/ledger.db` → `./data/ledger.db` (also accepts a bare path). */
export function sqlitePathOf(databaseUrl: string): string {
  return databaseUrl.startsWith('file:') ? databaseUrl.slice('file:'.length) : databaseUrl;
}
