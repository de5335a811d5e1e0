import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { buildServer, openStore } from '../../src/server.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';

export interface TestLedger {
  app: FastifyInstance;
  store: LedgerStore;
  dbPath: string;
  http: () => ReturnType<typeof request>;
  close: () => Promise<void>;
}

/** A real service on a real SQLite file of its own, in a fresh temp folder. */
export async function startLedger(env: Record<string, string> = {}): Promise<TestLedger> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-test-'));
  const dbPath = join(dir, 'ledger.db');
  const config: Config = loadConfig({ DATABASE_URL: `file:${dbPath}`, LOG_LEVEL: 'silent', ...env });
  const store = openStore(config);
  const app = await buildServer(config, store);
  await app.ready();
  return {
    app, store, dbPath,
    http: () => request(app.server),
    close: async () => {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
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
    await ledger?.close();
  });
  return () => ledger!;
}
