import { describe, expect, it } from 'vitest';
import { HistoryStore } from '../../../../processors/history/history-store.js';
import { buildExportReport, type ExportReport, type ExportSources } from '../../../../src/output/export/export-report.js';
import { currentExportRows, historyExportRows, measurementOfKey, type ExportRow } from '../../../../src/output/export/export-rows.js';
import { ManualClock } from '../../../../src/stats/manual-clock.js';
import { healthOf, seriesOf, snapshotOf } from '../../../support/snapshot-fixtures.js';

/** 2026-01-01T00:00:00Z: a multiple of every step. */
const T0 = 1_767_225_600;
const API = { service: 'api', query: 'orders' };

const snapshotNow = (count: number, generatedAt = '2026-01-01T00:00:05.250Z') =>
  snapshotOf(seriesOf({}, count, 1, 40), {
    generatedAt,
    queries: [seriesOf(API, count, 1, 40), seriesOf({ 'otel.metric.overflow': 'true' }, 2)],
    stages: [seriesOf({ ...API, stage: 'fetch' }, count, 0, 30)],
    sources: [seriesOf({ service: 'api', source: 'pg main' }, count * 2, 0, 20)],
  });

function rowsOf(report: ExportReport | { parameter: string }): ExportRow[] {
  if ('parameter' in report) throw new Error(`refused: ${JSON.stringify(report)}`);
  return [...report.rows];
}

describe('currentExportRows', () => {
  it("makes a row of each service's total, measurement fedscope_service, after the overall one", () => {
    const snapshot = snapshotOf(seriesOf({}, 12, 1, 40), {
      services: [seriesOf({ service: 'api' }, 8, 1, 40), seriesOf({ service: 'billing' }, 4, 0, 20)],
      queries: [seriesOf(API, 8, 1, 40)],
    });
    const rows = currentExportRows(snapshot, undefined, T0);
    expect(rows.map((row) => [row.series, row.measurement, row.tags, row.fields.count])).toEqual([
      ['overall', 'fedscope_overall', {}, 12],
      ['service:api', 'fedscope_service', { service: 'api' }, 8],
      ['service:billing', 'fedscope_service', { service: 'billing' }, 4],
      ['query:api/orders', 'fedscope_query', API, 8],
    ]);
    expect(measurementOfKey('service:api')).toBe('fedscope_service');
  });

  it('makes one row per overall, query, stage and source series from the shortest window, with the health scores there are', () => {
    const rows = currentExportRows(snapshotNow(30), healthOf(87.5, [[API, 90]], [[{ service: 'api', source: 'pg main' }, 75]]), T0 + 5.25);
    expect(rows.map((row) => [row.series, row.measurement, row.tags])).toEqual([
      ['overall', 'fedscope_overall', {}],
      ['query:api/orders', 'fedscope_query', API],
      ['query:~overflow', 'fedscope_query', { overflow: 'true' }],
      ['stage:api/orders/fetch', 'fedscope_stage', { ...API, stage: 'fetch' }],
      ['source:api/pg%20main', 'fedscope_source', { service: 'api', source: 'pg main' }],
    ]);
    expect(rows[1]).toEqual({
      time: T0 + 5.25,
      series: 'query:api/orders',
      measurement: 'fedscope_query',
      tags: API,
      fields: {
        count: 30,
        errors: 1,
        error_ratio: 1 / 30,
        throughput_per_second: 0.5,
        p50_ms: 20,
        p95_ms: 40,
        p99_ms: 80,
        health_score: 90,
      },
    });
    expect(rows.map((row) => row.fields.health_score)).toEqual([87.5, 90, null, null, 75]);
  });

  it('has no health scores without a health snapshot', () => {
    expect(currentExportRows(snapshotNow(1), undefined, T0).every((row) => row.fields.health_score === null)).toBe(true);
  });
});

