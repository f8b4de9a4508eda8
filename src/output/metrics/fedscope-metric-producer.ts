import type { Attributes, HrTime } from '@opentelemetry/api';
import { millisToHrTime, type InstrumentationScope } from '@opentelemetry/core';
import { emptyResource, type Resource } from '@opentelemetry/resources';
import type { CollectionResult, DataPoint, MetricData, MetricProducer } from '@opentelemetry/sdk-metrics';
import { fedscopeLog } from '../../diagnostics/fedscope-log.js';
import { FEDSCOPE_SCOPE_NAME } from '../../span-model/attributes.js';
import { FEDSCOPE_VERSION } from '../../version.js';
import { ExpositionBudget } from './exposition-budget.js';

/** Options every fedscope metric producer takes. */
export interface FedscopeMetricProducerOptions {
  /** Only for readers that use a producer's resource (the SDK's readers use their own); default: empty. */
  resource?: Resource;
  /**
   * The exposition budget of the producer's reader, shared by its producers (series per metric,
   * what is left out counted and logged); the pipeline gives every reader one.
   * @default none: every series is exported
   */
  budget?: ExpositionBudget;
}

/**
 * The part every fedscope MetricProducer shares: the start of its cumulative series (its
 * construction), the resource, the scope `fedscope.{part}` with fedscope's version, and
 * `collect()`, which asks the subclass for its metrics at one `now`. Subclasses only compute.
 *
 * An error in a subclass never fails the reader's whole collection (the SDK runs producers with
 * `Promise.all`, so one rejection would blank every metric of a scrape): it is logged (once a
 * minute per problem), returned in `errors`, and this producer's part is left out of that collection.
 */
export abstract class FedscopeMetricProducer implements MetricProducer {
  /** Start of every cumulative series this producer reports. */
  private readonly startTime: HrTime = millisToHrTime(Date.now());
  private readonly resource: Resource;
  private readonly scope: InstrumentationScope;
  /** The most series each metric exports; what is left out is counted here. */
  protected readonly budget: ExpositionBudget;

  /**
   * @param part - what the producer reports, the scope's suffix: `fedscope.{part}`; `null` for the bare
   * `fedscope` scope (the span-derived metrics, which OTel instruments on that scope reported first)
   * @param options - `resource`: see {@link FedscopeMetricProducerOptions}
   */
  protected constructor(part: string | null, options: FedscopeMetricProducerOptions) {
    this.resource = options.resource ?? emptyResource();
    this.budget = options.budget ?? new ExpositionBudget(Number.POSITIVE_INFINITY);
    this.scope = { name: part === null ? FEDSCOPE_SCOPE_NAME : `${FEDSCOPE_SCOPE_NAME}.${part}`, version: FEDSCOPE_VERSION };
  }

  /** Returns the subclass' metrics, all ending at one `now`, under this producer's scope. */
  collect(): Promise<CollectionResult> {
    try {
      const metrics = this.metricsAt(millisToHrTime(Date.now()));
      return Promise.resolve({ errors: [], resourceMetrics: { resource: this.resource, scopeMetrics: [{ scope: this.scope, metrics }] } });
    } catch (error) {
      fedscopeLog.error(`the metrics of ${this.scope.name} could not be collected; the other metrics are served`, error);
      return Promise.resolve({ errors: [error], resourceMetrics: { resource: this.resource, scopeMetrics: [] } });
    }
  }

  /** The metrics to report, with data points ending at `now`. */
  protected abstract metricsAt(now: HrTime): MetricData[];

  /** One data point of a cumulative series of this producer, from its start to `now`. */
  protected point(now: HrTime, attributes: Attributes, value: number): DataPoint<number> {
    return { startTime: this.startTime, endTime: now, attributes, value };
  }
}
