// The Prometheus rules shipped in otel-config/ against what fedscope really exports: a live
// pipeline (host and runtime metrics on, the federation runtime with a cache and a breaker that
// opens) is scraped, and every rule's selectors, matchers, grouping labels and $labels templates
// must find exported series; the promtool unit tests' input series must be exported verbatim.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startFedscope } from '../../src/sdk/start-fedscope.js';
import { parseExposition, type ExposedSeries } from './exposition-series.js';
import { unmetNeeds } from './exposition-needs.js';
import { promqlSeries } from './promql-selectors.js';

// Order matters: fedscope starts (and registers the driver instrumentations) before better-sqlite3 loads.
// service.name `shop`: the analysis and health series carry it as service_name, as the promtool inputs do.
const handle = startFedscope({
  serviceName: 'shop',
  prometheus: { port: 0 },
  otlp: false,
  hostMetrics: { intervalMs: 10_000 },
  runtimeMetrics: true,
});
await handle.ready;
const require = createRequire(import.meta.url);
const Database = require('better-sqlite3') as typeof import('better-sqlite3');
const { Federation, FunctionSource, SqliteSource } = await import('../../src/federation/index.js');

const configDir = fileURLToPath(new URL('../../otel-config/', import.meta.url));

interface RuleFileRule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Every rule of one rule file in otel-config/, in order. */
function rulesOf(file: string): Array<RuleFileRule & { file: string }> {
  const groups = (parse(readFileSync(`${configDir}${file}`, 'utf8')) as { groups: Array<{ rules: RuleFileRule[] }> }).groups;
  return groups.flatMap((group) => group.rules.map((rule) => ({ ...rule, file })));
}

/** Every rule of every rule file the shipped prometheus.yml loads. */
function shippedRules(): Array<RuleFileRule & { file: string }> {
  const config = parse(readFileSync(`${configDir}prometheus.yml`, 'utf8')) as { rule_files?: string[] };
  return (config.rule_files ?? []).flatMap(rulesOf);
}

/**
 * The input series of a promtool unit-test file that no exported series has verbatim, after
 * leaving out `ignoredLabels` (labels added after the scrape, e.g. Prometheus' `instance`); labels in
 * `anyValueLabels` must be there, with any value.
 */
function inputsNotExported(
  testFile: string,
  exposed: readonly ExposedSeries[],
  ignoredLabels: readonly string[] = [],
  anyValueLabels: readonly string[] = [],
): string[] {
  const tests = (parse(readFileSync(`${configDir}${testFile}`, 'utf8')) as { tests: Array<{ input_series: Array<{ series: string }> }> })
    .tests;
  const inputs = tests.flatMap((t) => t.input_series.map((s) => s.series));
  expect(inputs.length).toBeGreaterThan(10);
  const sameLabels = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) => {
    const keys = Object.keys(a).sort();
    // The version label follows fedscope's version; the fixture's values stand for any (as do anyValueLabels).
    return (
      keys.join() === Object.keys(b).sort().join() &&
      keys.every((k) => k === 'otel_scope_version' || anyValueLabels.includes(k) || a[k] === b[k])
    );
  };
  return inputs.filter((input) => {
    const [selector] = promqlSeries(input).selectors;
    const labels = Object.fromEntries(selector!.matchers.filter((m) => !ignoredLabels.includes(m.label)).map((m) => [m.label, m.value]));
    return !exposed.some((s) => s.name === selector!.name && sameLabels(s.labels, labels));
  });
}

describe('reading PromQL selectors', () => {
  it('finds names, matchers and grouping labels through functions, aggregations, ranges and strings', () => {
    const read = promqlSeries(
      `histogram_quantile(0.95, sum by (le, "federation_query_name") (rate(federation_query_duration_bucket{window!="5m", federation_query_name=~"ord.*"}[5m:1m] offset 1h)))
       > on (federation_query_name) group_left (scope) max without (name) (federation_health_score{scope='query'}) * 1e-3
       unless label_replace(up{job="a{b}"}, "x", "$1", "job", "(.*)") or {__name__="target_info", service_name!=""} + Inf`,
    );
    expect(read.selectors).toEqual([
      {
        name: 'federation_query_duration_bucket',
        matchers: [
          { label: 'window', op: '!=', value: '5m' },
          { label: 'federation_query_name', op: '=~', value: 'ord.*' },
        ],
      },
      { name: 'federation_health_score', matchers: [{ label: 'scope', op: '=', value: 'query' }] },
      { name: 'up', matchers: [{ label: 'job', op: '=', value: 'a{b}' }] },
      { name: 'target_info', matchers: [{ label: 'service_name', op: '!=', value: '' }] },
    ]);
    expect(read.groupingLabels).toEqual(['le', 'federation_query_name', 'federation_query_name', 'scope', 'name']);
    expect(() => promqlSeries('up{job="a"')).toThrow();
    expect(() => promqlSeries('up{job=a}')).toThrow(/quoted value/);
  });
});

