/**
 * The SQL dialects fedscope's SQL text handling knows, and how a `db.system.name` maps to one.
 */

/**
 * A SQL dialect, as far as lexing differs between them.
 *
 * - `postgresql`: standard strings (no backslash escapes; `E'…'` has them), dollar-quoted strings,
 *   nested block comments, `"…"` identifiers.
 * - `mysql` (MySQL and MariaDB): backslash escapes in strings, `"…"` are strings, `#` comments,
 *   `` `…` `` identifiers.
 * - `sqlite`: standard strings; `"…"` is an identifier, but SQLite falls back to reading it as a
 *   string when no such column exists, so `"…"` in a value position is treated as a literal.
 * - `duckdb`: like PostgreSQL for the lexer's purposes.
 * - `generic`: unknown SQL database. Chooses the fail-safe reading where the dialects disagree:
 *   `#` starts a comment (except PostgreSQL's `#>`, `#>>`, `#-`, `##` operators), block comments
 *   nest, `"…"` in a value position is a literal, and a string in which a backslash stands before a
 *   quote turns the rest of the text into one literal (MySQL and the others read it differently).
 *   Known limit: MySQL's `"…"` strings outside value positions (`SELECT "text"`) read as
 *   identifiers; pass `mysql` for MySQL/MariaDB text.
 */
export type SqlDialect = 'generic' | 'postgresql' | 'mysql' | 'sqlite' | 'duckdb';

/** All dialects, in a fixed order (the order is used for per-dialect slots in caches). */
export const SQL_DIALECTS: readonly SqlDialect[] = ['generic', 'postgresql', 'mysql', 'sqlite', 'duckdb'];

/** Position of a dialect in {@link SQL_DIALECTS}; unknown values map to `generic` (0). */
export function sqlDialectIndex(dialect: SqlDialect | undefined): number {
  switch (dialect) {
    case 'postgresql':
      return 1;
    case 'mysql':
      return 2;
    case 'sqlite':
      return 3;
    case 'duckdb':
      return 4;
    default:
      return 0;
  }
}

/**
 * The dialect to lex a statement with, from the span's `db.system.name` (or the deprecated
 * `db.system`). Unknown or missing systems give `generic`.
 *
 * @param system - e.g. `postgresql`, `mysql`, `mariadb`, `sqlite`, `duckdb`
 */
export function dialectForSystem(system: string | undefined): SqlDialect {
  switch (system) {
    case 'postgresql':
    case 'cockroachdb':
    case 'aws.redshift':
    case 'redshift':
      return 'postgresql';
    case 'mysql':
    case 'mariadb':
      return 'mysql';
    case 'sqlite':
      return 'sqlite';
    case 'duckdb':
      return 'duckdb';
    default:
      return 'generic';
  }
}
