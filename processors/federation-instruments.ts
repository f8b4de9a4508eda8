import type { Meter } from '@opentelemetry/api';
import { ATTR_FEDSCOPE_SPAN_ROLE } from '../src/span-model/attributes.js';
import type { ClassifiedSpan, SpanRole } from './classified-span.js';
import { METRIC_FEDSCOPE_PROCESSOR_SPANS, SCOPES_RECORDING_DB_DURATION } from './span-metrics/span-metric-definitions.js';
import { SpanMetricInstruments, type SpanMetricRecorder } from './span-metrics/span-metric-instruments.js';
import type { SpanMetricTable } from './span-metrics/span-metric-table.js';

/**
 * The span-derived metrics of a span processor. With a {@link SpanMetricTable} (as the pipeline
 * builds it) spans go to the table, which a metric producer reads at collection; on its own
 * (a processor added to an SDK the user built) spans are recorded into OTel instruments on the
 * meter, the same metrics with the same attributes. Either way, the spans classified per role are
 * an observable counter on the meter.
 */
export class FederationInstruments {
  private readonly recorder: SpanMetricRecorder;

  /**
   * @param meter - the meter of the spans-per-role counter (and of the instruments, without a table)
   * @param scopesRecordingDbDuration - scopes whose spans get no `db.client.operation.duration` from fedscope
   * @param spansByRole - spans recorded so far by role, read at each collection
   * @param table - the span metric table to record into instead of OTel instruments
   */
  constructor(
    meter: Meter,
    scopesRecordingDbDuration: ReadonlySet<string> = SCOPES_RECORDING_DB_DURATION,
    spansByRole?: () => Readonly<Record<SpanRole, number>>,
    table?: SpanMetricTable,
  ) {
    if (spansByRole !== undefined) {
      meter
        .createObservableCounter(METRIC_FEDSCOPE_PROCESSOR_SPANS, {
          description: "Spans fedscope's span processor classified and recorded, by role.",
          unit: '{span}',
        })
        .addCallback((result) => {
          for (const [role, count] of Object.entries(spansByRole()))
            if (count > 0) result.observe(count, { [ATTR_FEDSCOPE_SPAN_ROLE]: role });
        });
    }
    this.recorder = table ?? new SpanMetricInstruments(meter, scopesRecordingDbDuration);
  }

  /** Counts a federated query that started in `service`. */
  queryStarted(queryName: string, service: string): void {
    this.recorder.queryStarted(queryName, service);
  }

  /** Counts a federated query that ended after {@link queryStarted} saw it start. */
  queryFinished(queryName: string, service: string): void {
    this.recorder.queryFinished(queryName, service);
  }

  /** Records one ended span. */
  record(span: ClassifiedSpan): void {
    this.recorder.record(span);
  }
}
