import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWatched, type WatchedProcess } from '../support/child-process.js';
import { freePort } from '../support/free-port.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import { checkMetricsWithPromtool, needsPromtool } from '../support/promtool.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const startScript = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
const promtool = needsPromtool();

describe(`npm start (${startScript})`, () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let quickstart: WatchedProcess;
  let metricsBase: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const port = await freePort();
    metricsBase = `http://127.0.0.1:${port}`;
    // The command `npm start` runs, started directly so that SIGTERM reaches it as a service manager sends it.
    const [bin, ...args] = startScript.split(' ');
    quickstart = startWatched(
      join(root, 'node_modules', '.bin', bin!),
      args,
      {
        OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        FEDSCOPE_QUICKSTART_INTERVAL_MS: '1000',
        FEDSCOPE_QUICKSTART_RATE: '10',
      },
      root,
    );
  });

  afterAll(async () => {
    if (quickstart.child.exitCode === null) quickstart.child.kill('SIGKILL');
    await receiver.close();
  });

  it('prints live figures per query, stage and source', async () => {
    // A screen once a revenue_by_tier query has ended: on a loaded machine the first screen (a
    // second after the load starts) can come before any has.
    await quickstart.waitFor(/revenue_by_tier \/ merge[\s\S]*sources[\s\S]*(warehouse[\s\S]*crm|crm[\s\S]*warehouse)/, 60_000);
    const screen = quickstart.output();
    expect(screen).toMatch(/queries\/s \d+\.\d/);
    expect(screen).toMatch(/revenue_by_tier \/ merge/);
    expect(screen).toMatch(/p95 ms/);
  });

  it('serves /metrics with figures from the workload, clean under promtool when present', async () => {
    const text = await (await fetch(`${metricsBase}/metrics`)).text();
    expect(text).toMatch(
      /federation_queries_total\{service_name="fedscope-quickstart",federation_query_name="revenue_by_tier"[^}]*\} [1-9]/,
    );
    expect(text).toMatch(
      /federation_source_latency\{service_name="fedscope-quickstart",federation_source="warehouse",window="1m",percentile="99"/,
    );
    if (promtool.available) expect((await checkMetricsWithPromtool(text)).findings).toEqual([]);
  });

  it('exports traces over OTLP to the configured endpoint', async () => {
    const spans = await receiver.waitForSpans(20, 30_000);
    const names = new Set(spans.map((s) => s.name));
    expect(names.has('federation.query revenue_by_tier')).toBe(true);
    expect(names.has('federation.stage fetch')).toBe(true);
    expect([...names].some((n) => n.startsWith('SELECT'))).toBe(true);
    expect(names.has('GET')).toBe(true);
  });

  it('flushes and exits 0 on SIGTERM', async () => {
    quickstart.child.kill('SIGTERM');
    expect(await quickstart.exited).toBe(0);
    expect(quickstart.output()).toMatch(/stopped on SIGTERM: \d+ queries run/);
  });
});
