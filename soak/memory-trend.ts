import type { ServiceSample } from './soak-protocol.js';

/** How the service's memory went, and whether it stayed flat. */
export interface MemoryTrend {
  /** Samples before this (ms into the load) are warm-up and left out. */
  readonly warmupMs: number;
  /** Samples in the first third of the load after the warm-up, and in the last third. */
  readonly firstThirdSamples: number;
  readonly lastThirdSamples: number;
  /** Median heap in use after a full GC, bytes: first third after warm-up, last third. */
  readonly firstThirdMedianHeapBytes: number | null;
  readonly lastThirdMedianHeapBytes: number | null;
  /** Median resident set size, bytes, same thirds. */
  readonly firstThirdMedianRssBytes: number | null;
  readonly lastThirdMedianRssBytes: number | null;
  /** Median external memory (ArrayBuffers, Buffers), bytes, same thirds. */
  readonly firstThirdMedianExternalBytes: number | null;
  readonly lastThirdMedianExternalBytes: number | null;
  /**
   * Median of what the RSS holds beyond V8's heap and its external memory (native libraries such
   * as DuckDB, the allocator's arenas), bytes, same thirds: where an RSS growth with a flat heap is.
   */
  readonly firstThirdMedianNativeBytes: number | null;
  readonly lastThirdMedianNativeBytes: number | null;
  /** Last third's median heap over the first's, minus 1 (0.05 = 5% more). */
  readonly heapGrowth: number | null;
  /** Largest growth that counts as flat. */
  readonly tolerance: number;
  /** Whether both thirds had samples and the heap grew no more than the tolerance. */
  readonly flat: boolean;
}

/** The share of the load, from its start, that is warm-up (connections, JIT, windows filling). */
export const WARMUP_SHARE = 0.1;

/**
 * The heap may grow this much from the first third to the last and still be flat: fedscope's
 * bounded state fills as the run goes on (the 5- and 15-minute windows, the hour of 10-second
 * history points), which a leak-free process shows as a few MiB early in a run.
 */
export const HEAP_GROWTH_TOLERANCE = 0.2;

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** What the RSS holds beyond V8's heap and external memory (never below 0: RSS counts only pages touched). */
export function nativeBytes(sample: ServiceSample): number {
  return Math.max(0, sample.rssBytes - sample.heapTotalBytes - sample.externalBytes);
}

/**
 * Compares the median heap (after a full GC) of the last third of a load of `durationMs` with that
 * of the first third after the warm-up ({@link WARMUP_SHARE} of the load).
 */
export function memoryTrend(samples: readonly ServiceSample[], durationMs: number, tolerance = HEAP_GROWTH_TOLERANCE): MemoryTrend {
  const warmupMs = durationMs * WARMUP_SHARE;
  const first = samples.filter((s) => s.elapsedMs > warmupMs && s.elapsedMs <= durationMs / 3);
  const last = samples.filter((s) => s.elapsedMs > (2 * durationMs) / 3);
  const firstHeap = median(first.map((s) => s.heapUsedBytes));
  const lastHeap = median(last.map((s) => s.heapUsedBytes));
  const heapGrowth = firstHeap !== null && lastHeap !== null && firstHeap > 0 ? lastHeap / firstHeap - 1 : null;
  return {
    warmupMs,
    firstThirdSamples: first.length,
    lastThirdSamples: last.length,
    firstThirdMedianHeapBytes: firstHeap,
    lastThirdMedianHeapBytes: lastHeap,
    firstThirdMedianRssBytes: median(first.map((s) => s.rssBytes)),
    lastThirdMedianRssBytes: median(last.map((s) => s.rssBytes)),
    firstThirdMedianExternalBytes: median(first.map((s) => s.externalBytes)),
    lastThirdMedianExternalBytes: median(last.map((s) => s.externalBytes)),
    firstThirdMedianNativeBytes: median(first.map(nativeBytes)),
    lastThirdMedianNativeBytes: median(last.map(nativeBytes)),
    heapGrowth,
    tolerance,
    flat: heapGrowth !== null && heapGrowth <= tolerance,
  };
}
