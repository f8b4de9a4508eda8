import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/** A globally registered tracer provider whose ended spans are kept in memory. */
export interface InMemoryTracing {
  provider: NodeTracerProvider;
  exporter: InMemorySpanExporter;
  /** Ended spans so far, in end order. */
  spans(): ReadableSpan[];
  /** The one ended span with this name; fails when there are none or several. */
  span(name: string): ReadableSpan;
  /** Unregisters the globals and shuts the provider down. */
  shutdown(): Promise<void>;
}

/** Registers a NodeTracerProvider (AsyncLocalStorage context) that records spans in memory. */
export function startInMemoryTracing(extraProcessors: SpanProcessor[] = []): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter), ...extraProcessors] });
  provider.register();
  return {
    provider,
    exporter,
    spans: () => exporter.getFinishedSpans(),
    span: (name) => {
      const found = exporter.getFinishedSpans().filter((s) => s.name === name);
      if (found.length !== 1)
        throw new Error(
          `expected one span named ${JSON.stringify(name)}, found ${found.length}: ${exporter
            .getFinishedSpans()
            .map((s) => s.name)
            .join(', ')}`,
        );
      return found[0]!;
    },
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      metrics.disable();
    },
  };
}

/** The parent span id of a span, or undefined for a root. */
export function parentIdOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}
