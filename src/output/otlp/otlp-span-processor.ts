import type { MeterProvider } from '@opentelemetry/api';
import { BatchSpanProcessor, type BufferConfig } from '@opentelemetry/sdk-trace-base';
import type { ResolvedOtlpConfig } from '../../options/resolved-config.js';
import { CountedBatchSpanProcessor } from './counted-batch-span-processor.js';
import { CountingSpanExporter } from './counting-span-exporter.js';
import { createOtlpTraceExporter } from './otlp-exporters.js';
import { tapCounters } from './sdk-counter-tap.js';
import type { SpanLossLog } from './span-loss-log.js';

/** The semconv SDK self-metric of span processors; the batch processor's drops carry `error.type=queue_full`. */
export const METRIC_PROCESSOR_SPAN_PROCESSED = 'otel.sdk.processor.span.processed';

/**
 * The batch span processor that exports to OTLP, with its losses counted: the SDK records
 * `otel.sdk.processor.span.processed` (drops as `error.type=queue_full`), `…queue.size` and
 * `…queue.capacity` on `meterProvider`; the exporter is wrapped to record
 * `otel.sdk.exporter.span.exported` by cause; both feed `loss`, which writes the log line.
 */
export function createOtlpSpanProcessor(
  config: ResolvedOtlpConfig,
  meterProvider: MeterProvider,
  loss: SpanLossLog,
): CountedBatchSpanProcessor {
  return new CountedBatchSpanProcessor((counts) => {
    const exporter = new CountingSpanExporter(createOtlpTraceExporter(config), {
      meterProvider,
      onFailure: (errorType, spans) => loss.recordFailedExport(errorType, spans),
      onSettled: (spans) => counts.settled(spans),
    });
    const selfObsMeterProvider = tapCounters(meterProvider, new Set([METRIC_PROCESSOR_SPAN_PROCESSED]), (_name, value, attributes) => {
      // Export failures are counted by cause at the exporter; only the queue's drops are taken here.
      if (attributes?.['error.type'] === 'queue_full') {
        loss.recordDropped('queue_full', value);
        counts.dropped(value);
      }
    });
    // The sdk-trace-base shim types its config as BufferConfig but passes every field on to the
    // sdk-trace BatchSpanProcessor, whose options take selfObsMeterProvider (experimental in 2.12).
    const options: BufferConfig & { selfObsMeterProvider: MeterProvider } = { selfObsMeterProvider };
    return new BatchSpanProcessor(exporter, options);
  });
}
