import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * Which store the suite runs on: the vitest project sets LEDGER_TEST_STORE (vitest.config.ts).
 * The same HTTP, security and audit tests run on each.
 */
export const TEST_STORE: 'sqlite' | 'postgres' = process.env.LEDGER_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/** The PostgreSQL database the suite may create its own databases from (`.ci/run` makes a fresh one). */
export const PG_ADMIN_URL = process.env.LEDGER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_TEST_URL = process.env.LEDGER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestDatabase {
  /** DATABASE_URL of a new, empty ledger database. */
  url: string;
  /** The SQLite file ('' on PostgreSQL). */
  dbPath: string;
  /** What the service needs besides DATABASE_URL (Redis for shared limits, on PostgreSQL). */
  env: Record<string, string>;
  drop: () => Promise<void>;
}

let made = 0;

/** A fresh ledger database of the suite's store: a file in a new temp folder, or a new PostgreSQL database. */
export async function testDatabase(kind = TEST_STORE): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-test-'));
    const dbPath = join(dir, 'ledger.db');
    return { url: `file:${dbPath}`, dbPath, env: {}, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const admin = new URL(PG_ADMIN_URL);
  const base = admin.pathname.slice(1) || 'postgres';
  const name = `${base}_t${process.pid}_${(made += 1)}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dbPath: '',
    // Each ledger counts its rate limits apart, as separate deployments would.
    env: { REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: `test:${name}:` },
    drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Everything the database holds at rest, as bytes: the SQLite file with its WAL, or a dump of
 * the PostgreSQL database (what a backup or a stolen disk would reveal).
 */
export function storedBytes(ledger: { dbPath: string; databaseUrl: string }): { bytes: Buffer; where: string } {
  if (ledger.dbPath) {
    const files = [ledger.dbPath, `${ledger.dbPath}-wal`, `${ledger.dbPath}-shm`].filter((f) => existsSync(f));
    return { bytes: Buffer.concat(files.map((f) => readFileSync(f))), where: files.join(', ') };
  }
  const dump = execFileSync('pg_dump', ['--data-only', '--no-owner', ledger.databaseUrl], {
    maxBuffer: 256 * 1024 * 1024,
  });
  return { bytes: dump, where: 'a dump of the PostgreSQL database' };
}
