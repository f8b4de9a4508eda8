/**
 * Hand-built analysis and health snapshots of known figures, for tests of what is made of them
 * (exports, pushes) without running spans through a pipeline.
 */
import type { FedscopeSnapshot, QuerySeriesSnapshot, SeriesSnapshot, WindowSummary } from '../../processors/analysis/snapshot-types.js';
import type { HealthScore, HealthSnapshot } from '../../processors/health/types.js';

/** A window's figures: `count` operations, `errors` of them failed, a p95 (p50 half of it, p99 twice). */
export function windowSummary(count: number, errors: number, p95: number | null, windowSeconds = 60): WindowSummary {
  return {
    windowSeconds,
    count,
    errors,
    errorRate: count > 0 ? errors / count : null,
    throughputPerSecond: count / windowSeconds,
    mean: p95,
    max: p95,
    p50: p95 === null ? null : p95 / 2,
    p90: p95,
    p95,
    p99: p95 === null ? null : p95 * 2,
    p999: p95,
    rowsReturned: 0,
    cacheHitRatio: null,
  };
}

/** A series whose shortest window and since-start figures are the same. */
export function seriesOf(labels: Record<string, string>, count: number, errors = 0, p95: number | null = 10): QuerySeriesSnapshot {
  const window = windowSummary(count, errors, p95);
  return {
    labels,
    windows: [window, windowSummary(count, errors, p95, 300)],
    sinceStart: window,
    lastUpdate: '',
    concurrency: { now: 0, peak: 0 },
  };
}

/** A snapshot taken at `generatedAt` with the given series. */
export function snapshotOf(
  overall: QuerySeriesSnapshot,
  more: {
    services?: QuerySeriesSnapshot[];
    queries?: QuerySeriesSnapshot[];
    stages?: SeriesSnapshot[];
    sources?: SeriesSnapshot[];
    generatedAt?: string;
  } = {},
): FedscopeSnapshot {
  return {
    generatedAt: more.generatedAt ?? '2026-01-01T00:00:00.000Z',
    windowsSeconds: [60, 300],
    overall,
    services: more.services ?? [],
    queries: more.queries ?? [],
    stages: more.stages ?? [],
    sources: more.sources ?? [],
    statements: [],
    topStatements: { slowestP95: [], mostTotalTime: [], mostErrors: [] },
    limits: [],
  };
}

/** A health snapshot with the overall score and scores of queries and sources by their labels. */
export function healthOf(
  overall: number,
  queries: Array<[Record<string, string>, number]> = [],
  sources: Array<[Record<string, string>, number]> = [],
): HealthSnapshot {
  const score = (scope: HealthScore['scope'], labels: Record<string, string>, value: number): HealthScore => ({
    scope,
    name: labels['query'] ?? labels['source'] ?? 'overall',
    labels,
    score: value,
    components: [],
    reasons: [],
  });
  return {
    generatedAt: '2026-01-01T00:00:00.000Z',
    windowSeconds: 60,
    overall: score('overall', {}, overall),
    queries: queries.map(([labels, value]) => score('query', labels, value)),
    sources: sources.map(([labels, value]) => score('source', labels, value)),
  };
}
