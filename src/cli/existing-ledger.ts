import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { loadConfig, storeKindOf } from '../config.js';
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
  const why = ledgerFileRefusal(config.databaseUrl);
  if (why !== null) {
    console.error(`refused: ${why} (DATABASE_URL=${config.databaseUrl})`);
    process.exit(2);
  }
  // A command has no requests to answer meanwhile: verify on both cores (verify-ledger.ts).
  return openStore(config, { verify: { threads: 'split' } });
}

/** Why `databaseUrl` is not an existing ledger file, or null when it is one. */
export function ledgerFileRefusal(databaseUrl: string): string | null {
  // A PostgreSQL database is not created by opening it: a mistyped one fails to open.
  if (storeKindOf(databaseUrl) === 'postgres') return null;
  const path = sqlitePathOf(databaseUrl);
  if (path === ':memory:') return 'an in-memory database holds no ledger to read';
  if (!existsSync(path)) return `no ledger at ${path}; check the path`;
  let tables: string[] = [];
  try {
    const file = new Database(path, { readonly: true, fileMustExist: true });
    try {
      tables = file.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    } finally {
      file.close();
    }
  } catch {
    return `${path} is not an SQLite database`;
  }
  if (!tables.includes('events') || !tables.includes('__drizzle_migrations'))
    return `${path} is not a ledger (no events table)`;
  return null;
}
