import type { SlidingWindowStats } from '../../src/stats/sliding-window-stats.js';
import type { LimitSnapshot } from './snapshot-types.js';

/** Label value set on the overflow series, as OpenTelemetry's metric SDK names it. */
export const OVERFLOW_LABEL = 'otel.metric.overflow';

/** One entry of a {@link KeyedSeries}: its labels and its statistics. */
export interface SeriesEntry {
  readonly labels: Readonly<Record<string, string>>;
  readonly stats: SlidingWindowStats;
}

/**
 * Series keyed by a label combination, bounded: once `limit` series exist, records for new keys
 * go to one overflow series (labelled `otel.metric.overflow: "true"`) and are counted; series idle
 * for longer than the expiry are dropped (and counted) when {@link KeyedSeries.expireIdle} runs.
 */
export class KeyedSeries<E extends SeriesEntry> {
  private readonly entries = new Map<string, E>();
  private overflowEntry: E | undefined;
  private overflowedCount = 0;
  private expiredCount = 0;

  /**
   * @param name - what the series are of, for limit reporting (e.g. `series.source`)
   * @param limit - most series held (the overflow series not counted)
   * @param idleExpiryMs - a series idle this long is dropped by expireIdle
   * @param create - builds an entry for new labels
   */
  constructor(
    readonly name: string,
    readonly limit: number,
    private readonly idleExpiryMs: number,
    private readonly create: (labels: Record<string, string>) => E,
  ) {}

  /**
   * The entry for `key`, created with `labels()` when new and room is left, else the overflow
   * entry. `labels` is called only on creation, so the hot path builds no objects.
   */
  get(key: string, labels: () => Record<string, string>): E {
    const found = this.entries.get(key);
    if (found !== undefined) return found;
    if (this.entries.size < this.limit) {
      const entry = this.create(labels());
      this.entries.set(key, entry);
      return entry;
    }
    this.overflowedCount++;
    this.overflowEntry ??= this.create({ [OVERFLOW_LABEL]: 'true' });
    return this.overflowEntry;
  }

  /** The entry for `key` if it exists; never creates. */
  peek(key: string): E | undefined {
    return this.entries.get(key);
  }

  /** Drops series idle longer than the expiry; returns how many were dropped. */
  expireIdle(nowMs: number): number {
    let dropped = 0;
    for (const [key, entry] of this.entries) {
      if (entry.stats.idleMs(nowMs) > this.idleExpiryMs) {
        this.entries.delete(key);
        dropped++;
      }
    }
    this.expiredCount += dropped;
    return dropped;
  }

  /** Every entry, the overflow entry last when it exists. */
  *values(): IterableIterator<E> {
    yield* this.entries.values();
    if (this.overflowEntry !== undefined) yield this.overflowEntry;
  }

  /** Series held now (the overflow series not counted). */
  get size(): number {
    return this.entries.size;
  }

  /** The bound's state for the snapshot and the self-metrics. */
  limitSnapshot(): LimitSnapshot {
    return {
      name: this.name,
      limit: this.limit,
      current: this.entries.size,
      overflowed: this.overflowedCount,
      evicted: 0,
      expired: this.expiredCount,
    };
  }
}
