import { dropContribOperationDurationViews } from '../../instrumentations/contrib/operation-duration-views.js';
import { fedscopeLog } from '../diagnostics/fedscope-log.js';
import { resolveConfig } from '../options/resolve-config.js';
import type { FedscopeOptions } from '../options/types.js';
import { fedscopeRoutes } from '../output/http/fedscope-routes.js';
import { HttpAccessGuard } from '../output/http/http-access-guard.js';
import { MetricsServer } from '../output/http/metrics-server.js';
import { configuredMetricReaders } from '../output/metric-readers.js';
import { HttpAccessMetricProducer } from '../output/metrics/http-access-metric-producer.js';
import { FedscopePipeline } from '../pipeline/fedscope-pipeline.js';
import { setDefaultQueryTextMode } from '../span-model/query-text-mode.js';
import { buildResource } from './build-resource.js';
import type { FedscopeHandle } from './fedscope-handle.js';
import { startTracing } from './start-tracing.js';

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
  const metricReaders = configuredMetricReaders(config);
  const guard = new HttpAccessGuard(config.http, config.prometheus?.endpoint);
  const pipeline = new FedscopePipeline(config, {
    resource,
    readers: metricReaders.readers,
    // fedscope records db.client.operation.duration from every driver's spans (with the source and
    // error.type), so contrib pg's own series of it is dropped rather than counted twice.
    views: dropContribOperationDurationViews(),
    scopesRecordingDbDuration: new Set(),
    traceAssembly: config.traceAssembly,
    extraProducers: () => [new HttpAccessMetricProducer(guard)],
  });
  metricReaders.countExportsInto(pipeline.meterProvider);
  pipeline.start();
  const tracing = startTracing(config, pipeline, resource);
  const server = new MetricsServer(fedscopeRoutes(pipeline, metricReaders.prometheusRoute()), { guard, tls: config.http.tls });
  let metricsUrl: string | undefined;
  const ready = config.prometheus?.startServer
    ? server.listen(config.prometheus.host, config.prometheus.port).then((url) => void (metricsUrl = url))
    : Promise.resolve();
  // The application keeps running without the endpoints; the line names the address and the reason.
  ready.catch((error: unknown) =>
    error instanceof Error
      ? fedscopeLog.error(`${error.message}; fedscope runs on without /metrics and its JSON endpoints`)
      : fedscopeLog.error('the metrics server could not start', error),
  );

  let shutDown: Promise<void> | undefined;
  return {
    tracerProvider: tracing.tracerProvider,
    meterProvider: pipeline.meterProvider,
    spanProcessor: pipeline.spanProcessor,
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
      const results = await Promise.allSettled([tracing.tracerProvider.forceFlush(), pipeline.forceFlush()]);
      for (const result of results) if (result.status === 'rejected') fedscopeLog.warn('flush failed', result.reason);
    },
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    shutdown: () =>
      (shutDown ??= Promise.allSettled([
        tracing.stop(config.shutdownTimeoutMs),
        pipeline.shutdown(config.shutdownTimeoutMs),
        server.close(),
      ]).then((results) => {
        for (const result of results) if (result.status === 'rejected') fedscopeLog.warn('a shutdown step failed', result.reason);
        fedscopeLog.flushRepeats();
      })),
  };
}
