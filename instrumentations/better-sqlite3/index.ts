export { BetterSqlite3Instrumentation, BETTER_SQLITE3_INSTRUMENTATION_NAME, BETTER_SQLITE3_SUPPORTED_VERSIONS } from './instrumentation.js';
export { countStatementRows } from './statement-rows.js';
export { observeIteration } from './iteration-span.js';
export type { IterationEnd } from './iteration-span.js';
export type {
  BetterSqlite3InstrumentationConfig,
  BetterSqlite3RequestHookInfo,
  BetterSqlite3ResponseHookInfo,
  BetterSqlite3SourceInfo,
} from './types.js';