describe('otel-config rules against a live fedscope /metrics', () => {
  let exposed: ExposedSeries[] = [];
  let db: InstanceType<typeof Database>;
  let federation: InstanceType<typeof Federation>;

  beforeAll(async () => {
    db = new Database(':memory:');
    db.exec('CREATE TABLE orders (id integer, amount integer); INSERT INTO orders VALUES (1, 10), (2, 20), (3, 30);');
    federation = new Federation({ cache: { ttlMs: 600_000 } })
      .source('warehouse', new SqliteSource(db))
      // The CRM is down: its calls fail, and after two its breaker opens (and stays open for the test).
      .source('crm', new FunctionSource(() => Promise.reject(new Error('crm is down'))), {
        retry: false,
        breaker: { consecutiveFailures: 2, coolDownMs: 600_000 },
      });
    for (let i = 0; i < 6; i++) {
      // The same statement each time: the cache answers all but the first.
      await federation.query({ name: 'orders', parts: { orders: { source: 'warehouse', sql: 'SELECT id, amount FROM orders' } } });
      await federation.query({ name: 'users', parts: { users: { source: 'crm', sql: 'SELECT * FROM users' } } }).catch(() => undefined);
    }
    expect(federation.status().sources.find((s) => s.name === 'crm')?.breaker?.state).toBe('open');
    // Host metrics arrive from a background reading: scrape until they are there.
    for (let attempt = 0; attempt < 120; attempt++) {
      exposed = parseExposition(await (await fetch(`${handle.metricsUrl}/metrics`)).text());
      if (exposed.some((s) => s.name === 'system_cpu_utilization') && exposed.some((s) => s.name === 'system_memory_utilization')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }, 60_000);

  afterAll(async () => {
    await federation?.close();
    db?.close();
    await handle.shutdown();
  });

  it('scraped query, stage, source, host, runtime, health and breaker series', () => {
    const names = new Set(exposed.map((s) => s.name));
    for (const name of [
      'federation_query_latency',
      'federation_stage_latency',
      'federation_source_latency',
      'system_cpu_utilization',
      'nodejs_eventloop_delay_p99',
      'federation_health_score',
      'circuit_breaker_state',
    ]) {
      expect(names, name).toContain(name);
    }
  });

  it('every alerting and recording rule that prometheus.yml loads selects series fedscope exports', () => {
    const rules = shippedRules();
    expect(rules.length).toBeGreaterThanOrEqual(10);
    const unmet: Record<string, string[]> = {};
    for (const rule of rules) {
      const problems = unmetNeeds(
        rule.expr,
        [...Object.values(rule.annotations ?? {}), ...Object.values(rule.labels ?? {})],
        Object.keys(rule.labels ?? {}),
        exposed,
      );
      if (problems.length > 0) unmet[`${rule.file}: ${rule.alert ?? rule.record ?? '?'}`] = problems;
    }
    expect(unmet).toEqual({});
  });

  it('flags selectors of series fedscope does not export (the pack as it was)', () => {
    const needs = (expr: string, templates: string[] = []) => unmetNeeds(expr, templates, [], exposed);
    expect(needs('(1 - avg without (cpu, system_cpu_logical_number) (system_cpu_utilization{system_cpu_state="idle"})) > 0.8')).toEqual([
      'system_cpu_utilization{system_cpu_state="idle"}: no series has system_cpu_state="idle" (no system_cpu_state label at all)',
      'system_cpu_utilization{system_cpu_state="idle"}: selects no exported series',
      'groups or matches by cpu, a label none of the selected series has',
      'groups or matches by system_cpu_logical_number, a label none of the selected series has',
    ]);
    expect(needs('sum without (system_memory_state) (system_memory_utilization{system_memory_state="used"}) > 0.9')[0]).toBe(
      'system_memory_utilization{system_memory_state="used"}: no series has system_memory_state="used" (no system_memory_state label at all)',
    );
    expect(needs('fedscope_health_score < 50')).toEqual(['fedscope_health_score{}: no series named fedscope_health_score is exported']);
    expect(needs('federation_source_circuit_open > 0', ['{{ $labels.federation_source }}'])).toEqual([
      'federation_source_circuit_open{}: no series named federation_source_circuit_open is exported',
      'a template names $labels.federation_source, a label none of the selected series has',
    ]);
    expect(needs('circuit_breaker_state == 2', ['{{ $labels.federation_source }}'])).toEqual([
      'a template names $labels.federation_source, a label none of the selected series has',
    ]);
    expect(needs('federation_health_score{scope="overal"}')[0]).toBe(
      'federation_health_score{scope="overal"}: no series has scope="overal" (values: overall, query, source)',
    );
    expect(needs('federation_query_latency{percentile=~"9.*",windw=~".+"}')[0]).toBe(
      'federation_query_latency{percentile=~"9.*",windw=~".+"}: no series has a windw label',
    );
  });

  it('exports every input series of the promtool unit tests verbatim (otel_scope_version aside)', () => {
    expect(inputsNotExported('prometheus-rules.test.yml', exposed)).toEqual([]);
  });

  it('every fleet recording rule selects exported series, or series a rule before it records', () => {
    const recorded = new Set<string>();
    const unmet: Record<string, string[]> = {};
    for (const rule of rulesOf('fleet-recording-rules.yml')) {
      const { selectors } = promqlSeries(rule.expr);
      const onRecorded = selectors.length > 0 && selectors.every((s) => s.name !== undefined && recorded.has(s.name));
      const problems = onRecorded ? [] : unmetNeeds(rule.expr, [], [], exposed);
      if (problems.length > 0) unmet[rule.record ?? '?'] = problems;
      recorded.add(rule.record ?? '?');
    }
    expect(recorded.size).toBe(13);
    expect(unmet).toEqual({});
  });

  // The fixture has several services (the companion's case); the live scrape has one, so service_name must be there, any value.
  it('exports every input series of fleet-recording-rules.test.yml verbatim (instance and job aside, any service_name)', () => {
    expect(inputsNotExported('fleet-recording-rules.test.yml', exposed, ['instance', 'job'], ['service_name'])).toEqual([]);
  });
});
