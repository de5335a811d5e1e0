import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStore } from '../../src/server.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import { startLedger, type TestLedger } from '../support/app.js';
import { agreed, registerParties } from '../support/scenario.js';
import { MASTER_KEY, bearer, createKey } from '../security/helpers.js';

/*
 * What other processes have committed is looked at once per request at most: the key check
 * and the read of an authenticated request share one look (SQLite's data_version), taken
 * after the request arrived. A store never told of requests looks every time.
 */

/** Counts `PRAGMA data_version` reads on every connection while `during` runs. */
async function dataVersionReads(during: () => Promise<unknown>): Promise<number> {
  const scratch = new Database(':memory:');
  const proto = Object.getPrototypeOf(scratch.prepare('SELECT 1')) as { get: (...a: unknown[]) => unknown };
  scratch.close();
  const original = proto.get;
  let reads = 0;
  const spy = vi.spyOn(proto, 'get').mockImplementation(function (this: { source: string }, ...args: unknown[]) {
    if (this.source === 'PRAGMA data_version') reads += 1;
    return original.apply(this, args);
  });
  try {
    await during();
  } finally {
    spy.mockRestore();
  }
  return reads;
}

describe('the store, told of requests or not', () => {
  let t: TestLedger;
  let store: LedgerStore;
  let other: Database.Database;
  beforeAll(async () => {
    t = await startLedger();
    await registerParties(t, 'UA', 'RU');
  });
  afterEach(async () => {
    await store?.close();
    other?.close();
  });
  afterAll(async () => t.close());

  const open = () => {
    store = openStore({ databaseUrl: `file:${t.dbPath}` });
    other = new Database(t.dbPath);
  };
  const retitle = (id: string, title: string) =>
    other.prepare("UPDATE exchanges SET state = json_set(state, '$.title', ?) WHERE id = ?").run(title, id);
  /** Read three times: an answer is kept from its second read and served from memory from the third. */
  const held = async (id: string) => {
    for (let i = 0; i < 2; i += 1) await store.getExchange(id);
    return store.getExchange(id);
  };

  it('never told of a request, it looks at the database before every read: another process’s commit shows at once', async () => {
    const id = await agreed(t);
    open();
    await held(id);
    retitle(id, 'changed by another process');
    expect((await store.getExchange(id))!.title).toBe('changed by another process');
  });

  it('within one request, its checks share the look taken after it arrived; the next request looks again', async () => {
    const id = await agreed(t);
    open();
    store.requestArrived();
    const before = (await held(id))!.title;
    // A commit by another process while this request is being answered: the request may be
    // answered as of its arrival (it was concurrent with the commit).
    retitle(id, 'committed meanwhile');
    expect((await store.getExchange(id))!.title).toBe(before);
    store.requestArrived();
    expect((await store.getExchange(id))!.title, 'the next request sees it').toBe('committed meanwhile');
  });

  it('keeps no look past the turn of the event loop it was taken in, even with no request arriving', async () => {
    const id = await agreed(t);
    open();
    store.requestArrived();
    await held(id);
    retitle(id, 'committed, then the loop turned');
    await new Promise((resolve) => setImmediate(resolve));
    expect((await store.getExchange(id))!.title).toBe('committed, then the loop turned');
  });

  it('within one request, its own connection’s commits still show at once', async () => {
    const id = await agreed(t);
    open();
    store.requestArrived();
    const kept = await held(id);
    expect(await store.getExchange(id), 'answered from memory').toBe(kept);
    // A write on the store's own connection (an API key here), in the same request.
    await store.keys.createKey({ id: 'k-own', name: 'own write', role: 'reader', digest: 'e'.repeat(64), createdAt: '2026-11-27T00:00:00.000Z', createdBy: 'master' });
    const after = await store.getExchange(id);
    expect(after, 'read from the database again').not.toBe(kept);
    expect(after).toEqual(kept);
  });
});

