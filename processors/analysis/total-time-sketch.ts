/**
 * The time spent per statement (milliseconds), estimated in fixed memory: the admission filter of
 * the statement table (TinyLFU's design, weighted by time instead of counts).
 *
 * - A doorkeeper (a Bloom filter) takes a statement's first appearance; only a statement seen again
 *   adds its time to a count-min sketch. A flood of one-off statements thus leaves the sketch alone.
 * - The sketch adds by conservative update (only counters below the new estimate are raised), so
 *   collisions inflate estimates little: `estimate ≥ true aged time` of the repeated appearances.
 * - Every `resetAfter` additions the counters are halved and the doorkeeper cleared, so the estimates
 *   follow a workload that changes.
 */
export class TotalTimeSketch {
  private readonly counters: Float32Array;
  private readonly mask: number;
  private readonly doorkeeper: Uint32Array;
  private readonly doorMask: number;
  private additions = 0;
  private readonly resetAfter: number;

  /**
   * @param width - counters per row (rounded up to a power of two); about 8 per statement held
   * @param depth - rows, each indexed by its own hash
   */
  constructor(
    width: number,
    private readonly depth = 4,
  ) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(16, width)));
    this.mask = size - 1;
    this.counters = new Float32Array(size * depth);
    this.resetAfter = size * 10;
    // 64 bits per counter: a 2-probe Bloom filter stays under ~8 % false positives over a reset period.
    const doorBits = size * 64;
    this.doorMask = doorBits - 1;
    this.doorkeeper = new Uint32Array(doorBits / 32);
  }

  /** Bytes held by the counters and the doorkeeper. */
  get bytes(): number {
    return this.counters.byteLength + this.doorkeeper.byteLength;
  }

  /**
   * Adds `ms` to the statement of hash `hash` (from {@link statementHash}); returns whether the
   * statement was seen before (since the last reset), i.e. whether its time went into the counters.
   * A first appearance only marks the doorkeeper: its estimate is then other statements' time alone.
   */
  add(hash: number, ms: number): boolean {
    if (++this.additions >= this.resetAfter) this.reset();
    const step = secondHash(hash);
    if (!this.passDoorkeeper(hash, step)) return false;
    const target = this.estimate(hash) + ms;
    const width = this.mask + 1;
    for (let row = 0, index = hash; row < this.depth; row++, index = (index + step) | 0) {
      const slot = row * width + (index & this.mask);
      if (this.counters[slot]! < target) this.counters[slot] = target;
    }
    return true;
  }

  /** The estimated (aged) time of the statement's repeated appearances: the least of its counters. */
  estimate(hash: number): number {
    const step = secondHash(hash);
    const width = this.mask + 1;
    let least = Infinity;
    for (let row = 0, index = hash; row < this.depth; row++, index = (index + step) | 0) {
      const value = this.counters[row * width + (index & this.mask)]!;
      if (value < least) least = value;
    }
    return least;
  }

  /** True when the statement was seen before (since the last reset); marks it seen. */
  private passDoorkeeper(hash: number, step: number): boolean {
    const a = hash & this.doorMask;
    const b = (hash + step) & this.doorMask;
    const seen = (this.doorkeeper[a >>> 5]! & (1 << (a & 31))) !== 0 && (this.doorkeeper[b >>> 5]! & (1 << (b & 31))) !== 0;
    this.doorkeeper[a >>> 5]! |= 1 << (a & 31);
    this.doorkeeper[b >>> 5]! |= 1 << (b & 31);
    return seen;
  }

  private reset(): void {
    for (let i = 0; i < this.counters.length; i++) this.counters[i]! /= 2;
    this.doorkeeper.fill(0);
    this.additions = 0;
  }
}

/**
 * A 32-bit hash (FNV-1a) of a statement's (service, source) key and fingerprint, without
 * concatenating them.
 */
export function statementHash(sourceKey: string, fingerprint: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < sourceKey.length; i++) hash = Math.imul(hash ^ sourceKey.charCodeAt(i), 0x01000193);
  hash = Math.imul(hash ^ 0xff, 0x01000193);
  for (let i = 0; i < fingerprint.length; i++) hash = Math.imul(hash ^ fingerprint.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** An odd step derived from the hash (a murmur3 finaliser), for the probes after the first. */
function secondHash(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h | 1) >>> 0;
}
