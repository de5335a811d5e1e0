import { LRUCache } from 'lru-cache';

export interface ReadCacheOptions {
  /** Room for this many units (an exchange counts 1 + its stages, a page or totals answer its rows); 0 turns the cache off. */
  maxUnits?: number;
}

/** ~10 MB of read models at the sizes this ledger has (a stage's object is a few hundred bytes). */
export const READ_CACHE_MAX_UNITS = 20_000;

/**
 * Answers of read models kept in memory for as long as the database has not changed, so that
 * reading the same exchange or totals again costs no SQL, no JSON parsing and no allocation.
 *
 * Why an answer from here is never stale: before every read, the store's `version` is asked —
 * for SQLite, the rows this connection has changed (`total_changes()`) and the commits other
 * connections and processes have made (`PRAGMA data_version`) — and any change at all empties
 * the cache. The version is read before the answer it guards, so a commit landing between the
 * two can only make the cached answer newer than its version, never older: the next read sees
 * the version move and reads again. Reads are therefore as fresh as reading the database
 * itself; only a ledger nobody writes to is served from memory, which is the common case of a
 * record written a few times a day and read by many.
 *
 * Values are frozen: a caller that tried to change one would throw, not corrupt later answers.
 */
export class ReadCache {
  private readonly entries: LRUCache<string, { value: unknown }> | null;
  private seen: string | undefined;

  constructor(private readonly version: () => string, options: ReadCacheOptions = {}) {
    const maxUnits = options.maxUnits ?? READ_CACHE_MAX_UNITS;
    // One very large exchange may not push out everything else: it is read from the database.
    this.entries = maxUnits > 0 ? new LRUCache({ maxSize: maxUnits, maxEntrySize: Math.max(1, Math.floor(maxUnits / 4)) }) : null;
  }

  /** `load`'s answer for `key`, from memory if nothing was written since it was loaded. */
  read<T>(key: string, units: (value: T) => number, load: () => T): T {
    if (this.entries === null) return load();
    const now = this.version();
    if (now !== this.seen) {
      this.entries.clear();
      this.seen = now;
    }
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit.value as T;
    const value = deepFreeze(load());
    this.entries.set(key, { value }, { size: Math.max(1, units(value)) });
    return value;
  }

  /** How many answers are held (for tests). */
  get size(): number {
    return this.entries?.size ?? 0;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
