// The export and the push against a real InfluxDB 1.6 (`npm run servers`): a pipeline runs a small
// federated workload with awkward names, pushes one tick's figures, and InfluxDB's own query
// language reads back exactly what /fedscope/export?format=json says for that tick; the export's
// line-protocol body is accepted whole by the real parser and its tag values read back exactly.
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { emptyResource } from '@opentelemetry/resources';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { Federation, FunctionSource } from '../../../../src/federation/index.js';
import { resolveConfig } from '../../../../src/options/resolve-config.js';
import type { ExportRow } from '../../../../src/output/export/export-rows.js';
import { fedscopeRoutes } from '../../../../src/output/http/fedscope-routes.js';
import { MetricsServer } from '../../../../src/output/http/metrics-server.js';
import { FedscopePipeline } from '../../../../src/pipeline/fedscope-pipeline.js';
import { influxDbUrl, needsInfluxDb } from '../../../support/real-servers.js';
import { TestMetricReader } from '../../../support/test-metric-reader.js';

const influx = await needsInfluxDb();
const INFLUX = influxDbUrl();
const RUN = `${process.pid}_${Date.now()}`;
const PUSH_DB = `fedscope_push_${RUN}`;
const WRITE_DB = `fedscope_write_${RUN}`;

const SERVICE = 'svc one, "two"=2';
/** Names that read back exactly: spaces, commas, equals signs, quotes, a backslash inside, unicode, a leading _, time, a formula. */
const EXACT_NAMES = ['orders by region', 'a,b=c "d"', 'back\\slash', 'ünï ✓ 数据', '_under', 'time', "=cmd|' /C calc'!A0"];
/** Names the line protocol cannot carry as they are, and what they read back as (see influx-line-protocol.ts). */
const LOSSY_NAMES: ReadonlyArray<[string, string]> = [
  ['new\nline', 'new line'],
  ['trailing\\', 'trailing＼'],
  ['odd\\, comma', 'odd＼, comma'],
];

let pipeline: FedscopePipeline;
let provider: NodeTracerProvider;
let server: MetricsServer;
let reader: TestMetricReader;
let base: string;

async function influxQuery(db: string, q: string): Promise<Array<{ name: string; columns: string[]; values: unknown[][] }>> {
  const response = await fetch(`${INFLUX}/query?${new URLSearchParams({ db, q, epoch: 'ms' }).toString()}`, { method: 'POST' });
  const body = (await response.json()) as {
    results: Array<{ series?: Array<{ name: string; columns: string[]; values: unknown[][] }>; error?: string }>;
  };
  if (!response.ok || body.results[0]?.error) throw new Error(`InfluxDB: ${JSON.stringify(body)}`);
  return body.results[0]?.series ?? [];
}

/** Every point of a measurement as an object (time in ms), without its null columns. */
async function pointsOf(db: string, measurement: string): Promise<Array<Record<string, unknown>>> {
  const [series] = await influxQuery(db, `SELECT * FROM "${measurement}"`);
  return (series?.values ?? []).map((values): Record<string, unknown> =>
    Object.fromEntries(series!.columns.map((column, i): [string, unknown] => [column, values[i]]).filter(([, value]) => value !== null)),
  );
}

/** A row as InfluxDB holds it: its time in ms, its tags and its fields, without the empty ones. */
function asPoint(row: ExportRow): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries({ time: Math.round(row.time * 1000), ...row.tags, ...row.fields }).filter(([, value]) => value !== null),
  );
}

const byTags = (point: Record<string, unknown>): string =>
  JSON.stringify([point['service'], point['query'], point['stage'], point['source']]);

beforeAll(async () => {
  if (influx.skip) return;
  for (const db of [PUSH_DB, WRITE_DB]) await influxQuery(db, `CREATE DATABASE "${db}"`);
  pipeline = new FedscopePipeline(
    resolveConfig({ influxdb: { url: INFLUX, database: PUSH_DB }, hostMetrics: false, runtimeMetrics: false, alerts: false }, {}),
    { resource: emptyResource(), readers: [(producers) => (reader = new TestMetricReader({ metricProducers: producers }))] },
  );
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE }),
    spanProcessors: [pipeline.spanProcessor],
  });
  provider.register();
  server = new MetricsServer(fedscopeRoutes(pipeline));
  base = await server.listen('127.0.0.1', 0);

  const federation = new Federation({ cache: false });
  let calls = 0;
  federation.source(
    'pg=main, "eu"',
    new FunctionSource(async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 1 + (calls % 7)));
      if (calls % 5 === 0) throw new Error('source down');
      return [{ id: calls }];
    }),
    { retry: false, breaker: false },
  );
  for (let round = 0; round < 4; round++)
    for (const name of [...EXACT_NAMES, ...LOSSY_NAMES.map(([raw]) => raw)])
      await federation.query({ name, parts: { rows: { source: 'pg=main, "eu"', sql: 'SELECT id FROM t' } } }).catch(() => undefined);
  await federation.close();
});

