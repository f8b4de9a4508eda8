import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { SourceInstrumentationsOptions } from '../../instrumentations/source-instrumentations.js';
import type { AlertRuleDefinition } from '../../processors/alerts/types.js';
import type { HealthScorerOptions } from '../../processors/health/health-scorer.js';
import type { AnalysisOptions } from '../../processors/analysis/analysis-options.js';

import type { QueryTextMode } from '../span-model/query-text-mode.js';

export type { AnalysisOptions, QueryTextMode };

/** OTLP/HTTP wire encoding, as `OTEL_EXPORTER_OTLP_PROTOCOL` names it. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** Sampler names understood in `OTEL_TRACES_SAMPLER` and {@link SamplerOptions.name}. */
export type SamplerName =
  'always_on' | 'always_off' | 'traceidratio' | 'parentbased_always_on' | 'parentbased_always_off' | 'parentbased_traceidratio';

/** Trace sampling. */
export interface SamplerOptions {
  /**
   * Which sampler decides what is exported.
   * @default 'parentbased_always_on' (or `OTEL_TRACES_SAMPLER`)
   */
  name?: SamplerName;
  /**
   * Ratio in [0, 1] for the `traceidratio` samplers.
   * @default 1 (or `OTEL_TRACES_SAMPLER_ARG`)
   */
  ratio?: number;
}

/** OTLP/HTTP export to a Collector, Jaeger or any OTLP endpoint. */
export interface OtlpOptions {
  /**
   * Base endpoint; `/v1/traces` and `/v1/metrics` are appended.
   * @default `OTEL_EXPORTER_OTLP_ENDPOINT`
   */
  endpoint?: string;
  /**
   * Full traces URL, used as is; wins over {@link OtlpOptions.endpoint}.
   * @default `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
   */
  tracesEndpoint?: string;
  /**
   * Full metrics URL, used as is; wins over {@link OtlpOptions.endpoint}.
   * @default `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`
   */
  metricsEndpoint?: string;
  /**
   * Wire encoding.
   * @default 'http/protobuf' (or `OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL`)
   */
  protocol?: OtlpProtocol;
  /**
   * Extra request headers, e.g. an auth token.
   * @default parsed from `OTEL_EXPORTER_OTLP_[TRACES_]HEADERS`
   */
  headers?: Record<string, string>;
  /**
   * Request body compression.
   * @default 'none' (or `OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION`)
   */
  compression?: 'gzip' | 'none';
  /**
   * Per-request timeout in milliseconds.
   * @default 10000 (or `OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT`)
   */
  timeoutMillis?: number;
  /**
   * Also export metrics over OTLP, every `metricsIntervalMillis`.
   * @default false (true when `OTEL_METRICS_EXPORTER` includes `otlp`)
   */
  metrics?: boolean;
  /**
   * Interval of the OTLP metric export in milliseconds.
   * @default 60000 (or `OTEL_METRIC_EXPORT_INTERVAL`)
   */
  metricsIntervalMillis?: number;
}

/** The Prometheus scrape endpoint. */
export interface PrometheusOptions {
  /**
   * Start fedscope's own HTTP server. When false, mount `handle.metricsHandler` on your server.
   * @default true
   */
  startServer?: boolean;
  /**
   * Address the server listens on. Loopback by default: exposing metrics is a choice.
   * @default '127.0.0.1' (or `OTEL_EXPORTER_PROMETHEUS_HOST`)
   */
  host?: string;
  /**
   * Port the server listens on; 0 picks a free port (read it from `handle.metricsUrl`).
   * @default 9464 (or `OTEL_EXPORTER_PROMETHEUS_PORT`)
   */
  port?: number;
  /**
   * Path of the exposition.
   * @default '/metrics'
   */
  endpoint?: string;
}

/** TLS of fedscope's HTTP server: PEM files read once at start. */
export interface HttpTlsOptions {
  /** The certificate (chain), PEM. @default `FEDSCOPE_HTTP_TLS_CERT_FILE` */
  certFile: string;
  /** Its private key, PEM (unencrypted). @default `FEDSCOPE_HTTP_TLS_KEY_FILE` */
  keyFile: string;
}

/** Per-client rate limits of the `/fedscope` routes (JSON reports, exports, dashboard): a token bucket per remote address. */
export interface HttpRateLimitOptions {
  /**
   * Requests per second one client may make in the long run.
   * @default 20
   */
  requestsPerSecond?: number;
  /**
   * Requests one client may make at once after a pause (the dashboard loads about 15 at first).
   * @default 40
   */
  burst?: number;
  /**
   * Clients remembered at once; the least recently seen is forgotten beyond (bounds memory).
   * @default 10000
   */
  maxClients?: number;
}

