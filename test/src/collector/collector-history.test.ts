import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlowTracesReport } from '../../../processors/analysis/slow-trace-types.js';
import type { HistorySeriesReport } from '../../../processors/history/types.js';
import { collectorHelp } from '../../../src/collector/collector-command.js';
import { resolveCollectorConfig } from '../../../src/collector/collector-config.js';
import { startCollector, type RunningCollector } from '../../../src/collector/start-collector.js';
import { FedscopeConfigError } from '../../../src/diagnostics/fedscope-config-error.js';
import { federationSpanSet, SPAN_SET_SERVICES } from './federation-span-set.js';

const LOOPBACK = ['--otlp-http', '127.0.0.1:0', '--otlp-grpc', 'off', '--http', '127.0.0.1:0'];
let dir: string;
let spans: ReadableSpan[];
let collector: RunningCollector | undefined;

beforeAll(async () => {
  spans = await federationSpanSet(Date.now() - 5_000);
});
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'fedscope-collector-history-'))));
afterEach(async () => {
  await collector?.stop();
  collector = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function start(...args: string[]): Promise<RunningCollector> {
  collector = await startCollector(resolveCollectorConfig({ args: [...LOOPBACK, ...args], env: {} }));
  return collector;
}

function base(running: RunningCollector): string {
  return `http://${running.addresses.http.host}:${running.addresses.http.port}`;
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const answer = await fetch(url);
  return { status: answer.status, body: (await answer.json()) as T };
}

describe('fedscope collector: history directory, series.json and slow-traces.json', () => {
  it('takes --history-dir and --jaeger-ui-url (flags, variables, YAML; relative to the file), and refuses a bad URL naming where it was given', () => {
    const fromFlags = resolveCollectorConfig({ args: ['--history-dir', 'hist', '--jaeger-ui-url', 'http://jaeger:16686/'], env: {} });
    expect(fromFlags.pipeline.history).toEqual({ dir: join(process.cwd(), 'hist') });
    expect(fromFlags.pipeline.jaegerUiUrl).toBe('http://jaeger:16686');
    const fromEnv = resolveCollectorConfig({
      args: [],
      env: { FEDSCOPE_COLLECTOR_HISTORY_DIR: '/var/lib/fedscope', FEDSCOPE_COLLECTOR_JAEGER_UI_URL: 'https://tracing.example/jaeger' },
    });
    expect(fromEnv.pipeline).toMatchObject({ history: { dir: '/var/lib/fedscope' }, jaegerUiUrl: 'https://tracing.example/jaeger' });
    const fromFile = resolveCollectorConfig({
      args: ['--config', '/etc/fedscope/collector.yaml'],
      env: {},
      readFile: () => 'historyDir: state\njaegerUiUrl: http://jaeger:16686\n',
    });
    expect(fromFile.pipeline.history).toEqual({ dir: '/etc/fedscope/state' });
    expect(resolveCollectorConfig({ args: [], env: {} }).pipeline).toMatchObject({ history: { dir: undefined }, jaegerUiUrl: undefined });
    expect(() => resolveCollectorConfig({ args: ['--jaeger-ui-url', 'ftp://jaeger'], env: {} })).toThrow(
      new FedscopeConfigError('--jaeger-ui-url', "expected an http:// or https:// URL, got protocol 'ftp:'"),
    );
    expect(() => resolveCollectorConfig({ args: [], env: { FEDSCOPE_COLLECTOR_JAEGER_UI_URL: 'http://jaeger:16686/?x=1' } })).toThrow(
      /FEDSCOPE_COLLECTOR_JAEGER_UI_URL: expected a base URL without a query or fragment/,
    );
    expect(collectorHelp()).toMatch(/--history-dir DIR .*\[FEDSCOPE_COLLECTOR_HISTORY_DIR\]/);
    expect(collectorHelp()).toMatch(/--jaeger-ui-url URL .*\[FEDSCOPE_COLLECTOR_JAEGER_UI_URL\]/);
  });

  it('serves the slowest traces of spans received over OTLP/HTTP with Jaeger links, lists its series, and keeps its history across a restart', async () => {
    const running = await start('--history-dir', dir, '--jaeger-ui-url', 'http://jaeger.example:16686');
    const posted = await fetch(`http://${running.addresses.otlpHttp.host}:${running.addresses.otlpHttp.port}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: ProtobufTraceSerializer.serializeRequest(spans)!,
    });
    expect(posted.status).toBe(200);

    const slow = await getJson<SlowTracesReport>(
      `${base(running)}/fedscope/slow-traces.json?window=60&service=${SPAN_SET_SERVICES.gateway}`,
    );
    expect(slow.status).toBe(200);
    expect(slow.body.windowSeconds).toBe(60);
    expect(slow.body.jaegerUiUrl).toBe('http://jaeger.example:16686');
    expect(slow.body.queries.map((q) => q.query).sort()).toEqual(['customers', 'inventory', 'orders']);
    const traces = slow.body.queries.flatMap((q) => q.traces);
    expect(traces).toHaveLength(15);
    const sentTraceIds = new Set(spans.map((span) => span.spanContext().traceId));
    for (const trace of traces) {
      expect(sentTraceIds.has(trace.traceId)).toBe(true);
      expect(trace.jaegerUrl).toBe(`http://jaeger.example:16686/trace/${trace.traceId}`);
    }
    const other = await getJson<SlowTracesReport>(`${base(running)}/fedscope/slow-traces.json?service=${SPAN_SET_SERVICES.customers}`);
    expect(other.body).toMatchObject({ windowSeconds: 300, queries: [] });
    for (const [search, parameter] of [
      ['window=30', 'window'],
      ['window=60&window=300', 'window'],
      ['window=60.0', 'window'],
      ['service=', 'service'],
      ['limit=3', 'limit'],
    ] as const) {
      const refused = await getJson<{ error: string; parameter: string; reason: string }>(
        `${base(running)}/fedscope/slow-traces.json?${search}`,
      );
      expect(refused.status, search).toBe(400);
      expect(refused.body.parameter, search).toBe(parameter);
      expect(refused.body.error).toBe(`invalid parameter "${parameter}": ${refused.body.reason}`);
    }

    running.pipeline.recordHistory();
    const series = await getJson<HistorySeriesReport>(`${base(running)}/fedscope/series.json`);
    expect(series.status).toBe(200);
    expect(series.body.services).toEqual([SPAN_SET_SERVICES.customers, SPAN_SET_SERVICES.gateway]);
    expect(series.body.series[0]).toEqual({ key: 'overall', kind: 'overall', labels: {} });
    expect(series.body.series.map((s) => s.kind)).toEqual(expect.arrayContaining(['query', 'stage', 'source']));
    expect(series.body.stats).toMatchObject({ series: series.body.series.length, maxSeries: 200, ticks: 1 });
    expect(series.body.persistence).toMatchObject({ file: join(dir, 'history.bin'), restoredSeries: 0, inMemoryOnly: false });
    const overall = await getJson<{ count: (number | null)[] }>(`${base(running)}/fedscope/history.json?series=overall&step=10`);

    await running.stop();
    collector = undefined;
    expect(existsSync(join(dir, 'history.bin'))).toBe(true);

    const again = await start('--history-dir', dir);
    const restored = await getJson<HistorySeriesReport>(`${base(again)}/fedscope/series.json`);
    expect(restored.body.persistence).toMatchObject({ restoredSeries: series.body.series.length, loadProblem: null });
    expect(restored.body.series).toEqual(series.body.series);
    const after = await getJson<{ count: (number | null)[] }>(`${base(again)}/fedscope/history.json?series=overall&step=10`);
    const total = (counts: (number | null)[]): number => counts.reduce<number>((sum, value) => sum + (value ?? 0), 0);
    expect(total(after.body.count)).toBe(total(overall.body.count));
    expect(after.body.count.filter((value) => value !== null).length).toBeGreaterThan(0);
  });
});
