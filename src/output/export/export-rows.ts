import type { FedscopeSnapshot, SeriesSnapshot } from '../../../processors/analysis/snapshot-types.js';
import { OVERFLOW_LABEL } from '../../../processors/analysis/keyed-series.js';
import type { HealthScore, HealthSnapshot } from '../../../processors/health/types.js';
import { keyOf, OVERALL_SERIES } from '../../../processors/history/history-store.js';
import type { HistoryReport } from '../../../processors/history/types.js';

/**
 * The one shape of fedscope's exported figures, shared by `/fedscope/export` (JSON, CSV, line
 * protocol) and the InfluxDB push: one row per series and time, its measurement, its tags and its
 * fields, named as the line protocol names them.
 */

/** The measurement of a row: what kind of series it is. */
export type ExportMeasurement = 'fedscope_overall' | 'fedscope_service' | 'fedscope_query' | 'fedscope_stage' | 'fedscope_source';

/** What identifies a row's series; only the tags its kind has are present. */
export interface ExportTags {
  /** The `service.name` that ran the query or made the calls. */
  service?: string;
  /** The federated query's name. */
  query?: string;
  /** The stage's name. */
  stage?: string;
  /** The source's name. */
  source?: string;
  /** `true` on the analysis' overflow series (what did not fit its bound on series). */
  overflow?: string;
}

/** A row's figures; `null` where there is none (no operations, no latencies, no score). */
export interface ExportFields {
  /** Operations ended in the window or point. */
  count: number;
  /** Failed operations. */
  errors: number;
  /** `errors / count`; `null` when `count` is 0. */
  error_ratio: number | null;
  /** Operations per second. */
  throughput_per_second: number | null;
  /** Median latency, ms. */
  p50_ms: number | null;
  /** 95th percentile latency, ms. */
  p95_ms: number | null;
  /** 99th percentile latency, ms. */
  p99_ms: number | null;
  /** The 0–100 health score: current rows of overall, queries and sources; history rows of overall. */
  health_score: number | null;
}

/** One exported row. */
export interface ExportRow {
  /** Unix seconds: when the current figures were read, or the start of a history point. */
  time: number;
  /** The history's key of the series (`overall`, `query:<service>/<query>`, …). */
  series: string;
  /** What kind of series. */
  measurement: ExportMeasurement;
  /** What identifies the series. */
  tags: ExportTags;
  /** The figures. */
  fields: ExportFields;
}

/** The field names, in the order every format writes them. */
export const EXPORT_FIELD_NAMES: readonly (keyof ExportFields)[] = [
  'count',
  'errors',
  'error_ratio',
  'throughput_per_second',
  'p50_ms',
  'p95_ms',
  'p99_ms',
  'health_score',
];

/** The tag names, in the order every format writes them. */
export const EXPORT_TAG_NAMES: readonly (keyof ExportTags)[] = ['service', 'query', 'stage', 'source', 'overflow'];

type SeriesKind = 'service' | 'query' | 'stage' | 'source';
const KINDS: ReadonlyArray<{ kind: SeriesKind; names: readonly string[]; measurement: ExportMeasurement }> = [
  { kind: 'service', names: [], measurement: 'fedscope_service' },
  { kind: 'query', names: ['query'], measurement: 'fedscope_query' },
  { kind: 'stage', names: ['query', 'stage'], measurement: 'fedscope_stage' },
  { kind: 'source', names: ['source'], measurement: 'fedscope_source' },
];

/**
 * The current figures: one row per series of the snapshot (overall, services, queries, stages, sources;
 * statements are not exported), from the analysis' shortest window (`snapshot.windowsSeconds[0]`,
 * 60 s by default), with the health score of the overall series, each query and each source.
 * @param time - unix seconds the rows are stamped with (when the snapshot was read)
 */
export function currentExportRows(snapshot: FedscopeSnapshot, health: HealthSnapshot | undefined, time: number): ExportRow[] {
  const scores = new Map<string, number>();
  if (health) {
    scores.set(OVERALL_SERIES, health.overall.score);
    for (const score of health.queries) scores.set(healthKey('query', score), score.score);
    for (const score of health.sources) scores.set(healthKey('source', score), score.score);
  }
  const rows = [currentRow(OVERALL_SERIES, 'fedscope_overall', snapshot.overall, scores, time)];
  const groups: Record<SeriesKind, readonly SeriesSnapshot[]> = {
    service: snapshot.services,
    query: snapshot.queries,
    stage: snapshot.stages,
    source: snapshot.sources,
  };
  for (const { kind, names, measurement } of KINDS)
    for (const series of groups[kind]) rows.push(currentRow(keyOf(kind, series.labels, names), measurement, series, scores, time));
  return rows;
}

/** The points of one history report that a tick reached (gaps are left out), as rows. */
export function* historyExportRows(report: HistoryReport): Generator<ExportRow> {
  const measurement = measurementOfKey(report.series);
  const tags = tagsOf(report.labels);
  for (let i = 0; i < report.t.length; i++) {
    const count = report.count[i];
    if (count === null || count === undefined) continue;
    yield {
      time: report.t[i]!,
      series: report.series,
      measurement,
      tags,
      fields: {
        count,
        errors: report.errors[i] ?? 0,
        error_ratio: report.errorRatio[i] ?? null,
        throughput_per_second: report.throughputPerSecond[i] ?? null,
        p50_ms: report.p50Ms[i] ?? null,
        p95_ms: report.p95Ms[i] ?? null,
        p99_ms: report.p99Ms[i] ?? null,
        health_score: report.healthScore?.[i] ?? null,
      },
    };
  }
}

/** The measurement of a history key: its kind before the `:` (`overall` has none). */
export function measurementOfKey(key: string): ExportMeasurement {
  const kind = key.slice(0, key.indexOf(':'));
  return KINDS.find((each) => each.kind === kind)?.measurement ?? 'fedscope_overall';
}

function currentRow(
  series: string,
  measurement: ExportMeasurement,
  snapshot: SeriesSnapshot,
  scores: ReadonlyMap<string, number>,
  time: number,
): ExportRow {
  const window = snapshot.windows[0] ?? snapshot.sinceStart;
  return {
    time,
    series,
    measurement,
    tags: tagsOf(snapshot.labels),
    fields: {
      count: window.count,
      errors: window.errors,
      error_ratio: window.errorRate,
      throughput_per_second: window.throughputPerSecond,
      p50_ms: window.p50,
      p95_ms: window.p95,
      p99_ms: window.p99,
      health_score: scores.get(series) ?? null,
    },
  };
}

function tagsOf(labels: Readonly<Record<string, string>>): ExportTags {
  const tags: ExportTags = {};
  if (labels[OVERFLOW_LABEL] !== undefined) tags.overflow = 'true';
  for (const name of ['service', 'query', 'stage', 'source'] as const) {
    const value = labels[name];
    if (value !== undefined) tags[name] = value;
  }
  return tags;
}

/** The history key a query's or source's health score belongs to (its labels are the series' labels). */
function healthKey(kind: 'query' | 'source', score: HealthScore): string {
  return keyOf(kind, score.labels, [kind]);
}
