/** One cached entry, linked into the recency list. */
interface Node<K, V> {
  key: K;
  value: V;
  /** Towards the most recently used end. */
  newer: Node<K, V> | undefined;
  /** Towards the least recently used end. */
  older: Node<K, V> | undefined;
}

/**
 * A bounded least-recently-used map: at most `maxEntries` entries; adding one more evicts the entry
 * that was read or written longest ago, and counts the eviction. A hit costs one `Map` lookup plus
 * relinking the entry in a doubly linked recency list (no second hashing).
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, Node<K, V>>();
  private newest: Node<K, V> | undefined;
  private oldest: Node<K, V> | undefined;
  private evictionCount = 0;

  /**
   * @param maxEntries - the bound (a non-negative integer; 0 keeps nothing)
   * @throws RangeError when `maxEntries` is not a non-negative integer
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
    const node = this.map.get(key);
    if (node === undefined) return undefined;
    if (node !== this.newest) {
      this.unlink(node);
      this.pushNewest(node);
    }
    return node.value;
  }

  /** Whether `key` is held, without touching its recency. */
  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Stores `value` for `key` as most recently used, evicting the least recently used entry if full. */
  set(key: K, value: V): void {
    const existing = this.map.get(key);
    if (existing !== undefined) {
      existing.value = value;
      if (existing !== this.newest) {
        this.unlink(existing);
        this.pushNewest(existing);
      }
      return;
    }
    if (this.maxEntries === 0) return;
    if (this.map.size >= this.maxEntries) {
      const victim = this.oldest;
      if (victim !== undefined) {
        this.unlink(victim);
        this.map.delete(victim.key);
        this.evictionCount++;
      }
    }
    const node: Node<K, V> = { key, value, newer: undefined, older: undefined };
    this.map.set(key, node);
    this.pushNewest(node);
  }

  /** Removes every entry (the eviction count is kept). */
  clear(): void {
    this.map.clear();
    this.newest = undefined;
    this.oldest = undefined;
  }

  /** Keys from least to most recently used (for tests and diagnostics). */
  keys(): K[] {
    const keys: K[] = [];
    for (let node = this.oldest; node !== undefined; node = node.newer) keys.push(node.key);
    return keys;
  }

  private unlink(node: Node<K, V>): void {
    if (node.newer !== undefined) node.newer.older = node.older;
    else this.newest = node.older;
    if (node.older !== undefined) node.older.newer = node.newer;
    else this.oldest = node.newer;
    node.newer = undefined;
    node.older = undefined;
  }

  private pushNewest(node: Node<K, V>): void {
    node.older = this.newest;
    node.newer = undefined;
    if (this.newest !== undefined) this.newest.newer = node;
    this.newest = node;
    if (this.oldest === undefined) this.oldest = node;
  }
}
