import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useLedger } from '../support/app.js';
import { agreed, registerParties, stage } from '../support/scenario.js';
import type { SqliteLedgerStore } from '../../src/store/sqlite/sqlite-store.js';

/**
 * The service's connection never checkpoints inside a COMMIT (that stalled whole batches of
 * writes); a background thread copies the WAL into the database file instead.
 */
describe('checkpoints off the request thread', () => {
  const t = useLedger();

  it('leaves wal_autocheckpoint off on the service’s connection', () => {
    const sqlite = (t().store as SqliteLedgerStore as unknown as { conn: { sqlite: Database.Database } }).conn.sqlite;
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
  });

  it('copies committed pages into the database file while the service runs', async () => {
    await registerParties(t(), 'UA', 'RU');
    const before = statSync(t().dbPath).size;
    const id = await agreed(t());
    for (let i = 0; i < 60; i += 1) await stage(t(), id, { UA: 1, RU: 1 }, '2025-05-23');
    // Only a checkpoint writes the main file while the service's connection is open (a WAL
    // database takes its commits in the -wal file): it must grow without any COMMIT doing it.
    const deadline = Date.now() + 5_000;
    while (statSync(t().dbPath).size <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(statSync(t().dbPath).size).toBeGreaterThan(before);
  });
});
