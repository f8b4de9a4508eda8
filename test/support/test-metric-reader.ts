import type { Attributes } from '@opentelemetry/api';
import { MetricReader, type DataPoint, type Histogram, type MetricData } from '@opentelemetry/sdk-metrics';

/** A metric reader for tests: collect on demand and look metrics up by name. */
export class TestMetricReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }

  /** Every metric collected now, by name. */
  async metrics(): Promise<Map<string, MetricData>> {
    const { resourceMetrics, errors } = await this.collect();
    if (errors.length > 0) throw new Error(`collection errors: ${errors.map(String).join('; ')}`);
    const byName = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
    return byName;
  }

  /** The data points of one metric whose attributes include `match`. */
  async points(name: string, match: Attributes = {}): Promise<Array<DataPoint<number | Histogram>>> {
    const metric = (await this.metrics()).get(name);
    if (!metric) return [];
    return (metric.dataPoints as Array<DataPoint<number | Histogram>>).filter((p) =>
      Object.entries(match).every(([key, value]) => p.attributes[key] === value),
    );
  }
}
