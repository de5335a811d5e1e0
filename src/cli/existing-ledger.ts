import { existsSync } from 'node:fs';
import { loadConfig } from '../config.js';
import { openStore } from '../server.js';
import type { LedgerStore } from '../store/ledger-store.js';
import { sqlitePathOf } from '../store/sqlite/connection.js';

/**
 * The ledger a reading command (verify, export) works on. A mistyped DATABASE_URL must not
 * quietly create an empty ledger that then "verifies" as intact: a missing file is refused.
 */
export function openExistingLedger(): LedgerStore {
  const config = loadConfig();
  const path = sqlitePathOf(config.databaseUrl);
  if (path !== ':memory:' && !existsSync(path)) {
    console.error(`refused: no ledger at ${path} (DATABASE_URL=${config.databaseUrl}); check the path`);
    process.exit(2);
  }
  return openStore(config);
}
