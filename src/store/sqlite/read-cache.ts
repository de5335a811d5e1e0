import { LRUCache } from 'lru-cache';

export interface ReadCacheOptions {
  /**
   * Room for answers, counted in bytes of their JSON; 0 turns the cache off. In memory an
   * answer takes a small multiple of that (its objects, and its JSON once rendered for HTTP).
   */
  maxBytes?: number;
}

export const READ_CACHE_MAX_MB = 4;

/** How many recent misses are remembered to decide what is worth keeping (keys only: ~0.5 MB). */
const RECENT_MISSES = 4096;

/** What tells the cache whether the database may have changed: asked before every read (see `version`). */
export interface Freshness {
  /**
   * Anything that moves whenever the data could have changed. It may be as of the arrival of
   * the request being answered (SQLite: the key check's look at other processes' commits is
   * reused in the same turn of the event loop), never older.
   */
  version(): string;
  /** True while a write transaction is open on the store's connection (its rows are not yet committed). */
  writing(): boolean;
}

/**
 * Answers of read models kept in memory for as long as the database has not changed, so that
 * reading the same exchange or totals again costs the freshness check below instead of the
 * read itself: no read-model query, no JSON parsing, no new objects.
 *
 * Why an answer from here is never stale: before every read, the store's `version` is asked —
 * for SQLite, the rows this connection has changed (`total_changes()`) and the commits other
 * connections and processes have made (`PRAGMA data_version`) — and any change at all empties
 * the cache. The version is read before the answer it guards, so a commit landing between the
 * two can only make the cached answer newer than its version, never older: the next read sees
 * the version move and reads again. While a write transaction is open on the connection, reads
 * bypass the cache altogether: they would see rows that a rollback could take back without
 * moving the version. In the service, the part about other processes is looked at by each
 * request's key check and reused by its read in the same turn of the event loop
 * (sqlite/commits-elsewhere.ts): an answer reflects every commit that completed before its
 * request arrived, as a read of the database would. Only a ledger nobody writes to is served
 * from memory, which is the common case of a record written a few times a day and read by many.
 *
 * An answer is kept from its second read on (the key must have been read, and missed, within
 * the last few thousand misses): a scan over many exchanges each read once passes through
 * without pushing out the answers people keep reading, and without the cost of sizing and
 * freezing answers nobody asks for again.
 *
 * Values kept are frozen: a caller that tried to change one would throw, not corrupt later
 * answers.
 */
export class ReadCache {
  private readonly entries: LRUCache<string, { value: unknown }> | null;
  /** Keys that missed lately: a key that misses again while still here is kept. */
  private readonly missedLately = new LRUCache<string, true>({ max: RECENT_MISSES });
  private readonly maxEntryBytes: number;
  private seen: string | undefined;

  constructor(
    private readonly freshness: Freshness,
    options: ReadCacheOptions = {},
  ) {
    const maxBytes = Math.max(0, Math.floor(options.maxBytes ?? READ_CACHE_MAX_MB * 1024 * 1024));
    // One very large answer (an exchange with thousands of stages) may not push out everything
    // else: it is read from the database each time.
    this.maxEntryBytes = Math.floor(maxBytes / 4);
    this.entries = maxBytes > 0 ? new LRUCache({ maxSize: maxBytes }) : null;
  }

  /** `load`'s answer for `key`, from memory if nothing was written since it was loaded. */
  read<T>(key: string, load: () => T): T {
    if (this.entries === null || this.freshness.writing()) return load();
    const now = this.freshness.version();
    if (now !== this.seen) {
      this.entries.clear();
      this.seen = now;
    }
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit.value as T;
    const value = load();
    if (this.missedLately.get(key) === undefined) {
      this.missedLately.set(key, true);
      return value;
    }
    const bytes = JSON.stringify(value)?.length ?? 0;
    if (bytes <= this.maxEntryBytes) this.entries.set(key, { value: deepFreeze(value) }, { size: Math.max(1, bytes) });
    return value;
  }

  /** How many answers are held, and their size in bytes of JSON (for tests and the benchmark). */
  get held(): { answers: number; bytes: number } {
    return { answers: this.entries?.size ?? 0, bytes: this.entries?.calculatedSize ?? 0 };
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
