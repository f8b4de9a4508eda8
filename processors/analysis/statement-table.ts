import type { SlidingWindowStats } from '../../src/stats/sliding-window-stats.js';
import type { ClassifiedSpan } from '../classified-span.js';
import type { LimitSnapshot } from './snapshot-types.js';
import { statementHash, TotalTimeSketch } from './total-time-sketch.js';

/** How many resident statements an admission compares the newcomer with; Redis' approximated LFU samples 5 too. */
const EVICTION_SAMPLE = 5;
/** Sketch counters per statement held: few enough collisions that a one-off statement's estimate stays near its own time. */
const SKETCH_COUNTERS_PER_STATEMENT = 8;
/**
 * How much more estimated time a newcomer needs than the resident it would evict: among statements
 * of about equal weight (a uniform mix wider than the table) estimates differ by noise, and without
 * a margin they would evict each other on every span.
 */
const ADMISSION_MARGIN = 1.5;

/** One statement: the service that ran it, the source it runs on, its fingerprint, its text and statistics. */
export interface StatementEntry {
  readonly service: string;
  readonly source: string;
  /** Key of (service, source) the table files the entry under. */
  readonly sourceKey: string;
  readonly fingerprint: string;
  readonly statement: string | undefined;
  readonly stats: SlidingWindowStats;
  /** Hash of (sourceKey, fingerprint) in the admission sketch. */
  readonly hash: number;
}

/**
 * Per-(service, source, fingerprint) statistics for a bounded number of statements, kept for the
 * statements that take the most time. Every statement's time goes into a small count-min sketch
 * ({@link TotalTimeSketch}); when the table is full, a new statement is admitted only if its
 * estimated time is above that of the least of a few residents picked at random, which it then
 * evicts (TinyLFU admission, weighted by time: O(1) per span). A statement met for the first time is
 * refused outright, so a flood of one-off statements builds no series and evicts hardly anyone (only
 * the doorkeeper's few false positives are weighed, and those against residents whose time has aged
 * away), while a statement that keeps coming back gets in and stays:
 * the cost per span stays flat however many distinct statements there are. Records of statements
 * not admitted are counted (`overflowed`); their spans still count in their query and source series.
 */
export class StatementTable {
  /**
   * Entries by (service, source) key, then fingerprint: two lookups of strings the caller already
   * holds (and whose hashes V8 keeps), where one combined key would be a new string to hash on every span.
   */
  private readonly bySource = new Map<string, Map<string, StatementEntry>>();
  /** The same entries in an array, for O(1) random sampling. */
  private readonly list: StatementEntry[] = [];
  /** `hashes[i]` is `list[i].hash`: sampling reads one compact array instead of the entries scattered over the heap. */
  private readonly hashes: Uint32Array;
  private evictedCount = 0;
  private expiredCount = 0;
  private notAdmittedCount = 0;
  /** xorshift32 state: sampling needs speed and spread, not security. */
  private seed = 0x9e3779b9;
  private readonly sketch: TotalTimeSketch;

  /**
   * @param limit - most statements held
   * @param idleExpiryMs - a statement idle this long is dropped by expireIdle
   * @param createStats - builds the statistics of a new statement
   * @param describe - the statement text shown for a new statement, from the span that brought it
   */
  constructor(
    readonly limit: number,
    private readonly idleExpiryMs: number,
    private readonly createStats: () => SlidingWindowStats,
    private readonly describe: (span: ClassifiedSpan) => string | undefined,
  ) {
    this.sketch = new TotalTimeSketch(limit * SKETCH_COUNTERS_PER_STATEMENT);
    this.hashes = new Uint32Array(limit);
  }

  /**
   * Adds the span's duration to the statement's estimated time and returns its entry: the one held,
   * a new one (room left, or admitted over a resident it evicts), or `undefined` when not admitted.
   * `sourceKey` identifies (service, source): the same string for the same pair (e.g. from `PairKeys`).
   * A held statement costs two map lookups and the sketch update: no object is built.
   */
  get(sourceKey: string, service: string, source: string, fingerprint: string, span: ClassifiedSpan): StatementEntry | undefined {
    const found = this.bySource.get(sourceKey)?.get(fingerprint);
    // A held statement's hash was computed when it was admitted.
    const hash = found !== undefined ? found.hash : statementHash(sourceKey, fingerprint);
    const seenBefore = this.sketch.add(hash, span.durationMs);
    if (found !== undefined) return found;
    // A statement met for the first time takes no resident's place (TinyLFU's doorkeeper): its estimate
    // is only what other statements left in its counters, so admitting on it would let collisions evict.
    if (this.list.length >= this.limit && !(seenBefore && this.admitOverResident(hash))) {
      this.notAdmittedCount++;
      return undefined;
    }
    const entry: StatementEntry = {
      service,
      source,
      sourceKey,
      fingerprint,
      statement: this.describe(span),
      stats: this.createStats(),
      hash,
    };
    let byFingerprint = this.bySource.get(sourceKey);
    if (byFingerprint === undefined) {
      byFingerprint = new Map();
      this.bySource.set(sourceKey, byFingerprint);
    }
    byFingerprint.set(fingerprint, entry);
    this.hashes[this.list.length] = hash;
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
      overflowed: this.notAdmittedCount,
      evicted: this.evictedCount,
      expired: this.expiredCount,
    };
  }

  /** Bytes of the admission sketch. */
  get sketchBytes(): number {
    return this.sketch.bytes;
  }

  /**
   * Evicts the resident with the least estimated time among a few sampled, if the newcomer's
   * estimate is above it; says whether it did.
   */
  private admitOverResident(hash: number): boolean {
    const estimate = this.sketch.estimate(hash);
    // No time recorded (zero durations): no resident can have less, so none is sampled.
    if (estimate === 0) return false;
    let victim = this.randomIndex();
    let victimTime = this.sketch.estimate(this.hashes[victim]!);
    for (let i = 1; i < EVICTION_SAMPLE; i++) {
      const candidate = this.randomIndex();
      const time = this.sketch.estimate(this.hashes[candidate]!);
      if (time < victimTime) {
        victim = candidate;
        victimTime = time;
      }
    }
    if (estimate <= victimTime * ADMISSION_MARGIN) return false;
    this.removeAt(victim);
    this.evictedCount++;
    return true;
  }

  private removeAt(index: number): void {
    const entry = this.list[index]!;
    const byFingerprint = this.bySource.get(entry.sourceKey);
    byFingerprint?.delete(entry.fingerprint);
    // A source with no statement left is forgotten, so the outer map stays bounded too.
    if (byFingerprint?.size === 0) this.bySource.delete(entry.sourceKey);
    const last = this.list.pop()!;
    if (index < this.list.length) {
      this.list[index] = last;
      this.hashes[index] = last.hash;
    }
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
