import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/options/resolve-config.js';
import { startFedscope } from '../../../src/sdk/start-fedscope.js';
import { quietFedscopeOptions } from '../../support/quiet-fedscope-options.js';
import { runCardinalityAttack } from '../../support/cardinality-attack.js';
import { configErrorOf } from '../../support/config-error-of.js';
import { httpGet } from '../../support/http-get.js';

describe('resolveConfig: metrics.maxSeriesPerMetric', () => {
  it('defaults to 50 series per metric and takes an integer from 2 to 100,000', () => {
    expect(resolveConfig({}, {}).metrics).toEqual({ maxSeriesPerMetric: 50 });
    expect(resolveConfig({ metrics: { maxSeriesPerMetric: 400 } }, {}).metrics).toEqual({ maxSeriesPerMetric: 400 });
    for (const bad of [1, 2.5, 100_001, '50', Number.NaN]) {
      const error = configErrorOf({ metrics: { maxSeriesPerMetric: bad } });
      expect(error.field).toBe('metrics.maxSeriesPerMetric');
    }
    expect(configErrorOf({ metrics: { seriesPerMetric: 10 } }).message).toMatch(
      /metrics\.seriesPerMetric: unknown option.*allowed: maxSeriesPerMetric/,
    );
  });

  it('is the budget of the /metrics of startFedscope: a metric over it keeps that many series, its overflow series included', async () => {
    const fedscope = startFedscope(quietFedscopeOptions({ metrics: { maxSeriesPerMetric: 3 } }));
    try {
      await fedscope.ready;
      const shape = { statements: 6, names: 6, callsPerTrace: 1, hotNames: 0, hotEvery: 1 };
      await runCardinalityAttack(fedscope.tracerProvider.getTracer('budget-option'), shape);
      const text = (await httpGet(`${fedscope.metricsUrl!}/metrics`)).body;
      const queries = text.split('\n').filter((line) => line.startsWith('federation_queries_total{'));
      expect(queries).toHaveLength(3);
      expect(queries.filter((line) => line.includes('otel_metric_overflow="true"'))).toHaveLength(1);
      expect(text).toMatch(/^fedscope_metrics_series_omitted\{metric="federation\.queries",[^}]*\} 4$/m);
    } finally {
      await fedscope.shutdown();
    }
  });
});
