import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Captures ended spans so a benchmark can replay them through a processor. */
export class SpanCapture implements SpanProcessor {
  /** Ended spans, in end order. */
  readonly spans: ReadableSpan[] = [];

  /** Nothing to do at start. */
  onStart(): void {}

  /** Keeps the span. */
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }

  /** Nothing is buffered. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing to release. */
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
