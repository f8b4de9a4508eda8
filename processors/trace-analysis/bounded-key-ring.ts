/**
 * A fixed-capacity map that forgets its oldest key when full. Eviction order lives in a ring
 * array, not in the map's iteration order: deleting from the front of a big `Map` over and over
 * leaves tombstones that make every "oldest key" lookup slower (it cost the trace assembler a
 * quarter of its time on standalone spans).
 */
export class BoundedKeyRing<V> {
  private readonly values = new Map<string, V>();
  private readonly ring: Array<string | undefined>;
  private next = 0;

  /** @param capacity - most keys held */
  constructor(capacity: number) {
    this.ring = new Array<string | undefined>(capacity);
  }

  /** The value of `key`, if held. */
  get(key: string): V | undefined {
    return this.values.get(key);
  }

  /** Sets `key`, forgetting the oldest key when full. */
  set(key: string, value: V): void {
    const size = this.values.size;
    this.values.set(key, value);
    if (this.values.size === size) return;
    // A new key (two map operations, not three): the evicted one cannot be `key`.
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.values.delete(evicted);
    this.ring[this.next] = key;
    this.next = this.next + 1 === this.ring.length ? 0 : this.next + 1;
  }

  /** Keys held now. */
  get size(): number {
    return this.values.size;
  }
}
