import type { Context } from '@opentelemetry/api';
import { TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** What the batch processor's queue and exporter report to a {@link CountedBatchSpanProcessor}. */
export interface SpanExportCounts {
  /** Spans the batch processor dropped (its queue was full). */
  dropped(spans: number): void;
  /** Spans whose export call finished, successfully or not. */
  settled(spans: number): void;
}

/**
 * The OTLP batch span processor with a ledger of its spans: those it was handed (sampled spans;
 * it takes no others), those it dropped (queue full) and those whose export settled (exported or
 * failed). What is neither dropped nor settled is still queued or in flight: at a shutdown that
 * runs out of time, {@link CountedBatchSpanProcessor.unsettled} is what is lost.
 */
export class CountedBatchSpanProcessor implements SpanProcessor {
  private handed = 0;
  private dropped = 0;
  private settled = 0;
  private readonly inner: SpanProcessor;

  /**
   * @param createInner - builds the batch span processor, given the counters its queue drops and
   * its exporter's finished calls are to be told of
   */
  constructor(createInner: (counts: SpanExportCounts) => SpanProcessor) {
    this.inner = createInner({
      dropped: (spans) => void (this.dropped += spans),
      settled: (spans) => void (this.settled += spans),
    });
  }

  /** Spans handed over and neither dropped nor settled: queued or being exported now. */
  unsettled(): number {
    return Math.max(0, this.handed - this.dropped - this.settled);
  }

  /** @inheritdoc */
  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  /** @inheritdoc */
  onEnd(span: ReadableSpan): void {
    // The batch processor exports sampled spans only.
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) this.handed++;
    this.inner.onEnd(span);
  }

  /** @inheritdoc */
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  /** @inheritdoc */
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
