import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SourceInstrumentationsOptions } from '../../instrumentations/source-instrumentations.js';
import type { ResolvedAlertRule } from '../../processors/alerts/types.js';
import type {
  AlertsOptions,
  AnalysisOptions,
  FedscopeOptions,
  OtlpProtocol,
  QueryTextMode,
  SamplerName,
  TraceAssemblyOptions,
} from './types.js';

/** The shutdown budget when none is set: what the span export, the metrics' last export, alerts and the InfluxDB push share. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5000;

/** OTLP export settings after options and environment are merged. */
export interface ResolvedOtlpConfig {
  /** Full traces URL. */
  tracesUrl: string;
  /** Full metrics URL, set when OTLP metrics are enabled. */
  metricsUrl: string | undefined;
  protocol: OtlpProtocol;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  timeoutMillis: number;
  metricsIntervalMillis: number;
}

/** What an OTLP metrics push needs: the companion's own settings give it, so does {@link ResolvedOtlpConfig}. */
export type OtlpMetricExportConfig = Pick<
  ResolvedOtlpConfig,
  'metricsUrl' | 'headers' | 'compression' | 'timeoutMillis' | 'metricsIntervalMillis'
>;

/** Prometheus endpoint settings after options and environment are merged. */
export interface ResolvedPrometheusConfig {
  startServer: boolean;
  host: string;
  port: number;
  endpoint: string;
}

/** Access control of fedscope's HTTP server after options and environment are merged; files read. */
export interface ResolvedHttpAccessConfig {
  /** SHA-256 digest of the bearer token (the token itself is not kept); `undefined`: no token required. */
  tokenSha256: Buffer | undefined;
  /** Whether the Prometheus exposition is served without the token. */
  metricsOpen: boolean;
  /** The certificate chain and private key (PEM) to serve HTTPS with; `undefined`: plain HTTP. */
  tls: { cert: Buffer; key: Buffer } | undefined;
  /** Per-client rate limits of the `/fedscope` routes; `undefined`: off. */
  rateLimit: { requestsPerSecond: number; burst: number; maxClients: number } | undefined;
}

/** Alert engine settings after options and environment are merged; rules validated. */
export interface ResolvedAlertsConfig {
  rules: ResolvedAlertRule[];
  evaluationIntervalMs: number;
  alertmanager: AlertsOptions['alertmanager'];
  webhooks: NonNullable<AlertsOptions['webhooks']>;
  log: boolean;
  /** Where undelivered notifications wait across a restart (absolute), `undefined`: not kept. */
  spoolDir: string | undefined;
}

/**
 * The InfluxDB push after options and environment are merged: one API, its target and its bounds.
 * `password` and `token` are secrets: they go in the `Authorization` header and nowhere else.
 */
export interface ResolvedInfluxDbConfig {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8086`. */
  url: string;
  /** `1` writes `POST /write?db=…`, `2` writes `POST /api/v2/write?org=…&bucket=…`. */
  apiVersion: 1 | 2;
  /** 1.x: the database. */
  database: string | undefined;
  /** 1.x: the user (HTTP Basic auth), when auth is on. */
  username: string | undefined;
  /** 1.x: the password, with `username`. */
  password: string | undefined;
  /** 2.x: the organisation. */
  org: string | undefined;
  /** 2.x: the bucket. */
  bucket: string | undefined;
  /** 2.x: the API token. */
  token: string | undefined;
  /** Time allowed for one write request, ms. */
  timeoutMs: number;
  /** Most lines in one write request. */
  maxBatchLines: number;
  /** Most batches waiting to be written. */
  maxQueuedBatches: number;
}

/**
 * Everything {@link startFedscope} needs, validated: what {@link resolveConfig} makes of
 * {@link FedscopeOptions} and the environment, and what a {@link FedscopePipeline} is built from.
 * Each field is the option of the same name after defaults; `undefined` means turned off.
 */
export interface ResolvedConfig {
  /** `service.name`, when the options or the environment give one. */
  serviceName: string | undefined;
  /** Resource attributes from `OTEL_RESOURCE_ATTRIBUTES` and the options. */
  resourceAttributes: Record<string, string | number | boolean>;
  /** OTLP export, when configured. */
  otlp: ResolvedOtlpConfig | undefined;
  /** The Prometheus endpoint, unless turned off. */
  prometheus: ResolvedPrometheusConfig | undefined;
  /** The export sampler. */
  sampler: { name: SamplerName; ratio: number };
  /** Whether spans the sampler drops are still analysed. */
  analyzeUnsampled: boolean;
  /** Windows and bounds of the statistics. */
  analysis: AnalysisOptions;
  /** The exposition budget of the exported metrics. */
  metrics: { maxSeriesPerMetric: number };
  /** Health objectives and extra breakers, as given. */
  health: FedscopeOptions['health'];
  /** Host metrics, unless turned off. */
  hostMetrics: { intervalMs: number } | undefined;
  /** Whether Node runtime metrics are collected. */
  runtimeMetrics: boolean;
  /** The alert engine with its validated rules, unless turned off. */
  alerts: ResolvedAlertsConfig | undefined;
  /** The InfluxDB push, when configured. */
  influxdb: ResolvedInfluxDbConfig | undefined;
  /** Access control and TLS of the HTTP server (`/metrics`, `/fedscope/*`). */
  http: ResolvedHttpAccessConfig;
  /** The history's persistence: its directory (absolute), `undefined` for memory only. */
  history: { dir: string | undefined };
  /** Jaeger's UI base URL without a trailing slash, when configured. */
  jaegerUiUrl: string | undefined;
  /** The trace assembler's grace period and bounds, those given (the assembler's defaults for the rest). */
  traceAssembly: TraceAssemblyOptions;
  /** The shutdown budget, ms ({@link DEFAULT_SHUTDOWN_TIMEOUT_MS} unless set). */
  shutdownTimeoutMs: number;
  /** How query text goes on spans. */
  queryText: QueryTextMode;
  /** Whether the providers are registered globally. */
  registerGlobal: boolean;
  /** Span processors to run beside fedscope's. */
  spanProcessors: SpanProcessor[];
  /** More instrumentations to enable. */
  instrumentations: Instrumentation[];
  /** The driver instrumentations' options, or `false` for none. */
  sourceInstrumentations: SourceInstrumentationsOptions | false;
}
