import type { FedscopeSnapshot } from '../../../processors/analysis/snapshot-types.js';
import type { HealthSnapshot } from '../../../processors/health/types.js';
import type { HistoryQuery, HistoryQueryError, HistoryReport, HistoryTier } from '../../../processors/history/types.js';
import { currentExportRows, historyExportRows, type ExportRow } from './export-rows.js';

/** The formats of `/fedscope/export`. */
export type ExportFormat = 'json' | 'csv' | 'influx';

/** The formats, as the `format` parameter takes them. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ['json', 'csv', 'influx'];

/** What `/fedscope/export` asks, already parsed (times in unix seconds). */
export interface ExportQuery {
  /** The body's format. */
  format: ExportFormat;
  /** Only this series (a history key); all when absent. */
  series?: string | undefined;
  /** Start of the history range; with `to`, it makes the export historical. */
  from?: number | undefined;
  /** End of the history range (exclusive). */
  to?: number | undefined;
  /** The wanted step of a historical export, as history.json takes it. */
  step?: number | undefined;
}

/** What an export reads: the figures now and the history (a `FedscopePipeline` gives both). */
export interface ExportSources {
  /** The statistics now. */
  snapshot(): FedscopeSnapshot;
  /** The health scores now. */
  healthReport(): HealthSnapshot;
  /** The history. */
  history: {
    /** One series over a range. */
    query(query: HistoryQuery): HistoryReport | HistoryQueryError;
    /** The keys of the series held. */
    seriesKeys(): string[];
  };
}

/** What an export holds before it is written in a format. */
export interface ExportReport {
  /** `current`: the figures now; `history`: the points of the history in a range. */
  kind: 'current' | 'history';
  /** When the export was made (ISO 8601). */
  generatedAt: string;
  /** Current: the analysis window the figures come from (its shortest), seconds. */
  windowSeconds?: number | null;
  /** History: the tier that answered. */
  tier?: HistoryTier;
  /** History: start of the first point, unix seconds. */
  from?: number;
  /** History: end of the last point, unix seconds. */
  to?: number;
  /**
   * The rows, read as they are written: a historical export reads one series of the history at a
   * time, so what is held at once is one series' points, not the whole answer.
   */
  rows: Iterable<ExportRow>;
}

/**
 * Builds the export a query asks: the current figures (no `from`/`to`), or the history points in
 * `[from, to)` of every series or of the one `series` names.
 * @returns the report, or the parameter refused and why (as history.json refuses it)
 */
export function buildExportReport(sources: ExportSources, query: ExportQuery): ExportReport | HistoryQueryError {
  const generatedAt = new Date().toISOString();
  if (query.from === undefined && query.to === undefined) {
    if (query.step !== undefined) return { parameter: 'step', reason: 'only for a historical export: give `from` and/or `to` too' };
    const snapshot = sources.snapshot();
    const rows = currentExportRows(snapshot, sources.healthReport(), Date.parse(snapshot.generatedAt) / 1000);
    const selected = query.series === undefined ? rows : rows.filter((row) => row.series === query.series);
    if (selected.length === 0) return { parameter: 'series', reason: `no series "${query.series}" in the current figures` };
    return { kind: 'current', generatedAt, windowSeconds: snapshot.windowsSeconds[0] ?? null, rows: selected };
  }
  const keys = query.series === undefined ? sources.history.seriesKeys() : [query.series];
  const range = { from: query.from, to: query.to, step: query.step };
  // The first series answers (or refuses) for all: the range and the tier depend on the tiers only.
  const first = keys.length === 0 ? undefined : sources.history.query({ series: keys[0]!, ...range });
  if (first !== undefined && 'parameter' in first) return first;
  return {
    kind: 'history',
    generatedAt,
    ...(first ? { tier: first.tier, from: first.from, to: first.to } : {}),
    rows: historyRows(sources, keys, first),
  };
}

function* historyRows(sources: ExportSources, keys: readonly string[], first: HistoryReport | undefined): Generator<ExportRow> {
  if (first === undefined) return;
  yield* historyExportRows(first);
  // The other series are read over the first one's points, so every series has the same times even when a step ends meanwhile.
  const range = { from: first.from, to: first.to, step: first.tier.stepSeconds };
  for (const series of keys.slice(1)) {
    const report = sources.history.query({ series, ...range });
    // A series removed since the keys were read is left out.
    if (!('parameter' in report)) yield* historyExportRows(report);
  }
}