/**
 * Access control of fedscope's HTTP server (`/metrics`, `/fedscope/*.json`, `/fedscope/export`, the
 * dashboard), also applied to `handle.metricsHandler` when mounted on a server of yours.
 */
export interface HttpAccessOptions {
  /**
   * Bearer token every request must carry (`Authorization: Bearer <token>`): printable ASCII
   * without spaces, at least 16 characters. Requests without it get 401 with
   * `WWW-Authenticate: Bearer realm="fedscope"`. The dashboard's page and assets (no data in them)
   * are served without it; the page asks for the token once and keeps it in `sessionStorage`.
   * @default `FEDSCOPE_HTTP_TOKEN`, else none (no authentication)
   */
  token?: string;
  /**
   * A file holding the token (surrounding whitespace ignored), instead of `token`.
   * @default `FEDSCOPE_HTTP_TOKEN_FILE`, else none
   */
  tokenFile?: string;
  /**
   * Serve the Prometheus exposition without the token, for scrapers that cannot send one.
   * @default false (or `FEDSCOPE_HTTP_METRICS_OPEN`)
   */
  metricsOpen?: boolean;
  /**
   * Serve HTTPS with this certificate and key.
   * @default plain HTTP (both `FEDSCOPE_HTTP_TLS_CERT_FILE` and `FEDSCOPE_HTTP_TLS_KEY_FILE` set: HTTPS)
   */
  tls?: HttpTlsOptions;
  /**
   * Per-client rate limits of the `/fedscope` routes (429 with `Retry-After` beyond); false turns them off.
   * `/metrics` is not limited.
   * @default `{ requestsPerSecond: 20, burst: 40, maxClients: 10000 }`
   */
  rateLimit?: HttpRateLimitOptions | false;
}

/** Host metrics (CPU, memory, filesystems, network) read through systeminformation on a slow timer. */
export interface HostMetricsOptions {
  /**
   * Milliseconds between readings; at least 10000 (a reading costs tens of milliseconds of CPU).
   * @default 15000
   */
  intervalMs?: number;
}

/** The alert engine: rules evaluated over fedscope's figures, delivered to channels. */
export interface AlertsOptions {
  /**
   * Include the default rule pack (p95 > 100 ms, error rate > 5%, CPU > 80%, …; see the README).
   * @default true
   */
  defaultRules?: boolean;
  /**
   * Rules from code, added to the defaults.
   * @default []
   */
  rules?: AlertRuleDefinition[];
  /**
   * A YAML or JSON rules file, validated at start (errors name the file, the rule and the field).
   * @default `FEDSCOPE_ALERT_RULES_FILE`
   */
  rulesFile?: string;
  /**
   * A directory where notifications still undelivered at shutdown (a channel down, the shutdown
   * budget spent) are kept for the next start, which sends them first, in order, an identical one
   * once (at least once: one in flight at shutdown may arrive twice). Bounded: 1,000 notifications
   * and 1 MiB per channel. One directory per process.
   * @default `FEDSCOPE_ALERT_SPOOL_DIR`, else none (undelivered notifications are dropped, counted and logged)
   */
  spoolDir?: string;
  /**
   * Milliseconds between evaluations.
   * @default 15000
   */
  evaluationIntervalMs?: number;
  /**
   * Alertmanager (API v2) to deliver to: active alerts re-sent periodically, resolved with `endsAt`.
   * @default `FEDSCOPE_ALERTMANAGER_URL`, else none
   */
  alertmanager?: { url: string; resendIntervalMs?: number; holdResolvedMs?: number; headers?: Record<string, string> };
  /**
   * Webhooks receiving Alertmanager-v4-compatible JSON.
   * @default []
   */
  webhooks?: Array<{ url: string; headers?: Record<string, string> }>;
  /**
   * Log every firing and resolved notification: one logfmt line on stderr.
   * @default true
   */
  log?: boolean;
}

/**
 * Push of fedscope's current figures to InfluxDB every history tick (10 s), as line protocol
 * (measurements `fedscope_overall`, `fedscope_service`, `fedscope_query`, `fedscope_stage`, `fedscope_source`).
 * InfluxDB 1.x: give `database` (and `username`/`password` when auth is on); 2.x: `org`,
 * `bucket` and `token`. Batched, retried with backoff; what cannot be written is counted on
 * `fedscope.influxdb.points` and logged. The password and the token never appear in logs or errors.
 */
