import { TraceFlags, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Counts the sampled spans that end, beside fedscope's processors: the spans the OTLP batch
 * processor is handed (it takes sampled spans only), which the soak balances against what the
 * OTLP receiver got and what `/metrics` counts as dropped.
 */
export class SpanEndCounter implements SpanProcessor {
  private count = 0;

  /** Sampled spans ended so far. */
  get ended(): number {
    return this.count;
  }

  /** @inheritdoc */
  onStart(_span: Span, _parentContext: Context): void {}

  /** @inheritdoc */
  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) this.count++;
  }

  /** @inheritdoc */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** @inheritdoc */
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
