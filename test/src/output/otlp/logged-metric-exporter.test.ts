import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  InstrumentType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { FedscopeLog } from '../../../../src/diagnostics/fedscope-log.js';
import { LoggedMetricExporter, METRIC_EXPORTER_METRIC_DATA_POINT_EXPORTED } from '../../../../src/output/otlp/logged-metric-exporter.js';
import { createOtlpMetricExporter } from '../../../../src/output/otlp/otlp-exporters.js';
import { TestMetricReader } from '../../../support/test-metric-reader.js';

function capture(): { log: FedscopeLog; lines: string[] } {
  const lines: string[] = [];
  return { log: new FedscopeLog({ level: 'warn', forwardToDiag: false, write: (line) => lines.push(line) }), lines };
}

/** An exporter that answers each export with the next result (or throws `throws`). */
function scripted(results: Array<ExportResult | 'throw' | 'twice'>): PushMetricExporter {
  return {
    export: (_metrics, callback) => {
      const next = results.shift();
      if (next === 'throw') throw new Error('boom');
      if (next === 'twice') {
        callback({ code: ExportResultCode.FAILED, error: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) });
        callback({ code: ExportResultCode.FAILED, error: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) });
        return;
      }
      callback(next ?? { code: ExportResultCode.SUCCESS });
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

const NO_METRICS = { resource: {}, scopeMetrics: [] } as unknown as ResourceMetrics;

describe('LoggedMetricExporter', () => {
  it('writes a failed push by cause, at most once a minute per cause, and passes every result on', () => {
    const { log, lines } = capture();
    const timeout = Object.assign(new Error('Request timed out'), { name: 'TimeoutError' });
    const exporter = new LoggedMetricExporter(
      scripted([
        { code: ExportResultCode.SUCCESS },
        { code: ExportResultCode.FAILED, error: timeout },
        { code: ExportResultCode.FAILED, error: timeout },
        'throw',
        'twice',
      ]),
      { destination: 'https://user:secret@metrics.example:4318/v1/metrics?token=secret', log },
    );
    const results: ExportResultCode[] = [];
    for (let i = 0; i < 5; i++) exporter.export(NO_METRICS, (result) => results.push(result.code));
    expect(results).toEqual([
      ExportResultCode.SUCCESS,
      ExportResultCode.FAILED,
      ExportResultCode.FAILED,
      ExportResultCode.FAILED,
      ExportResultCode.FAILED,
    ]);
    expect(exporter.failedExports).toBe(4);
    expect(lines).toEqual([
      'fedscope warn: OTLP metrics push to https://metrics.example:4318/v1/metrics failed (timeout); the next push that succeeds carries the cumulative figures',
      'fedscope warn: OTLP metrics push to https://metrics.example:4318/v1/metrics failed (Error); the next push that succeeds carries the cumulative figures',
      'fedscope warn: OTLP metrics push to https://metrics.example:4318/v1/metrics failed (ECONNREFUSED); the next push that succeeds carries the cumulative figures',
    ]);
    expect(lines.join('\n')).not.toContain('secret');
  });

  it("counts every push's data points in otel.sdk.exporter.metric_data_point.exported, failures by error.type", async () => {
    // Real figures to push: three series of one counter and one of a histogram (4 data points).
    const source = new TestMetricReader();
    const meter = new MeterProvider({ readers: [source] }).getMeter('app');
    const requests = meter.createCounter('requests');
    for (const route of ['/a', '/b', '/c']) requests.add(1, { route });
    meter.createHistogram('latency').record(0.2);
    const { resourceMetrics } = await source.collect();
    // Where the exporter counts.
    const counted = new TestMetricReader();
    const { log } = capture();
    const exporter = new LoggedMetricExporter(
      scripted([
        { code: ExportResultCode.SUCCESS },
        { code: ExportResultCode.FAILED, error: Object.assign(new Error('Service Unavailable'), { code: 503 }) },
        'throw',
        { code: ExportResultCode.SUCCESS },
      ]),
      { destination: 'http://metrics.example:4318/v1/metrics', log },
    );
    exporter.export(resourceMetrics, () => undefined); // before countInto: not counted
    exporter.countInto(new MeterProvider({ readers: [counted] }));
    for (let i = 0; i < 3; i++) exporter.export(resourceMetrics, () => undefined);
    const points = await counted.points(METRIC_EXPORTER_METRIC_DATA_POINT_EXPORTED);
    const byError = Object.fromEntries(points.map((p) => [String(p.attributes['error.type'] ?? 'ok'), p.value]));
    expect(byError).toEqual({ 503: 4, Error: 4, ok: 4 });
    expect(points.every((p) => p.attributes['otel.component.type'] === 'otlp_http_metric_exporter')).toBe(true);
  });

  it('says so when the real OTLP exporter cannot reach its endpoint, and keeps the OTLP aggregation choices', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const url = `http://127.0.0.1:${port}/v1/metrics`;
    const { log, lines } = capture();
    const otlp = createOtlpMetricExporter(
      { metricsUrl: url, headers: {}, compression: 'none', timeoutMillis: 2000, metricsIntervalMillis: 60_000 },
      url,
    );
    const exporter = new LoggedMetricExporter(otlp, { destination: url, log });
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const counted = new TestMetricReader();
    const provider = new MeterProvider({ readers: [reader, counted] });
    exporter.countInto(provider);
    provider.getMeter('test').createCounter('pushes').add(1);
    await reader.forceFlush().catch(() => undefined);
    expect(exporter.failedExports).toBe(1);
    // Its one data point, counted as not exported and why.
    const failed = await counted.points(METRIC_EXPORTER_METRIC_DATA_POINT_EXPORTED, { 'error.type': 'ECONNREFUSED' });
    expect(failed.map((p) => p.value)).toEqual([1]);
    expect(lines).toEqual([
      `fedscope warn: OTLP metrics push to ${url} failed (ECONNREFUSED); the next push that succeeds carries the cumulative figures`,
    ]);
    // The wrapper answers the reader's questions as the OTLP exporter does (exponential histograms).
    expect(exporter.selectAggregation(InstrumentType.HISTOGRAM)).toEqual(otlp.selectAggregation(InstrumentType.HISTOGRAM));
    expect(exporter.selectAggregationTemporality(InstrumentType.COUNTER)).toBe(otlp.selectAggregationTemporality(InstrumentType.COUNTER));
    await provider.shutdown().catch(() => undefined);
  });
});
