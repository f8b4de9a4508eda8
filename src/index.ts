/**
 * fedscope: OpenTelemetry for federated queries.
 *
 * `startFedscope()` wires everything; each piece is also exported on its own so that an SDK you
 * already built (`NodeSDK`, your own providers) can add fedscope in a few lines.
 * @packageDocumentation
 */
export { startFedscope } from './sdk/start-fedscope.js';
export { AnalysisPipeline, ALERTS_PATH, BOTTLENECKS_PATH, HEALTH_PATH, SNAPSHOT_PATH } from './sdk/analysis-pipeline.js';
export type { AnalysisPipelineHooks } from './sdk/analysis-pipeline.js';
export { PipelineFigureProvider } from './sdk/pipeline-figure-provider.js';
export type { FedscopeHandle } from './sdk/fedscope-handle.js';
export { registerShutdownBeforeExit } from './sdk/shutdown-before-exit.js';
export { registerShutdownOnSignals } from './sdk/shutdown-on-signals.js';
export { RecordAllSampler, buildSampler } from './sdk/sampler.js';
export { FedscopeConfigError } from './options/fedscope-config-error.js';
export { resolveConfig } from './options/resolve-config.js';
export type {
  AlertsOptions,
  AnalysisOptions,
  FedscopeOptions,
  HostMetricsOptions,
  OtlpOptions,
  OtlpProtocol,
  PrometheusOptions,
  QueryTextMode,
  SamplerName,
  SamplerOptions,
} from './options/types.js';
export type { ResolvedConfig, ResolvedOtlpConfig, ResolvedPrometheusConfig } from './options/resolved-config.js';
export { FEDSCOPE_VERSION } from './version.js';
export * from './span-model/attributes.js';
export { errorTypeOf } from './span-model/error-type.js';

export { federatedQuery, stage } from '../instrumentations/federation-stage.js';
export type { FederatedQueryOptions, FederationStageName, StageOptions } from '../instrumentations/federation-stage.js';
export { QueryScope, activeQueryScope } from '../instrumentations/query-scope.js';
export { instrumentAdapter } from '../instrumentations/adapter.js';
export type { AdapterCallInfo, CallDescription, InstrumentAdapterOptions } from '../instrumentations/adapter-types.js';

export { FederationSpanProcessor } from '../processors/federation-span-processor.js';
export type { ClassifiedSpanSink, FederationSpanProcessorOptions } from '../processors/federation-span-processor.js';
export { classifySpan, defaultSourceName } from '../processors/span-classifier.js';
export type { SourceResolver } from '../processors/span-classifier.js';
export type { ClassifiedSpan, SpanRole } from '../processors/classified-span.js';
export {
  DB_OPERATION_DURATION_BUCKETS,
  FEDERATION_DURATION_BUCKETS,
  METRIC_FEDERATION_QUERIES,
  METRIC_FEDERATION_QUERIES_ACTIVE,
  METRIC_FEDERATION_QUERY_DURATION,
  METRIC_FEDERATION_QUERY_ERRORS,
  METRIC_FEDERATION_SOURCE_DURATION,
  METRIC_FEDERATION_SOURCE_ERRORS,
  METRIC_FEDERATION_STAGE_DURATION,
} from '../processors/federation-instruments.js';
export { AnalysisState } from '../processors/analysis/analysis-state.js';
export type { AnalysisStateOptions } from '../processors/analysis/analysis-state.js';
export { AnalysisMetricProducer } from '../processors/analysis/analysis-metric-producer.js';
export type * from '../processors/analysis/snapshot-types.js';

export * from './federation/index.js';
export { withSourceContext, activeSourceContext } from '../instrumentations/source-context.js';
export type { SourceContext } from '../instrumentations/source-context.js';
export { DuckDBInstrumentation, observeDuckDB } from '../instrumentations/duckdb/index.js';
export type { DuckDBInstrumentationConfig, DuckDBObserver, ObserveDuckDBOptions } from '../instrumentations/duckdb/index.js';
export { BetterSqlite3Instrumentation } from '../instrumentations/better-sqlite3/index.js';
export type { BetterSqlite3InstrumentationConfig } from '../instrumentations/better-sqlite3/index.js';
export { contribDbInstrumentations, dropContribOperationDurationViews, observeMysqlPool, observePgPool } from '../instrumentations/contrib/index.js';
export type { ContribDbInstrumentationsOptions, ContribSourceMap, ContribSourceResolver, MysqlPoolObserver, ObserveMysqlPoolOptions, ObservePgPoolOptions } from '../instrumentations/contrib/index.js';
export { sourceInstrumentations } from '../instrumentations/source-instrumentations.js';
export type { SourceInstrumentationsOptions } from '../instrumentations/source-instrumentations.js';
export { classifyDbError, dbErrorAttributes, DB_ERROR_CLASSES } from './span-model/error-class.js';
export type { DbErrorClass, DbErrorClassification } from './span-model/error-class.js';
export { ERROR_TYPE_BREAKER_OPEN, publishBreakerStates, publishedBreakerStates, unpublishBreakerStates } from './span-model/breaker-states.js';
export type { BreakerStatePublisher } from './span-model/breaker-states.js';
export * from '../processors/trace-analysis/index.js';
export * from '../processors/health/index.js';
export * from './system-metrics/index.js';
export * from '../processors/detectors/index.js';
export * from '../processors/alerts/index.js';
