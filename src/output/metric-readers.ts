import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { MeterProvider } from '@opentelemetry/api';
import { PeriodicExportingMetricReader, type MetricProducer, type MetricReader } from '@opentelemetry/sdk-metrics';
import type { OtlpMetricExportConfig, ResolvedConfig } from '../options/resolved-config.js';
import type { PrometheusRoute } from './http/fedscope-routes.js';
import { LoggedMetricExporter } from './otlp/logged-metric-exporter.js';
import { createOtlpMetricExporter } from './otlp/otlp-exporters.js';

/** The metric readers the options ask for, and the Prometheus route once its reader exists. */
export interface ConfiguredMetricReaders {
  /** One factory per reader, each given its own set of the pipeline's producers. */
  readers: Array<(producers: MetricProducer[]) => MetricReader>;
  /** The `/metrics` route, when Prometheus is on (after the readers were built). */
  prometheusRoute(): PrometheusRoute | undefined;
  /**
   * Counts the OTLP metric pushes (`otel.sdk.exporter.metric_data_point.exported`) in the meter
   * provider built with the readers; nothing without OTLP metrics.
   */
  countExportsInto(meterProvider: MeterProvider): void;
}

/**
 * The metric readers of the resolved options: Prometheus (served by fedscope's HTTP server, never
 * a server of the exporter's own) and OTLP metrics on an interval.
 */
export function configuredMetricReaders(
  config: Pick<ResolvedConfig, 'prometheus'> & { otlp: OtlpMetricExportConfig | undefined },
): ConfiguredMetricReaders {
  let prometheus: PrometheusExporter | undefined;
  const readers: ConfiguredMetricReaders['readers'] = [];
  if (config.prometheus) {
    readers.push((producers) => (prometheus = new PrometheusExporter({ preventServerStart: true, metricProducers: producers })));
  }
  let otlpExporter: LoggedMetricExporter | undefined;
  const otlp = config.otlp;
  if (otlp?.metricsUrl) {
    const metricsUrl = otlp.metricsUrl;
    readers.push((producers) => {
      otlpExporter = new LoggedMetricExporter(createOtlpMetricExporter(otlp, metricsUrl), { destination: metricsUrl });
      return new PeriodicExportingMetricReader({
        exporter: otlpExporter,
        exportIntervalMillis: otlp.metricsIntervalMillis,
        metricProducers: producers,
      });
    });
  }
  return {
    readers,
    prometheusRoute: () => {
      const exporter = prometheus;
      return exporter && config.prometheus
        ? { endpoint: config.prometheus.endpoint, handle: (req, res) => exporter.getMetricsRequestHandler(req, res) }
        : undefined;
    },
    countExportsInto: (meterProvider) => otlpExporter?.countInto(meterProvider),
  };
}
