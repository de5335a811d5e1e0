import pg from 'pg';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * Two projects: the whole suite on SQLite, and every HTTP, security and audit test again on
 * PostgreSQL (fresh databases from LEDGER_TEST_PG_URL, Redis for the shared limits). Tests
 * of one store's own parts live in test/store/<store>/ and run on that store only.
 */
const PG_ADMIN_URL = process.env.LEDGER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const ON_BOTH = ['test/http/**/*.test.ts', 'test/security/**/*.test.ts', 'test/audit/**/*.test.ts'];
/** Tests of PostgreSQL's own parts and of several instances on one database. */
const POSTGRES_ONLY = ['test/store/postgres/**/*.test.ts', 'test/several-instances.test.ts', 'test/postgres-faults.test.ts'];
/** Tests of SQLite's own machinery (group commit, its caches, its file, its worker threads). */
const SQLITE_ONLY = [
  'test/http/group-commit.test.ts', 'test/http/read-cache.test.ts', 'test/http/readiness.test.ts',
  'test/security/key-cache.test.ts', 'test/audit/verify.test.ts', 'test/audit/verify-background.test.ts',
];

export default defineConfig(async () => {
  const withPostgres = await postgresReachable();
  if (!withPostgres) {
    if (process.env.LEDGER_TEST_REQUIRE_PG === '1') throw new Error(`PostgreSQL is required but unreachable at ${PG_ADMIN_URL}`);
    const line = '!'.repeat(78);
    console.warn(`\n${line}\n!! PostgreSQL unreachable at ${PG_ADMIN_URL}: the PostgreSQL project is SKIPPED.\n`
      + `!! Only the SQLite store is tested. Set LEDGER_TEST_PG_URL to test both.\n${line}\n`);
  }
  const postgres: TestProjectInlineConfiguration = {
    extends: true,
    test: {
      name: 'postgres',
      include: [...ON_BOTH, ...POSTGRES_ONLY],
      exclude: SQLITE_ONLY,
      env: { LEDGER_TEST_STORE: 'postgres', LEDGER_TEST_PG_URL: PG_ADMIN_URL },
    },
  };
  const sqlite: TestProjectInlineConfiguration = {
    extends: true,
    test: { name: 'sqlite', include: ['test/**/*.test.ts'], exclude: POSTGRES_ONLY },
  };
  return {
    test: {
      // Each test file gets its own database; two workers match the 2-core machines.
      pool: 'forks' as const,
      maxWorkers: 2,
      reporters: ['default', './test/support/summary-reporter.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      projects: withPostgres ? [sqlite, postgres] : [sqlite],
    },
  };
});
