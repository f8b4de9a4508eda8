export { DuckDBInstrumentation, DUCKDB_INSTRUMENTATION_NAME, DUCKDB_SUPPORTED_VERSIONS } from './instrumentation.js';
export {
  observeDuckDB,
  METRIC_DUCKDB_DATABASE_SIZE,
  METRIC_DUCKDB_MEMORY_LIMIT,
  METRIC_DUCKDB_MEMORY_USAGE,
  METRIC_DUCKDB_OBSERVER_FAILURES,
  METRIC_DUCKDB_TABLE_ROWS,
  METRIC_DUCKDB_TABLE_SIZE,
  METRIC_DUCKDB_TABLES,
  METRIC_DUCKDB_TEMPORARY_STORAGE,
  METRIC_DUCKDB_WAL_SIZE,
} from './observe-duckdb.js';
export { countDuckDBRows } from './result-rows.js';
export { parseDuckDBByteSize } from './byte-size-text.js';
export type {
  DuckDBConnectable,
  DuckDBInstrumentationConfig,
  DuckDBObserver,
  DuckDBObserverStats,
  DuckDBQueryable,
  DuckDBRequestHookInfo,
  DuckDBResponseHookInfo,
  DuckDBSourceInfo,
  ObserveDuckDBOptions,
} from './types.js';
