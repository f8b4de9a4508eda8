import { ValueType, type HrTime } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { emptyResource, type Resource } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type CollectionResult, type DataPoint, type MetricData, type MetricProducer } from '@opentelemetry/sdk-metrics';
import { FEDSCOPE_SCOPE_NAME } from '../../src/span-model/attributes.js';
import { FEDSCOPE_VERSION } from '../../src/version.js';
import type { AlertEngine } from './alert-engine.js';

/**
 * Exports the alert engine's state, as Prometheus' `ALERTS` series does: `fedscope.alerts`
 * = 1 per pending or firing alert, with `alertname`, `severity` and `alertstate`; plus delivery
 * and engine counters (`fedscope.alerts.notifications.*`, `fedscope.alerts.dropped`).
 * Only those three attributes go on the gauge: the full label set would be unbounded.
 */
export class AlertMetricProducer implements MetricProducer {
  private readonly startTime: HrTime = millisToHrTime(Date.now());
  private readonly resource: Resource;

  constructor(
    private readonly engine: AlertEngine,
    options: { resource?: Resource } = {},
  ) {
    this.resource = options.resource ?? emptyResource();
  }

  async collect(): Promise<CollectionResult> {
    const now = millisToHrTime(Date.now());
    const counts = new Map<string, { attributes: Record<string, string>; value: number }>();
    for (const alert of this.engine.alerts()) {
      const attributes = { alertname: alert.labels['alertname'] ?? '', severity: alert.labels['severity'] ?? '', alertstate: alert.state };
      const key = JSON.stringify(attributes);
      // Several series of one rule share these attributes: the gauge is 1 (present), as ALERTS is per series.
      counts.set(key, { attributes, value: 1 });
    }
    const point = (attributes: Record<string, string>, value: number): DataPoint<number> => ({ startTime: this.startTime, endTime: now, attributes, value });
    const delivery = this.engine.deliveryStats();
    const engine = this.engine.counters();
    const alerts: MetricData = {
        descriptor: { name: 'fedscope.alerts', description: 'Pending and firing alerts (1 per alertname, severity and state).', unit: '1', valueType: ValueType.INT },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: [...counts.values()].map((c) => point(c.attributes, c.value)),
      };
    const metrics: MetricData[] = [
      alerts,
      this.counter('fedscope.alerts.notifications.delivered', 'Alert notifications delivered, per channel.', delivery.map((d) => point({ channel: d.channel }, d.delivered)), now),
      this.counter('fedscope.alerts.notifications.failed_attempts', 'Failed alert delivery attempts (retried), per channel.', delivery.map((d) => point({ channel: d.channel }, d.failedAttempts)), now),
      this.counter('fedscope.alerts.notifications.dropped', 'Alert notifications dropped (queue full or rejected), per channel.', delivery.map((d) => point({ channel: d.channel }, d.dropped + d.rejected)), now),
      this.counter('fedscope.alerts.dropped', 'Alerts not raised because the bound on active alerts was reached.', [point({}, engine.droppedAlerts)], now),
      this.counter('fedscope.alerts.rule_errors', 'Failed rule evaluations.', [point({}, engine.ruleErrors)], now),
    ].filter((m) => m.dataPoints.length > 0 || m.descriptor.name === 'fedscope.alerts');
    return {
      errors: [],
      resourceMetrics: { resource: this.resource, scopeMetrics: [{ scope: { name: `${FEDSCOPE_SCOPE_NAME}.alerts`, version: FEDSCOPE_VERSION }, metrics }] },
    };
  }

  private counter(name: string, description: string, dataPoints: DataPoint<number>[], _now: HrTime): MetricData {
    return {
      descriptor: { name, description, unit: '1', valueType: ValueType.INT },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints,
    };
  }
}
