import { ValueType } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, type DataPoint, type MetricData } from '@opentelemetry/sdk-metrics';

/**
 * Building blocks of fedscope's MetricProducers (statistics, bottlenecks, health, alerts): the
 * metric data shapes of `@opentelemetry/sdk-metrics`, written once. The scope, resource and data
 * points are the shared base's (`fedscope-metric-producer.ts`).
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
