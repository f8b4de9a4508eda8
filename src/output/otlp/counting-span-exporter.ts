import type { Counter, MeterProvider } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { FEDSCOPE_VERSION } from '../../version.js';
import { observedExport } from './observed-export.js';

/** The semconv SDK self-metric of exporters: spans whose export finished, `error.type` set on failure. */
export const METRIC_EXPORTER_SPAN_EXPORTED = 'otel.sdk.exporter.span.exported';

/** `otel.component.type` of an OTLP/HTTP span exporter (semconv value). */
export const OTLP_HTTP_SPAN_EXPORTER = 'otlp_http_span_exporter';

/** Options of a {@link CountingSpanExporter}. */
export interface CountingSpanExporterOptions {
  /** Where `otel.sdk.exporter.span.exported` is recorded. @default none (only `onFailure`) */
  meterProvider?: MeterProvider;
  /** `otel.component.type`. @default 'otlp_http_span_exporter' */
  componentType?: string;
  /** Told of each failed export call with its `error.type` and span count; must not throw. */
  onFailure?: (errorType: string, spans: number) => void;
  /** Told of each finished export call (success or failure) with its span count; must not throw. */
  onSettled?: (spans: number) => void;
}

/**
 * Wraps a span exporter and counts, per export call, the spans exported and the spans whose export
 * failed, by `error.type`, as the semconv metric `otel.sdk.exporter.span.exported`.
 *
 * Why not the OTLP exporter's own `selfObsMeterProvider` metric: in 0.223.0 it labels every
 * timeout, refused connection and 5xx after retries as `export_failed`, and does not count the
 * batches it refuses at its concurrency limit; here the cause is kept (`timeout`,
 * `ECONNREFUSED`, `503`, …).
 */
export class CountingSpanExporter implements SpanExporter {
  private readonly exported: Counter | undefined;
  private readonly attributes: Record<string, string>;
  private readonly onFailure: (errorType: string, spans: number) => void;
  private readonly onSettled: (spans: number) => void;

  /** @param exporter - the exporter doing the work */
  constructor(
    private readonly exporter: SpanExporter,
    options: CountingSpanExporterOptions = {},
  ) {
    const type = options.componentType ?? OTLP_HTTP_SPAN_EXPORTER;
    this.attributes = { 'otel.component.type': type, 'otel.component.name': `fedscope/${type}` };
    this.exported = options.meterProvider?.getMeter('fedscope', FEDSCOPE_VERSION).createCounter(METRIC_EXPORTER_SPAN_EXPORTED, {
      unit: '{span}',
      description: 'Spans whose export finished, successfully or not (error.type says why).',
    });
    this.onFailure = options.onFailure ?? (() => {});
    this.onSettled = options.onSettled ?? (() => {});
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const count = spans.length;
    observedExport(
      (done) => this.exporter.export(spans, done),
      (result) => {
        if (result.code === ExportResultCode.SUCCESS) {
          this.exported?.add(count, this.attributes);
        } else {
          const errorType = exportErrorType(result.error);
          this.exported?.add(count, { ...this.attributes, 'error.type': errorType });
          this.onFailure(errorType, count);
        }
        this.onSettled(count);
      },
      resultCallback,
    );
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * A low-cardinality `error.type` for a failed export, as semconv suggests: `timeout`, the HTTP
 * status code, the system error code (`ECONNREFUSED`, …), `concurrency_limit` (the exporter had
 * too many exports in flight), `retries_exhausted` (retryable HTTP status until the deadline), the
 * error's class name, else `_OTHER`.
 */
export function exportErrorType(error: unknown): string {
  if (!(error instanceof Error)) return '_OTHER';
  const { code } = error as { code?: unknown };
  if (typeof code === 'number' && code >= 100 && code <= 599) return String(code);
  if (error.name === 'TimeoutError' || /\btimed? ?out\b/i.test(error.message) || code === 'ETIMEDOUT') return 'timeout';
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
  if (/concurrent export limit/i.test(error.message)) return 'concurrency_limit';
  if (/retryable status/i.test(error.message)) return 'retries_exhausted';
  return /^[A-Za-z_][\w.]{0,63}$/.test(error.name) ? error.name : '_OTHER';
}