export interface InfluxDbOptions {
  /**
   * Base URL of the server, without credentials, e.g. `http://127.0.0.1:8086`.
   * @default `FEDSCOPE_INFLUXDB_URL`
   */
  url?: string;
  /**
   * InfluxDB 1.x database written with `POST /write?db=…`.
   * @default `FEDSCOPE_INFLUXDB_DATABASE`
   */
  database?: string;
  /**
   * InfluxDB 1.x user (HTTP Basic auth), with `password`.
   * @default `FEDSCOPE_INFLUXDB_USERNAME`
   */
  username?: string;
  /**
   * InfluxDB 1.x password.
   * @default `FEDSCOPE_INFLUXDB_PASSWORD`
   */
  password?: string;
  /**
   * InfluxDB 2.x organisation written with `POST /api/v2/write?org=…&bucket=…`.
   * @default `FEDSCOPE_INFLUXDB_ORG`
   */
  org?: string;
  /**
   * InfluxDB 2.x bucket.
   * @default `FEDSCOPE_INFLUXDB_BUCKET`
   */
  bucket?: string;
  /**
   * InfluxDB 2.x API token, sent as `Authorization: Token …`.
   * @default `FEDSCOPE_INFLUXDB_TOKEN`
   */
  token?: string;
  /**
   * Time allowed for one write request, in milliseconds.
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * Most lines in one write request (a request also stays under 1 MiB).
   * @default 5000
   */
  maxBatchLines?: number;
  /**
   * Most batches waiting to be written; when full, the oldest waiting batch is dropped (counted as `queue_full`).
   * @default 60 (10 minutes of ticks for a service with up to 5,000 series)
   */
  maxQueuedBatches?: number;
}

/** Options of the trace assembler (see {@link FedscopeOptions.traceAssembly}). */
export interface TraceAssemblyOptions {
  /** Milliseconds to wait after a root span ended for its late children. @default 1000 */
  graceMs?: number;
  /** Most traces gathered at once; past it, a uniform sample of traces is analysed. @default 5000 */
  maxTracesInFlight?: number;
  /** Most spans kept per trace (the rest are dropped, the trace analysed as truncated). @default 1000 */
  maxSpansPerTrace?: number;
}

/**
 * The exposition budget of the metrics fedscope exports (`/metrics` and OTLP metrics): what keeps
 * their size bounded when many queries, stages, sources or statements are tracked.
 */
export interface MetricsOptions {
  /**
   * Series one metric exports at most, counting one query, stage, source or statement once
   * whatever its windows and percentiles. Over it, a metric exports its series with the most
   * traffic (total time, or count for counters) and folds the rest into one
   * `otel.metric.overflow="true"` series (sums and histograms exactly; percentiles and health
   * scores are left out of it), counted on `fedscope.metrics.series.omitted{metric}` and logged.
   * The default keeps `/metrics` under 2 MB with every table of fedscope at its bound.
   * @default 50
   */
  maxSeriesPerMetric?: number;
}

/** The history of the derived figures (10 s points for 1 h, 1 min for 24 h, 10 min for 7 days; 200 series at most). */
export interface HistoryOptions {
  /**
   * Directory where the history is kept across restarts (`history.bin`, created when missing):
   * loaded at start, saved every 60 s and at shutdown, atomically. A damaged file is put aside
   * as `history.bin.corrupt-<time>` with one line on stderr and the history starts fresh.
   * @default `FEDSCOPE_HISTORY_DIR`, else none (the history lives in memory only)
   */
  dir?: string;
}

