import { afterEach, describe, expect, it, vi } from 'vitest';
import { federatedQuery, stage } from '../../../instrumentations/federation-stage.js';
import type { HistoryReport } from '../../../processors/history/types.js';
import type { FedscopeHandle } from '../../../src/sdk/fedscope-handle.js';
import { startFedscope } from '../../../src/sdk/start-fedscope.js';

let handle: FedscopeHandle | undefined;
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
  vi.useRealTimers();
});

describe('startFedscope: /fedscope/history.json', () => {
  it('serves the points the 10 s ticks recorded, and 400 naming a refused parameter', async () => {
    // Only the intervals are fake: the history's tick runs when told, time and I/O stay real.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    handle = startFedscope({ prometheus: { port: 0 }, otlp: false, serviceName: 'reports' });
    await handle.ready;
    for (let i = 0; i < 5; i++) await federatedQuery('orders_report', () => stage('fetch', async () => i));
    await federatedQuery('orders_report', () => Promise.reject(new Error('boom'))).catch(() => undefined);
    vi.advanceTimersByTime(10_000);

    const url = `${handle.metricsUrl}/fedscope/history.json`;
    const query = await fetch(`${url}?series=${encodeURIComponent('query:reports/orders_report')}&step=10`);
    expect(query.status).toBe(200);
    expect(query.headers.get('content-type')).toMatch(/application\/json/);
    const report = (await query.json()) as HistoryReport;
    expect(report.tier).toEqual({ stepSeconds: 10, retentionSeconds: 3_600 });
    expect(report.tiers).toEqual([
      { stepSeconds: 10, retentionSeconds: 3_600 },
      { stepSeconds: 60, retentionSeconds: 86_400 },
      { stepSeconds: 600, retentionSeconds: 604_800 },
    ]);
    expect(report.labels).toEqual({ service: 'reports', query: 'orders_report' });
    expect(report.stats).toMatchObject({ maxSeries: 200, droppedSeries: 0, bytesPerSeries: 101_688 });
    const counted = report.count.filter((value) => value !== null);
    expect(counted).toEqual([6]);
    expect(report.errors.filter((value) => value !== null)).toEqual([1]);
    expect(report.p95Ms.filter((value) => value !== null)).toHaveLength(1);
    expect(report.t).toHaveLength(report.count.length);
    expect(report.count.filter((value) => value === null).length).toBeGreaterThan(300); // before the first tick: gaps

    const overall = (await (
      await fetch(`${url}?series=overall&from=${new Date(Date.now() - 120_000).toISOString()}`)
    ).json()) as HistoryReport;
    expect(overall.count.filter((value) => value !== null)).toEqual([6]);
    expect(overall.healthScore?.filter((value) => value !== null)).toHaveLength(1);
    expect(overall.alertTransitions).toEqual([]);

    const stageSeries = await fetch(`${url}?series=${encodeURIComponent('stage:reports/orders_report/fetch')}&step=60`);
    expect(((await stageSeries.json()) as HistoryReport).count.filter((value) => value !== null)).toEqual([5]);

    const now = Math.floor(Date.now() / 1000);
    for (const [search, parameter] of [
      ['', 'series'],
      ['series=query%3Areports%2Fnone', 'series'],
      [`series=overall&from=${now}&to=${now - 60}`, 'from'],
      ['series=overall&from=noon', 'from'],
      [`series=overall&from=${now - 7_200}&step=10`, 'from'],
      [`series=overall&to=${now + 86_400}`, 'to'],
      ['series=overall&step=3600', 'step'],
      ['series=overall&limit=5', 'limit'],
    ] as const) {
      const refused = await fetch(`${url}?${search}`);
      expect(refused.status, search).toBe(400);
      const body = (await refused.json()) as { parameter: string; reason: string; error: string };
      expect(body.parameter, search).toBe(parameter);
      expect(body.error).toContain(parameter);
      expect(body.reason.length).toBeGreaterThan(5);
    }
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
  });
});
