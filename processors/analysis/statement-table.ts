import type { SlidingWindowStats } from '../../src/stats/sliding-window-stats.js';
import type { LimitSnapshot } from './snapshot-types.js';

/** How many resident statements an eviction compares; Redis' approximated LFU uses 5 too. */
const EVICTION_SAMPLE = 5;

/** One statement: the service that ran it, the source it runs on, its fingerprint, its text and statistics. */
export interface StatementEntry {
  readonly service: string;
  readonly source: string;
  /** Key of (service, source) the table files the entry under. */
  readonly sourceKey: string;
  readonly fingerprint: string;
  readonly statement: string | undefined;
  readonly stats: SlidingWindowStats;
  /** Records so far: what eviction compares. */
  uses: number;
}

/**
 * Per-(service, source, fingerprint) statistics for a bounded number of statements. When full, a new
 * statement evicts the least-used of a few resident statements picked at random (approximated
 * LFU: O(1) per eviction, and a statement in steady use survives a flood of one-off ones).
 * Evictions and idle expiries are counted.
 */
export class StatementTable {
  /**
   * Entries by (service, source) key, then fingerprint: two lookups of strings the caller already
   * holds (and whose hashes V8 keeps), where one combined key would be a new string to hash on every span.
   */
  private readonly bySource = new Map<string, Map<string, StatementEntry>>();
  /** The same entries in an array, for O(1) random sampling. */
  private readonly list: StatementEntry[] = [];
  private evictedCount = 0;
  private expiredCount = 0;
  /** xorshift32 state: sampling needs speed and spread, not security. */
  private seed = 0x9e3779b9;

  /**
   * @param limit - most statements held
   * @param idleExpiryMs - a statement idle this long is dropped by expireIdle
   * @param createStats - builds the statistics of a new statement
   */
  constructor(
    readonly limit: number,
    private readonly idleExpiryMs: number,
    private readonly createStats: () => SlidingWindowStats,
  ) {}

  /**
   * The entry of (service, source, fingerprint), created (evicting one when full) when new.
   * `sourceKey` identifies (service, source): the same string for the same pair (e.g. from `PairKeys`).
   */
  get(sourceKey: string, service: string, source: string, fingerprint: string, statement: () => string | undefined): StatementEntry {
    const found = this.bySource.get(sourceKey)?.get(fingerprint);
    if (found !== undefined) return found;
    if (this.list.length >= this.limit) this.evictOne();
    const entry: StatementEntry = { service, source, sourceKey, fingerprint, statement: statement(), stats: this.createStats(), uses: 0 };
    let byFingerprint = this.bySource.get(sourceKey);
    if (byFingerprint === undefined) {
      byFingerprint = new Map();
      this.bySource.set(sourceKey, byFingerprint);
    }
    byFingerprint.set(fingerprint, entry);
    this.list.push(entry);
    return entry;
  }

  /** Drops statements idle longer than the expiry; returns how many were dropped. */
  expireIdle(nowMs: number): number {
    let dropped = 0;
    for (let i = this.list.length - 1; i >= 0; i--) {
      const entry = this.list[i]!;
      if (entry.stats.idleMs(nowMs) > this.idleExpiryMs) {
        this.removeAt(i);
        dropped++;
      }
    }
    this.expiredCount += dropped;
    return dropped;
  }

  /** Every statement held. */
  values(): readonly StatementEntry[] {
    return this.list;
  }

  /** Statements held now. */
  get size(): number {
    return this.list.length;
  }

  /** The bound's state for the snapshot and the self-metrics. */
  limitSnapshot(): LimitSnapshot {
    return {
      name: 'statements',
      limit: this.limit,
      current: this.list.length,
      overflowed: 0,
      evicted: this.evictedCount,
      expired: this.expiredCount,
    };
  }

  private evictOne(): void {
    let victim = this.randomIndex();
    for (let i = 1; i < EVICTION_SAMPLE; i++) {
      const candidate = this.randomIndex();
      if (this.list[candidate]!.uses < this.list[victim]!.uses) victim = candidate;
    }
    this.removeAt(victim);
    this.evictedCount++;
  }

  private removeAt(index: number): void {
    const entry = this.list[index]!;
    const byFingerprint = this.bySource.get(entry.sourceKey);
    byFingerprint?.delete(entry.fingerprint);
    // A source with no statement left is forgotten, so the outer map stays bounded too.
    if (byFingerprint?.size === 0) this.bySource.delete(entry.sourceKey);
    const last = this.list.pop()!;
    if (index < this.list.length) this.list[index] = last;
  }

  private randomIndex(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed % this.list.length;
  }
}
