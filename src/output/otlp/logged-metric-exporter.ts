import type { Attributes, Counter, MeterProvider } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  AggregationTemporality,
  AggregationType,
  type AggregationOption,
  type InstrumentType,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { fedscopeLog, type FedscopeLog } from '../../diagnostics/fedscope-log.js';
import { FEDSCOPE_VERSION } from '../../version.js';
import { exportErrorType } from './counting-span-exporter.js';
import { observedExport } from './observed-export.js';

/** The semconv SDK self-metric of exporters: metric data points whose export finished, `error.type` set on failure. */
export const METRIC_EXPORTER_METRIC_DATA_POINT_EXPORTED = 'otel.sdk.exporter.metric_data_point.exported';

/** `otel.component.type` of an OTLP/HTTP metric exporter (the semconv value the OTel exporter uses). */
export const OTLP_HTTP_METRIC_EXPORTER = 'otlp_http_metric_exporter';

/** Options of a {@link LoggedMetricExporter}. */
export interface LoggedMetricExporterOptions {
  /** Where a push goes (a URL): the log line shows its origin and path only, never credentials or a query. */
  destination: string;
  /** Where the line goes. @default fedscope's log (stderr, each cause at most once a minute) */
  log?: FedscopeLog;
}

/**
 * Wraps a push metric exporter so that a failed push is never silent: the OpenTelemetry SDK hands
 * it to the global error handler, which writes to the `diag` logger, and with none registered
 * nothing is written. Each failure is written to fedscope's log by cause (`timeout`, the HTTP
 * status, `ECONNREFUSED`, …), at most once a minute per cause with the repeats counted, and — once
 * {@link LoggedMetricExporter.countInto} gave it a meter provider — counted in the semconv metric
 * `otel.sdk.exporter.metric_data_point.exported` by `error.type` (the OTel exporter's own
 * self-metric names a failure by its error class, `Error` or `OTLPExporterError`, not its cause). The figures are cumulative, so the next push
 * that succeeds carries what a failed one held, the count of the failures included.
 */
export class LoggedMetricExporter implements PushMetricExporter {
  private readonly log: FedscopeLog;
  private failures = 0;
  private readonly destination: string;
  private exported: Counter | undefined;
  private readonly attributes: Attributes = {
    'otel.component.type': OTLP_HTTP_METRIC_EXPORTER,
    'otel.component.name': `fedscope/${OTLP_HTTP_METRIC_EXPORTER}`,
  };

  /** @param exporter - the exporter doing the work */
  constructor(
    private readonly exporter: PushMetricExporter,
    options: LoggedMetricExporterOptions,
  ) {
    this.log = options.log ?? fedscopeLog;
    this.destination = shownUrl(options.destination);
  }

  /** Pushes that failed since start. */
  get failedExports(): number {
    return this.failures;
  }

  /**
   * Counts every push's data points from now on in `meterProvider` (the provider whose reader
   * pushes through this exporter: it is built after its readers, so it is given here).
   */
  countInto(meterProvider: MeterProvider): void {
    this.exported = meterProvider.getMeter('fedscope', FEDSCOPE_VERSION).createCounter(METRIC_EXPORTER_METRIC_DATA_POINT_EXPORTED, {
      unit: '{data_point}',
      description: 'Metric data points whose export finished, successfully or not (error.type says why).',
    });
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    const points = this.exported !== undefined ? dataPointsOf(metrics) : 0;
    observedExport(
      (done) => this.exporter.export(metrics, done),
      (result) => {
        if (result.code === ExportResultCode.SUCCESS) {
          this.exported?.add(points, this.attributes);
          return;
        }
        const errorType = exportErrorType(result.error);
        this.failures++;
        this.exported?.add(points, { ...this.attributes, 'error.type': errorType });
        this.log.warn(
          `OTLP metrics push to ${this.destination} failed (${errorType}); the next push that succeeds carries the cumulative figures`,
        );
      },
      resultCallback,
    );
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    // The wrapped exporter's choice; without one, the SDK's defaults.
    return this.exporter.selectAggregationTemporality?.(instrumentType) ?? AggregationTemporality.CUMULATIVE;
  }

  selectAggregation(instrumentType: InstrumentType): AggregationOption {
    return this.exporter.selectAggregation?.(instrumentType) ?? { type: AggregationType.DEFAULT };
  }
}

/** The data points a push carries. */
function dataPointsOf(metrics: ResourceMetrics): number {
  let points = 0;
  for (const scope of metrics.scopeMetrics) for (const metric of scope.metrics) points += metric.dataPoints.length;
  return points;
}

/** A URL as a log line may show it: origin and path, no user, password, query or fragment. */
function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(the configured URL)';
  }
}
