// otel-config/grafana-dashboard.json: valid classic dashboard JSON (ids, grid, variables, data
// source), every expression accepted by promtool, and every series its queries and variables read
// exported by a live fedscope /metrics — a real pg pool (pool gauges), SQLite, and a source whose
// breaker opens, so the pool, breaker and error panels all find data.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startFedscope } from '../../src/sdk/start-fedscope.js';
import { describeSelector, unmetNeeds } from './exposition-needs.js';
import { parseExposition, type ExposedSeries } from './exposition-series.js';
import { promqlSeries } from './promql-selectors.js';

// Order matters: fedscope starts (and registers the driver instrumentations) before pg and better-sqlite3 load.
const handle = startFedscope({ serviceName: 'shop', prometheus: { port: 0 }, otlp: false, hostMetrics: false });
await handle.ready;
// The support modules load pg themselves: they come after fedscope too.
const { needsPostgres, postgresConfig } = await import('../support/real-servers.js');
const { needsPromtool, promtoolPath } = await import('../support/promtool.js');
const require = createRequire(import.meta.url);
const pg = require('pg') as typeof import('pg');
const Database = require('better-sqlite3') as typeof import('better-sqlite3');
const { Federation, FunctionSource, PostgresSource, SqliteSource } = await import('../../src/federation/index.js');

const postgres = await needsPostgres();
const promtool = needsPromtool();
const dashboardPath = fileURLToPath(new URL('../../otel-config/grafana-dashboard.json', import.meta.url));

interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}
interface Target {
  expr: string;
  refId: string;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: GridPos;
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Variable {
  name: string;
  type: string;
  query: string | { query: string };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  time: { from: string; to: string };
  templating: { list: Variable[] };
  panels: Panel[];
}

const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8')) as Dashboard;
const queryPanels = dashboard.panels.filter((p) => p.type !== 'row');
const targets = queryPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));
const variableQueries = dashboard.templating.list
  .filter((v) => v.type === 'query')
  .map((v) => ({ name: v.name, query: typeof v.query === 'string' ? v.query : v.query.query }));

/**
 * An expression as Prometheus would get it: Grafana's variables replaced by what "All" and the
 * defaults send (`.*` for multi-value variables, the window `5m`, a 1 m rate interval).
 */
function expand(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$window', '5m')
    .replace(/\$(service|query|source)\b/g, '.*');
}

/** The selector and label of `label_values(selector, label)`. */
function labelValuesOf(query: string): { selector: string; label: string } {
  const match = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(query.trim());
  if (!match) throw new Error(`not a label_values query: ${query}`);
  return { selector: match[1]!, label: match[2]! };
}

/** Series Prometheus makes itself (from the shipped rules), which no exporter writes. */
const PROMETHEUS_OWN = new Set(['ALERTS']);

describe('otel-config/grafana-dashboard.json as a dashboard', () => {
  it('is a classic dashboard with a stable uid, a title and a schema version', () => {
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{8,40}$/);
    expect(dashboard.title).toMatch(/fedscope/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.time).toEqual({ from: 'now-1h', to: 'now' });
  });

  it('has unique panel ids, panels within the 24-column grid that never overlap, and a query in every non-row panel', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x >= 0 && w >= 1 && x + w <= 24 && h >= 1, `${panel.title} ${JSON.stringify(panel.gridPos)}`).toBe(true);
      for (let row = y; row < y + h; row++)
        for (let col = x; col < x + w; col++) {
          expect(cells.has(`${row},${col}`), `${panel.title} overlaps another panel at row ${row}, column ${col}`).toBe(false);
          cells.add(`${row},${col}`);
        }
    }
    expect(queryPanels.length).toBeGreaterThanOrEqual(20);
    for (const panel of queryPanels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      const refIds = panel.targets!.map((t) => t.refId);
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
    }
  });

  it('covers the views of fedscope’s own dashboard: overview, queries, sources, statements, health', () => {
    const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows).toEqual(expect.arrayContaining(['Overview', 'Queries', 'Sources', 'Statements', 'Health']));
  });

  it('reads every panel and target from the Prometheus data source variable, and defines every variable it uses', () => {
    const datasource = dashboard.templating.list.find((v) => v.name === 'datasource');
    expect(datasource).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const panel of queryPanels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      for (const target of panel.targets!) expect(target.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
    const defined = new Set(dashboard.templating.list.map((v) => v.name));
    const texts = [...targets.map((t) => t.expr), ...variableQueries.map((v) => v.query)];
    const used = new Set(texts.flatMap((text) => [...text.matchAll(/\$(?!__)([a-zA-Z_]\w*)/g)].map((m) => m[1]!)));
    expect([...used].filter((name) => !defined.has(name))).toEqual([]);
  });
});

