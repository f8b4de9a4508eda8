import type { HrTime } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { emptyResource, type Resource } from '@opentelemetry/resources';
import type { CollectionResult, DataPoint, MetricData, MetricProducer } from '@opentelemetry/sdk-metrics';
import { collectionOf, counterMetric, dataPoint, gaugeMetric } from '../metric-data.js';
import type { AlertEngine } from './alert-engine.js';

/**
 * Exports the alert engine's state, as Prometheus' `ALERTS` series does: `fedscope.alerts`
 * = 1 per pending or firing alert, with `alertname`, `severity` and `alertstate`; plus delivery
 * and engine counters (`fedscope.alerts.notifications.*`, the dropped ones with a `reason`,
 * `fedscope.alerts.dropped`).
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
    const point = (attributes: Record<string, string>, value: number): DataPoint<number> => dataPoint(this.startTime, now, attributes, value);
    const delivery = this.engine.deliveryStats();
    const engine = this.engine.counters();
    const alerts = gaugeMetric(
      'fedscope.alerts',
      'Pending and firing alerts (1 per alertname, severity and state).',
      '1',
      [...counts.values()].map((c) => point(c.attributes, c.value)),
    );
    const metrics: MetricData[] = [
      alerts,
      counterMetric('fedscope.alerts.notifications.delivered', 'Alert notifications delivered, per channel.', '1', delivery.map((d) => point({ channel: d.channel }, d.delivered))),
      counterMetric('fedscope.alerts.notifications.failed_attempts', 'Failed alert delivery attempts (retried), per channel.', '1', delivery.map((d) => point({ channel: d.channel }, d.failedAttempts))),
      counterMetric(
        'fedscope.alerts.notifications.dropped',
        'Alert notifications dropped, per channel and reason (queue_full, rejected by the receiver, or still queued at shutdown).',
        '1',
        delivery.flatMap((d) => [
          point({ channel: d.channel, reason: 'queue_full' }, d.dropped),
          point({ channel: d.channel, reason: 'rejected' }, d.rejected),
          point({ channel: d.channel, reason: 'shutdown' }, d.discarded),
        ]),
      ),
      counterMetric('fedscope.alerts.dropped', 'Alerts not raised because the bound on active alerts was reached.', '1', [point({}, engine.droppedAlerts)]),
      counterMetric('fedscope.alerts.rule_errors', 'Failed rule evaluations.', '1', [point({}, engine.ruleErrors)]),
    ].filter((m) => m.dataPoints.length > 0 || m.descriptor.name === 'fedscope.alerts');
    return collectionOf('alerts', metrics, this.resource);
  }
}
