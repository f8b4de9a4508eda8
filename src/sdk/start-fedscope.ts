import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { dropContribOperationDurationViews } from '../../instrumentations/contrib/operation-duration-views.js';
import { BETTER_SQLITE3_INSTRUMENTATION_NAME } from '../../instrumentations/better-sqlite3/instrumentation.js';
import { DUCKDB_INSTRUMENTATION_NAME } from '../../instrumentations/duckdb/instrumentation.js';
import { sourceInstrumentations, type SourceInstrumentationsOptions } from '../../instrumentations/source-instrumentations.js';
import { FederationSpanProcessor } from '../../processors/federation-span-processor.js';
import { fedscopeLog } from '../diagnostics/fedscope-log.js';
import { createOtlpMetricExporter } from '../export/otlp-exporters.js';
import { createOtlpSpanProcessor } from '../export/otlp-span-processor.js';
import { SpanLossLog } from '../export/span-loss-log.js';
import { getRoute, MetricsServer } from '../http/metrics-server.js';
import { resolveConfig } from '../options/resolve-config.js';
import type { FedscopeOptions } from '../options/types.js';
import { setDefaultQueryTextMode } from '../span-model/query-text-mode.js';
import { AnalysisPipeline } from './analysis-pipeline.js';
import { buildResource } from './build-resource.js';
import type { FedscopeHandle } from './fedscope-handle.js';
import { buildSampler, RecordAllSampler } from './sampler.js';

/**
 * The driver instrumentations to register, leaving out any driver whose instrumentation the user
 * passed already (patching a driver twice would make two spans per call).
 */
function driverInstrumentations(options: SourceInstrumentationsOptions | false, userInstrumentations: Instrumentation[]): Instrumentation[] {
  if (options === false) return [];
  const userNames = new Set(userInstrumentations.map((i) => i.instrumentationName));
  return sourceInstrumentations({
    ...options,
    // The span processor records db.client.operation.duration for pg as for every driver.
    contribOperationDuration: false,
    pg: userNames.has('@opentelemetry/instrumentation-pg') ? false : options.pg,
    mysql2: userNames.has('@opentelemetry/instrumentation-mysql2') ? false : options.mysql2,
    duckdb: userNames.has(DUCKDB_INSTRUMENTATION_NAME) ? false : options.duckdb,
    betterSqlite3: userNames.has(BETTER_SQLITE3_INSTRUMENTATION_NAME) ? false : options.betterSqlite3,
  });
}

/**
 * Starts fedscope in this process: a tracer provider with fedscope's span processor beside a
 * batch OTLP exporter, a meter provider with the Prometheus endpoint (and OTLP metrics when
 * configured), and the given instrumentations.
 *
 * Options are validated first; a bad one throws {@link FedscopeConfigError} naming it. Everything
 * else is configured from the standard `OTEL_*` and `FEDSCOPE_*` environment variables.
 * The metrics server starts in the background: `await handle.ready` to know it listens. When it
 * cannot (port taken), `ready` rejects, one line on stderr names the address and the reason, and
 * everything else runs on. Spans the OTLP export loses are counted on `/metrics` and logged.
 */
