// The quickstart is healthy by design: paced load, a cache that misses now and then, every source
// called, and a faulty CRM whose 503s the retries absorb — so fedscope's default alert rules,
// evaluated in-process every second here, must not fire. Runs `npm start` as a child for a
// bounded time (45–90 s); the 10-minute version is scripts/quickstart-soak.sh.
import { SpanKind } from '@opentelemetry/api';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FedscopeSnapshot } from '../../processors/analysis/snapshot-types.js';
import type { AlertsSnapshot } from '../../src/index.js';
import type { DecodedSpan } from '../../src/otlp/trace-model.js';
import { startWatched, type WatchedProcess } from '../support/child-process.js';
import { freePort } from '../support/free-port.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const startScript = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
/** The least time the workload runs before the figures are read. */
const MIN_RUN_MS = 45_000;
/** The most: a CRM fault is random, so the run goes on until a retry was seen, up to this. */
const MAX_RUN_MS = 90_000;

const millisOf = (span: DecodedSpan): number => span.startTime.hrTime[0] * 1000 + Math.floor(span.startTime.hrTime[1] / 1_000_000);
const isCrmRetry = (span: DecodedSpan): boolean =>
  span.attributes['federation.source'] === 'crm' && Number(span.attributes['federation.retry.attempt'] ?? 0) >= 1;

describe('the quickstart under its own default alert rules', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let quickstart: WatchedProcess;
  let metricsBase: string;
  let alerts: AlertsSnapshot;
  let snapshot: FedscopeSnapshot;
  let spans: DecodedSpan[];
  let loadStarted: number;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const port = await freePort();
    metricsBase = `http://127.0.0.1:${port}`;
    const [bin, ...args] = startScript.split(' ');
    quickstart = startWatched(
      join(root, 'node_modules', '.bin', bin!),
      args,
      {
        OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '1000',
        FEDSCOPE_QUICKSTART_ALERT_INTERVAL_MS: '1000',
        FEDSCOPE_QUICKSTART_INTERVAL_MS: '5000',
        // Twice the default rate: more CRM calls, so that its faults (and the retries) show sooner.
        FEDSCOPE_QUICKSTART_RATE: '10',
      },
      root,
    );
    await quickstart.waitFor(/load: 10 queries\/s target/, 60_000);
    // The first summary is printed within 5 s of the load's start.
    loadStarted = Date.now() - 5_000;
    while (Date.now() - loadStarted < MAX_RUN_MS) {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      if (quickstart.child.exitCode !== null) throw new Error(`the quickstart exited:\n${quickstart.output()}`);
      if (Date.now() - loadStarted >= MIN_RUN_MS && receiver.spans().some(isCrmRetry)) break;
    }
    alerts = (await (await fetch(`${metricsBase}/fedscope/alerts.json`)).json()) as AlertsSnapshot;
    snapshot = (await (await fetch(`${metricsBase}/fedscope/snapshot.json`)).json()) as FedscopeSnapshot;
    spans = receiver.spans();
  }, MAX_RUN_MS + 90_000);

  afterAll(async () => {
    if (quickstart.child.exitCode === null) {
      quickstart.child.kill('SIGTERM');
      await quickstart.exited;
    }
    await receiver.close();
  });

  it('fires none of the default rules (no alert went to firing)', () => {
    expect(alerts.counters.evaluations).toBeGreaterThan(30);
    expect(alerts.rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'FederationHighResponseTime',
        'FederationHighErrorRate',
        'FederationCircuitBreakerOpen',
        'FederationLowCacheHitRatio',
      ]),
    );
    expect(alerts.history.filter((t) => t.to === 'firing')).toEqual([]);
    expect(alerts.active.filter((a) => a.state === 'firing')).toEqual([]);
  });

  it('keeps the cache hit ratio in 70–90 % once the cache is warm, and lookups miss now and then', () => {
    // After the first TTLs (6 s at 10 queries/s) — what a running service sees.
    const warm = loadStarted + 20_000;
    // fedscope's cache hit ratio (the figure FederationLowCacheHitRatio reads): queries with a cached part.
    const queries = spans.filter(
      (s) => s.name.startsWith('federation.query ') && s.attributes['federation.cache.hit'] !== undefined && millisOf(s) >= warm,
    );
    expect(queries.length).toBeGreaterThan(200);
    const queryRatio = queries.filter((s) => s.attributes['federation.cache.hit'] === true).length / queries.length;
    expect(queryRatio).toBeGreaterThanOrEqual(0.7);
    expect(queryRatio).toBeLessThanOrEqual(0.9);
    // Per part lookup the cache misses more often, so every source keeps getting calls.
    const lookups = spans.filter((s) => s.name === 'federation.stage cache' && millisOf(s) >= warm);
    const lookupRatio = lookups.filter((s) => s.attributes['federation.cache.hit'] === true).length / lookups.length;
    expect(lookupRatio).toBeGreaterThanOrEqual(0.5);
    expect(lookupRatio).toBeLessThanOrEqual(0.85);
  });

  it('calls every source: DuckDB, SQLite and the HTTP CRM', () => {
    const calls = new Map(snapshot.sources.map((s) => [s.labels['source'], s.sinceStart.count]));
    for (const source of ['warehouse', 'catalog', 'crm']) expect(calls.get(source), source).toBeGreaterThan(0);
    const systems = new Set(
      spans
        .filter((s) => s.attributes['federation.source'] !== undefined && s.kind === SpanKind.CLIENT)
        .map((s) => s.attributes['db.system.name'] ?? (s.attributes['http.request.method'] === undefined ? undefined : 'http')),
    );
    expect([...systems].sort()).toEqual(['duckdb', 'http', 'sqlite']);
  });

  it('has the CRM fail with 503s that retries absorb, its breaker closed', () => {
    const crm = spans.filter((s) => s.attributes['federation.source'] === 'crm' && s.kind === SpanKind.CLIENT);
    expect(crm.filter((s) => s.attributes['http.response.status_code'] === 503).length).toBeGreaterThan(0);
    const retried = crm.filter(isCrmRetry);
    expect(retried.length).toBeGreaterThan(0);
    // Retries get through, so next to no query fails: a long run of 503s can outlast four attempts
    // for the few queries in flight during it, so the bound is a rate (1 %), not a count.
    expect(retried.some((s) => s.attributes['http.response.status_code'] === 200)).toBe(true);
    const { count, errors } = snapshot.overall.sinceStart;
    expect(count).toBeGreaterThan(300);
    expect(errors / count).toBeLessThanOrEqual(0.01);
    expect(crm.some((s) => s.attributes['error.type'] === 'breaker_open')).toBe(false);
  });
});
