import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from 'uuidv7';
import { digestOf, newSecret } from '../../src/http/auth/secrets.js';
import { openStore } from '../../src/server.js';
import { CachedKeyStore, KEY_CACHE_MAX_ENTRIES } from '../../src/store/cached-key-store.js';
import type { ApiKey, KeyStore } from '../../src/store/key-store.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import { startLedger, type TestLedger } from '../support/app.js';
import { MASTER_KEY, bearer, createKey, expect401 } from './helpers.js';

/*
 * The in-memory cache of live API keys in front of the key store: a known key costs no
 * database read, yet a revocation through this process counts on the very next request, one
 * made by another process on the same database within the TTL (1 s by default), and an
 * unknown key is always asked of the store. Time is a hand-moved clock: nothing sleeps.
 */

const TTL = 1000;
const m = bearer(MASTER_KEY);

/** A ledger whose key cache runs on `clock.now`, and a second connection to the same SQLite file. */
function useLedgerWithClock(maxEntries?: number) {
  const clock = { now: 0 };
  let ledger: TestLedger | undefined;
  let other: LedgerStore | undefined;
  beforeAll(async () => {
    ledger = await startLedger(
      { LEDGER_MASTER_KEY: MASTER_KEY },
      { keyCache: { ttlMs: TTL, now: () => clock.now, ...(maxEntries ? { maxEntries } : {}) } },
    );
    other = await openStore({ databaseUrl: `file:${ledger.dbPath}` });
  });
  afterAll(async () => {
    await other?.close();
    const violations = ledger?.contractViolations ?? [];
    await ledger?.close();
    expect(violations, 'every response matches openapi/openapi.json').toEqual([]);
  });
  return { t: () => ledger!, other: () => other!, clock };
}

/**
 * Revokes a key on the service's own connection, bypassing its key store: no commit another
 * connection made, so only the TTL (or the cache's size) can make the cache read it again.
 */
function revokeBehindTheCache(t: TestLedger, id: string): void {
  (
    t.store as unknown as { conn: { sqlite: { prepare: (q: string) => { run: (...a: unknown[]) => void } } } }
  ).conn.sqlite
    .prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?')
    .run(new Date().toISOString(), id);
}

const parties = (t: TestLedger, secret: string) => t.http().get('/v1/parties').set('authorization', bearer(secret));

describe('API-key cache, through the HTTP API', () => {
  const { t, other, clock } = useLedgerWithClock();

  it('a key revoked through this process is refused on the very next request, the clock not moved', async () => {
    const key = await createKey(t(), 'reader');
    expect((await parties(t(), key.secret)).status).toBe(200); // now cached
    expect((await t().http().delete(`/v1/keys/${key.id}`).set('authorization', m)).status).toBe(200);
    expect401(await parties(t(), key.secret));
  });

  it('a revocation by another connection to the same file (another process, say) is refused on the next request too, cached or not, the clock not moved', async () => {
    clock.now = 10_000;
    const cached = await createKey(t(), 'reader');
    const uncached = await createKey(t(), 'reader');
    for (let i = 0; i < 2; i += 1) expect((await parties(t(), cached.secret)).status).toBe(200); // now cached
    for (const k of [cached, uncached])
      expect(await other().keys.revokeKey(k.id, 'master', new Date().toISOString())).toMatchObject({
        revokedAt: expect.any(String),
      });
    expect401(await parties(t(), uncached.secret));
    expect401(await parties(t(), cached.secret));
  });

  it('a key cached for the TTL is read again after it, however busy', async () => {
    clock.now = 15_000;
    const key = await createKey(t(), 'reader');
    expect((await parties(t(), key.secret)).status).toBe(200); // read at 15 000: trusted until 16 000
    revokeBehindTheCache(t(), key.id);
    clock.now = 15_999;
    expect((await parties(t(), key.secret)).status).toBe(200);
    clock.now = 16_000;
    expect401(await parties(t(), key.secret));
  });

  it('an unknown key is refused every time, a miss never being cached: once the key exists it works on its first request', async () => {
    clock.now = 20_000;
    const secret = newSecret();
    for (let i = 0; i < 3; i += 1) expect401(await parties(t(), secret));
    // Written on the service's own connection, behind its key store: no commit another
    // connection made (which would empty the cache anyway), the clock not moved. Only a
    // cache that never holds a miss can answer 200 now.
    (
      t().store as unknown as { conn: { sqlite: { prepare: (q: string) => { run: (...a: unknown[]) => void } } } }
    ).conn.sqlite
      .prepare(
        "INSERT INTO api_keys (id, name, role, digest, created_at, created_by) VALUES (?, 'made behind the cache', 'reader', ?, ?, 'master')",
      )
      .run(uuidv7(), digestOf(secret), new Date().toISOString());
    expect((await parties(t(), secret)).status).toBe(200);
  });

  it('a key created by another connection works on its first request', async () => {
    const secret = newSecret();
    expect401(await parties(t(), secret));
    await other().keys.createKey({
      id: uuidv7(),
      name: 'made elsewhere',
      role: 'reader',
      createdAt: new Date().toISOString(),
      createdBy: 'master',
      digest: digestOf(secret),
    });
    expect((await parties(t(), secret)).status).toBe(200);
  });

  it('a cached key keeps its role: a reader key is still refused a write (403), from the cache too', async () => {
    clock.now = 30_000;
    const key = await createKey(t(), 'reader');
    for (let i = 0; i < 2; i += 1) {
      expect((await parties(t(), key.secret)).status).toBe(200);
      expect(
        (await t().http().post('/v1/parties').set('authorization', bearer(key.secret)).send({ id: 'XX', name: 'X' }))
          .status,
      ).toBe(403);
    }
  });
});

