import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import request from 'supertest';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config.js';
import { buildServer, openStore } from '../../src/server.js';
import { MIGRATIONS_FOLDER } from '../../src/paths.js';
import { openSqlite } from '../../src/store/sqlite/connection.js';
import { SqliteLedgerStore } from '../../src/store/sqlite/sqlite-store.js';
import { startLedger, type TestLedger } from '../support/app.js';
import { agreed, registerParties, stage } from '../support/scenario.js';

/**
 * Reads of exchanges, pages and totals are answered from memory while nothing was written
 * (src/store/read-cache.ts). These tests read first, so that the answer is held, then write
 * through another connection to the same file — a second service, as a second process would —
 * and expect the next read to show the write.
 */
let a: TestLedger;
let b: TestLedger;

beforeAll(async () => {
  a = await startLedger();
  const config = loadConfig({
    DATABASE_URL: `file:${a.dbPath}`,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const store = await openStore(config);
  const app = await buildServer(config, store);
  await app.ready();
  b = {
    app,
    store,
    ledger: new Ledger(store),
    dbPath: a.dbPath,
    databaseUrl: a.databaseUrl,
    contractViolations: [],
    http: () => request(app.server),
    close: async () => {
      await app.close();
      await store.close();
    },
  };
  await registerParties(a, 'UA', 'RU');
});
afterAll(async () => {
  await b.close();
  await a.close();
});

const delivered = async (t: TestLedger, id: string) =>
  ((await t.http().get(`/v1/exchanges/${id}`)).body.sides as { delivered: number }[]).map((s) => s.delivered);
const handedOver = async (t: TestLedger, party: string) =>
  ((await t.http().get(`/v1/totals?kind=pow&party=${party}`)).body.data as { handedOver: number }[])[0]?.handedOver ??
  0;

describe('answers held in memory', () => {
  it('show a stage recorded by another process on the next read', async () => {
    const id = await agreed(a);
    await stage(a, id, { UA: 10, RU: 10 }, '2025-05-20');
    // Read twice through A: the second answer is the one held (the tests below show it is held).
    expect(await delivered(a, id)).toEqual([10, 10]);
    expect(await delivered(a, id)).toEqual([10, 10]);
    const totalsBefore = await handedOver(a, 'UA');
    const listed = (await a.http().get('/v1/exchanges?limit=50&status=agreed')).body.data as {
      id: string;
      version: number;
    }[];

    await stage(b, id, { UA: 7, RU: 7 }, '2025-05-21');

    expect(await delivered(a, id)).toEqual([17, 17]);
    const exchange = (await a.http().get(`/v1/exchanges/${id}`)).body;
    expect(exchange.stages).toHaveLength(2);
    expect(await handedOver(a, 'UA')).toBe(totalsBefore + 7);
    const relisted = (await a.http().get('/v1/exchanges?limit=50&status=agreed')).body.data as {
      id: string;
      version: number;
    }[];
    expect(relisted.find((x) => x.id === id)!.version).toBe(listed.find((x) => x.id === id)!.version + 1);
  });

  it('show this process’s own write on the next read, and an ETag that can be written against', async () => {
    const id = await agreed(a);
    const read = await a.http().get(`/v1/exchanges/${id}`);
    await stage(a, id, { UA: 3, RU: 3 }, '2025-05-20');
    const again = await a.http().get(`/v1/exchanges/${id}`);
    expect(again.headers.etag).not.toBe(read.headers.etag);
    expect(again.body.sides.map((s: { delivered: number }) => s.delivered)).toEqual([3, 3]);
    const completed = await a
      .http()
      .post(`/v1/exchanges/${id}/complete`)
      .set('if-match', again.headers.etag!)
      .send({ occurredAt: '2025-05-22' });
    expect(completed.status).toBe(200);
    expect((await a.http().get(`/v1/exchanges/${id}`)).body.status).toBe('completed');
  });

  it('show a change made to the file by any other connection, not only by the service', async () => {
    const id = await agreed(a);
    const before = (await a.http().get(`/v1/exchanges/${id}`)).body;
    // A raw connection (an operator's sqlite3 shell, a migration) changes the read model.
    const raw = new Database(a.dbPath);
    raw.prepare("UPDATE exchanges SET state = json_set(state, '$.title', 'renamed by hand') WHERE id = ?").run(id);
    raw.close();
    const after = (await a.http().get(`/v1/exchanges/${id}`)).body;
    expect(before.title).not.toBe('renamed by hand');
    expect(after.title).toBe('renamed by hand');
  });

  it('are never one another’s: a new exchange appears in a page read before it was proposed', async () => {
    const first = (await a.http().get('/v1/exchanges?limit=100&kind=medical')).body.data as unknown[];
    const id = await agreed(b, { kind: 'medical' });
    const second = (await a.http().get('/v1/exchanges?limit=100&kind=medical')).body.data as { id: string }[];
    expect(second).toHaveLength(first.length + 1);
    expect(second.map((x) => x.id)).toContain(id);
  });

  it('are turned off by READ_CACHE_MB=0: every read goes to the database', async () => {
    const id = await agreed(a);
    const config = loadConfig({ DATABASE_URL: `file:${a.dbPath}`, READ_CACHE_MB: '0' });
    expect(config.readCacheMb).toBe(0);
    const uncached = await openStore(config);
    const cached = await openStore(loadConfig({ DATABASE_URL: `file:${a.dbPath}` }));
    try {
      // Held (from its second read on): the same frozen answer again. Not held: a fresh object from each read.
      await cached.getExchange(id);
      expect(await cached.getExchange(id)).toBe(await cached.getExchange(id));
      const [first, second] = [await uncached.getExchange(id), await uncached.getExchange(id)];
      expect(first).not.toBe(second);
      expect(first).toEqual(second);
    } finally {
      await uncached.close();
      await cached.close();
    }
  });

  it('are the same, byte for byte, as the answers read from the database', async () => {
    const id = await agreed(a);
    await stage(a, id, { UA: 40, RU: 35 }, '2025-05-20');
    const config = loadConfig({
      DATABASE_URL: `file:${a.dbPath}`,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: '1000000',
      READ_CACHE_MB: '0',
    });
    const store = await openStore(config);
    const app = await buildServer(config, store);
    await app.ready();
    try {
      const paths = [
        `/v1/exchanges/${id}`,
        '/v1/exchanges?limit=3',
        '/v1/exchanges?status=agreed&kind=pow&party=UA&limit=2',
        '/v1/totals',
        '/v1/totals?kind=pow&party=RU',
        '/v1/totals?from=2025-05-20&to=2025-05-20',
        '/v1/totals?asOf=2025-05-19',
      ];
      for (const path of paths) {
        const fromDatabase = await request(app.server).get(path);
        for (const round of [1, 2, 3]) {
          const held = await a.http().get(path);
          expect(held.status, `${path} (${round})`).toBe(200);
          expect(held.text, `${path} (${round})`).toBe(fromDatabase.text);
          expect(held.headers.etag, path).toBe(fromDatabase.headers.etag);
          expect(held.headers['content-type'], path).toBe(fromDatabase.headers['content-type']);
        }
      }
    } finally {
      await app.close();
      await store.close();
    }
  });
});

describe('the store’s cache and its connection', () => {
  it('never keeps rows of a transaction still open, so a rollback cannot leave them behind', async () => {
    const id = await agreed(a);
    const conn = openSqlite(a.dbPath, MIGRATIONS_FOLDER);
    const store = new SqliteLedgerStore(conn);
    try {
      await store.getExchange(id);
      const committed = await store.getExchange(id);
      expect(await store.getExchange(id), 'held').toBe(committed);
      conn.sqlite.exec('BEGIN IMMEDIATE');
      conn.sqlite
        .prepare("UPDATE exchanges SET state = json_set(state, '$.title', 'never committed') WHERE id = ?")
        .run(id);
      expect((await store.getExchange(id))!.state.title).toBe('never committed');
      conn.sqlite.exec('ROLLBACK');
      expect((await store.getExchange(id))!.state.title).toBe(committed!.state.title);
      expect((await store.getExchange(id))!.state.title).not.toBe('never committed');
    } finally {
      await store.close();
    }
  });

  it('drops what it holds when anything else is written on the connection (an API key here)', async () => {
    const id = await agreed(a);
    const store = await openStore({ databaseUrl: `file:${a.dbPath}` });
    try {
      await store.getExchange(id);
      const held = await store.getExchange(id);
      expect(await store.getExchange(id)).toBe(held);
      await store.keys.createKey({
        id: 'k-cache',
        name: 'cache test',
        role: 'reader',
        digest: 'f'.repeat(64),
        createdAt: '2026-11-27T00:00:00.000Z',
        createdBy: 'master',
      });
      const after = await store.getExchange(id);
      expect(after).not.toBe(held);
      expect(after).toEqual(held);
    } finally {
      await store.close();
    }
  });
});
