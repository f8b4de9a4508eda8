// The cardinality attack, 5× smaller (200,000 statements; 20,000 query, stage and source
// names), through startFedscope's tracer provider and its Prometheus /metrics: every table of
// fedscope reaches its bound, and the exposition budget keeps /metrics under 2 MB (about 1.6 MB
// measured), the heap under 150 MB, what it leaves out counted, and the busiest series exported.
// `FEDSCOPE_CARDINALITY_ATTACK=full` runs the full-size attack instead (by hand, not in CI:
// about 2.5 minutes on 2 cores).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ANALYSIS_BOUNDS } from '../../../../processors/analysis/analysis-options.js';
import { fedscopeLog } from '../../../../src/diagnostics/fedscope-log.js';
import { DEFAULT_MAX_SERIES_PER_METRIC } from '../../../../src/output/metrics/exposition-budget.js';
import type { FedscopeHandle } from '../../../../src/sdk/fedscope-handle.js';
import { startFedscope } from '../../../../src/sdk/start-fedscope.js';
import { quietFedscopeOptions } from '../../../support/quiet-fedscope-options.js';
import {
  CI_CARDINALITY_ATTACK,
  expositionSizes,
  FULL_CARDINALITY_ATTACK,
  hotNames,
  runCardinalityAttack,
  type CardinalityAttackReport,
} from '../../../support/cardinality-attack.js';
import { httpGet } from '../../../support/http-get.js';

const MB = 1_000_000;
const full = process.env['FEDSCOPE_CARDINALITY_ATTACK'] === 'full';
const shape = full ? FULL_CARDINALITY_ATTACK : CI_CARDINALITY_ATTACK;
let fedscope: FedscopeHandle;
let attack: CardinalityAttackReport;
let exposition: string;
let heapAfterGcBytes: number;
const logLines: string[] = [];

/** The samples of `name` (its exact sample name), as label maps with their value. */
function samples(name: string): Array<{ labels: Record<string, string>; value: number }> {
  const found: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const end = line.lastIndexOf('} ');
    const labels: Record<string, string> = {};
    for (const [, key, value] of line.slice(name.length + 1, end).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[key!] = value!;
    found.push({ labels, value: Number(line.slice(end + 2)) });
  }
  return found;
}

/** The values of `name` by the value of its label `label`. */
function byLabel(name: string, label: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const sample of samples(name)) values[sample.labels[label] ?? ''] = sample.value;
  return values;
}

beforeAll(
  async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    fedscopeLog.configure({ write: (line) => logLines.push(line), forwardToDiag: false });
    fedscope = startFedscope(quietFedscopeOptions());
    await fedscope.ready;
    attack = await runCardinalityAttack(fedscope.tracerProvider.getTracer('cardinality-attack'), shape);
    const answer = await httpGet(`${fedscope.metricsUrl!}/metrics`);
    expect(answer.status).toBe(200);
    exposition = answer.body;
    gc();
    gc();
    heapAfterGcBytes = process.memoryUsage().heapUsed;
    const sizes = expositionSizes(exposition);
    // The figures, for the README (vitest shows them with --reporter=verbose or on failure).
    console.log(
      `cardinality attack (${attack.statements} statements, ${shape.names} names, ${attack.spans} spans in ${Math.round(attack.elapsedMs)} ms): ` +
        `/metrics ${sizes.bytes} bytes, ${sizes.lines} lines; heap after GC ${(heapAfterGcBytes / 2 ** 20).toFixed(1)} MiB; largest: ` +
        sizes.families
          .slice(0, 8)
          .map((f) => `${f.name} ${f.bytes} B/${f.lines} lines`)
          .join(', '),
    );
  },
  (full ? 600 : 120) * 1000,
);

afterAll(async () => {
  await fedscope?.shutdown();
  fedscopeLog.configure({ write: (line) => process.stderr.write(`${line}\n`), forwardToDiag: true });
});

