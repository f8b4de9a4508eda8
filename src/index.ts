/**
 * fedscope: OpenTelemetry for federated queries.
 *
 * `startFedscope()` wires everything; each piece is also exported on its own so that an SDK you
 * already built (`NodeSDK`, your own providers) can add fedscope in a few lines.
 * @packageDocumentation
 */
export { startFedscope, SNAPSHOT_PATH } from './sdk/start-fedscope.js';
export type { FedscopeHandle } from './sdk/fedscope-handle.js';
export { registerShutdownOnSignals } from './sdk/shutdown-on-signals.js';
export { RecordAllSampler, buildSampler } from './sdk/sampler.js';
export { FedscopeConfigError } from './options/fedscope-config-error.js';
export { resolveConfig } from './options/resolve-config.js';
export type {
  AnalysisOptions,
  FedscopeOptions,
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
