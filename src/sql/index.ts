/** SQL text handling: lexing, sanitisation, summaries, fingerprints and the cached analyzer. */
export { dialectForSystem, SQL_DIALECTS, sqlDialectIndex } from './sql-dialect.js';
export type { SqlDialect } from './sql-dialect.js';
export { lookupKeyword, SQL_KEYWORDS } from './sql-keywords.js';
export { resolveSqlLexerMode, SqlLexer, SqlTokenKind, sqlTokenKindName, tokenizeSql } from './sql-lexer.js';
export type { SqlLexerMode, SqlToken, TokenizeSqlOptions } from './sql-lexer.js';
export { DEFAULT_TRUNCATION_MARKER, sanitizeSql, SqlSanitizer, truncateWithMarker } from './sanitize.js';
export type { SanitizeSqlOptions } from './sanitize.js';
export { MAX_QUERY_SUMMARY_LENGTH, SqlSummarizer, summarizeSql } from './query-summary.js';
export type { SqlQuerySummary, SummarizeSqlOptions } from './query-summary.js';
export { fnv1a64Hex } from './fnv1a64.js';
export { leadingSqlText, MAX_SQL_TEXT_LENGTH } from './sql-input-bound.js';
export { fingerprintOfNormalized, fingerprintSql, normalizeSql, SqlFingerprinter, SqlNormalizer } from './fingerprint.js';
export type { NormalizeSqlOptions } from './fingerprint.js';
export { LruCache } from './lru-cache.js';
export { StatementAnalyzer } from './statement-analyzer.js';
export type { StatementAnalysis, StatementAnalyzerOptions, StatementAnalyzerStats } from './statement-analyzer.js';
export { configureSharedStatementAnalyzer, sharedStatementAnalyzer } from './shared-statement-analyzer.js';
