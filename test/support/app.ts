import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { afterAll, beforeAll, expect } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { buildServer, openStore, type ServerOptions } from '../../src/server.js';
import { Ledger } from '../../src/ledger/ledger.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import { checkResponsesAgainstOpenApi } from './contract.js';
import { TEST_STORE, testDatabase } from './database.js';

export interface TestLedger {
  app: FastifyInstance;
  store: LedgerStore;
  /** The application layer over the same store, for tests that drive commands without HTTP. */
  ledger: Ledger;
  /** The SQLite file ('' on PostgreSQL). */
  dbPath: string;
  /** The ledger's DATABASE_URL (for the CLIs). */
  databaseUrl: string;
  http: () => ReturnType<typeof request>;
  /** Responses that broke the OpenAPI contract; the harness fails the file on any. */
  contractViolations: string[];
  close: () => Promise<void>;
}

/**
 * A real service on a real database of its own: a SQLite file in a fresh temp folder, or a
 * fresh PostgreSQL database (with Redis for its limits) when the suite runs on PostgreSQL.
 */
export async function startLedger(
  env: Record<string, string> = {},
  options: ServerOptions = {},
  kind: 'sqlite' | 'postgres' = TEST_STORE,
): Promise<TestLedger> {
  const database = await testDatabase(kind);
  const { dbPath } = database;
  const config: Config = loadConfig({
    DATABASE_URL: database.url,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...database.env,
    ...env,
  });
  const store = await openStore(config);
  const app = await buildServer(config, store, options);
  const contractViolations: string[] = [];
  checkResponsesAgainstOpenApi(app, contractViolations);
  await app.ready();
  return {
    app,
    store,
    ledger: new Ledger(store),
    dbPath,
    databaseUrl: database.url,
    contractViolations,
    http: () => request(app.server),
    close: async () => {
      await app.close();
      await store.close();
      await database.drop();
    },
  };
}

/** One ledger for the whole file: `const t = useLedger();` then `t().http()` in tests. */
export function useLedger(env: Record<string, string> = {}): () => TestLedger {
  let ledger: TestLedger | undefined;
  beforeAll(async () => {
    ledger = await startLedger(env);
  });
  afterAll(async () => {
    const violations = ledger?.contractViolations ?? [];
    await ledger?.close();
    expect(violations, 'every response matches openapi/openapi.json').toEqual([]);
  });
  return () => ledger!;
}