describe('historyExportRows', () => {
  it('gives the points a tick reached, leaving gaps out', () => {
    const clock = new ManualClock(T0 * 1000);
    const history = new HistoryStore({ clock });
    clock.set((T0 + 10) * 1000);
    history.record(snapshotOf(seriesOf({}, 5, 1, 40)), { healthScore: 91 });
    clock.set((T0 + 30) * 1000); // the point of T0 + 10 s is a gap
    history.record(snapshotOf(seriesOf({}, 8, 1, 40)), { healthScore: 92 });
    const report = history.query({ series: 'overall', from: T0, to: T0 + 30 });
    if ('parameter' in report) throw new Error(report.reason);
    expect([...historyExportRows(report)].map((row) => [row.time, row.fields.count, row.fields.errors, row.fields.health_score])).toEqual([
      [T0, 5, 1, 91],
      [T0 + 20, 3, 0, 92],
    ]);
  });

  it('names the measurement from the key', () => {
    expect(['overall', 'query:a/b', 'stage:a/b/c', 'source:a/s', 'query:~overflow'].map(measurementOfKey)).toEqual([
      'fedscope_overall',
      'fedscope_query',
      'fedscope_stage',
      'fedscope_source',
      'fedscope_query',
    ]);
  });
});

describe('buildExportReport', () => {
  const clock = new ManualClock(T0 * 1000);
  const history = new HistoryStore({ clock });
  for (let tick = 1; tick <= 6; tick++) {
    clock.set((T0 + tick * 10) * 1000);
    history.record(snapshotNow(tick * 3), { healthScore: 80 + tick });
  }
  const sources: ExportSources = { snapshot: () => snapshotNow(18), healthReport: () => healthOf(86), history };

  it('without from/to: the current figures, stamped with the snapshot time, naming the window', () => {
    const report = buildExportReport(sources, { format: 'json' });
    expect(report).toMatchObject({ kind: 'current', windowSeconds: 60 });
    const rows = rowsOf(report);
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatchObject({ time: T0 + 5.25, series: 'overall', fields: { count: 18, health_score: 86 } });
  });

  it('without from/to, with a series: that series only, or the series refused', () => {
    expect(rowsOf(buildExportReport(sources, { format: 'csv', series: 'stage:api/orders/fetch' })).map((row) => row.series)).toEqual([
      'stage:api/orders/fetch',
    ]);
    expect(buildExportReport(sources, { format: 'csv', series: 'query:api/nope' })).toMatchObject({ parameter: 'series' });
    expect(buildExportReport(sources, { format: 'csv', step: 60 })).toMatchObject({ parameter: 'step' });
  });

  it('with from/to: every series of the history over [from, to), one series after another, on the same points', () => {
    const report = buildExportReport(sources, { format: 'json', from: T0 + 10, to: T0 + 40 });
    expect(report).toMatchObject({ kind: 'history', tier: { stepSeconds: 10 }, from: T0 + 10, to: T0 + 40 });
    const rows = rowsOf(report);
    expect(rows.map((row) => `${row.series}@${row.time - T0}:${row.fields.count}`)).toEqual([
      'overall@10:3',
      'overall@20:3',
      'overall@30:3',
      'query:api/orders@10:3',
      'query:api/orders@20:3',
      'query:api/orders@30:3',
      'query:~overflow@10:0',
      'query:~overflow@20:0',
      'query:~overflow@30:0',
      'stage:api/orders/fetch@10:3',
      'stage:api/orders/fetch@20:3',
      'stage:api/orders/fetch@30:3',
      'source:api/pg%20main@10:6',
      'source:api/pg%20main@20:6',
      'source:api/pg%20main@30:6',
    ]);
    expect(rows.filter((row) => row.series === 'overall').map((row) => row.fields.health_score)).toEqual([82, 83, 84]);
  });

  it('with from/to and a series: that series; refused as history.json refuses', () => {
    expect(rowsOf(buildExportReport(sources, { format: 'influx', series: 'query:api/orders', from: T0 + 50 })).length).toBe(1);
    expect(buildExportReport(sources, { format: 'json', series: 'query:api/none', from: T0 })).toMatchObject({ parameter: 'series' });
    expect(buildExportReport(sources, { format: 'json', from: T0 - 30 * 86_400 })).toMatchObject({ parameter: 'from' });
    expect(buildExportReport(sources, { format: 'json', from: T0, step: 86_400 })).toMatchObject({ parameter: 'step' });
    expect(buildExportReport(sources, { format: 'json', to: T0 + 10 * 86_400 })).toMatchObject({ parameter: 'to' });
  });

  it('with from/to and an empty history: no rows', () => {
    const empty: ExportSources = { ...sources, history: new HistoryStore({ clock }) };
    expect(rowsOf(buildExportReport(empty, { format: 'json', from: T0 }))).toEqual([]);
  });
});