promtool.describe('the dashboard’s expressions', () => {
  it('are all valid PromQL (promtool check rules, one recording rule per target)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedscope-grafana-'));
    try {
      const rules = targets.map((t, i) => ({ record: `grafana:target_${i}`, expr: expand(t.expr) }));
      writeFileSync(join(dir, 'rules.yml'), stringify({ groups: [{ name: 'grafana', rules }] }));
      const run = spawnSync(promtoolPath(), ['check', 'rules', 'rules.yml'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain(`SUCCESS: ${targets.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(postgres.skip)('the dashboard against a live fedscope /metrics', () => {
  let exposed: ExposedSeries[] = [];
  let pool: import('pg').Pool;
  let db: InstanceType<typeof Database>;
  let federation: InstanceType<typeof Federation>;

  beforeAll(async () => {
    pool = new pg.Pool({ ...postgresConfig(), max: 3 });
    db = new Database(':memory:');
    db.exec("CREATE TABLE products (id integer, name text); INSERT INTO products VALUES (1, 'a'), (2, 'b');");
    federation = new Federation()
      .source('orders', new PostgresSource(pool))
      .source('catalog', new SqliteSource(db))
      // Down: its calls fail and its breaker opens after two.
      .source('crm', new FunctionSource(() => Promise.reject(new Error('crm is down'))), {
        retry: false,
        breaker: { consecutiveFailures: 2, coolDownMs: 600_000 },
      });
    for (let i = 0; i < 5; i++) {
      await federation.query({
        name: 'order_report',
        parts: {
          orders: { source: 'orders', sql: 'SELECT g AS id FROM generate_series(1, 5) g' },
          products: { source: 'catalog', sql: 'SELECT id, name FROM products' },
        },
      });
      await federation.query({ name: 'customers', parts: { c: { source: 'crm', sql: 'SELECT * FROM customers' } } }).catch(() => undefined);
    }
    // The critical-path series come once the trace assembler has closed the traces (after its grace).
    for (let attempt = 0; attempt < 80; attempt++) {
      exposed = parseExposition(await (await fetch(`${handle.metricsUrl}/metrics`)).text());
      if (exposed.some((s) => s.name === 'federation_bottleneck_share')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }, 60_000);

  afterAll(async () => {
    await federation?.close();
    await pool?.end();
    db?.close();
    await handle.shutdown();
  });

  it('exports what every target selects: metric names, matcher values, grouping labels', () => {
    const unmet: Record<string, string[]> = {};
    for (const target of targets) {
      const selectors = promqlSeries(expand(target.expr)).selectors;
      if (selectors.every((s) => s.name !== undefined && PROMETHEUS_OWN.has(s.name))) continue;
      const problems = unmetNeeds(expand(target.expr), [], [], exposed);
      if (problems.length > 0) unmet[`${target.panel} ${target.refId}`] = problems;
    }
    expect(unmet).toEqual({});
  });

  it('exports the series and label every variable lists values of', () => {
    for (const variable of variableQueries) {
      const { selector, label } = labelValuesOf(variable.query);
      const [parsed] = promqlSeries(expand(selector)).selectors;
      const values = exposed.filter((s) => s.name === parsed!.name && s.labels[label] !== undefined).map((s) => s.labels[label]);
      expect(values.length, `${variable.name}: ${describeSelector(parsed!)} has no ${label}`).toBeGreaterThan(0);
    }
    const services = new Set(exposed.filter((s) => s.name === 'federation_queries_total').map((s) => s.labels['service_name']));
    expect([...services]).toEqual(['shop']);
  });

  it('finds the pool, breaker and error series its panels draw', () => {
    const names = new Set(exposed.map((s) => s.name));
    for (const name of [
      'db_client_connection_count',
      'db_client_connection_max',
      'circuit_breaker_state',
      'federation_source_errors_total',
    ])
      expect(names, name).toContain(name);
  });

  it('flags a target that reads a series fedscope does not export (the check can fail)', () => {
    expect(unmetNeeds(expand('rate(federation_query_total{service_name=~"$service"}[$__rate_interval])'), [], [], exposed)).toEqual([
      'federation_query_total{service_name=~".*"}: no series named federation_query_total is exported',
    ]);
  });
});
