/**
 * Farthest an entry is put from its home slot: an id whose nearby slots are all taken is refused
 * rather than lengthening the run. Ids from a sender can pile up on one slot only by sharing their
 * last 16 characters (see {@link traceKeyHash}): past this many, those are refused, not slow. Ids
 * that do not share them are not: with a quarter of the slots taken, 2 million random ids in a
 * steady churn were never put more than 18 slots from home (at half, 1 in 10,000 went past 32).
 */
const MAX_PROBES = 64;
/** Slots of a new table; it doubles while more than a quarter of its slots are taken, up to its capacity. */
const INITIAL_SLOTS = 1024;

/** Seed of {@link traceKeyHash}: chosen per process, so a sender cannot pick ids whose slots are neighbours. */
const SEED = (Math.random() * 2 ** 32) >>> 0;

/** Trailing characters of a trace id {@link traceKeyHash} reads: 64 bits of a hex id, its random part. */
const HASHED_ID_CHARACTERS = 16;

/**
 * The hash a {@link TraceIdTable} files a trace id under: FNV-1a over its last 16 characters and its
 * length, from a seed chosen per process, then mixed (murmur3's finaliser). W3C Trace Context makes
 * the rightmost 7 bytes of an id random (some systems put a time in the leading ones), and a span
 * pays for this once per trace met: reading half the id halves it. Ids that differ only before
 * their last 16 characters share a hash, and the table tells them apart by comparing them. Compute
 * it once per id and pass it to every table the id is looked up in.
 *
 * @param traceId - the trace id, any text
 */
export function traceKeyHash(traceId: string): number {
  let hash = Math.imul(SEED ^ 0x811c9dc5 ^ traceId.length, 0x01000193);
  for (let i = Math.max(0, traceId.length - HASHED_ID_CHARACTERS); i < traceId.length; i++)
    hash = Math.imul(hash ^ traceId.charCodeAt(i), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

/**
 * A map from trace ids to values, bounded, for ids that come and go all the time (the traces in
 * flight, the ids closed lately). Open addressing with linear probing over arrays that never shrink,
 * and deletion by moving the following entries back (no tombstones).
 *
 * Why not a `Map`: a `Map` with thousands of string keys that are added and deleted at span rates
 * keeps the deleted entries in its backing store until it rebuilds it, a new store of the whole
 * map each time; this table's arrays are allocated as it grows and then reused. At most a quarter
 * of its slots are taken, so runs are short and a lookup soon ends at an empty slot; an id that
 * would be put more than {@link MAX_PROBES} slots after its home slot is refused (the caller counts it).
 */
export class TraceIdTable<V> {
  private keys: Array<string | undefined>;
  private values: Array<V | undefined>;
  /** `hashes[i]` is the {@link traceKeyHash} of `keys[i]`: moving entries back needs their home slot. */
  private hashes: Uint32Array;
  private mask: number;
  private count = 0;
  /** The most slots the table grows to: four times the most entries, rounded up to a power of two. */
  private readonly maxSlots: number;

  /** @param maxEntries - most entries held (at least 1): past it, {@link TraceIdTable.set} refuses a new id */
  constructor(readonly maxEntries: number) {
    this.maxSlots = 2 ** Math.ceil(Math.log2(Math.max(16, 4 * maxEntries)));
    const slots = Math.min(INITIAL_SLOTS, this.maxSlots);
    this.keys = new Array<string | undefined>(slots).fill(undefined);
    this.values = new Array<V | undefined>(slots).fill(undefined);
    this.hashes = new Uint32Array(slots);
    this.mask = slots - 1;
  }

  /** Entries held. */
  get size(): number {
    return this.count;
  }

  /**
   * The value of `traceId`, if held.
   * @param traceId - the trace id
   * @param hash - its {@link traceKeyHash}
   */
  get(traceId: string, hash: number): V | undefined {
    const slot = this.runSlot(traceId, hash);
    return this.keys[slot] === undefined ? undefined : this.values[slot];
  }

  /**
   * Sets the value of `traceId`. Returns false when the id was not held and could not be added: the
   * table holds `maxEntries` already, or the slots near the id's are all taken.
   * @param traceId - the trace id
   * @param hash - its {@link traceKeyHash}
   * @param value - its value
   */
  set(traceId: string, hash: number, value: V): boolean {
    const slot = this.slotFor(traceId, hash);
    if (slot < 0) return false;
    if (this.keys[slot] === undefined) {
      if (this.count >= this.maxEntries) return false;
      this.keys[slot] = traceId;
      this.hashes[slot] = hash;
      this.count++;
    }
    this.values[slot] = value;
    if (4 * this.count > this.mask + 1 && this.mask + 1 < this.maxSlots) this.resize(2 * (this.mask + 1));
    return true;
  }

  /**
   * Removes `traceId`; returns whether it was held.
   * @param traceId - the trace id
   * @param hash - its {@link traceKeyHash}
   */
  delete(traceId: string, hash: number): boolean {
    const keys = this.keys;
    const hashes = this.hashes;
    const values = this.values;
    const mask = this.mask;
    let hole = this.runSlot(traceId, hash);
    if (keys[hole] === undefined) return false;
    // Move back each following entry of the run whose home slot is not between the hole and it.
    let next = hole;
    for (;;) {
      next = (next + 1) & mask;
      const key = keys[next];
      if (key === undefined) break;
      const home = hashes[next]! & mask;
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (stays) continue;
      keys[hole] = key;
      hashes[hole] = hashes[next]!;
      values[hole] = values[next];
      hole = next;
    }
    keys[hole] = undefined;
    values[hole] = undefined;
    this.count--;
    return true;
  }

  /** Empties the table (its arrays are kept). */
  clear(): void {
    this.keys.fill(undefined);
    this.values.fill(undefined);
    this.count = 0;
  }

  /** The slot of `traceId`, or the empty slot it would take; -1 when that is more than {@link MAX_PROBES} slots on. */
  private slotFor(traceId: string, hash: number): number {
    const slot = this.runSlot(traceId, hash);
    if (this.keys[slot] !== undefined) return slot;
    return ((slot - hash) & this.mask) < MAX_PROBES ? slot : -1;
  }

  /**
   * The slot holding `traceId`, else the empty slot that ends the run from its home slot (at most a
   * quarter of the slots are taken: the run ends soon).
   */
  private runSlot(traceId: string, hash: number): number {
    const keys = this.keys;
    const mask = this.mask;
    let slot = hash & mask;
    for (;;) {
      const key = keys[slot];
      if (key === undefined || (this.hashes[slot] === hash && key === traceId)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private resize(slots: number): void {
    const keys = this.keys;
    const values = this.values;
    const hashes = this.hashes;
    this.keys = new Array<string | undefined>(slots).fill(undefined);
    this.values = new Array<V | undefined>(slots).fill(undefined);
    this.hashes = new Uint32Array(slots);
    this.mask = slots - 1;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key === undefined) continue;
      let slot = hashes[i]! & this.mask;
      while (this.keys[slot] !== undefined) slot = (slot + 1) & this.mask;
      this.keys[slot] = key;
      this.hashes[slot] = hashes[i]!;
      this.values[slot] = values[i];
    }
  }
}
