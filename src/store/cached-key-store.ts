import type { ApiKey, KeyStore } from './key-store.js';

type LiveKey = ApiKey & { digest: string };

export interface KeyCacheOptions {
  /** How long a live key is trusted without asking the store again, in ms; 0 turns the cache off. Default 1000. */
  ttlMs?: number;
  /** The most keys held; the oldest entry is dropped to make room. Default 4096. */
  maxEntries?: number;
  /** Monotonic milliseconds (default `performance.now`); injectable so tests move time without sleeping. */
  now?: () => number;
}

export const KEY_CACHE_TTL_MS = 1000;
export const KEY_CACHE_MAX_ENTRIES = 4096;

/**
 * The key store with the live keys it has found kept in memory, so that a known key costs no
 * key query on every authenticated request: only the check below for commits made elsewhere,
 * which reads no table.
 *
 * Why it stays correct:
 * - Only live keys are kept, never a miss: an unknown or revoked token always asks the store,
 *   so a key created by another process (or connection) works on its first request.
 * - Revoking through this store drops the key before and after the write, so in this process a
 *   revoked key is refused on the very next request. A lookup that was under way when the
 *   revocation came is not cached (the epoch changed under it), so it cannot put the key back.
 * - A revocation made by ANOTHER process (or connection) on the same database is refused on
 *   the next request too: before every lookup the store's `changesElsewhere` counter (SQLite's
 *   data_version) is asked, and any commit made elsewhere since the last lookup drops the whole
 *   cache. The counter is as read after the request arrived (the SQLite store reads it afresh
 *   for every lookup, sqlite/commits-elsewhere.ts), so a revocation committed before it cannot
 *   be missed. That read is far cheaper than a key read (no query, no row); when
 *   another process writes all the time, the cache simply empties often. A store without that
 *   counter is trusted for the TTL alone.
 * - An entry is also trusted for no more than `ttlMs` from the moment its read began (not from
 *   its last use, so a busy key is re-read too): a bound that holds whatever else happens.
 * - `now` is monotonic, so a wall-clock step cannot stretch an entry's life.
 * - At most `maxEntries` keys are held; the oldest insertion goes first (Map order).
 *
 * The constant-time check is unchanged: a hit returns the stored digest, which the caller
 * compares with `sameDigest` exactly as after a store read. The map is keyed by the SHA-256
 * digest, not the secret, so lookup timing says nothing about any secret.
 */
export class CachedKeyStore implements KeyStore {
  private readonly live = new Map<string, { key: LiveKey; expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** Bumped by every revocation: a lookup begun under an older epoch is not cached. */
  private epoch = 0;
  /** The store's changesElsewhere counter when last read. */
  private seenElsewhere: number | undefined;

  constructor(
    private readonly store: KeyStore,
    options: KeyCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? KEY_CACHE_TTL_MS;
    this.maxEntries = Math.max(1, options.maxEntries ?? KEY_CACHE_MAX_ENTRIES);
    this.now = options.now ?? (() => performance.now());
  }

  /** How many keys are held (expired entries included until replaced or evicted). */
  get size(): number {
    return this.live.size;
  }

  async findLiveKey(digest: string): Promise<LiveKey | null> {
    this.dropIfChangedElsewhere();
    const startedAt = this.now();
    const hit = this.live.get(digest);
    if (hit !== undefined) {
      if (startedAt < hit.expiresAt) return hit.key;
      this.live.delete(digest);
    }
    const epoch = this.epoch;
    const key = await this.store.findLiveKey(digest);
    if (key !== null && this.ttlMs > 0 && epoch === this.epoch) {
      if (this.live.size >= this.maxEntries) this.live.delete(this.live.keys().next().value!);
      this.live.set(digest, { key: Object.freeze(key), expiresAt: startedAt + this.ttlMs });
    }
    return key;
  }

  async revokeKey(id: string, by: string, at: string): Promise<ApiKey | null> {
    this.forget(id);
    try {
      return await this.store.revokeKey(id, by, at);
    } finally {
      this.forget(id);
    }
  }

  createKey(key: Omit<ApiKey, 'revokedAt' | 'revokedBy'> & { digest: string }): Promise<void> {
    return this.store.createKey(key);
  }

  listKeys(): Promise<ApiKey[]> {
    return this.store.listKeys();
  }

  private dropIfChangedElsewhere(): void {
    if (this.store.changesElsewhere === undefined) return;
    const seen = this.store.changesElsewhere();
    if (seen !== this.seenElsewhere) {
      this.seenElsewhere = seen;
      this.epoch += 1;
      this.live.clear();
    }
  }

  private forget(id: string): void {
    this.epoch += 1;
    for (const [digest, entry] of this.live) if (entry.key.id === id) this.live.delete(digest);
  }
}
