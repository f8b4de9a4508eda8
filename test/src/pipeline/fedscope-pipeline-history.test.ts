import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/options/resolve-config.js';
import { FedscopePipeline } from '../../../src/pipeline/fedscope-pipeline.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { federationSpanSet, SPAN_SET_SERVICES } from '../collector/federation-span-set.js';

/** 2026-01-01T00:00:00Z: a multiple of every step. */
const T0 = 1_767_225_600;
let dir: string;
let spans: ReadableSpan[];
const started: FedscopePipeline[] = [];

beforeAll(async () => {
  spans = await federationSpanSet(Date.now() - 5_000);
});
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'fedscope-pipeline-history-'))));
afterEach(async () => {
  await Promise.all(started.splice(0).map((pipeline) => pipeline.shutdown()));
  rmSync(dir, { recursive: true, force: true });
});

/** A started pipeline whose history runs on `clock`, persisted in `dir`. */
function pipelineOn(clock: ManualClock, jaegerUiUrl?: string): FedscopePipeline {
  const config = resolveConfig(
    {
      alerts: false,
      hostMetrics: false,
      runtimeMetrics: false,
      prometheus: false,
      otlp: false,
      history: { dir },
      ...(jaegerUiUrl ? { jaegerUiUrl } : {}),
    },
    {},
  );
  const pipeline = new FedscopePipeline(config, { resource: emptyResource(), history: { clock } });
  pipeline.start();
  started.push(pipeline);
  return pipeline;
}

/** Every series' answer over the last `seconds`, in each tier. */
function answers(pipeline: FedscopePipeline, seconds: number, now: number): unknown[] {
  return pipeline.seriesReport().series.flatMap(({ key }) =>
    [10, 60, 600].map((step) => {
      const answer = pipeline.historyReport({ series: key, from: now - seconds, to: now, step });
      if ('parameter' in answer) throw new Error(answer.reason);
      const { stats: _stats, ...rest } = answer;
      return rest;
    }),
  );
}

