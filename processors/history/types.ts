/**
 * Types of the in-memory history: its options, its tiers, what a query asks and what it answers.
 */
import type { AlertTransition } from '../alerts/types.js';
import type { Clock } from '../../src/stats/types.js';
import type { HistorySeriesColumns } from './history-series.js';

/** One resolution of the history: points of `stepSeconds`, kept for `retentionSeconds`. */
export interface HistoryTier {
  /** Width of one point in seconds. */
  readonly stepSeconds: number;
  /** How far back the tier reaches, in seconds (`stepSeconds × points`). */
  readonly retentionSeconds: number;
}

/** Options of a {@link HistoryStore}. */
export interface HistoryStoreOptions {
  /**
   * The tiers, finest first; each step a multiple of the previous one.
   * @default 10 s for 1 h, 1 min for 24 h, 10 min for 7 days
   */
  tiers?: readonly HistoryTier[];
  /**
   * Most series held, the overall series included; later series are not recorded and are counted
   * in {@link HistoryStoreStats.droppedSeries}. Series with no point in the longest retention are
   * removed, which makes room again.
   * @default 200
   */
  maxSeries?: number;
  /** Most alert transitions kept (the oldest go first). @default 1000 */
  maxAlertTransitions?: number;
  /**
   * Seconds between ticks: the time the first tick (and a tick after none) is taken to cover.
   * @default 10
   */
  tickSeconds?: number;
  /** Time source. @default the system clock */
  clock?: Clock;
}

/** What one tick records besides the snapshot. */
export interface HistoryTickExtras {
  /** The overall health score (0–100), `null` when unknown. */
  healthScore: number | null;
  /** The alert engine's recent transitions, oldest first; `undefined` when alerts are off. */
  alertTransitions?: readonly AlertTransition[] | undefined;
}

/** A query of one series over a time range, already parsed (times in unix seconds). */
export interface HistoryQuery {
  /** The series key, e.g. `overall` or `query:api/orders` (see {@link HistoryStore}). */
  series: string;
  /** Start of the range, unix seconds; default `to` minus the chosen tier's retention. */
  from?: number | undefined;
  /** End of the range (exclusive), unix seconds; default now. */
  to?: number | undefined;
  /** Wanted step in seconds: the finest tier whose step is at least this answers. Default: the finest tier that reaches back to `from`. */
  step?: number | undefined;
}

/** A query parameter the history refused, and why. */
export interface HistoryQueryError {
  /** The parameter at fault: `series`, `from`, `to`, `step`, or one the route does not know. */
  parameter: string;
  /** Why, in a sentence. */
  reason: string;
}

/** The answer to a {@link HistoryQuery}: columnar arrays, one entry per point, `null` for gaps. */
export interface HistoryReport {
  /** The series key. */
  series: string;
  /** The series' labels (`service` first), `{}` for `overall`. */
  labels: Record<string, string>;
  /** The tier that answered. */
  tier: HistoryTier;
  /** Every tier of the history, finest first. */
  tiers: HistoryTier[];
  /** Start of the first point, unix seconds (the range start rounded down to the step). */
  from: number;
  /** End of the last point, unix seconds. */
  to: number;
  /**
   * Length in seconds of the sliding window the percentiles come from (the analysis' shortest):
   * a point of the finest tier holds that window's percentiles read at the tick; a coarser point
   * the highest of them within its step (an upper bound, not the exact percentile of the step).
   */
  percentileWindowSeconds: number | null;
  /** Start of each point, unix seconds. */
  t: number[];
  /** Operations ended in the point. */
  count: (number | null)[];
  /** Failed operations. */
  errors: (number | null)[];
  /** `errors / count`; `null` also when `count` is 0. */
  errorRatio: (number | null)[];
  /** `count` divided by the seconds the point's ticks covered. */
  throughputPerSecond: (number | null)[];
  /** Median latency, ms. */
  p50Ms: (number | null)[];
  /** 95th percentile latency, ms. */
  p95Ms: (number | null)[];
  /** 99th percentile latency, ms. */
  p99Ms: (number | null)[];
  /** `overall` only: the lowest health score within the point. */
  healthScore?: (number | null)[];
  /** `overall` only: the alert transitions within the range, oldest first. */
  alertTransitions?: AlertTransition[];
  /** The history's bounds, size and dropped series. */
  stats: HistoryStoreStats;
}

