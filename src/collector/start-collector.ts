import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { fedscopeLog } from '../diagnostics/fedscope-log.js';
import { fedscopeRoutes } from '../output/http/fedscope-routes.js';
import { HttpAccessGuard } from '../output/http/http-access-guard.js';
import { MetricsServer } from '../output/http/metrics-server.js';
import { configuredMetricReaders } from '../output/metric-readers.js';
import { CollectorMetricProducer } from '../output/metrics/collector-metric-producer.js';
import { HttpAccessMetricProducer } from '../output/metrics/http-access-metric-producer.js';
import { FedscopePipeline } from '../pipeline/fedscope-pipeline.js';
import { FEDSCOPE_VERSION } from '../version.js';
import type { CollectorConfig } from './collector-config.js';
import { CollectorSelfStats } from './collector-self-stats.js';
import { IntakeBudget } from './intake-budget.js';
import { OtlpGrpcReceiver } from './otlp-grpc-receiver.js';
import { OtlpHttpReceiver } from './otlp-http-receiver.js';
import { PipelineTraceIntake } from './pipeline-trace-intake.js';
import { TraceForwarder, type TraceForwarderStats } from './trace-forwarder.js';
import type { ListeningAddress, TraceReceiverOptions } from './trace-intake.js';

/** The `service.name` of the companion's own resource (its self-metrics and runtime metrics). */
export const COLLECTOR_SERVICE_NAME = 'fedscope-collector';

/** Where a running companion listens (the ports picked when 0 was asked). */
export interface CollectorAddresses {
  /** The OTLP/HTTP receiver (`POST /v1/traces`). */
  readonly otlpHttp: ListeningAddress;
  /** The OTLP/gRPC receiver, unless turned off. */
  readonly otlpGrpc?: ListeningAddress;
  /** `/metrics` and `/fedscope/*.json`. */
  readonly http: ListeningAddress;
}

/** A started collector companion. */
export interface RunningCollector {
  /** Where it listens. */
  readonly addresses: CollectorAddresses;
  /** The one analysis every received span goes through. */
  readonly pipeline: FedscopePipeline;
  /** The receivers' counts (requests, spans, decode errors, refusals). */
  readonly stats: CollectorSelfStats;
  /** The forwarder's counters and queue, when forwarding is configured. */
  forwarderStats(): TraceForwarderStats | undefined;
  /**
   * Drains and stops: the receivers stop taking requests and finish those in flight, the pipeline
   * records what it holds and shuts down (its readers' last export, alerts delivered), the
   * forwarder sends what it holds (for at most `shutdownTimeoutMs`, the rest counted dropped), then
   * the HTTP server closes. Never rejects; a later call returns the same promise.
   */
  stop(): Promise<void>;
}

/** Something started that must be stopped. */
interface Receiver {
  start(): Promise<ListeningAddress>;
  stop(): Promise<void>;
}

/**
 * Starts the collector companion: one {@link FedscopePipeline} (as `startFedscope` builds it, with
 * the Prometheus reader served on `config.http` beside the JSON reports), the intake with its
 * budgets, the OTLP/HTTP and OTLP/gRPC receivers, and the forwarder when configured.
 * @param config - from {@link resolveCollectorConfig}
 * @throws Error naming the address when a receiver or the HTTP server cannot listen (what was started is stopped first)
 */
