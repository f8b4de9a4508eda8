/**
 * fedscope: OpenTelemetry for federated queries.
 *
 * `startFedscope()` wires everything; `FedscopePipeline` is the same analysis as one object for an
 * SDK you already built (`NodeSDK`, your own providers). This file is the public API: a curated
 * list of named exports, in the groups of the README's API section. Everything else is internal.
 * @packageDocumentation
 */

// Start and compose: one call, or the pipeline next to an SDK of your own.
export { startFedscope } from './sdk/start-fedscope.js';
export type { FedscopeHandle } from './sdk/fedscope-handle.js';
export type {
  AlertsOptions,
  AnalysisOptions,
  FedscopeOptions,
  HistoryOptions,
  HostMetricsOptions,
  MetricsOptions,
  OtlpOptions,
  PrometheusOptions,
  QueryTextMode,
  SamplerOptions,
  TraceAssemblyOptions,
} from './options/types.js';
export { FedscopeConfigError } from './diagnostics/fedscope-config-error.js';
export { registerShutdownOnSignals } from './sdk/shutdown-on-signals.js';
export { registerShutdownBeforeExit } from './sdk/shutdown-before-exit.js';
export { FedscopePipeline } from './pipeline/fedscope-pipeline.js';
export type { FedscopePipelineConfig, FedscopePipelineOptions } from './pipeline/fedscope-pipeline.js';
export { resolveConfig } from './options/resolve-config.js';
export type { ResolvedConfig } from './options/resolved-config.js';
export { FederationSpanProcessor } from '../processors/federation-span-processor.js';
export type { ClassifiedSpanSink, FederationSpanProcessorOptions } from '../processors/federation-span-processor.js';
export type { ClassifiedSpan } from '../processors/classified-span.js';

// Instrument: your own code (queries, stages, adapters) and the database drivers.
export { federatedQuery, stage } from '../instrumentations/federation-stage.js';
export type { FederatedQueryOptions, FederationStageName, StageOptions } from '../instrumentations/federation-stage.js';
export type { QueryScope } from '../instrumentations/query-scope.js';
export { instrumentAdapter } from '../instrumentations/adapter.js';
export type { InstrumentAdapterOptions } from '../instrumentations/adapter-types.js';
export { withSourceContext } from '../instrumentations/source-context.js';
export type { SourceContext } from '../instrumentations/source-context.js';
export { sourceInstrumentations } from '../instrumentations/source-instrumentations.js';
export type { SourceInstrumentationsOptions } from '../instrumentations/source-instrumentations.js';
export { DuckDBInstrumentation } from '../instrumentations/duckdb/instrumentation.js';
export type { DuckDBInstrumentationConfig } from '../instrumentations/duckdb/types.js';
export { BetterSqlite3Instrumentation } from '../instrumentations/better-sqlite3/instrumentation.js';
export type { BetterSqlite3InstrumentationConfig } from '../instrumentations/better-sqlite3/types.js';
export { contribDbInstrumentations } from '../instrumentations/contrib/contrib-db-instrumentations.js';
export type { ContribDbInstrumentationsOptions } from '../instrumentations/contrib/types.js';
export { observePgPool } from '../instrumentations/contrib/observe-pg-pool.js';
export { observeMysqlPool } from '../instrumentations/contrib/observe-mysql-pool.js';
export type { MysqlPoolObserver, ObserveMysqlPoolOptions, ObservePgPoolOptions } from '../instrumentations/contrib/types.js';
export { observeDuckDB } from '../instrumentations/duckdb/observe-duckdb.js';
export type { DuckDBObserver, ObserveDuckDBOptions } from '../instrumentations/duckdb/types.js';

// The federation runtime: sources, queries, their results and errors.
export { Federation } from './federation/federation.js';
export type {
  FederatedQueryResult,
  FederatedQuerySpec,
  FederationOptions,
  FederationStatus,
  MergeSpec,
  PartSpec,
  Row,
  SourceAdapter,
  SourceOptions,
  SourceRequest,
  SourceResult,
} from './federation/types.js';
export { FederationError } from './federation/federation-error.js';
export type { FederationErrorCode } from './federation/federation-error.js';
export { PostgresSource } from './federation/postgres-source.js';
export { MysqlSource } from './federation/mysql-source.js';
export { DuckDBSource } from './federation/duckdb-source.js';
export { SqliteSource } from './federation/sqlite-source.js';
export { HttpSource } from './federation/http-source.js';
export type { HttpSourceOptions } from './federation/http-source.js';
export { FunctionSource } from './federation/function-source.js';
export type { SourceFunction } from './federation/function-source.js';

// Read the results: the reports a handle or pipeline returns (also the JSON routes), and alert rules.
export type { FedscopeSnapshot, SeriesSnapshot, WindowSummary } from '../processors/analysis/snapshot-types.js';
export type { BottleneckSnapshot, Suggestion, TraceAssemblyStats } from '../processors/trace-analysis/types.js';
export type { HealthScore, HealthSnapshot } from '../processors/health/types.js';
export type { AlertsSnapshot } from '../processors/alerts/alert-engine.js';
export type { AlertRuleDefinition, AlertView } from '../processors/alerts/types.js';
export { DEFAULT_ALERT_RULE_DEFINITIONS } from '../processors/alerts/default-rules.js';

// The percentile sketch: mergeable, also across processes through its JSON form.
export { LogBucketSketch } from './stats/log-bucket-sketch.js';
export type { LogBucketSketchOptions, QuantileSketchJSON } from './stats/types.js';

// Span attribute names of fedscope's span model, to set on spans of your own or to query by.
export {
  ATTR_FEDERATION_CACHE_HIT,
  ATTR_FEDERATION_DEPENDS_ON,
  ATTR_FEDERATION_ERROR_CLASS,
  ATTR_FEDERATION_PART,
  ATTR_FEDERATION_QUERY_FINGERPRINT,
  ATTR_FEDERATION_QUERY_ID,
  ATTR_FEDERATION_QUERY_NAME,
  ATTR_FEDERATION_RETRY_ATTEMPT,
  ATTR_FEDERATION_ROWS_RETURNED,
  ATTR_FEDERATION_SOURCE,
  ATTR_FEDERATION_SOURCE_COUNT,
  ATTR_FEDERATION_SOURCE_KIND,
  ATTR_FEDERATION_STAGE,
} from './span-model/attributes.js';