afterAll(async () => {
  if (influx.skip) return;
  await pipeline?.shutdown();
  await provider?.shutdown();
  await server?.close();
  for (const db of [PUSH_DB, WRITE_DB]) await influxQuery(db, `DROP DATABASE "${db}"`).catch(() => undefined);
});

influx.describe('the InfluxDB push and the export against a real InfluxDB 1.6', () => {
  it('pushes a tick’s current figures, and InfluxDB holds exactly what /fedscope/export?format=json says for that tick', async () => {
    // The clock stands still from the tick to the export, so both read the same figures at the same time.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    let rows: ExportRow[];
    try {
      pipeline.recordHistory();
      const response = await fetch(`${base}/fedscope/export?format=json`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      rows = ((await response.json()) as { rows: ExportRow[] }).rows;
    } finally {
      vi.useRealTimers();
    }
    const exact = rows.filter((row) => !LOSSY_NAMES.some(([raw]) => row.tags.query === raw));
    expect(
      exact
        .filter((row) => row.measurement === 'fedscope_query')
        .map((row) => row.tags.query)
        .sort(),
    ).toEqual([...EXACT_NAMES].sort());
    expect(rows.find((row) => row.series === 'overall')?.fields).toMatchObject({ count: 40, errors: 8 });

    // The push's own metric says when every row was written (and that none was dropped).
    const written = async (): Promise<number[]> =>
      (await reader.points('fedscope.influxdb.points', { outcome: 'written' })).map((point) => point.value as number);
    const deadline = Date.now() + 10_000;
    while ((await written())[0] !== rows.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await written()).toEqual([rows.length]);
    const dropped = await reader.points('fedscope.influxdb.points', { outcome: 'dropped' });
    expect(dropped.map((point) => point.value)).toEqual([0, 0, 0, 0, 0]);
    for (const measurement of ['fedscope_overall', 'fedscope_query', 'fedscope_stage', 'fedscope_source']) {
      const held = new Map((await pointsOf(PUSH_DB, measurement)).map((point) => [byTags(point), point]));
      const expected = exact.filter((row) => row.measurement === measurement).map(asPoint);
      expect(expected.length).toBeGreaterThan(0);
      for (const point of expected) expect(held.get(byTags(point))).toEqual(point);
    }
  });

  it('the export’s line protocol (current and history) is accepted whole by /write, and the tag values read back exactly', async () => {
    const from = Math.floor(Date.now() / 1000) - 3_600;
    let lines = 0;
    for (const query of ['format=influx', `format=influx&from=${from}`]) {
      const response = await fetch(`${base}/fedscope/export?${query}`);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="fedscope-(current|history)-[\d-]+\.lp"$/);
      const body = await response.text();
      lines += body.split('\n').filter(Boolean).length;
      const write = await fetch(`${INFLUX}/write?db=${WRITE_DB}&precision=ns`, { method: 'POST', body });
      expect([write.status, await write.text()]).toEqual([204, '']);
    }
    expect(lines).toBeGreaterThan(20);
    const tagValues = async (key: string, measurement: string): Promise<string[]> =>
      (await influxQuery(WRITE_DB, `SHOW TAG VALUES FROM "${measurement}" WITH KEY = "${key}"`))[0]!.values
        .map((value) => value[1] as string)
        .sort();
    expect(await tagValues('query', 'fedscope_query')).toEqual([...EXACT_NAMES, ...LOSSY_NAMES.map(([, read]) => read)].sort());
    expect(await tagValues('service', 'fedscope_query')).toEqual([SERVICE]);
    expect(await tagValues('source', 'fedscope_source')).toEqual(['pg=main, "eu"']);
    // One point per line: none was refused or merged into another.
    const counted = await influxQuery(WRITE_DB, 'SELECT count("count") FROM /fedscope_.*/');
    expect(counted.reduce((sum, series) => sum + (series.values[0]![1] as number), 0)).toBe(lines);
  });
});