export async function startCollector(config: CollectorConfig): Promise<RunningCollector> {
  const stats = new CollectorSelfStats();
  const forwarder =
    config.forward === undefined
      ? undefined
      : new TraceForwarder({ url: config.forward, ...(config.forwardHeaders ? { headers: config.forwardHeaders } : {}) });
  const budget = new IntakeBudget({ maxInFlightBytes: config.maxInFlightBytes, maxHeapBytes: config.maxHeapMib * 1024 * 1024 });
  const metricReaders = configuredMetricReaders({
    prometheus: { startServer: true, host: config.http.host, port: config.http.port, endpoint: '/metrics' },
    otlp: config.otlpMetrics,
  });
  const guard = new HttpAccessGuard(config.access, '/metrics');
  const pipeline = new FedscopePipeline(config.pipeline, {
    resource: defaultResource().merge(
      resourceFromAttributes({ [ATTR_SERVICE_NAME]: COLLECTOR_SERVICE_NAME, [ATTR_SERVICE_VERSION]: FEDSCOPE_VERSION }),
    ),
    readers: metricReaders.readers,
    // No driver instrumentation runs here: the span processor records db.client.operation.duration for every received span.
    scopesRecordingDbDuration: new Set(),
    traceAssembly: { graceMs: config.traceGraceMs, maxTracesInFlight: config.maxTracesInFlight },
    extraProducers: () => [
      new CollectorMetricProducer({ stats, intake: budget, ...(forwarder ? { forwarder } : {}) }),
      new HttpAccessMetricProducer(guard),
    ],
  });
  metricReaders.countExportsInto(pipeline.meterProvider);
  const intake = new PipelineTraceIntake({ pipeline, budget, ...(forwarder ? { forwarder } : {}) });
  const receiverOptions = (address: ListeningAddress): TraceReceiverOptions => ({
    ...address,
    intake,
    stats,
    maxBytes: config.maxBodyBytes,
    maxSpans: config.maxSpansPerRequest,
    ...(guard.requiresToken ? { authorization: guard } : {}),
    ...(config.access.tls ? { tls: config.access.tls } : {}),
  });
  const httpReceiver: Receiver = new OtlpHttpReceiver(receiverOptions(config.otlpHttp));
  const grpcReceiver: Receiver | undefined = config.otlpGrpc ? new OtlpGrpcReceiver(receiverOptions(config.otlpGrpc)) : undefined;
  const server = new MetricsServer(fedscopeRoutes(pipeline, metricReaders.prometheusRoute()), { guard, tls: config.access.tls });

  const stopAll = async (): Promise<void> => {
    const results = await Promise.allSettled([httpReceiver.stop(), grpcReceiver?.stop()]);
    results.push(
      ...(await Promise.allSettled([
        // The pipeline's shutdown records what waits, then its readers' last export: one OTLP metrics push, not a flush's and then a shutdown's.
        pipeline.shutdown(config.shutdownTimeoutMs),
        forwarder?.shutdown(config.shutdownTimeoutMs),
      ])),
    );
    results.push(...(await Promise.allSettled([server.close()])));
    for (const result of results)
      if (result.status === 'rejected') fedscopeLog.warn('a shutdown step of the collector failed', result.reason);
    fedscopeLog.flushRepeats();
  };

  pipeline.start();
  // Every start settles before a failure stops them all, so nothing is left bound.
  const [http, otlpHttp, otlpGrpc] = await Promise.allSettled([
    server.listen(config.http.host, config.http.port).then(listeningAddress),
    httpReceiver.start(),
    grpcReceiver?.start(),
  ]);
  if (http.status === 'rejected' || otlpHttp.status === 'rejected' || otlpGrpc.status === 'rejected') {
    await stopAll();
    throw [http, otlpHttp, otlpGrpc].find((result) => result.status === 'rejected')!.reason;
  }
  const addresses: CollectorAddresses = Object.freeze({
    otlpHttp: otlpHttp.value,
    http: http.value,
    ...(otlpGrpc.value ? { otlpGrpc: otlpGrpc.value } : {}),
  });
  let stopped: Promise<void> | undefined;
  return {
    addresses,
    pipeline,
    stats,
    forwarderStats: () => forwarder?.stats(),
    stop: () => (stopped ??= stopAll()),
  };
}

/** The host and port of the metrics server's base URL (`http://host:port`, an IPv6 host in brackets). */
function listeningAddress(url: string): ListeningAddress {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(parsed.port) };
}
