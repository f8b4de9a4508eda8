import { TraceIdTable } from './trace-id-table.js';

/**
 * A fixed-capacity map of trace ids that forgets its oldest id when full. Eviction order lives in a
 * ring array, not in a map's iteration order: deleting from the front of a big `Map` over and over
 * leaves tombstones that make every "oldest key" lookup slower (it cost the trace assembler a
 * quarter of its time on standalone spans). The ids are held in a {@link TraceIdTable}.
 */
export class BoundedKeyRing<V> {
  private readonly table: TraceIdTable<V>;
  private readonly ring: Array<string | undefined>;
  private readonly ringHashes: Uint32Array;
  private next = 0;

  /** @param capacity - most ids held */
  constructor(capacity: number) {
    // One more than the ring: a new id is added before the oldest is evicted.
    this.table = new TraceIdTable(capacity + 1);
    this.ring = new Array<string | undefined>(capacity).fill(undefined);
    this.ringHashes = new Uint32Array(capacity);
  }

  /**
   * The value of `key`, if held.
   * @param key - the trace id
   * @param hash - its `traceKeyHash`
   */
  get(key: string, hash: number): V | undefined {
    return this.table.get(key, hash);
  }

  /**
   * Sets `key`, forgetting the oldest id when full.
   * @param key - the trace id
   * @param hash - its `traceKeyHash`
   * @param value - its value
   */
  set(key: string, hash: number, value: V): void {
    const size = this.table.size;
    // Refused (see TraceIdTable), or an update in place: nothing to evict.
    if (!this.table.set(key, hash, value) || this.table.size === size) return;
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.table.delete(evicted, this.ringHashes[this.next]!);
    this.ring[this.next] = key;
    this.ringHashes[this.next] = hash;
    this.next = this.next + 1 === this.ring.length ? 0 : this.next + 1;
  }

  /** Ids held now. */
  get size(): number {
    return this.table.size;
  }
}
