import { windowLabel } from '../../src/stats/window-label.js';
import type { FedscopeSnapshot, QuerySeriesSnapshot, SeriesSnapshot, WindowSummary } from '../analysis/snapshot-types.js';
import type { FigureProvider, FigureSample } from './types.js';

/** Scopes of the analysis snapshot. */
export const SNAPSHOT_SCOPES = ['overall', 'query', 'stage', 'source', 'statement'] as const;

/** Per-window fields of a series, by the name rules use (durations get an `Ms` suffix). */
const WINDOW_FIELDS: Record<string, (w: WindowSummary) => number | null> = {
  count: (w) => w.count,
  errors: (w) => w.errors,
  errorRate: (w) => w.errorRate,
  throughputPerSecond: (w) => w.throughputPerSecond,
  meanMs: (w) => w.mean,
  maxMs: (w) => w.max,
  p50Ms: (w) => w.p50,
  p90Ms: (w) => w.p90,
  p95Ms: (w) => w.p95,
  p99Ms: (w) => w.p99,
  p999Ms: (w) => w.p999,
  rowsReturned: (w) => w.rowsReturned,
  cacheHitRatio: (w) => w.cacheHitRatio,
};

/** Fields of query series only (not windowed). */
const CONCURRENCY_FIELDS: Record<string, (q: QuerySeriesSnapshot) => number> = {
  concurrency: (q) => q.concurrency.now,
  peakConcurrency: (q) => q.concurrency.peak,
};

/** Every field a snapshot figure may name. */
export const SNAPSHOT_FIELDS: readonly string[] = [...Object.keys(WINDOW_FIELDS), ...Object.keys(CONCURRENCY_FIELDS)];

/**
 * A problem with a snapshot figure reference (`source.p95Ms`), or `undefined` when fine or when
 * the scope is not a snapshot scope (another provider's figure).
 */
export function checkSnapshotFigure(figure: string): string | undefined {
  const [scope, field, ...rest] = figure.split('.');
  if (!(SNAPSHOT_SCOPES as readonly string[]).includes(scope ?? '')) return undefined;
  if (field === undefined || rest.length > 0 || !SNAPSHOT_FIELDS.includes(field)) {
    return `unknown figure ${JSON.stringify(figure)}; ${scope} figures are ${SNAPSHOT_FIELDS.map((f) => `${scope}.${f}`).join(', ')}`;
  }
  if (field in CONCURRENCY_FIELDS && scope !== 'overall' && scope !== 'query') return `${field} exists for overall and query only`;
  return undefined;
}

/**
 * A problem with a rule's window for a snapshot figure (`2m` when the analysis keeps 1m, 5m, 15m),
 * or `undefined` when it is one of `windowsSeconds`, `sinceStart`, or not given (the shortest).
 */
export function checkAnalysisWindow(window: string | undefined, windowsSeconds: readonly number[]): string | undefined {
  if (window === undefined || window === 'sinceStart' || windowsSeconds.some((seconds) => windowLabel(seconds) === window))
    return undefined;
  return `${JSON.stringify(window)} is not an analysis window; use one of ${[...windowsSeconds.map(windowLabel), 'sinceStart'].join(', ')}`;
}

/**
 * Supplies the analysis snapshot's figures: `{overall|query|stage|source|statement}.{field}` over
 * a window (`1m`, `5m`, … as exported in the `window` metric attribute, or `sinceStart`). Each
 * sample carries its series' labels (`service` and `query`, `stage`, `source`, `fingerprint`), so
 * an alert on a query or source names its service. One snapshot is taken per evaluation and
 * shared by every rule.
 */
export class SnapshotFigureProvider implements FigureProvider {
  private current: FedscopeSnapshot | undefined;

  /**
   * @param takeSnapshot - e.g. `() => analysisState.snapshot()`
   * @param windowsSeconds - the analysis windows (to check rule windows up front)
   */
  constructor(
    private readonly takeSnapshot: () => FedscopeSnapshot,
    private readonly windowsSeconds: readonly number[],
  ) {}

  /** Takes this evaluation's snapshot. */
  beginEvaluation(): void {
    this.current = undefined;
  }

  /** Checks scope, field and window. */
  check(figure: string, window: string | undefined): string | undefined {
    const problem = checkSnapshotFigure(figure);
    if (problem !== undefined) return `figure: ${problem}`;
    const scope = figure.split('.')[0] ?? '';
    if (!(SNAPSHOT_SCOPES as readonly string[]).includes(scope)) return undefined;
    const windowProblem = checkAnalysisWindow(window, this.windowsSeconds);
    return windowProblem === undefined ? undefined : `window: ${windowProblem}`;
  }

  /** Samples of a snapshot figure, `undefined` for other scopes. */
  read(figure: string, window: string | undefined): readonly FigureSample[] | undefined {
    const [scope, field] = figure.split('.');
    if (!(SNAPSHOT_SCOPES as readonly string[]).includes(scope ?? '') || field === undefined) return undefined;
    this.current ??= this.takeSnapshot();
    const snapshot = this.current;
    const series: SeriesSnapshot[] =
      scope === 'overall'
        ? [snapshot.overall]
        : scope === 'query'
          ? snapshot.queries
          : scope === 'stage'
            ? snapshot.stages
            : scope === 'source'
              ? snapshot.sources
              : snapshot.statements;
    const concurrency = CONCURRENCY_FIELDS[field];
    if (concurrency !== undefined) return series.map((s) => ({ labels: s.labels, value: concurrency(s as QuerySeriesSnapshot) }));
    const read = WINDOW_FIELDS[field];
    if (read === undefined) return [];
    const index = window === undefined ? 0 : window === 'sinceStart' ? -1 : this.windowIndex(window);
    if (index === -1 && window !== 'sinceStart') return [];
    return series.map((s) => {
      const summary = index === -1 ? s.sinceStart : s.windows[index];
      return { labels: s.labels, value: summary === undefined ? null : read(summary) };
    });
  }

  private windowIndex(window: string): number {
    return this.windowsSeconds.findIndex((seconds) => windowLabel(seconds) === window);
  }
}