describe('API-key cache, bounded', () => {
  const { t, clock } = useLedgerWithClock(2);

  it('holds at most maxEntries keys: the oldest is dropped, and read from the store again', async () => {
    clock.now = 0;
    const [k1, k2, k3] = [
      await createKey(t(), 'reader'),
      await createKey(t(), 'reader'),
      await createKey(t(), 'reader'),
    ];
    for (const k of [k1!, k2!, k3!]) expect((await parties(t(), k.secret)).status).toBe(200); // k1 dropped for k3
    for (const k of [k1!, k2!, k3!]) revokeBehindTheCache(t(), k.id);
    expect401(await parties(t(), k1!.secret));
    expect((await parties(t(), k2!.secret)).status).toBe(200);
    expect((await parties(t(), k3!.secret)).status).toBe(200);
  });
});

/** A key store that answers every digest with a live key, and counts its reads. */
class CountingKeyStore implements KeyStore {
  reads = 0;
  /** When set, reads wait for it: a lookup still under way. */
  gate: Promise<void> | null = null;
  async findLiveKey(digest: string) {
    this.reads += 1;
    const key = {
      id: `id-${digest.slice(0, 8)}`,
      name: 'k',
      role: 'reader' as const,
      createdAt: '',
      createdBy: 'master',
      revokedAt: null,
      revokedBy: null,
      digest,
    };
    if (this.gate) await this.gate;
    return key;
  }
  async revokeKey(id: string): Promise<ApiKey | null> {
    return { id, name: 'k', role: 'reader', createdAt: '', createdBy: 'master', revokedAt: 'now', revokedBy: 'master' };
  }
  async createKey(): Promise<void> {}
  async listKeys(): Promise<ApiKey[]> {
    return [];
  }
}

describe('CachedKeyStore', () => {
  const digest = (i: number) => digestOf(`secret-${i}`);

  it('answers a known live key from memory, without a store read, until the TTL', async () => {
    const store = new CountingKeyStore();
    let now = 0;
    const cache = new CachedKeyStore(store, { ttlMs: TTL, now: () => now });
    for (now = 0; now < TTL; now += 100) expect((await cache.findLiveKey(digest(1)))?.digest).toBe(digest(1));
    expect(store.reads).toBe(1);
    now = TTL;
    await cache.findLiveKey(digest(1));
    expect(store.reads).toBe(2);
  });

  it(`never holds more than maxEntries keys (default ${KEY_CACHE_MAX_ENTRIES}), however many are looked up`, async () => {
    const store = new CountingKeyStore();
    const cache = new CachedKeyStore(store, { now: () => 0 });
    for (let i = 0; i < KEY_CACHE_MAX_ENTRIES * 2 + 10; i += 1) await cache.findLiveKey(digest(i));
    expect(cache.size).toBe(KEY_CACHE_MAX_ENTRIES);
    // The newest are held, the oldest went first.
    const reads = store.reads;
    await cache.findLiveKey(digest(KEY_CACHE_MAX_ENTRIES * 2 + 9));
    expect(store.reads).toBe(reads);
    await cache.findLiveKey(digest(0));
    expect(store.reads).toBe(reads + 1);
  });

  it('does not cache a lookup that was under way when the key was revoked', async () => {
    const store = new CountingKeyStore();
    const cache = new CachedKeyStore(store, { ttlMs: TTL, now: () => 0 });
    let open!: () => void;
    store.gate = new Promise((r) => (open = r));
    const pending = cache.findLiveKey(digest(7));
    await cache.revokeKey(`id-${digest(7).slice(0, 8)}`, 'master', 'now');
    open();
    await pending;
    store.gate = null;
    const reads = store.reads;
    await cache.findLiveKey(digest(7));
    expect(store.reads, 'the key was read again, not answered from memory').toBe(reads + 1);
  });

  it('drops every cached key when the store says another connection has committed, reading that counter on every lookup', async () => {
    const store = new CountingKeyStore();
    let elsewhere = 1;
    let counterReads = 0;
    (store as KeyStore).changesElsewhere = () => {
      counterReads += 1;
      return elsewhere;
    };
    const cache = new CachedKeyStore(store, { ttlMs: TTL, now: () => 0 });
    await cache.findLiveKey(digest(1));
    await cache.findLiveKey(digest(1));
    expect(store.reads, 'answered from memory while nothing changed elsewhere').toBe(1);
    // In the same turn of the event loop: a commit elsewhere (a revocation by another process)
    // is seen by the very next lookup.
    elsewhere = 2;
    await cache.findLiveKey(digest(1));
    expect(store.reads, 'read again after a commit elsewhere').toBe(2);
    const before = counterReads;
    await Promise.all([1, 2, 3].map((i) => cache.findLiveKey(digest(i))));
    expect(counterReads, 'one counter read per lookup').toBe(before + 3);
  });

  it('with ttlMs 0, asks the store every time', async () => {
    const store = new CountingKeyStore();
    const cache = new CachedKeyStore(store, { ttlMs: 0, now: () => 0 });
    for (let i = 0; i < 3; i += 1) await cache.findLiveKey(digest(1));
    expect(store.reads).toBe(3);
    expect(cache.size).toBe(0);
  });
});