/** Options of {@link startFedscope}. Every field is optional; the environment fills the rest. */
export interface FedscopeOptions {
  /**
   * `service.name` of the resource.
   * @default `OTEL_SERVICE_NAME`, else `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, else `unknown_service:node`
   */
  serviceName?: string;
  /**
   * Extra resource attributes; they win over `OTEL_RESOURCE_ATTRIBUTES`.
   * @default {}
   */
  resourceAttributes?: Record<string, string | number | boolean>;
  /**
   * OTLP export. `false` turns it off even when the environment configures it.
   * @default enabled when an OTLP endpoint is configured (option or environment), else off
   */
  otlp?: OtlpOptions | false;
  /**
   * Prometheus `/metrics`. `false` turns it off.
   * @default enabled on 127.0.0.1:9464 (`FEDSCOPE_PROMETHEUS=off` turns it off)
   */
  prometheus?: PrometheusOptions | false;
  /** Access control and TLS of the HTTP server: bearer token, open `/metrics`, HTTPS, rate limits. @default no token, plain HTTP, rate limits on */
  http?: HttpAccessOptions;
  /** Trace sampling for export. fedscope's analysis still sees unsampled spans when {@link FedscopeOptions.analyzeUnsampled} holds. */
  sampler?: SamplerOptions;
  /**
   * Record spans the sampler drops (without exporting them) so that fedscope's metrics count every query.
   * @default true (or `FEDSCOPE_ANALYZE_UNSAMPLED`)
   */
  analyzeUnsampled?: boolean;
  /** Windows and bounds of the derived statistics. */
  analysis?: AnalysisOptions;
  /** The exposition budget of the exported metrics: series per metric. @default `{ maxSeriesPerMetric: 50 }` */
  metrics?: MetricsOptions;
  /**
   * Health score objectives and inputs (see the README's health formula): `objectives` overrides
   * the per-component objective/limit/weight (and `overall`: how the overall score follows the
   * queries'), `latencyObjectivesMs` sets p95 objectives per query or source. Breakers of every
   * `Federation` in the process are read without wiring; `breakers` only adds circuit breakers of
   * your own (name → state; a name both report reads as the worse state).
   * @default the documented objectives; the process's federation breakers
   */
  health?: Pick<HealthScorerOptions, 'objectives' | 'latencyObjectivesMs' | 'breakers'>;
  /**
   * Host metrics through systeminformation (`system.*`), read on a slow timer, never in the query
   * path; `false` turns them off.
   * @default { intervalMs: 15000 } (`FEDSCOPE_HOST_METRICS=off` turns them off)
   */
  hostMetrics?: HostMetricsOptions | boolean;
  /**
   * Node runtime metrics (`nodejs.eventloop.*`, `v8js.*`, `process.*`) from Node's built-ins.
   * @default true
   */
  runtimeMetrics?: boolean;
  /**
   * The alert engine; `false` turns it off.
   * @default default rules, logged (`FEDSCOPE_ALERTS=off` turns it off)
   */
  alerts?: AlertsOptions | false;
  /** The history of the derived figures: where it is kept across restarts. */
  history?: HistoryOptions;
  /**
   * How the trace assembler gathers each federated query's spans for the critical-path analysis:
   * the grace period after a root ends, and its bounds. When `maxTracesInFlight` is reached it
   * analyses a uniform sample of traces and reports its coverage (`bottlenecks.json`,
   * `fedscope_trace_assembly_coverage`).
   * @default { graceMs: 1000, maxTracesInFlight: 5000, maxSpansPerTrace: 1000 }
   */
  traceAssembly?: TraceAssemblyOptions;
  /**
   * The one budget of `handle.shutdown()` (and of the signal handling of `fedscope/register`), in
   * ms, shared by the last span export, the metrics' last export, alert notifications and the
   * InfluxDB push; what is undelivered when it runs out is dropped, counted and logged.
   * @default 5000 (or `FEDSCOPE_SHUTDOWN_TIMEOUT_MS`)
   */
  shutdownTimeoutMs?: number;
  /**
   * Base URL of Jaeger's UI (e.g. `http://localhost:16686`): `/fedscope/slow-traces.json` and the
   * dashboard link each slow trace to `<jaegerUiUrl>/trace/<traceId>`.
   * @default `FEDSCOPE_JAEGER_UI_URL`, else none (no links)
   */
  jaegerUiUrl?: string;
  /**
   * Push the current figures to InfluxDB every 10 s; `false` turns it off even when the environment configures it.
   * @default on when `FEDSCOPE_INFLUXDB_URL` is set, else off
   */
  influxdb?: InfluxDbOptions | false;
  /**
   * How adapters wrapped by fedscope put query text on spans.
   * @default 'sanitized' (or `FEDSCOPE_QUERY_TEXT`)
   */
  queryText?: QueryTextMode;
  /**
   * Register the providers globally (`trace`/`metrics`/`context`/`propagation` of `@opentelemetry/api`).
   * @default true
   */
  registerGlobal?: boolean;
  /**
   * More span processors to run beside fedscope's, e.g. your own exporter's.
   * @default []
   */
  spanProcessors?: SpanProcessor[];
  /**
   * Database driver instrumentations, registered for the drivers that are installed: pg and mysql2
   * through the OpenTelemetry contrib instrumentations (with fedscope's enrichment), DuckDB and
   * better-sqlite3 through fedscope's own. `false` registers none. startFedscope (or
   * `--import fedscope/register`) must run before the drivers are first loaded.
   * @default {}
   */
  sourceInstrumentations?: SourceInstrumentationsOptions | false;
  /**
   * More instrumentations to enable with the providers fedscope builds.
   * @default []
   */
  instrumentations?: Instrumentation[];
}
