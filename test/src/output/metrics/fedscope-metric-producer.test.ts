// One failing producer must not blank a scrape: the SDK runs producers with Promise.all.
import type { HrTime } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { describe, expect, it, vi } from 'vitest';
import { fedscopeLog } from '../../../../src/diagnostics/fedscope-log.js';
import { FedscopeMetricProducer } from '../../../../src/output/metrics/fedscope-metric-producer.js';
import { gaugeMetric } from '../../../../src/output/metrics/metric-data.js';

class FixedProducer extends FedscopeMetricProducer {
  constructor(private readonly fail: boolean) {
    super(fail ? 'broken' : 'fixed', {});
  }
  protected metricsAt(now: HrTime): MetricData[] {
    if (this.fail) throw new Error('snapshot failed');
    return [gaugeMetric('fedscope.test.value', 'A fixed value.', '1', [this.point(now, { part: 'a' }, 42)])];
  }
}

class PullReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

describe('FedscopeMetricProducer', () => {
  it('reports its metrics under fedscope.{part}, with one start time for every series', async () => {
    const producer = new FixedProducer(false);
    const first = await producer.collect();
    const second = await producer.collect();
    const scope = first.resourceMetrics.scopeMetrics[0];
    expect(scope?.scope.name).toBe('fedscope.fixed');
    const [a, b] = [first, second].map((r) => r.resourceMetrics.scopeMetrics[0]?.metrics[0]?.dataPoints[0]);
    expect(a?.value).toBe(42);
    expect(a?.startTime).toEqual(b?.startTime);
  });

  it('leaves a failing part out, logs it and returns the error, while the reader serves the others', async () => {
    const logged = vi.spyOn(fedscopeLog, 'error').mockImplementation(() => undefined);
    const reader = new PullReader({ metricProducers: [new FixedProducer(true), new FixedProducer(false)] });
    const provider = new MeterProvider({ readers: [reader] });
    try {
      const { resourceMetrics, errors } = await reader.collect();
      expect(errors.map(String)).toEqual(['Error: snapshot failed']);
      expect(resourceMetrics.scopeMetrics.map((s) => s.scope.name)).toContain('fedscope.fixed');
      expect(logged).toHaveBeenCalledWith(expect.stringContaining('fedscope.broken could not be collected'), expect.any(Error));
    } finally {
      logged.mockRestore();
      await provider.shutdown();
    }
  });
});