describe('an authenticated read, through the HTTP API', () => {
  let t: TestLedger;
  let other: Database.Database;
  beforeAll(async () => {
    // A key cached far longer than any test runs: only the look at other processes' commits
    // can make it be read again.
    t = await startLedger({ LEDGER_MASTER_KEY: MASTER_KEY }, { keyCache: { ttlMs: 3_600_000 } });
    other = new Database(t.dbPath);
  });
  afterAll(async () => {
    other.close();
    await t.close();
  });

  it('answered from memory, looks at what other processes committed once, not once for its key and again for its answer', async () => {
    const key = await createKey(t, 'reader');
    const totals = () => t.http().get('/v1/totals').set('authorization', bearer(key.secret)).expect(200);
    for (let i = 0; i < 3; i += 1) await totals(); // the key cached, the answer held
    expect(await dataVersionReads(totals)).toBe(1);
    expect(await dataVersionReads(async () => { await totals(); await totals(); })).toBe(2);
  });

  // A route, a route that does not exist (404), a URL that cannot be routed (answered before
  // any hook runs), and what each answers a live key.
  const PATHS = [['/v1/totals', 200], ['/v1/nowhere', 404], ['/v1/exchanges/%E0%A4%A', 400]] as const;

  it.each(PATHS)(
    'still sees a revocation by another process on the very next request: GET %s', async (path, live) => {
      const key = await createKey(t, 'reader');
      const get = () => t.http().get(path).set('authorization', bearer(key.secret));
      for (let i = 0; i < 3; i += 1) expect((await get()).status).toBe(live);
      other.prepare('UPDATE api_keys SET revoked_at = ?, revoked_by = ? WHERE id = ?').run(new Date().toISOString(), 'master', key.id);
      expect((await get()).status).toBe(401);
    });

  it('is announced to the store before its key is checked, whether routed, unrouted or unroutable', async () => {
    const key = await createKey(t, 'reader');
    const seen: string[] = [];
    const original = t.store.requestArrived.bind(t.store);
    const announce = vi.spyOn(t.store, 'requestArrived').mockImplementation(() => {
      seen.push('arrived');
      original();
    });
    const keys = t.store.keys as { changesElsewhere: () => number };
    const lookElsewhere = keys.changesElsewhere.bind(keys);
    const check = vi.spyOn(keys, 'changesElsewhere').mockImplementation(() => {
      seen.push('key checked');
      return lookElsewhere();
    });
    try {
      for (const [path, status] of PATHS) {
        seen.length = 0;
        expect((await t.http().get(path).set('authorization', bearer(key.secret))).status, path).toBe(status);
        expect(seen.slice(0, 2), path).toEqual(['arrived', 'key checked']);
      }
    } finally {
      announce.mockRestore();
      check.mockRestore();
    }
  });

  it('answered from memory, shows what another process committed before it arrived', async () => {
    const key = await createKey(t, 'reader');
    await t.http().post('/v1/parties').set('authorization', bearer(MASTER_KEY)).send({ id: 'UA', name: 'Ukraine' }).expect(201);
    await t.http().post('/v1/parties').set('authorization', bearer(MASTER_KEY)).send({ id: 'RU', name: 'Russia' }).expect(201);
    const id = (await t.http().post('/v1/exchanges').set('authorization', bearer(MASTER_KEY))
      .send({ kind: 'pow', proposedBy: 'UA', sides: [{ party: 'UA', handsOver: 10 }, { party: 'RU', handsOver: 10 }], occurredAt: '2025-05-16' }).expect(201)).body.id as string;
    const title = async () => (await t.http().get(`/v1/exchanges/${id}`).set('authorization', bearer(key.secret)).expect(200)).body.title as string | undefined;
    for (let i = 0; i < 3; i += 1) await title(); // held from the third read on
    other.prepare("UPDATE exchanges SET state = json_set(state, '$.title', ?) WHERE id = ?").run('retitled by another process', id);
    expect(await title()).toBe('retitled by another process');
  });
});
