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
import { exportErrorType } from './counting-span-exporter.js';
import { observedExport } from './observed-export.js';

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
 * status, `ECONNREFUSED`, …), at most once a minute per cause with the repeats counted. The
 * figures are cumulative, so the next push that succeeds carries what a failed one held.
 */
export class LoggedMetricExporter implements PushMetricExporter {
  private readonly log: FedscopeLog;
  private failures = 0;
  private readonly destination: string;

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

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    observedExport(
      (done) => this.exporter.export(metrics, done),
      (result) => {
        if (result.code === ExportResultCode.SUCCESS) return;
        this.failures++;
        this.log.warn(
          `OTLP metrics push to ${this.destination} failed (${exportErrorType(result.error)}); the next push that succeeds carries the cumulative figures`,
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

/** A URL as a log line may show it: origin and path, no user, password, query or fragment. */
function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(the configured URL)';
  }
}
