export { contribDbInstrumentations, fedscopeMysql2Instrumentation, fedscopePgInstrumentation } from './contrib-db-instrumentations.js';
export { enrichingTracerProvider } from './span-enrichment.js';
export { CONTRIB_PG_SCOPE_NAME, dropContribOperationDurationViews } from './operation-duration-views.js';
export type { ContribSpanEnrichment } from './span-enrichment.js';
export { contribSourceNamer, sourceMapKeys } from './source-naming.js';
export { mysql2ReturnedRows, pgReturnedRows } from './returned-rows.js';
export { captureMysql2Errors, pgErrorCodeOfException, takeMysql2Error } from './driver-error-capture.js';
export { ATTR_DB_CLIENT_CONNECTION_POOL_NAME, ATTR_DB_CLIENT_CONNECTION_STATE } from '../../src/span-model/attributes.js';
export { observePgPool, pgPoolConnectionAttributes, PG_POOL_METER_NAME } from './observe-pg-pool.js';
export {
  observeMysqlPool,
  METRIC_DB_CLIENT_CONNECTION_COUNT,
  METRIC_DB_CLIENT_CONNECTION_MAX,
  METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS,
  MYSQL_POOL_METER_NAME,
} from './observe-mysql-pool.js';
export type {
  ContribDbInstrumentationsOptions,
  ContribSourceInfo,
  ContribSourceMap,
  ContribSourceResolver,
  MysqlPoolObserver,
  ObserveMysqlPoolOptions,
  ObservePgPoolOptions,
} from './types.js';
export {
  traceMysql2Connections,
  MYSQL2_CONNECT_SCOPE_NAME,
  MYSQL2_CONNECT_SPAN_NAME,
  MYSQL2_POOL_CONNECT_SPAN_NAME,
} from './mysql2-connect-spans.js';
export type { Mysql2ConnectSpanOptions } from './mysql2-connect-spans.js';
