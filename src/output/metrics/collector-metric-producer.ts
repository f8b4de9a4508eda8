import type { HrTime } from '@opentelemetry/api';
import type { DataPoint, MetricData } from '@opentelemetry/sdk-metrics';
import { FedscopeMetricProducer, type FedscopeMetricProducerOptions } from './fedscope-metric-producer.js';
import { counterMetric, gaugeMetric } from './metric-data.js';

/** The collector companion's receiver counts, keyed `transport|value` (e.g. `http|success`); each value from a closed set. */
export interface CollectorReceiverCounts {
  /** Requests by `transport|outcome`. */
  readonly requests: ReadonlyMap<string, number>;
  /** Spans by `transport|accepted` or `transport|rejected`. */
  readonly spans: ReadonlyMap<string, number>;
  /** Decode errors by `transport|reason`. */
  readonly decodeErrors: ReadonlyMap<string, number>;
  /** Refusals by `transport|reason`. */
  readonly refusals: ReadonlyMap<string, number>;
}

/** What is in flight in the companion's intake. */
export interface CollectorInFlight {
  /** Request bytes admitted and not yet done. */
  readonly bytes: number;
  /** Requests admitted and not yet done. */
  readonly requests: number;
  /** The last reading of the used V8 heap, in bytes. */
  readonly heapUsedBytes: number;
}

/** The forwarder's queue and outcomes. */
export interface CollectorForwarderStats {
  /** Requests waiting to be sent. */
  readonly queuedRequests: number;
  /** Bytes waiting to be sent. */
  readonly queuedBytes: number;
  /** Requests delivered. */
  readonly sent: number;
  /** Failed attempts. */
  readonly failed: number;
  /** Attempts that were retries. */
  readonly retried: number;
  /** Requests dropped, by reason. */
  readonly dropped: ReadonlyMap<string, number>;
}

/** What a {@link CollectorMetricProducer} reads: the companion's parts, through the little it needs of them. */
export interface CollectorMetricSources {
  /** The receivers' counts (a `CollectorSelfStats`). */
  stats: { counts(): CollectorReceiverCounts };
  /** The intake's in-flight figures (a `PipelineTraceIntake`). */
  intake: { inFlight(): CollectorInFlight };
  /** The forwarder, when forwarding is configured (a `TraceForwarder`). */
  forwarder?: { stats(): CollectorForwarderStats };
}

/** The receivers' counters: each map's `transport|value` keys become the `transport` and `label` attributes. */
const RECEIVER_COUNTERS: ReadonlyArray<{
  name: string;
  description: string;
  counts: (counts: CollectorReceiverCounts) => ReadonlyMap<string, number>;
  label: 'outcome' | 'reason';
}> = [
  {
    name: 'fedscope.collector.requests',
    description: 'OTLP export requests answered, per transport and outcome.',
    counts: (c) => c.requests,
    label: 'outcome',
  },
  {
    name: 'fedscope.collector.spans',
    description: 'Spans received, per transport and outcome (accepted into the analysis or rejected).',
    counts: (c) => c.spans,
    label: 'outcome',
  },
  {
    name: 'fedscope.collector.decode_errors',
    description: 'Requests that could not be decoded, per transport and reason.',
    counts: (c) => c.decodeErrors,
    label: 'reason',
  },
  {
    name: 'fedscope.collector.refusals',
    description:
      'Requests refused for backpressure (429/503 with Retry-After, gRPC UNAVAILABLE), per transport and reason (memory, queue).',
    counts: (c) => c.refusals,
    label: 'reason',
  },
];

/**
 * The collector companion's self-metrics: requests and spans received by transport and outcome,
 * decode errors and backpressure refusals by reason, what is in flight, and the forwarder's queue
 * and outcomes (`fedscope.collector.*`). Every attribute takes values from a closed set.
 */
export class CollectorMetricProducer extends FedscopeMetricProducer {
  /**
   * @param sources - the receivers' counts, the intake and the forwarder
   * @param options - `resource`: only for readers that use a producer's resource
   */
  constructor(
    private readonly sources: CollectorMetricSources,
    options: FedscopeMetricProducerOptions = {},
  ) {
    super('collector', options);
  }

  /** Reads the counts, the in-flight figures and the forwarder's stats. */
  protected override metricsAt(now: HrTime): MetricData[] {
    const counts = this.sources.stats.counts();
    const inFlight = this.sources.intake.inFlight();
    const single = (value: number): DataPoint<number>[] => [this.point(now, {}, value)];
    const metrics = RECEIVER_COUNTERS.map(({ name, description, counts: of, label }) =>
      counterMetric(
        name,
        description,
        '1',
        [...of(counts)].map(([key, value]) => {
          const bar = key.indexOf('|');
          return this.point(now, { transport: key.slice(0, bar), [label]: key.slice(bar + 1) }, value);
        }),
      ),
    );
    metrics.push(
      gaugeMetric('fedscope.collector.in_flight.requests', 'Requests being received or analysed now.', '1', single(inFlight.requests)),
      gaugeMetric('fedscope.collector.in_flight.bytes', 'Request bytes being received or analysed now.', 'By', single(inFlight.bytes)),
      gaugeMetric(
        'fedscope.collector.heap.used',
        'The reading of the used V8 heap the memory budget is checked against.',
        'By',
        single(inFlight.heapUsedBytes),
      ),
    );
    const forwarder = this.sources.forwarder?.stats();
    if (forwarder === undefined) return metrics;
    metrics.push(
      gaugeMetric('fedscope.collector.forward.queued.requests', 'Requests held by the forwarder.', '1', single(forwarder.queuedRequests)),
      gaugeMetric('fedscope.collector.forward.queued.bytes', 'Bytes held by the forwarder.', 'By', single(forwarder.queuedBytes)),
      counterMetric('fedscope.collector.forward.sent', 'Requests forwarded downstream.', '1', single(forwarder.sent)),
      counterMetric('fedscope.collector.forward.failed', 'Forwarding attempts that failed.', '1', single(forwarder.failed)),
      counterMetric('fedscope.collector.forward.retried', 'Forwarding attempts that were retries.', '1', single(forwarder.retried)),
      counterMetric(
        'fedscope.collector.forward.dropped',
        'Requests not forwarded, per reason (queue_full, retries_exhausted, permanent_error, shutdown).',
        '1',
        [...forwarder.dropped].map(([reason, value]) => this.point(now, { reason }, value)),
      ),
    );
    return metrics;
  }
}