describe(`a cardinality attack on /metrics (${full ? 'the issue’s full size' : '5× smaller than the issue’s'})`, () => {
  it('fills every bound of fedscope: the attack is real', () => {
    expect(attack.statements).toBe(shape.statements + shape.hotNames);
    const usage = byLabel('fedscope_bound_usage', 'fedscope_bound');
    const limit = byLabel('fedscope_bound_limit', 'fedscope_bound');
    expect(Object.keys(limit).sort()).toEqual(['series.query', 'series.service', 'series.source', 'series.stage', 'statements']);
    // One service sends every name: its total is one series.
    for (const bound of Object.keys(limit)) expect(usage[bound], bound).toBe(bound === 'series.service' ? 1 : limit[bound]);
  });

  it('keeps /metrics under 2 MB and the heap after GC under 150 MB', () => {
    expect(Buffer.byteLength(exposition)).toBeLessThanOrEqual(2 * MB);
    expect(heapAfterGcBytes).toBeLessThanOrEqual(150 * 2 ** 20);
  });

  it('counts what it left out on fedscope_metrics_series_omitted, per metric, and logs it once', () => {
    const omitted = byLabel('fedscope_metrics_series_omitted', 'metric');
    const kept = DEFAULT_MAX_SERIES_PER_METRIC - 1; // one series is the overflow
    // The analysis holds its bound of stages and sources: all but the kept ones are folded.
    expect(omitted['federation.stage.latency']).toBe(DEFAULT_ANALYSIS_BOUNDS.maxStages - kept);
    expect(omitted['federation.source.throughput']).toBe(DEFAULT_ANALYSIS_BOUNDS.maxSources - kept);
    expect(omitted['federation.query.latency']).toBe(DEFAULT_ANALYSIS_BOUNDS.maxQueries - kept);
    for (const metric of ['federation.stage.duration', 'db.client.operation.duration', 'federation.queries', 'federation.health.score'])
      expect(omitted[metric], metric).toBeGreaterThan(0);
    const budgetLines = logLines.filter((line) => line.includes('over the exposition budget'));
    expect(budgetLines).toHaveLength(1);
    expect(budgetLines[0]).toMatch(/federation\.stage\.latency 1,951/);
  });

  it('exports at most the budget per metric, the overflow series included', () => {
    const subjects = (name: string, ignore: readonly string[]) =>
      new Set(samples(name).map((s) => JSON.stringify(Object.entries(s.labels).filter(([key]) => !ignore.includes(key))))).size;
    expect(subjects('federation_stage_latency', ['window', 'percentile'])).toBe(DEFAULT_MAX_SERIES_PER_METRIC - 1);
    expect(subjects('federation_stage_throughput', ['window'])).toBe(DEFAULT_MAX_SERIES_PER_METRIC);
    expect(subjects('federation_stage_duration_bucket', ['le'])).toBe(DEFAULT_MAX_SERIES_PER_METRIC);
    expect(subjects('federation_bottleneck_share', ['window'])).toBeLessThanOrEqual(DEFAULT_MAX_SERIES_PER_METRIC);
  });

  it('folds the rest into one otel.metric.overflow series that adds them up exactly', () => {
    // One stage span per trace: the stage histogram's counts add up to the traces sent.
    const counts = samples('federation_stage_duration_count');
    expect(counts.filter((s) => s.labels['otel_metric_overflow'] === 'true')).toHaveLength(1);
    expect(counts.reduce((total, s) => total + s.value, 0)).toBe(attack.traces);
    const queries = samples('federation_queries_total');
    expect(queries.reduce((total, s) => total + s.value, 0)).toBe(attack.traces);
    // The derived gauges' overflow series adds up the rates of the series it stands for.
    const overflowThroughput = samples('federation_stage_throughput').filter((s) => s.labels['otel_metric_overflow'] === 'true');
    expect(overflowThroughput.map((s) => s.labels['window'])).toEqual(['1m', '5m', '15m']);
    for (const s of overflowThroughput) expect(s.value).toBeGreaterThan(0);
    // Percentiles of several series cannot be added up: the overflow series has none.
    expect(samples('federation_stage_latency').filter((s) => s.labels['otel_metric_overflow'] === 'true')).toEqual([]);
  });

  it('exports the series with the most traffic: the hot queries, stages and sources', () => {
    for (let i = 0; i < shape.hotNames; i++) {
      const hot = hotNames(i);
      const has = (name: string, label: string, value: string) => samples(name).some((s) => s.labels[label] === value);
      expect(has('federation_query_latency', 'federation_query_name', hot.query), hot.query).toBe(true);
      expect(has('federation_stage_latency', 'federation_stage', hot.stage), hot.stage).toBe(true);
      expect(has('federation_source_latency', 'federation_source', hot.source), hot.source).toBe(true);
      expect(has('federation_query_duration_count', 'federation_query_name', hot.query), hot.query).toBe(true);
      expect(has('federation_stage_duration_count', 'federation_stage', hot.stage), hot.stage).toBe(true);
      expect(has('db_client_operation_duration_count', 'federation_source', hot.source), hot.source).toBe(true);
      expect(has('federation_critical_path_duration', 'federation_query_name', hot.query), hot.query).toBe(true);
    }
  });
});
