import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStore } from '../../../src/server.js';
import type { LedgerStore } from '../../../src/store/ledger-store.js';
import { startLedger, type TestLedger } from '../../support/app.js';
import { agreed, registerParties } from '../../support/scenario.js';
import { MASTER_KEY, bearer, createKey } from '../../security/helpers.js';

/*
 * What other processes have committed to the file is looked at (SQLite's data_version)
 * before the key cache or the read cache answers from memory: once per turn of the event
 * loop, and afresh by every key check, so that the key check and the read of an
 * authenticated request share one look.
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

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('the store’s caches and other processes’ commits', () => {
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

  const open = async () => {
    store = await openStore({ databaseUrl: `file:${t.dbPath}` });
    other = new Database(t.dbPath);
  };
  const retitle = (id: string, title: string) =>
    other.prepare("UPDATE exchanges SET state = json_set(state, '$.title', ?) WHERE id = ?").run(title, id);
  /** Read three times: an answer is kept from its second read and served from memory from the third. */
  const held = async (id: string) => {
    for (let i = 0; i < 2; i += 1) await store.getExchange(id);
    return store.getExchange(id);
  };

  it('look at the database before every read: another process’s commit shows at once', async () => {
    const id = await agreed(t);
    await open();
    await held(id);
    retitle(id, 'changed by another process');
    expect((await store.getExchange(id))!.state.title).toBe('changed by another process');
  });

  it('after a key check, reads in the same turn of the event loop share its look; the next turn looks again', async () => {
    const id = await agreed(t);
    await open();
    const before = (await held(id))!.state.title;
    store.keys.changesElsewhere!(); // the key check of a request
    // Committed by another process while that request is answered: it arrived before the
    // commit, so it may be answered as of then.
    retitle(id, 'committed meanwhile');
    expect(await dataVersionReads(async () => store.getExchange(id))).toBe(0);
    expect((await store.getExchange(id))!.state.title).toBe(before);
    await nextTurn();
    expect((await store.getExchange(id))!.state.title, 'the next turn sees it').toBe('committed meanwhile');
  });

  it('the next key check looks afresh, in the same turn, and the reads after it see what it saw', async () => {
    const id = await agreed(t);
    await open();
    await held(id);
    store.keys.changesElsewhere!();
    retitle(id, 'committed before the next request’s key check');
    expect(await dataVersionReads(async () => store.keys.changesElsewhere!())).toBe(1);
    expect((await store.getExchange(id))!.state.title).toBe('committed before the next request’s key check');
  });

  it('its own connection’s commits still show at once', async () => {
    const id = await agreed(t);
    await open();
    const kept = await held(id);
    expect(await store.getExchange(id), 'answered from memory').toBe(kept);
    // A write on the store's own connection (an API key here).
    await store.keys.createKey({
      id: 'k-own',
      name: 'own write',
      role: 'reader',
      digest: 'e'.repeat(64),
      createdAt: '2026-11-27T00:00:00.000Z',
      createdBy: 'master',
    });
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

  // A route, a route that does not exist (404), a URL that cannot be routed (answered before
  // any hook runs), and what each answers a live key.
  const PATHS = [
    ['/v1/totals', 200],
    ['/v1/nowhere', 404],
    ['/v1/exchanges/%E0%A4%A', 400],
  ] as const;

  it('answered from memory, looks at what other processes committed once, not once for its key and again for its answer', async () => {
    const key = await createKey(t, 'reader');
    const totals = () => t.http().get('/v1/totals').set('authorization', bearer(key.secret)).expect(200);
    for (let i = 0; i < 3; i += 1) await totals(); // the key cached, the answer held
    expect(await dataVersionReads(totals)).toBe(1);
    expect(
      await dataVersionReads(async () => {
        await totals();
        await totals();
      }),
    ).toBe(2);
  });

  it.each(PATHS)('still sees a revocation by another process on the very next request: GET %s', async (path, live) => {
    const key = await createKey(t, 'reader');
    const get = () => t.http().get(path).set('authorization', bearer(key.secret));
    for (let i = 0; i < 3; i += 1) expect((await get()).status).toBe(live);
    other
      .prepare('UPDATE api_keys SET revoked_at = ?, revoked_by = ? WHERE id = ?')
      .run(new Date().toISOString(), 'master', key.id);
    expect((await get()).status).toBe(401);
  });

  it('answered from memory, shows what another process committed before it arrived', async () => {
    const key = await createKey(t, 'reader');
    await t
      .http()
      .post('/v1/parties')
      .set('authorization', bearer(MASTER_KEY))
      .send({ id: 'UA', name: 'Ukraine' })
      .expect(201);
    await t
      .http()
      .post('/v1/parties')
      .set('authorization', bearer(MASTER_KEY))
      .send({ id: 'RU', name: 'Russia' })
      .expect(201);
    const id = (
      await t
        .http()
        .post('/v1/exchanges')
        .set('authorization', bearer(MASTER_KEY))
        .send({
          kind: 'pow',
          proposedBy: 'UA',
          sides: [
            { party: 'UA', handsOver: 10 },
            { party: 'RU', handsOver: 10 },
          ],
          occurredAt: '2025-05-16',
        })
        .expect(201)
    ).body.id as string;
    const title = async () =>
      (await t.http().get(`/v1/exchanges/${id}`).set('authorization', bearer(key.secret)).expect(200)).body.title as
        | string
        | undefined;
    for (let i = 0; i < 3; i += 1) await title(); // held from the third read on
    other
      .prepare("UPDATE exchanges SET state = json_set(state, '$.title', ?) WHERE id = ?")
      .run('retitled by another process', id);
    expect(await title()).toBe('retitled by another process');
  });
});
