import type { HrTime } from '@opentelemetry/api';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import type { HttpAccessStats } from '../http/http-access-guard.js';
import { FedscopeMetricProducer, type FedscopeMetricProducerOptions } from './fedscope-metric-producer.js';
import { counterMetric, gaugeMetric } from './metric-data.js';

/**
 * The HTTP server's access control on `/metrics` (`fedscope.http.*`): requests refused by reason
 * (`unauthorized`, `rate_limited`), and the rate limiter's remembered clients and evictions.
 */
export class HttpAccessMetricProducer extends FedscopeMetricProducer {
  /**
   * @param guard - what is read (an `HttpAccessGuard`)
   * @param options - `resource`: only for readers that use a producer's resource
   */
  constructor(
    private readonly guard: { stats(): HttpAccessStats },
    options: FedscopeMetricProducerOptions = {},
  ) {
    super('http', options);
  }

  /** Reads the guard's counts. */
  protected override metricsAt(now: HrTime): MetricData[] {
    const stats = this.guard.stats();
    const metrics = [
      counterMetric(
        'fedscope.http.refusals',
        'Requests to the HTTP server refused, per reason (unauthorized: 401; rate_limited: 429 with Retry-After).',
        '1',
        (['unauthorized', 'rate_limited'] as const).map((reason) => this.point(now, { reason }, stats.refusals.get(reason) ?? 0)),
      ),
    ];
    if (stats.rateLimiter !== undefined)
      metrics.push(
        gaugeMetric('fedscope.http.rate_limit.clients', 'Clients the rate limiter remembers now (bounded).', '1', [
          this.point(now, {}, stats.rateLimiter.clients),
        ]),
        counterMetric('fedscope.http.rate_limit.evictions', 'Clients the rate limiter forgot to stay within its bound.', '1', [
          this.point(now, {}, stats.rateLimiter.evicted),
        ]),
      );
    return metrics;
  }
}
