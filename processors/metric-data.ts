import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type CollectionResult, type DataPoint, type MetricData } from '@opentelemetry/sdk-metrics';
import { FEDSCOPE_SCOPE_NAME } from '../src/span-model/attributes.js';
import { FEDSCOPE_VERSION } from '../src/version.js';

/**
 * Building blocks of fedscope's MetricProducers (statistics, bottlenecks, health, alerts): the
 * metric data shapes of `@opentelemetry/sdk-metrics`, written once.
 */

/** A gauge (double values, cumulative temporality as the SDK reports gauges). */
export function gaugeMetric(name: string, description: string, unit: string, dataPoints: DataPoint<number>[]): MetricData {
  return {
    descriptor: { name, description, unit, valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.GAUGE,
    dataPoints,
  };
}

/** A monotonic cumulative counter of integers. */
export function counterMetric(name: string, description: string, unit: string, dataPoints: DataPoint<number>[]): MetricData {
  return {
    descriptor: { name, description, unit, valueType: ValueType.INT },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints,
  };
}

/** One data point. */
export function dataPoint(startTime: HrTime, endTime: HrTime, attributes: Attributes, value: number): DataPoint<number> {
  return { startTime, endTime, attributes, value };
}

/** A producer's answer: its metrics under the scope `fedscope.{part}`. */
export function collectionOf(part: string, metrics: MetricData[], resource: Resource): CollectionResult {
  return { errors: [], resourceMetrics: { resource, scopeMetrics: [{ scope: { name: `${FEDSCOPE_SCOPE_NAME}.${part}`, version: FEDSCOPE_VERSION }, metrics }] } };
}
