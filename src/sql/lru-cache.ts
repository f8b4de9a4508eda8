/**
 * A bounded least-recently-used map: at most `maxEntries` entries; adding one more evicts the entry
 * that was read or written longest ago, and counts the eviction.
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();
  private evictionCount = 0;

  /**
   * @param maxEntries - the bound (a non-negative integer; 0 keeps nothing)
   */
  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 0) {
      throw new RangeError(`LruCache maxEntries must be a non-negative integer, got ${String(maxEntries)}`);
    }
  }

  /** Number of entries held. */
  get size(): number {
    return this.map.size;
  }

  /** Entries evicted so far to respect the bound. */
  get evictions(): number {
    return this.evictionCount;
  }

  /** The value for `key` (marking it most recently used), or `undefined`. */
  get(key: K): V | undefined {
    const map = this.map;
    const value = map.get(key);
    if (value === undefined) return undefined;
    // Move to the most-recent end (Map iterates in insertion order).
    map.delete(key);
    map.set(key, value);
    return value;
  }

  /** Whether `key` is held, without touching its recency. */
  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Stores `value` for `key` as most recently used, evicting the least recently used entry if full. */
  set(key: K, value: V): void {
    const map = this.map;
    if (map.has(key)) map.delete(key);
    else if (map.size >= this.maxEntries) {
      if (this.maxEntries === 0) return;
      const oldest = map.keys().next();
      if (!oldest.done) {
        map.delete(oldest.value);
        this.evictionCount++;
      }
    }
    map.set(key, value);
  }

  /** Removes every entry (the eviction count is kept). */
  clear(): void {
    this.map.clear();
  }

  /** Keys from least to most recently used (for tests and diagnostics). */
  keys(): K[] {
    return [...this.map.keys()];
  }
}
