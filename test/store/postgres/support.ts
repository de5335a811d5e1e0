import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, expect } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { Ledger } from '../../../src/ledger/ledger.js';
import { buildServer } from '../../../src/server.js';
import { PostgresLedgerStore, type PostgresOptions } from '../../../src/store/postgres/postgres-store.js';
import { checkResponsesAgainstOpenApi } from '../../support/contract.js';

/**
 * The local PostgreSQL the tests run on (trust authentication): each test file makes fresh
 * databases of its own on it and drops them after.
 */
export const ADMIN_URL = process.env.LEDGER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A URL for a database named `name` on the test server. */
export function urlOf(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** SQL on the test server's maintenance database, as its administrator. */
export async function admin<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values: unknown[] = [], database?: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: database ? urlOf(database) : ADMIN_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop: () => Promise<void>;
}

/** A new, empty database (ledger_t_<random>); `drop` ends whatever is still connected to it. */
export async function createDatabase(): Promise<TestDatabase> {
  const name = `ledger_t_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  return { name, url: urlOf(name), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined) };
}

export interface PgLedger {
  app: FastifyInstance;
  store: PostgresLedgerStore;
  ledger: Ledger;
  database: TestDatabase;
  http: () => ReturnType<typeof request>;
  contractViolations: string[];
  close: () => Promise<void>;
}

/** The service over a PostgreSQL store on a fresh database, built as the server builds it. */
export async function startPgLedger(env: Record<string, string> = {}, options: PostgresOptions = {}): Promise<PgLedger> {
  const database = await createDatabase();
  const store = await PostgresLedgerStore.open(database.url, options);
  // DATABASE_URL only passes the configuration's check: the store is the one given here.
  const config = loadConfig({ DATABASE_URL: 'file:/tmp/unused.db', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000000', ...env });
  const app = await buildServer(config, store, { keyCache: { ttlMs: 0 } });
  const contractViolations: string[] = [];
  checkResponsesAgainstOpenApi(app, contractViolations);
  await app.ready();
  return {
    app, store, ledger: new Ledger(store), database, contractViolations,
    http: () => request(app.server),
    close: async () => {
      await app.close();
      await store.close();
      await database.drop();
    },
  };
}

/** One PostgreSQL ledger for the whole file: `const t = usePgLedger();` then `t().http()` in tests. */
export function usePgLedger(env: Record<string, string> = {}): () => PgLedger {
  let ledger: PgLedger | undefined;
  beforeAll(async () => {
    ledger = await startPgLedger(env);
  });
  afterAll(async () => {
    const violations = ledger?.contractViolations ?? [];
    await ledger?.close();
    expect(violations, 'every response matches openapi/openapi.json').toEqual([]);
  });
  return () => ledger!;
}
