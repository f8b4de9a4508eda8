/**
 * Helpers for the driver integration suites: read metrics across instrumentation scopes (the
 * same metric name can come from contrib and from fedscope's processor) and capture classified spans.
 */
import type { Attributes } from '@opentelemetry/api';
import type { DataPoint, Histogram, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ClassifiedSpan } from '../../processors/classified-span.js';
import type { ClassifiedSpanSink } from '../../processors/federation-span-processor.js';

/** One data point with the scope that recorded it. */
export interface ScopedPoint {
  scope: string;
  point: DataPoint<number | Histogram>;
}

/** Every data point of `name` whose attributes include `match`, from every scope. */
export async function scopedPoints(reader: MetricReader, name: string, match: Attributes = {}): Promise<ScopedPoint[]> {
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) throw new Error(`collection errors: ${errors.map(String).join('; ')}`);
  const found: ScopedPoint[] = [];
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of metric.dataPoints as Array<DataPoint<number | Histogram>>) {
        if (Object.entries(match).every(([key, value]) => point.attributes[key] === value)) found.push({ scope: scope.scope.name, point });
      }
    }
  }
  return found;
}

/** Recorded `db.client.operation.duration` measurements for a system, per recording scope. */
export async function operationDurationCounts(reader: MetricReader, system: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { scope, point } of await scopedPoints(reader, 'db.client.operation.duration', { 'db.system.name': system })) {
    counts[scope] = (counts[scope] ?? 0) + (point.value as Histogram).count;
  }
  return counts;
}

/** A sink that keeps the classified spans the processor records. */
export function capturingSink(): ClassifiedSpanSink & { spans: ClassifiedSpan[] } {
  const spans: ClassifiedSpan[] = [];
  return { spans, record: (span) => spans.push(span) };
}

/** A name unique to this test run, for tables on shared servers. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
}