export function startFedscope(options: FedscopeOptions = {}): FedscopeHandle {
  const config = resolveConfig(options);
  setDefaultQueryTextMode(config.queryText);
  const resource = buildResource(config);

  // Self-counters are read at collection time, once the processor below exists.
  const pipeline: AnalysisPipeline = new AnalysisPipeline(config, {
    selfCounters: () => ({ 'fedscope.span_processor.failures': fedscopeProcessor.failedRecords }),
    flushSpans: () => fedscopeProcessor.flushPending(),
  });
  const readers: MetricReader[] = [];
  let prometheus: PrometheusExporter | undefined;
  if (config.prometheus) {
    prometheus = new PrometheusExporter({ preventServerStart: true, metricProducers: pipeline.metricProducers() });
    readers.push(prometheus);
  }
  if (config.otlp?.metricsUrl) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: createOtlpMetricExporter(config.otlp, config.otlp.metricsUrl),
        exportIntervalMillis: config.otlp.metricsIntervalMillis,
        metricProducers: pipeline.metricProducers(),
      }),
    );
  }
  // fedscope records db.client.operation.duration from every driver's spans (with the source and
  // error.type), so contrib pg's own series of it is dropped rather than counted twice.
  const meterProvider = new MeterProvider({ resource, readers, views: dropContribOperationDurationViews() });

  const fedscopeProcessor: FederationSpanProcessor = new FederationSpanProcessor({
    meterProvider,
    sinks: pipeline.sinks(),
    scopesRecordingDbDuration: new Set(),
    // Analysis runs after the turn that ended the span, off the application's request path.
    deferRecording: true,
  });
  pipeline.startCollectors(meterProvider);
  const spanProcessors: SpanProcessor[] = [fedscopeProcessor];
  // Spans the export loses (queue full, endpoint down or slow) are counted on /metrics and logged.
  let spanLoss: SpanLossLog | undefined;
  if (config.otlp) {
    spanLoss = new SpanLossLog();
    spanProcessors.push(createOtlpSpanProcessor(config.otlp, meterProvider, spanLoss));
  }
  spanProcessors.push(...config.spanProcessors);
  const sampler = buildSampler(config.sampler.name, config.sampler.ratio);
  const tracerProvider = new NodeTracerProvider({
    resource,
    sampler: config.analyzeUnsampled ? new RecordAllSampler(sampler) : sampler,
    spanProcessors,
  });

  if (config.registerGlobal) {
    tracerProvider.register();
    metrics.setGlobalMeterProvider(meterProvider);
  }
  const instrumentations = [...driverInstrumentations(config.sourceInstrumentations, config.instrumentations), ...config.instrumentations];
  const unregisterInstrumentations =
    instrumentations.length > 0 ? registerInstrumentations({ tracerProvider, meterProvider, instrumentations }) : undefined;

  const server = new MetricsServer([
    ...(prometheus && config.prometheus
      ? [getRoute(config.prometheus.endpoint, (req, res) => prometheus.getMetricsRequestHandler(req, res))]
      : []),
    ...pipeline.routes(),
  ]);
  let metricsUrl: string | undefined;
  const ready =
    config.prometheus?.startServer === true
      ? server.listen(config.prometheus.host, config.prometheus.port).then((url) => {
          metricsUrl = url;
        })
      : Promise.resolve();
  // The application keeps running without the endpoints; the line names the address and the reason.
  ready.catch((error: unknown) =>
    error instanceof Error
      ? fedscopeLog.error(`${error.message}; fedscope runs on without /metrics and its JSON endpoints`)
      : fedscopeLog.error('the metrics server could not start', error),
  );

  let shutDown: Promise<void> | undefined;
  return {
    tracerProvider,
    meterProvider,
    spanProcessor: fedscopeProcessor,
    ready,
    get metricsUrl() {
      return metricsUrl;
    },
    metricsHandler: server.handler,
    snapshot: () => pipeline.snapshot(),
    bottlenecks: () => pipeline.bottleneckReport(),
    health: () => pipeline.healthReport(),
    alerts: () => pipeline.alertsReport(),
    forceFlush: async () => {
      const results = await Promise.allSettled([tracerProvider.forceFlush(), meterProvider.forceFlush()]);
      for (const result of results) if (result.status === 'rejected') fedscopeLog.warn('flush failed', result.reason);
    },
    shutdown: () => {
      shutDown ??= (async () => {
        unregisterInstrumentations?.();
        const results = await Promise.allSettled([pipeline.stop(), tracerProvider.shutdown(), meterProvider.shutdown(), server.close()]);
        if (config.registerGlobal) {
          trace.disable();
          metrics.disable();
          context.disable();
          propagation.disable();
        }
        for (const result of results) if (result.status === 'rejected') fedscopeLog.warn('a shutdown step failed', result.reason);
        // After the tracer provider's last export: the final figures of what was lost.
        spanLoss?.close();
        fedscopeLog.flushRepeats();
      })();
      return shutDown;
    },
  };
}
