import type { HrTime } from '@opentelemetry/api';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import type { InfluxDbPushStats } from '../export/influxdb-push.js';
import { FedscopeMetricProducer, type FedscopeMetricProducerOptions } from './fedscope-metric-producer.js';
import { counterMetric, gaugeMetric } from './metric-data.js';

/**
 * The InfluxDB push's own metrics (`fedscope.influxdb.*`): points written and dropped by reason,
 * write requests by outcome, and what is queued. Every attribute takes values from a closed set.
 */
export class InfluxDbMetricProducer extends FedscopeMetricProducer {
  /**
   * @param push - the push whose counters are reported (an `InfluxDbPush`)
   * @param options - `resource`: only for readers that use a producer's resource
   */
  constructor(
    private readonly push: { stats(): InfluxDbPushStats },
    options: FedscopeMetricProducerOptions = {},
  ) {
    super('influxdb', options);
  }

  /** Reads the push's counters and queue. */
  protected override metricsAt(now: HrTime): MetricData[] {
    const stats = this.push.stats();
    return [
      counterMetric('fedscope.influxdb.points', 'Points pushed to InfluxDB, by outcome (written, dropped) and, for drops, reason.', '1', [
        this.point(now, { outcome: 'written' }, stats.writtenPoints),
        ...[...stats.droppedPoints].map(([reason, value]) => this.point(now, { outcome: 'dropped', reason }, value)),
      ]),
      counterMetric('fedscope.influxdb.requests', 'Write requests to InfluxDB, by outcome (success, failure, retry).', '1', [
        this.point(now, { outcome: 'success' }, stats.succeededRequests),
        this.point(now, { outcome: 'failure' }, stats.failedRequests),
        this.point(now, { outcome: 'retry' }, stats.retriedRequests),
      ]),
      gaugeMetric('fedscope.influxdb.queue.batches', 'Batches waiting to be written to InfluxDB, or in flight.', '1', [
        this.point(now, {}, stats.queuedBatches),
      ]),
      gaugeMetric('fedscope.influxdb.queue.points', 'Points in the batches waiting to be written to InfluxDB.', '1', [
        this.point(now, {}, stats.queuedPoints),
      ]),
    ];
  }
}
