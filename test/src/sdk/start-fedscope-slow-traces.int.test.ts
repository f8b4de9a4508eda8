import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { federatedQuery, stage } from '../../../instrumentations/federation-stage.js';
import type { SlowTracesReport } from '../../../processors/analysis/slow-trace-types.js';
import type { HistorySeriesReport } from '../../../processors/history/types.js';
import type { FedscopeHandle } from '../../../src/sdk/fedscope-handle.js';
import { startFedscope } from '../../../src/sdk/start-fedscope.js';

let handle: FedscopeHandle | undefined;
const dir = mkdtempSync(join(tmpdir(), 'fedscope-start-history-'));
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('startFedscope: history.dir, jaegerUiUrl, /fedscope/series.json and /fedscope/slow-traces.json', () => {
  it('links the slowest queries of this process to Jaeger, lists the series, and saves the history at shutdown', async () => {
    handle = startFedscope({
      prometheus: { port: 0 },
      otlp: false,
      serviceName: 'reports',
      history: { dir },
      jaegerUiUrl: 'http://localhost:16686/',
    });
    await handle.ready;
    for (const ms of [1, 30, 5, 60, 10, 45, 2])
      await federatedQuery('orders_report', () => stage('fetch', () => new Promise((r) => setTimeout(r, ms))));

    const slow = (await (await fetch(`${handle.metricsUrl}/fedscope/slow-traces.json?window=60`)).json()) as SlowTracesReport;
    expect(slow.jaegerUiUrl).toBe('http://localhost:16686');
    expect(slow.queries.map((q) => [q.service, q.query])).toEqual([['reports', 'orders_report']]);
    const traces = slow.queries[0]!.traces;
    expect(traces).toHaveLength(5);
    expect(traces.map((t) => t.durationMs)).toEqual([...traces.map((t) => t.durationMs)].sort((a, b) => b - a));
    expect(traces[0]!.durationMs).toBeGreaterThanOrEqual(59);
    expect(traces[0]!.jaegerUrl).toBe(`http://localhost:16686/trace/${traces[0]!.traceId}`);

    const series = (await (await fetch(`${handle.metricsUrl}/fedscope/series.json`)).json()) as HistorySeriesReport;
    expect(series.persistence).toMatchObject({ file: join(dir, 'history.bin'), inMemoryOnly: false });
    await handle.shutdown();
    handle = undefined;
    expect(existsSync(join(dir, 'history.bin'))).toBe(true);
  });
});
