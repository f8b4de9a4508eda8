/**
 * The shape of `handle.snapshot()` and `/fedscope/snapshot.json`: plain, JSON-serialisable data.
 * Durations are in milliseconds; ratios in [0, 1]; `null` where a figure has no data yet.
 */
import type { WindowSummary } from '../../src/stats/types.js';

export type { WindowSummary };

/** One series: its identifying labels and figures per window. */
export interface SeriesSnapshot {
  /**
   * What the series is about, `service` (its `service.name`) first, e.g. `{ service: 'api', query: 'orders' }`
   * or `{ service: 'api', source: 'pg', fingerprint: '…' }`; `{}` for the overall series, and only
   * `otel.metric.overflow` for an overflow series.
   */
  labels: Record<string, string>;
  /** One entry per configured window, shortest first. */
  windows: WindowSummary[];
  /** Since the series was created. */
  sinceStart: WindowSummary;
  /** Last time a span was recorded into it (ISO 8601). */
  lastUpdate: string;
}

/** Concurrency of federated queries. */
export interface ConcurrencySnapshot {
  /** Running now. */
  now: number;
  /** Most running at once since start. */
  peak: number;
}

/** A federated query's series, with its concurrency. */
export interface QuerySeriesSnapshot extends SeriesSnapshot {
  concurrency: ConcurrencySnapshot;
}

/** A statement's series, with what identifies the statement. */
export interface StatementSeriesSnapshot extends SeriesSnapshot {
  /** The normalised statement text (literals replaced), when known. */
  statement: string | undefined;
}

/** State of one bound on fedscope's memory. */
export interface LimitSnapshot {
  /** What is bounded, e.g. `series.source` or `statements`. */
  name: string;
  /** The configured bound. */
  limit: number;
  /** Entries held now. */
  current: number;
  /** Records that went to the overflow series because the bound was reached (statements: records of statements not admitted). */
  overflowed: number;
  /** Entries evicted to make room. */
  evicted: number;
  /** Entries dropped after being idle. */
  expired: number;
}

/** Top statements by three measures, each a list of statement series (at most `topN`). */
export interface TopStatements {
  /** Highest p95 over the shortest window. */
  slowestP95: StatementSeriesSnapshot[];
  /** Most total time since start (count × mean). */
  mostTotalTime: StatementSeriesSnapshot[];
  /** Most errors since start. */
  mostErrors: StatementSeriesSnapshot[];
}

/**
 * Everything fedscope derived, at one moment: what `handle.snapshot()` and `pipeline.snapshot()`
 * return and `/fedscope/snapshot.json` serves.
 */
export interface FedscopeSnapshot {
  /** When the snapshot was taken (ISO 8601). */
  generatedAt: string;
  /** Window lengths in seconds, shortest first. */
  windowsSeconds: number[];
  /** All federated queries of every service together. */
  overall: QuerySeriesSnapshot;
  /** All federated queries of one service together, per service (`labels: { service }`). */
  services: QuerySeriesSnapshot[];
  /** Per (service, federated query name). */
  queries: QuerySeriesSnapshot[];
  /** Per (service, query name, stage). */
  stages: SeriesSnapshot[];
  /** Per (service, source): the service that made the calls. */
  sources: SeriesSnapshot[];
  /** Per (service, source, statement fingerprint). */
  statements: StatementSeriesSnapshot[];
  /** The statements that cost most. */
  topStatements: TopStatements;
  /** Bounds on fedscope's memory and how often they were hit. */
  limits: LimitSnapshot[];
}
