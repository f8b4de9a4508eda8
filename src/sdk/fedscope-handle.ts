import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { FederationSpanProcessor } from '../../processors/federation-span-processor.js';
import type { FedscopeSnapshot } from '../../processors/analysis/snapshot-types.js';
import type { AlertsSnapshot } from '../../processors/alerts/alert-engine.js';
import type { HealthSnapshot } from '../../processors/health/types.js';
import type { BottleneckSnapshot, TraceAssemblyStats } from '../../processors/trace-analysis/types.js';

/** What {@link startFedscope} returns. */
export interface FedscopeHandle {
  /** The tracer provider fedscope built (registered globally unless `registerGlobal: false`). */
  readonly tracerProvider: NodeTracerProvider;
  /** The meter provider fedscope built (registered globally unless `registerGlobal: false`). */
  readonly meterProvider: MeterProvider;
  /** fedscope's span processor. */
  readonly spanProcessor: FederationSpanProcessor;
  /**
   * Resolves once the metrics server listens (at once when it is not started); rejects when it
   * cannot listen (e.g. the port is taken) — fedscope keeps tracing either way.
   */
  readonly ready: Promise<void>;
  /** Base URL of fedscope's own metrics server, once it listens (`http://127.0.0.1:9464`; `https://` with `http.tls`). */
  readonly metricsUrl: string | undefined;
  /**
   * Serves fedscope's routes (`/metrics` and `/fedscope/*`) from a `node:http` server of yours,
   * behind the same token and rate limits as fedscope's own server (`http` options); returns false
   * when the path is not fedscope's.
   */
  readonly metricsHandler: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** The derived state now: statistics per query, stage, source and statement (also at `/fedscope/snapshot.json`). */
  snapshot(): FedscopeSnapshot;
  /** Where the time goes: bottlenecks per query name and ranked suggestions (also at `/fedscope/bottlenecks.json`). */
  bottlenecks(): BottleneckSnapshot & { assembly: TraceAssemblyStats };
  /** The health score overall, per query and per source, with components and reasons (also at `/fedscope/health.json`). */
  health(): HealthSnapshot;
  /** Active alerts, rule states and recent transitions (also at `/fedscope/alerts.json`); null when alerts are off. */
  alerts(): AlertsSnapshot | null;
  /** Exports what is buffered (spans, metrics); an export failure is logged (stderr), never thrown. */
  forceFlush(): Promise<void>;
  /**
   * Flushes, stops the server and the providers, and unregisters the globals it set, within one
   * budget ({@link FedscopeHandle.shutdownTimeoutMs}) shared by the span export, the metrics' last
   * export, alert notifications and the InfluxDB push; what is undelivered when it runs out is
   * dropped, counted and logged. Resolves by then at the latest.
   */
  shutdown(): Promise<void>;
  /** The shutdown budget in ms (`shutdownTimeoutMs`, 5000 by default). */
  readonly shutdownTimeoutMs: number;
}
