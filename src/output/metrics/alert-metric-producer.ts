import type { HrTime } from '@opentelemetry/api';
import type { DataPoint, MetricData } from '@opentelemetry/sdk-metrics';
import { FedscopeMetricProducer, type FedscopeMetricProducerOptions } from './fedscope-metric-producer.js';
import { counterMetric, gaugeMetric } from './metric-data.js';
import type { AlertEngine } from '../../../processors/alerts/alert-engine.js';

/**
 * Exports the alert engine's state, as Prometheus' `ALERTS` series does: `fedscope.alerts`
 * = 1 per pending or firing alert, with `alertname`, `severity` and `alertstate`; plus delivery
 * and engine counters (`fedscope.alerts.notifications.*`, the dropped ones with a `reason`,
 * `fedscope.alerts.dropped`).
 * Only those three attributes go on the gauge: the full label set would be unbounded.
 */
export class AlertMetricProducer extends FedscopeMetricProducer {
  /**
   * @param engine - the alert engine to read
   * @param options - `resource`: only for readers that use a producer's resource
   */
  constructor(
    private readonly engine: AlertEngine,
    options: FedscopeMetricProducerOptions = {},
  ) {
    super('alerts', options);
  }

  /** Reads the active alerts and the delivery and engine counters. */
  protected override metricsAt(now: HrTime): MetricData[] {
    const counts = new Map<string, { attributes: Record<string, string>; value: number }>();
    for (const alert of this.engine.alerts()) {
      const attributes = { alertname: alert.labels['alertname'] ?? '', severity: alert.labels['severity'] ?? '', alertstate: alert.state };
      const key = JSON.stringify(attributes);
      // Several series of one rule share these attributes: the gauge is 1 (present), as ALERTS is per series.
      counts.set(key, { attributes, value: 1 });
    }
    const point = (attributes: Record<string, string>, value: number): DataPoint<number> => this.point(now, attributes, value);
    const delivery = this.engine.deliveryStats();
    const engine = this.engine.counters();
    const alerts = gaugeMetric(
      'fedscope.alerts',
      'Pending and firing alerts (1 per alertname, severity and state).',
      '1',
      [...counts.values()].map((c) => point(c.attributes, c.value)),
    );
    return [
      alerts,
      counterMetric(
        'fedscope.alerts.notifications.delivered',
        'Alert notifications delivered, per channel.',
        '1',
        delivery.map((d) => point({ channel: d.channel }, d.delivered)),
      ),
      counterMetric(
        'fedscope.alerts.notifications.failed_attempts',
        'Failed alert delivery attempts (retried), per channel.',
        '1',
        delivery.map((d) => point({ channel: d.channel }, d.failedAttempts)),
      ),
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
      counterMetric(
        'fedscope.alerts.notifications.spooled',
        'Alert notifications still undelivered at shutdown kept in the spool for the next start (spooled), and taken from it at this start (replayed), per channel.',
        '1',
        delivery.flatMap((d) => [
          point({ channel: d.channel, direction: 'spooled' }, d.spooled),
          point({ channel: d.channel, direction: 'replayed' }, d.replayed),
        ]),
      ),
      counterMetric('fedscope.alerts.dropped', 'Alerts not raised because the bound on active alerts was reached.', '1', [
        point({}, engine.droppedAlerts),
      ]),
      counterMetric('fedscope.alerts.rule_errors', 'Failed rule evaluations.', '1', [point({}, engine.ruleErrors)]),
    ].filter((m) => m.dataPoints.length > 0 || m.descriptor.name === 'fedscope.alerts');
  }
}
