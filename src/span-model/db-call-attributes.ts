/**
 * The database semantic-convention attributes of one statement, built in one place for every
 * source call fedscope describes: adapters wrapped by `instrumentAdapter`, fedscope's DuckDB and
 * better-sqlite3 instrumentations, and the hooks it adds to the contrib pg/mysql2 instrumentations.
 *
 * @module
 */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
} from '@opentelemetry/semantic-conventions';
import type { QueryTextMode } from './query-text-mode.js';
import { sharedStatementAnalyzer } from '../sql/shared-statement-analyzer.js';
import { dialectForSystem } from '../sql/sql-dialect.js';
import { ATTR_FEDERATION_QUERY_FINGERPRINT } from './attributes.js';

/** What {@link applyDbStatementAttributes} describes. */
export interface DbStatement {
  /** `db.system.name`, e.g. `postgresql`, `duckdb`. */
  system: string;
  /** `db.namespace`, when known. */
  namespace?: string | undefined;
  /** The statement text as the application gave it (unsanitised); fedscope sanitises it. */
  text?: string | undefined;
  /** How the text goes on the span: sanitised (literals → `?`), as is, or not at all. */
  queryText: QueryTextMode;
  /** Overrides the operation parsed from the text (`db.operation.name`). */
  operationName?: string | undefined;
  /** Overrides the collection parsed from the text (`db.collection.name`). */
  collectionName?: string | undefined;
}

/**
 * Writes the statement's attributes into `attributes`: `db.system.name`, `db.namespace`,
 * `db.query.text` (per the mode), `db.operation.name`, `db.collection.name`, `db.query.summary`
 * and `federation.query.fingerprint`. In `off` mode an existing `db.query.text` is removed.
 *
 * @returns the span name the DB conventions ask for: the summary, else
 *   `{operation} {collection}`, else the operation, else the system
 */
export function applyDbStatementAttributes(attributes: Attributes, statement: DbStatement): string {
  attributes[ATTR_DB_SYSTEM_NAME] = statement.system;
  if (statement.namespace !== undefined) attributes[ATTR_DB_NAMESPACE] = statement.namespace;
  let operation = statement.operationName;
  let collection = statement.collectionName;
  let summary: string | undefined;
  if (statement.text !== undefined) {
    // The system's own lexing rules: MySQL's `"…"` are strings, PostgreSQL's are identifiers.
    const analysis = sharedStatementAnalyzer().analyze(statement.text, dialectForSystem(statement.system));
    operation ??= analysis.operationName;
    collection ??= analysis.collectionName;
    summary = analysis.summary;
    attributes[ATTR_FEDERATION_QUERY_FINGERPRINT] = analysis.fingerprint;
    if (statement.queryText === 'sanitized') attributes[ATTR_DB_QUERY_TEXT] = analysis.sanitized;
    else if (statement.queryText === 'raw') attributes[ATTR_DB_QUERY_TEXT] = statement.text;
  }
  if (statement.queryText === 'off') delete attributes[ATTR_DB_QUERY_TEXT];
  if (operation) attributes[ATTR_DB_OPERATION_NAME] = operation;
  if (collection) attributes[ATTR_DB_COLLECTION_NAME] = collection;
  if (summary) attributes[ATTR_DB_QUERY_SUMMARY] = summary;
  return dbSpanName(statement.system, operation, collection, summary);
}

/** The DB span name: the summary, else `{operation} {collection}`, else the operation, else the system. */
export function dbSpanName(
  system: string,
  operation: string | undefined,
  collection: string | undefined,
  summary: string | undefined,
): string {
  if (summary) return summary;
  if (operation) return collection ? `${operation} ${collection}` : operation;
  return system;
}

/**
 * `db.namespace` of an embedded database (DuckDB, SQLite) opened from `path`: the file name without
 * directory and extension (what DuckDB names the catalog), `memory` for an in-memory database
 * (`:memory:`, empty, or undefined) and `name` for DuckDB's named in-memory `:memory:name`.
 */
export function embeddedDatabaseNamespace(path: string | undefined): string {
  if (path === undefined) return 'memory';
  const trimmed = path.trim();
  if (trimmed === '' || trimmed === ':memory:') return 'memory';
  if (trimmed.startsWith(':memory:')) return trimmed.slice(':memory:'.length);
  // URIs (file:x.db?mode=ro, md:db) keep their path part only.
  const withoutQuery = trimmed.replace(/\?.*$/, '');
  const withoutScheme = withoutQuery.replace(/^[a-z][a-z0-9+.-]*:(?!\\)/i, '');
  const base =
    withoutScheme
      .split(/[\\/]/)
      .filter((part) => part !== '')
      .pop() ?? withoutScheme;
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  return stem === '' ? 'memory' : stem;
}