/** The history's own counters and size. */
export interface HistoryStoreStats {
  /** Series held now. */
  series: number;
  /** The bound on series. */
  maxSeries: number;
  /** Series seen in the latest tick that were not recorded because the bound was reached. */
  droppedSeries: number;
  /** Sum over all ticks of the series not recorded (a series refused for 6 ticks counts 6). */
  droppedSeriesTicks: number;
  /** Alert transitions held now. */
  alertTransitions: number;
  /** Ticks recorded. */
  ticks: number;
  /** Bytes of the preallocated point storage of one series. */
  bytesPerSeries: number;
  /** Estimated bytes held by the whole history now. */
  bytes: number;
}

/** What a series key names: all queries together, all of one service's, one query, one stage of a query, one source. */
export type HistorySeriesKind = 'overall' | 'service' | 'query' | 'stage' | 'source';

/** One series the history holds, as `/fedscope/series.json` lists it. */
export interface HistorySeriesInfo {
  /** The key to ask `/fedscope/history.json` for. */
  key: string;
  /** What the series is of. */
  kind: HistorySeriesKind;
  /** Its labels (`{}` for `overall` and the overflow series). */
  labels: { service?: string; query?: string; stage?: string; source?: string };
}

/** One series of a {@link HistoryDump}. */
export interface DumpedSeries {
  /** Its key. */
  key: string;
  /** Its labels. */
  labels: Record<string, string>;
  /** Unix seconds of the latest tick that saw it (a series unseen for the longest retention is dropped). */
  lastSeenSeconds: number;
  /** Its points, in the slot layout of the dump's tiers. */
  columns: HistorySeriesColumns;
}

/**
 * The history's state as it is saved and restored: the tiers it was laid out for, every series'
 * points and the alert transitions. What the analysis counted since its start is not in it (a
 * restarted process counts from zero again).
 */
export interface HistoryDump {
  /** Unix seconds when it was taken. */
  savedAtSeconds: number;
  /** The tiers, finest first: the slot layout of every series' columns. */
  tiers: HistoryTier[];
  /** See {@link HistoryReport.percentileWindowSeconds}. */
  percentileWindowSeconds: number | null;
  /** The series, `overall` first. */
  series: DumpedSeries[];
  /** The alert transitions held, oldest first. */
  alertTransitions: AlertTransition[];
}

/** What {@link HistoryStore.restore} took of a dump. */
export interface HistoryRestoreResult {
  /** Series restored. */
  restored: number;
  /** Series left out: no point left in the longest retention. */
  expired: number;
  /** Series left out: beyond `maxSeries`. */
  overLimit: number;
}

/** What the history's persistence did (`FEDSCOPE_HISTORY_DIR`), as `/fedscope/series.json` shows it. */
export interface HistoryPersistenceStats {
  /** The history file. */
  file: string;
  /** Saving is off for this run (the directory or the file could not be used); the history goes on in memory. */
  inMemoryOnly: boolean;
  /** Series restored at start. */
  restoredSeries: number;
  /** Series of the file left out at start: no point left in the longest retention, or beyond the bound on series. */
  skippedSeries: number;
  /** Why the file could not be used at start, `null` when it could (or there was none). */
  loadProblem: string | null;
  /** Where a damaged file was put aside, `null` when none was. */
  setAsidePath: string | null;
  /** Saves that completed. */
  saves: number;
  /** Saves that failed (the history goes on in memory; the next save tries again). */
  saveFailures: number;
  /** Saves not started because the previous one was still writing. */
  skippedSaves: number;
  /** When the latest save completed (ISO 8601), `null` before the first. */
  lastSaveAt: string | null;
  /** Bytes of the latest save. */
  lastSaveBytes: number;
  /** Milliseconds the latest save spent encoding (the header and each series' copy, summed): what runs on the event loop. */
  lastEncodeMs: number;
  /** Milliseconds the rest of the latest save took: writes, fsync and renames (asynchronous, off the event loop). */
  lastWriteMs: number;
}

/** `GET /fedscope/series.json`: what the history holds. */
export interface HistorySeriesReport {
  /** The tiers, finest first. */
  tiers: HistoryTier[];
  /** Every series held, `overall` first. */
  series: HistorySeriesInfo[];
  /** The distinct `service` labels of the series, sorted. */
  services: string[];
  /** The history's bounds, size and dropped series. */
  stats: HistoryStoreStats;
  /** What the persistence did, `null` when the history is not persisted. */
  persistence: HistoryPersistenceStats | null;
}