describe('FedscopePipeline history persistence', () => {
  it('survives a restart: ticks recorded, shutdown saves, a new pipeline on the same directory answers the same points', async () => {
    const clock = new ManualClock((T0 + 10) * 1000);
    const first = pipelineOn(clock);
    for (let tick = 0; tick < 4; tick++) {
      first.ingest(spans);
      first.recordHistory();
      clock.advance(10_000);
    }
    const now = clock.now() / 1000;
    const report = first.seriesReport();
    expect(report.series.length).toBeGreaterThan(10);
    expect(report.series[0]).toEqual({ key: 'overall', kind: 'overall', labels: {} });
    expect(report.series).toContainEqual({
      key: `query:${SPAN_SET_SERVICES.gateway}/orders`,
      kind: 'query',
      labels: { service: SPAN_SET_SERVICES.gateway, query: 'orders' },
    });
    // The set's stage spans carry no query name: their series are the unknown query's.
    expect(report.series).toContainEqual({
      key: `stage:${SPAN_SET_SERVICES.gateway}/(unknown)/fetch`,
      kind: 'stage',
      labels: { service: SPAN_SET_SERVICES.gateway, query: '(unknown)', stage: 'fetch' },
    });
    expect(report.series.filter((s) => s.kind === 'source').length).toBeGreaterThan(0);
    expect(report.services).toEqual([SPAN_SET_SERVICES.customers, SPAN_SET_SERVICES.gateway].sort());
    expect(report.tiers).toEqual([
      { stepSeconds: 10, retentionSeconds: 3_600 },
      { stepSeconds: 60, retentionSeconds: 86_400 },
      { stepSeconds: 600, retentionSeconds: 604_800 },
    ]);
    expect(report.persistence).toMatchObject({ file: join(dir, 'history.bin'), saves: 0, restoredSeries: 0, inMemoryOnly: false });
    const overall = first.historyReport({ series: 'overall', from: T0, to: now, step: 10 });
    expect('count' in overall && overall.count).toEqual([48, 48, 48, 48, null]);

    // Ten seconds after the latest tick: the shutdown records one more tick (no new spans) and saves.
    await first.shutdown();
    started.length = 0;
    expect(readdirSync(dir)).toEqual(['history.bin']);
    const lastTick = first.historyReport({ series: 'overall', from: T0, to: now, step: 10 });
    expect('count' in lastTick && lastTick.count).toEqual([48, 48, 48, 48, 0]);
    const saved = answers(first, 600, now);

    const second = pipelineOn(clock);
    expect(second.seriesReport().persistence).toMatchObject({ restoredSeries: report.series.length, loadProblem: null });
    expect(answers(second, 600, now)).toEqual(saved);
    // The new process's analysis counts from zero: its first tick adds what it saw, no more.
    clock.advance(10_000);
    second.ingest(spans);
    second.recordHistory();
    const after = second.historyReport({ series: 'overall', from: T0, to: clock.now() / 1000, step: 10 });
    expect('count' in after && after.count).toEqual([48, 48, 48, 48, 0, 48]);
  });

  it('lists the slowest root spans of each query, received as the companion receives them, with Jaeger links', () => {
    const pipeline = pipelineOn(new ManualClock(T0 * 1000), 'http://jaeger.example:16686/');
    pipeline.ingest(spans);
    const expected = new Map<string, number[]>();
    for (const span of spans) {
      const query = span.attributes['federation.query.name'];
      if (!span.name.startsWith('federation.query ') || typeof query !== 'string') continue;
      expected.set(query, [...(expected.get(query) ?? []), hrTimeToMilliseconds(span.duration)]);
    }
    const report = pipeline.slowTracesReport({ windowSeconds: 60 });
    expect(report.windowSeconds).toBe(60);
    expect(report.jaegerUiUrl).toBe('http://jaeger.example:16686');
    expect(new Set(report.queries.map((q) => q.query))).toEqual(new Set(expected.keys()));
    for (const entry of report.queries) {
      expect(entry.service).toBe(SPAN_SET_SERVICES.gateway);
      // All recorded within one minute: that minute's 5 slowest.
      const slowest = expected
        .get(entry.query)!
        .sort((a, b) => b - a)
        .slice(0, 5);
      expect(entry.traces.map((t) => t.durationMs)).toEqual(slowest);
      for (const trace of entry.traces) expect(trace.jaegerUrl).toBe(`http://jaeger.example:16686/trace/${trace.traceId}`);
    }
    const slowestOfAll = report.queries.map((q) => q.traces[0]!.durationMs);
    expect(slowestOfAll).toEqual([...slowestOfAll].sort((a, b) => b - a));
    const roots = new Map(spans.filter((s) => s.name.startsWith('federation.query ')).map((s) => [s.spanContext().spanId, s]));
    const listed = report.queries.flatMap((q) => q.traces);
    for (const trace of listed) {
      const span = roots.get(trace.spanId)!;
      expect(trace.traceId).toBe(span.spanContext().traceId);
      expect(trace.error).toBe(span.status.code === SpanStatusCode.ERROR);
      expect(trace.startTime).toBe(new Date(hrTimeToMilliseconds(span.startTime)).toISOString());
    }
    expect(listed.some((trace) => trace.error)).toBe(true);
    expect(pipeline.slowTracesReport({ windowSeconds: 900, service: SPAN_SET_SERVICES.customers }).queries).toEqual([]);
    expect(pipeline.slowTracesReport({ windowSeconds: 300, service: SPAN_SET_SERVICES.gateway }).queries).toHaveLength(3);
  });

  it('answers slow traces without links when no Jaeger UI is configured', () => {
    const pipeline = pipelineOn(new ManualClock(T0 * 1000));
    pipeline.ingest(spans);
    const report = pipeline.slowTracesReport({ windowSeconds: 300 });
    expect(report.jaegerUiUrl).toBeNull();
    expect(report.queries.flatMap((q) => q.traces).every((t) => t.jaegerUrl === null)).toBe(true);
  });
});
