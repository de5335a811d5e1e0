import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { loadConfig } from '../config.js';
import { openStore } from '../server.js';
import type { LedgerStore } from '../store/ledger-store.js';
import { sqlitePathOf } from '../store/sqlite/connection.js';

/**
 * The ledger a reading command (verify, export) works on. A mistyped DATABASE_URL must not
 * quietly create, or migrate, a database that then "verifies" as an intact empty ledger: the
 * file must exist and already be a ledger (its events table and migration record present).
 */
export async function openExistingLedger(): Promise<LedgerStore> {
  const config = loadConfig();
  const path = sqlitePathOf(config.databaseUrl);
  const refuse = (why: string): never => {
    console.error(`refused: ${why} (DATABASE_URL=${config.databaseUrl})`);
    process.exit(2);
  };
  if (path === ':memory:') refuse('an in-memory database holds no ledger to read');
  if (!existsSync(path)) refuse(`no ledger at ${path}; check the path`);
  let tables: string[] = [];
  try {
    const file = new Database(path, { readonly: true, fileMustExist: true });
    try {
      tables = (file.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
    } finally {
      file.close();
    }
  } catch {
    refuse(`${path} is not an SQLite database`);
  }
  if (!tables.includes('events') || !tables.includes('__drizzle_migrations')) refuse(`${path} is not a ledger (no events table)`);
  // A command has no requests to answer meanwhile: verify on both cores (verify-ledger.ts).
  return await openStore(config, { verify: { threads: 'split' } });
}
