/**
 * Classification of database driver errors: a low-cardinality `error.type` (the code the database
 * gives, else the class of a client-side failure), the `db.response.status_code` and one of six
 * classes an operator acts on.
 *
 * Sources of the codes, in the order they are tried:
 * - SQLite (better-sqlite3 `SqliteError.code`: `SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_BUSY`, …)
 * - MySQL/MariaDB server errors (mysql2: `errno` + `sqlState` + `code` name)
 * - MySQL client codes (`PROTOCOL_CONNECTION_LOST`, `PROTOCOL_SEQUENCE_TIMEOUT`, …)
 * - Node socket errors (`ECONNREFUSED`, `ETIMEDOUT`, …), also inside an `AggregateError`
 * - PostgreSQL SQLSTATE (pg `DatabaseError.code`: `42601`, `23505`, `57014`, …)
 * - a bare SQLSTATE (`sqlState`)
 * - the message: DuckDB's `"<Kind> Error: …"` prefix, then known client messages (pg's
 *   "Query read timeout", MySQL's English server messages when only the text survived)
 *
 * @module
 */
import type { Attributes } from '@opentelemetry/api';
import { ATTR_DB_RESPONSE_STATUS_CODE, ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import { ATTR_FEDERATION_ERROR_CLASS } from './attributes.js';
import { errorTypeOf } from './error-type.js';

/**
 * What kind of failure a database call had:
 * - `syntax_error`: the statement is invalid — syntax, unknown table or column, type errors found
 *   while binding, missing privilege (SQLSTATE class 42 and its equivalents)
 * - `constraint_violation`: unique, primary or foreign key, NOT NULL or CHECK (class 23)
 * - `connection_error`: the database could not be reached, refused the login, or the connection
 *   broke (class 08, 28, socket errors)
 * - `timeout`: a statement or lock timeout, or a cancelled/interrupted statement (57014, 55P03,
 *   ER_LOCK_WAIT_TIMEOUT, max_statement_time, SQLITE_BUSY, DuckDB interrupts)
 * - `transaction_rollback`: the server rolled the transaction back — serialization failure or
 *   deadlock (class 40, ER_LOCK_DEADLOCK); retrying usually succeeds
 * - `other`: anything else (data errors such as division by zero, driver misuse, …)
 */
export type DbErrorClass = 'syntax_error' | 'constraint_violation' | 'connection_error' | 'timeout' | 'transaction_rollback' | 'other';

/** Every {@link DbErrorClass}, e.g. to pre-create metric series. */
export const DB_ERROR_CLASSES: readonly DbErrorClass[] = Object.freeze([
  'syntax_error',
  'constraint_violation',
  'connection_error',
  'timeout',
  'transaction_rollback',
  'other',
]);

/** Result of {@link classifyDbError}. */
export interface DbErrorClassification {
  /**
   * `error.type`: the database's code when the database gave one (SQLSTATE, `ER_…` name,
   * `SQLITE_…`, `DUCKDB_ERROR_…`); for a client-side failure (a socket error such as `ECONNRESET`,
   * a MySQL client protocol code, a recognised driver message) the class name — `connection_error`,
   * `timeout` — so that one fault (a reset seen as a socket error by one query and as "Connection
   * terminated" by the seven queued behind it) has one `error.type` on every span; else the error's
   * class name or `_OTHER`. Always low-cardinality.
   */
  errorType: string;
  /** The failure's class (`federation.error.class`). */
  errorClass: DbErrorClass;
  /**
   * `db.response.status_code` as semconv defines it: the SQLSTATE for PostgreSQL, the error number
   * for MySQL/MariaDB, the result code for SQLite; undefined when the database gave none.
   */
  statusCode: string | undefined;
}

/** Options of {@link classifyDbError}. */
export interface ClassifyDbErrorOptions {
  /**
   * `db.system.name` of the database that failed; restricts message matching to that system's
   * messages (codes are recognised whatever the system).
   * @default undefined (all message patterns are tried)
   */
  system?: string;
}

/** The fields of a thrown value that classification reads; never throws. */
interface ErrorFields {
  code: string | undefined;
  errno: number | undefined;
  sqlState: string | undefined;
  message: string;
}

const MAX_CODE_LENGTH = 64;

/**
 * Classifies a database driver error (pg, mysql2, better-sqlite3, @duckdb/node-api, Node sockets,
 * or a plain `{ code, message }` object). Never throws; unknown values classify as `other`.
 *
 * @param error - the thrown or rejected value
 * @param options - the failing database's system, when known
 */
export function classifyDbError(error: unknown, options: ClassifyDbErrorOptions = {}): DbErrorClassification {
  try {
    return classify(error, options);
  } catch {
    // A hostile getter must not break the caller's error path.
    return { errorType: '_OTHER', errorClass: 'other', statusCode: undefined };
  }
}

function classify(error: unknown, options: ClassifyDbErrorOptions): DbErrorClassification {
  const fields = readErrorFields(error);
  const { code, errno, sqlState } = fields;
  if (code !== undefined && code.startsWith('SQLITE_')) {
    return { errorType: code, errorClass: sqliteClass(code, fields.message), statusCode: code };
  }
  if (errno !== undefined && errno > 0 && (sqlState !== undefined || code?.startsWith('ER_'))) {
    return mysqlServerError(errno, code, sqlState);
  }
  if (code !== undefined) {
    const clientClass = MYSQL_CLIENT_CODES.get(code) ?? NODE_NET_CODES.get(code);
    // Client-side: typed by the class, as the same fault is on spans that saw only a message.
    if (clientClass !== undefined) return { errorType: clientClass, errorClass: clientClass, statusCode: undefined };
    if (isSqlState(code)) return { errorType: code, errorClass: sqlStateClass(code), statusCode: code };
  }
  if (sqlState !== undefined && isSqlState(sqlState)) {
    return { errorType: sqlState, errorClass: sqlStateClass(sqlState), statusCode: sqlState };
  }
  const fromMessage = classifyMessage(fields.message, options.system);
  if (fromMessage !== undefined) return fromMessage;
  return { errorType: errorTypeOf(error), errorClass: 'other', statusCode: undefined };
}

/**
 * The span attributes of a classification: `error.type`, `federation.error.class` and, when the
 * database gave one, `db.response.status_code`.
 */
export function dbErrorAttributes(classification: DbErrorClassification): Attributes {
  const attributes: Attributes = {
    [ATTR_ERROR_TYPE]: classification.errorType,
    [ATTR_FEDERATION_ERROR_CLASS]: classification.errorClass,
  };
  if (classification.statusCode !== undefined) attributes[ATTR_DB_RESPONSE_STATUS_CODE] = classification.statusCode;
  return attributes;
}

/** Reads the fields classification needs; callers guard against throwing getters. */
function readErrorFields(error: unknown): ErrorFields {
  if (typeof error === 'string') return { code: undefined, errno: undefined, sqlState: undefined, message: error };
  if (typeof error !== 'object' || error === null) return { code: undefined, errno: undefined, sqlState: undefined, message: '' };
  const record = error as Record<string, unknown>;
  let code = shortString(record['code']);
  const errno = typeof record['errno'] === 'number' && Number.isFinite(record['errno']) ? record['errno'] : undefined;
  const sqlState = shortString(record['sqlState']);
  const message = typeof record['message'] === 'string' ? record['message'] : '';
  // Node's happy-eyeballs connect rejects with an AggregateError whose own code may be missing.
  const inner = record['errors'];
  if (code === undefined && Array.isArray(inner)) {
    for (const item of inner) {
      const innerCode = shortString((item as { code?: unknown } | null)?.code);
      if (innerCode !== undefined) {
        code = innerCode;
        break;
      }
    }
  }
  return { code, errno, sqlState, message };
}

function shortString(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  return typeof value === 'string' && value !== '' && value.length <= MAX_CODE_LENGTH ? value : undefined;
}

/** A SQLSTATE: five digits or upper-case letters, at least one digit (so `EPIPE` is not one). */
function isSqlState(code: string): boolean {
  return /^[0-9A-Z]{5}$/.test(code) && /\d/.test(code);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL / SQL standard SQLSTATE
// ---------------------------------------------------------------------------------------------

const SQLSTATE_TIMEOUTS = new Set([
  '57014', // query_canceled: statement_timeout or a cancel request
  '55P03', // lock_not_available: lock_timeout, NOWAIT
  '25P03', // idle_in_transaction_session_timeout
  '57P05', // idle_session_timeout
  '70100', // MySQL/MariaDB: query interrupted (max_statement_time, KILL QUERY)
  'HYT00', // ODBC timeout expired
  'HYT01', // ODBC connection timeout expired
]);

const SQLSTATE_CONNECTION = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

function sqlStateClass(state: string): DbErrorClass {
  if (SQLSTATE_TIMEOUTS.has(state)) return 'timeout';
  if (SQLSTATE_CONNECTION.has(state)) return 'connection_error';
  switch (state.slice(0, 2)) {
    case '42':
      return 'syntax_error';
    case '23':
      return 'constraint_violation';
    case '08':
    case '28':
      return 'connection_error';
    case '40':
      return 'transaction_rollback';
    default:
      return 'other';
  }
}

// ---------------------------------------------------------------------------------------------
// MySQL / MariaDB
// ---------------------------------------------------------------------------------------------

/** Server error names by class; the number is the errno (for errors that come without a name). */
const MYSQL_SERVER_ERRORS: ReadonlyArray<readonly [string, number, DbErrorClass]> = [
  ['ER_PARSE_ERROR', 1064, 'syntax_error'],
  ['ER_SYNTAX_ERROR', 1149, 'syntax_error'],
  ['ER_EMPTY_QUERY', 1065, 'syntax_error'],
  ['ER_NO_SUCH_TABLE', 1146, 'syntax_error'],
  ['ER_BAD_FIELD_ERROR', 1054, 'syntax_error'],
  ['ER_BAD_TABLE_ERROR', 1051, 'syntax_error'],
  ['ER_BAD_DB_ERROR', 1049, 'syntax_error'],
  ['ER_NON_UNIQ_ERROR', 1052, 'syntax_error'],
  ['ER_TABLE_EXISTS_ERROR', 1050, 'syntax_error'],
  ['ER_WRONG_VALUE_COUNT_ON_ROW', 1136, 'syntax_error'],
  ['ER_SP_DOES_NOT_EXIST', 1305, 'syntax_error'],
  ['ER_TABLEACCESS_DENIED_ERROR', 1142, 'syntax_error'],
  ['ER_DUP_ENTRY', 1062, 'constraint_violation'],
  ['ER_DUP_KEY', 1022, 'constraint_violation'],
  ['ER_DUP_ENTRY_WITH_KEY_NAME', 1586, 'constraint_violation'],
  ['ER_NO_REFERENCED_ROW', 1216, 'constraint_violation'],
  ['ER_ROW_IS_REFERENCED', 1217, 'constraint_violation'],
  ['ER_ROW_IS_REFERENCED_2', 1451, 'constraint_violation'],
  ['ER_NO_REFERENCED_ROW_2', 1452, 'constraint_violation'],
  ['ER_BAD_NULL_ERROR', 1048, 'constraint_violation'],
  ['ER_NO_DEFAULT_FOR_FIELD', 1364, 'constraint_violation'],
  ['ER_CHECK_CONSTRAINT_VIOLATED', 3819, 'constraint_violation'],
  ['ER_ACCESS_DENIED_ERROR', 1045, 'connection_error'],
  ['ER_DBACCESS_DENIED_ERROR', 1044, 'connection_error'],
  ['ER_CON_COUNT_ERROR', 1040, 'connection_error'],
  ['ER_TOO_MANY_USER_CONNECTIONS', 1203, 'connection_error'],
  ['ER_HOST_NOT_PRIVILEGED', 1130, 'connection_error'],
  ['ER_HOST_IS_BLOCKED', 1129, 'connection_error'],
  ['ER_SERVER_SHUTDOWN', 1053, 'connection_error'],
  ['ER_NET_READ_ERROR', 1158, 'connection_error'],
  ['ER_NET_READ_INTERRUPTED', 1159, 'connection_error'],
  ['ER_NET_ERROR_ON_WRITE', 1160, 'connection_error'],
  ['ER_LOCK_WAIT_TIMEOUT', 1205, 'timeout'],
  ['ER_QUERY_INTERRUPTED', 1317, 'timeout'],
  ['ER_QUERY_TIMEOUT', 3024, 'timeout'],
  ['ER_LOCK_NOWAIT', 3572, 'timeout'],
  ['ER_LOCK_DEADLOCK', 1213, 'transaction_rollback'],
  ['ER_XA_RBDEADLOCK', 1614, 'transaction_rollback'],
  ['ER_XA_RBROLLBACK', 1402, 'transaction_rollback'],
  ['ER_CHECKREAD', 1020, 'transaction_rollback'],
];

const MYSQL_CLASS_BY_NAME = new Map<string, DbErrorClass>(MYSQL_SERVER_ERRORS.map(([name, , cls]) => [name, cls]));
const MYSQL_NAME_BY_ERRNO = new Map<number, string>(MYSQL_SERVER_ERRORS.map(([name, errno]) => [errno, name]));

/**
 * MariaDB error numbers that MySQL uses for something else (mysql2 names errors after MySQL's
 * list, so MariaDB's 4025 CHECK failure arrives named ER_INNODB_AUTOEXTEND_SIZE_OUT_OF_RANGE and
 * 1969 arrives without a name). Recognised only with MariaDB's SQLSTATE.
 */
const MARIADB_ERRORS = new Map<number, { name: string; sqlState: string; errorClass: DbErrorClass }>([
  [1969, { name: 'ER_STATEMENT_TIMEOUT', sqlState: '70100', errorClass: 'timeout' }],
  [4025, { name: 'ER_CONSTRAINT_FAILED', sqlState: '23000', errorClass: 'constraint_violation' }],
  [1927, { name: 'ER_CONNECTION_KILLED', sqlState: '70100', errorClass: 'connection_error' }],
]);

function mysqlServerError(errno: number, code: string | undefined, sqlState: string | undefined): DbErrorClassification {
  const statusCode = String(errno);
  const mariadb = MARIADB_ERRORS.get(errno);
  if (mariadb !== undefined && (sqlState === undefined || sqlState === mariadb.sqlState)) {
    return { errorType: mariadb.name, errorClass: mariadb.errorClass, statusCode };
  }
  const name = code !== undefined && code.startsWith('ER_') ? code : MYSQL_NAME_BY_ERRNO.get(errno);
  const known = name !== undefined ? MYSQL_CLASS_BY_NAME.get(name) : undefined;
  const errorClass = known ?? (sqlState !== undefined && isSqlState(sqlState) ? sqlStateClass(sqlState) : 'other');
  return { errorType: name ?? statusCode, errorClass, statusCode };
}

/** mysql2's client-side codes (no server errno). */
const MYSQL_CLIENT_CODES = new Map<string, DbErrorClass>([
  ['PROTOCOL_CONNECTION_LOST', 'connection_error'],
  ['PROTOCOL_ENQUEUE_AFTER_QUIT', 'connection_error'],
  ['PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR', 'connection_error'],
  ['PROTOCOL_ENQUEUE_HANDSHAKE_TWICE', 'connection_error'],
  ['PROTOCOL_PACKETS_OUT_OF_ORDER', 'connection_error'],
  ['HANDSHAKE_NO_SSL_SUPPORT', 'connection_error'],
  ['POOL_CLOSED', 'connection_error'],
  ['POOL_ENQUEUELIMIT', 'connection_error'],
  ['PROTOCOL_SEQUENCE_TIMEOUT', 'timeout'],
]);

// ---------------------------------------------------------------------------------------------
// Node sockets
// ---------------------------------------------------------------------------------------------

const NODE_NET_CODES = new Map<string, DbErrorClass>([
  ['ECONNREFUSED', 'connection_error'],
  ['ECONNRESET', 'connection_error'],
  ['ECONNABORTED', 'connection_error'],
  ['EPIPE', 'connection_error'],
  ['ENOTFOUND', 'connection_error'],
  ['EAI_AGAIN', 'connection_error'],
  ['EHOSTUNREACH', 'connection_error'],
  ['EHOSTDOWN', 'connection_error'],
  ['ENETUNREACH', 'connection_error'],
  ['ENETDOWN', 'connection_error'],
  ['EADDRNOTAVAIL', 'connection_error'],
  ['ERR_SOCKET_CLOSED', 'connection_error'],
  ['ERR_STREAM_DESTROYED', 'connection_error'],
  ['ETIMEDOUT', 'timeout'],
  ['ESOCKETTIMEDOUT', 'timeout'],
  ['ERR_SOCKET_CONNECTION_TIMEOUT', 'timeout'],
]);

// ---------------------------------------------------------------------------------------------
// SQLite (better-sqlite3 gives extended result code names)
// ---------------------------------------------------------------------------------------------

function sqliteClass(code: string, message: string): DbErrorClass {
  if (code.startsWith('SQLITE_CONSTRAINT')) return 'constraint_violation';
  if (code === 'SQLITE_BUSY_SNAPSHOT') return 'transaction_rollback';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code === 'SQLITE_INTERRUPT') return 'timeout';
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_AUTH')) return 'connection_error';
  // SQLITE_ERROR is SQLite's generic code; its message tells a bad statement apart.
  if (
    code === 'SQLITE_ERROR' &&
    /syntax error|no such (table|column|function|index|view)|incomplete input|ambiguous column|has no column named|already exists/i.test(
      message,
    )
  ) {
    return 'syntax_error';
  }
  return 'other';
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/**
 * DuckDB's exception kinds as its messages spell them ("Parser Error: …"), with the name of
 * DuckDB's C API error type (`duckdb_error_type` without the `DUCKDB_ERROR_` prefix).
 */
const DUCKDB_KINDS = new Map<string, { type: string; errorClass: DbErrorClass }>([
  ['Parser', { type: 'PARSER', errorClass: 'syntax_error' }],
  ['Syntax', { type: 'SYNTAX', errorClass: 'syntax_error' }],
  ['Catalog', { type: 'CATALOG', errorClass: 'syntax_error' }],
  ['Binder', { type: 'BINDER', errorClass: 'syntax_error' }],
  ['Parameter Not Resolved', { type: 'PARAMETER_NOT_RESOLVED', errorClass: 'syntax_error' }],
  ['Parameter Not Allowed', { type: 'PARAMETER_NOT_ALLOWED', errorClass: 'syntax_error' }],
  ['Permission', { type: 'PERMISSION', errorClass: 'syntax_error' }],
  ['Constraint', { type: 'CONSTRAINT', errorClass: 'constraint_violation' }],
  ['INTERRUPT', { type: 'INTERRUPT', errorClass: 'timeout' }],
  ['Interrupt', { type: 'INTERRUPT', errorClass: 'timeout' }],
  ['Connection', { type: 'CONNECTION', errorClass: 'connection_error' }],
  ['IO', { type: 'IO', errorClass: 'connection_error' }],
  ['HTTP', { type: 'HTTP', errorClass: 'connection_error' }],
  ['Network', { type: 'NETWORK', errorClass: 'connection_error' }],
  ['TransactionContext', { type: 'TRANSACTION', errorClass: 'transaction_rollback' }],
  ['Transaction', { type: 'TRANSACTION', errorClass: 'transaction_rollback' }],
  ['Conversion', { type: 'CONVERSION', errorClass: 'other' }],
  ['Invalid Input', { type: 'INVALID_INPUT', errorClass: 'other' }],
  ['Out of Range', { type: 'OUT_OF_RANGE', errorClass: 'other' }],
  ['Out of Memory', { type: 'OUT_OF_MEMORY', errorClass: 'other' }],
  ['Mismatch Type', { type: 'MISMATCH_TYPE', errorClass: 'other' }],
  ['Invalid type', { type: 'INVALID_TYPE', errorClass: 'other' }],
  ['Invalid', { type: 'INVALID', errorClass: 'other' }],
  ['Divide by Zero', { type: 'DIVIDE_BY_ZERO', errorClass: 'other' }],
  ['Not implemented', { type: 'NOT_IMPLEMENTED', errorClass: 'other' }],
  ['Dependency', { type: 'DEPENDENCY', errorClass: 'other' }],
  ['Sequence', { type: 'SEQUENCE', errorClass: 'other' }],
  ['Missing Extension', { type: 'MISSING_EXTENSION', errorClass: 'other' }],
  ['Extension Autoloading', { type: 'AUTOLOAD', errorClass: 'other' }],
  ['Invalid Configuration', { type: 'INVALID_CONFIGURATION', errorClass: 'other' }],
  ['Serialization', { type: 'SERIALIZATION', errorClass: 'other' }],
  ['Executor', { type: 'EXECUTOR', errorClass: 'other' }],
  ['INTERNAL', { type: 'INTERNAL', errorClass: 'other' }],
  ['FATAL', { type: 'FATAL', errorClass: 'other' }],
]);

const DUCKDB_PREFIX = /^([A-Za-z][A-Za-z ]{0,30}?) Error: /;
/** What @duckdb/node-api puts before DuckDB's own message when it rethrows it (start, pending tasks). */
const DUCKDB_NODE_API_WRAPPER = /^(?:Failed to extract statements|Failure running pending result task): /;

/** English messages of MySQL/MariaDB server errors, for when only the text reached us. */
const MYSQL_MESSAGES: ReadonlyArray<readonly [RegExp, string, DbErrorClass]> = [
  [/^You have an error in your SQL syntax/, 'ER_PARSE_ERROR', 'syntax_error'],
  [/^Table '[^']*' doesn't exist/, 'ER_NO_SUCH_TABLE', 'syntax_error'],
  [/^Unknown column '/, 'ER_BAD_FIELD_ERROR', 'syntax_error'],
  [/^Duplicate entry '/, 'ER_DUP_ENTRY', 'constraint_violation'],
  [/^Cannot add or update a child row: a foreign key constraint fails/, 'ER_NO_REFERENCED_ROW_2', 'constraint_violation'],
  [/^Cannot delete or update a parent row: a foreign key constraint fails/, 'ER_ROW_IS_REFERENCED_2', 'constraint_violation'],
  [/^Column '[^']*' cannot be null/, 'ER_BAD_NULL_ERROR', 'constraint_violation'],
  [/^CONSTRAINT `[^`]*` failed for/, 'ER_CONSTRAINT_FAILED', 'constraint_violation'],
  [/^Check constraint '[^']*' is violated/, 'ER_CHECK_CONSTRAINT_VIOLATED', 'constraint_violation'],
  [/^Deadlock found when trying to get lock/, 'ER_LOCK_DEADLOCK', 'transaction_rollback'],
  [/^Lock wait timeout exceeded/, 'ER_LOCK_WAIT_TIMEOUT', 'timeout'],
  [/max_statement_time exceeded/, 'ER_STATEMENT_TIMEOUT', 'timeout'],
  [/maximum statement execution time exceeded/, 'ER_QUERY_TIMEOUT', 'timeout'],
  [/^Query execution was interrupted/, 'ER_QUERY_INTERRUPTED', 'timeout'],
  [/^Query inactivity timeout/, 'PROTOCOL_SEQUENCE_TIMEOUT', 'timeout'],
  [/^Connection lost: The server closed the connection/, 'PROTOCOL_CONNECTION_LOST', 'connection_error'],
  [/^Access denied for user/, 'ER_ACCESS_DENIED_ERROR', 'connection_error'],
  [/^Too many connections/, 'ER_CON_COUNT_ERROR', 'connection_error'],
];

/** Client-side messages without a code (pg, pg-pool, generic); `error.type` is the class name. */
const GENERIC_MESSAGES: ReadonlyArray<readonly [RegExp, DbErrorClass]> = [
  [/\b(ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH)\b/, 'connection_error'],
  [/\bETIMEDOUT\b/, 'timeout'],
  [/^Connection terminated/, 'connection_error'],
  [/^Client has encountered a connection error/, 'connection_error'],
  [/^Client was closed and is not queryable/, 'connection_error'],
  [/^Can't add new command when connection is in closed state/, 'connection_error'],
  [/^Query read timeout/, 'timeout'],
  [/^timeout exceeded when trying to connect/, 'timeout'],
  [/^Connection terminated due to connection timeout/, 'timeout'],
];

function classifyMessage(message: string, system: string | undefined): DbErrorClassification | undefined {
  if (message === '') return undefined;
  if (system === undefined || system === 'duckdb') {
    const kind = DUCKDB_PREFIX.exec(message.replace(DUCKDB_NODE_API_WRAPPER, ''))?.[1];
    const known = kind !== undefined ? DUCKDB_KINDS.get(kind) : undefined;
    if (known !== undefined) return { errorType: `DUCKDB_ERROR_${known.type}`, errorClass: known.errorClass, statusCode: undefined };
  }
  if (system === undefined || system === 'mysql' || system === 'mariadb') {
    for (const [pattern, name, errorClass] of MYSQL_MESSAGES) {
      if (pattern.test(message)) return { errorType: name, errorClass, statusCode: undefined };
    }
  }
  for (const [pattern, errorClass] of GENERIC_MESSAGES) {
    if (pattern.test(message)) return { errorType: errorClass, errorClass, statusCode: undefined };
  }
  return undefined;
}
