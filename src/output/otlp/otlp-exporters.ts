import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { AggregationType, InstrumentType, type AggregationOption } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtlpMetricExportConfig, ResolvedOtlpConfig } from '../../options/resolved-config.js';

/**
 * The OTLP/HTTP trace exporter for the configured protocol: the protobuf and JSON exporters are
 * separate OTel packages with the same class name.
 */
export function createOtlpTraceExporter(config: ResolvedOtlpConfig): SpanExporter {
  const options = {
    url: config.tracesUrl,
    headers: config.headers,
    compression: config.compression === 'gzip' ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
    timeoutMillis: config.timeoutMillis,
  };
  return config.protocol === 'http/json' ? new OTLPJsonTraceExporter(options) : new OTLPProtoTraceExporter(options);
}

/** Maximum buckets of the exponential histograms sent over OTLP (the OTel default). */
export const OTLP_EXPONENTIAL_MAX_SIZE = 160;

/**
 * Histograms go over OTLP as base-2 exponential histograms, so a backend can merge a fleet's
 * percentiles; Prometheus keeps the explicit buckets (its exporter cannot write exponential ones).
 */
export function otlpAggregationSelector(instrumentType: InstrumentType): AggregationOption {
  return instrumentType === InstrumentType.HISTOGRAM
    ? { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: OTLP_EXPONENTIAL_MAX_SIZE, recordMinMax: true } }
    : { type: AggregationType.DEFAULT };
}

/** The OTLP/HTTP metric exporter (JSON encoding; the Collector's OTLP receiver accepts both). */
export function createOtlpMetricExporter(config: OtlpMetricExportConfig, metricsUrl: string): OTLPMetricExporter {
  return new OTLPMetricExporter({
    url: metricsUrl,
    headers: config.headers,
    compression: config.compression === 'gzip' ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
    timeoutMillis: config.timeoutMillis,
    aggregationPreference: otlpAggregationSelector,
  });
}
