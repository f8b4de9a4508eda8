import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SourceInstrumentationsOptions } from '../../instrumentations/source-instrumentations.js';
import type { ResolvedAlertRule } from '../../processors/alerts/types.js';
import type { AlertsOptions, AnalysisOptions, FedscopeOptions, OtlpProtocol, QueryTextMode, SamplerName } from './types.js';

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

/** Prometheus endpoint settings after options and environment are merged. */
export interface ResolvedPrometheusConfig {
  startServer: boolean;
  host: string;
  port: number;
  endpoint: string;
}

/** Alert engine settings after options and environment are merged; rules validated. */
export interface ResolvedAlertsConfig {
  rules: ResolvedAlertRule[];
  evaluationIntervalMs: number;
  alertmanager: AlertsOptions['alertmanager'];
  webhooks: NonNullable<AlertsOptions['webhooks']>;
  log: boolean;
}

/** Everything {@link startFedscope} needs, validated. */
export interface ResolvedConfig {
  serviceName: string | undefined;
  resourceAttributes: Record<string, string | number | boolean>;
  otlp: ResolvedOtlpConfig | undefined;
  prometheus: ResolvedPrometheusConfig | undefined;
  sampler: { name: SamplerName; ratio: number };
  analyzeUnsampled: boolean;
  analysis: AnalysisOptions;
  health: FedscopeOptions['health'];
  hostMetrics: { intervalMs: number } | undefined;
  runtimeMetrics: boolean;
  alerts: ResolvedAlertsConfig | undefined;
  queryText: QueryTextMode;
  registerGlobal: boolean;
  spanProcessors: SpanProcessor[];
  instrumentations: Instrumentation[];
  sourceInstrumentations: SourceInstrumentationsOptions | false;
}
