import { describe, expect, it } from 'vitest';
import { classifyDbError, dbErrorAttributes, DB_ERROR_CLASSES } from '../../../src/span-model/error-class.js';

/** A pg DatabaseError as pg 8 builds it (name 'error', SQLSTATE in code). */
function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { name: 'error', code, severity: 'ERROR' });
}

/** A mysql2 server error: code name, errno, sqlState. */
function mysqlError(code: string | undefined, errno: number, sqlState: string, message: string): Error {
  return Object.assign(new Error(message), { code, errno, sqlState, sqlMessage: message });
}

/** better-sqlite3's SqliteError. */
function sqliteError(code: string, message: string): Error {
  return Object.assign(new Error(message), { name: 'SqliteError', code });
}

describe('classifyDbError', () => {
  it.each([
    ['42601', 'syntax error at or near "SELEC"', 'syntax_error'],
    ['42P01', 'relation "nope" does not exist', 'syntax_error'],
    ['23505', 'duplicate key value violates unique constraint', 'constraint_violation'],
    ['23503', 'insert or update violates foreign key constraint', 'constraint_violation'],
    ['08006', 'connection failure', 'connection_error'],
    ['28P01', 'password authentication failed', 'connection_error'],
    ['57P01', 'terminating connection due to administrator command', 'connection_error'],
    ['57014', 'canceling statement due to statement timeout', 'timeout'],
    ['55P03', 'could not obtain lock on row', 'timeout'],
    ['40001', 'could not serialize access due to concurrent update', 'transaction_rollback'],
    ['40P01', 'deadlock detected', 'transaction_rollback'],
    ['22012', 'division by zero', 'other'],
  ] as const)('PostgreSQL SQLSTATE %s → %s', (code, message, errorClass) => {
    expect(classifyDbError(pgError(code, message))).toEqual({ errorType: code, errorClass, statusCode: code });
  });

  it.each([
    ['ER_PARSE_ERROR', 1064, '42000', 'syntax_error'],
    ['ER_NO_SUCH_TABLE', 1146, '42S02', 'syntax_error'],
    ['ER_DUP_ENTRY', 1062, '23000', 'constraint_violation'],
    ['ER_NO_REFERENCED_ROW_2', 1452, '23000', 'constraint_violation'],
    ['ER_NO_REFERENCED_ROW', 1216, '23000', 'constraint_violation'],
    ['ER_ROW_IS_REFERENCED_2', 1451, '23000', 'constraint_violation'],
    ['ER_BAD_NULL_ERROR', 1048, '23000', 'constraint_violation'],
    ['ER_ACCESS_DENIED_ERROR', 1045, '28000', 'connection_error'],
    ['ER_LOCK_WAIT_TIMEOUT', 1205, 'HY000', 'timeout'],
    ['ER_LOCK_DEADLOCK', 1213, '40001', 'transaction_rollback'],
  ] as const)('MySQL %s (%i) → %s', (code, errno, sqlState, errorClass) => {
    expect(classifyDbError(mysqlError(code, errno, sqlState, 'x'))).toEqual({ errorType: code, errorClass, statusCode: String(errno) });
  });

  it('names MariaDB errors that mysql2 misnames or leaves unnamed, by errno and SQLSTATE', () => {
    // MariaDB 10.11 as seen through mysql2 3.24: CHECK failure 4025 arrives with MySQL's name for 4025.
    expect(classifyDbError(mysqlError('ER_INNODB_AUTOEXTEND_SIZE_OUT_OF_RANGE', 4025, '23000', 'CONSTRAINT `c` failed'))).toEqual({
      errorType: 'ER_CONSTRAINT_FAILED',
      errorClass: 'constraint_violation',
      statusCode: '4025',
    });
    expect(classifyDbError(mysqlError(undefined, 1969, '70100', 'Query execution was interrupted (max_statement_time exceeded)'))).toEqual({
      errorType: 'ER_STATEMENT_TIMEOUT',
      errorClass: 'timeout',
      statusCode: '1969',
    });
    // The same number with MySQL's SQLSTATE keeps MySQL's meaning.
    expect(classifyDbError(mysqlError('ER_INNODB_AUTOEXTEND_SIZE_OUT_OF_RANGE', 4025, 'HY000', 'x')).errorClass).toBe('other');
  });

  it('falls back to the SQLSTATE class for unknown MySQL errors, keeping the errno as the type', () => {
    expect(classifyDbError(mysqlError(undefined, 9999, '23000', 'x'))).toEqual({
      errorType: '9999',
      errorClass: 'constraint_violation',
      statusCode: '9999',
    });
    expect(classifyDbError(mysqlError('ER_SOMETHING_NEW', 9998, 'HY000', 'x'))).toEqual({
      errorType: 'ER_SOMETHING_NEW',
      errorClass: 'other',
      statusCode: '9998',
    });
  });

  it.each([
    ['PROTOCOL_CONNECTION_LOST', 'connection_error'],
    ['PROTOCOL_SEQUENCE_TIMEOUT', 'timeout'],
    ['ECONNREFUSED', 'connection_error'],
    ['ECONNRESET', 'connection_error'],
    ['ENOTFOUND', 'connection_error'],
    ['EPIPE', 'connection_error'],
    ['ETIMEDOUT', 'timeout'],
  ] as const)('client code %s → %s, typed by the class', (code, errorClass) => {
    expect(classifyDbError(Object.assign(new Error('x'), { code, errno: -111 }))).toEqual({
      errorType: errorClass,
      errorClass,
      statusCode: undefined,
    });
  });

  it('reads the code of the first failed attempt inside an AggregateError (happy eyeballs)', () => {
    const error = new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:1'), { code: 'ECONNREFUSED' })], '');
    expect(classifyDbError(error)).toMatchObject({ errorType: 'connection_error', errorClass: 'connection_error' });
  });

  it.each([
    ['SQLITE_ERROR', 'near "SELEC": syntax error', 'syntax_error'],
    ['SQLITE_ERROR', 'no such table: nope', 'syntax_error'],
    ['SQLITE_ERROR', 'something else went wrong', 'other'],
    ['SQLITE_CONSTRAINT_UNIQUE', 'UNIQUE constraint failed: t.id', 'constraint_violation'],
    ['SQLITE_CONSTRAINT_FOREIGNKEY', 'FOREIGN KEY constraint failed', 'constraint_violation'],
    ['SQLITE_CONSTRAINT_NOTNULL', 'NOT NULL constraint failed: t.v', 'constraint_violation'],
    ['SQLITE_BUSY', 'database is locked', 'timeout'],
    ['SQLITE_BUSY_SNAPSHOT', 'database is locked', 'transaction_rollback'],
    ['SQLITE_INTERRUPT', 'interrupted', 'timeout'],
    ['SQLITE_CANTOPEN', 'unable to open database file', 'connection_error'],
  ] as const)('SQLite %s (%s) → %s', (code, message, errorClass) => {
    expect(classifyDbError(sqliteError(code, message))).toEqual({ errorType: code, errorClass, statusCode: code });
  });

  it.each([
    ['Parser Error: syntax error at or near "SELEC"', 'DUCKDB_ERROR_PARSER', 'syntax_error'],
    ['Catalog Error: Table with name nope does not exist!', 'DUCKDB_ERROR_CATALOG', 'syntax_error'],
    ['Binder Error: Referenced column "x" not found', 'DUCKDB_ERROR_BINDER', 'syntax_error'],
    ['Constraint Error: Duplicate key "id: 1" violates primary key constraint.', 'DUCKDB_ERROR_CONSTRAINT', 'constraint_violation'],
    ["Conversion Error: Could not convert string 'x' to INT32", 'DUCKDB_ERROR_CONVERSION', 'other'],
    ['INTERRUPT Error: Interrupted!', 'DUCKDB_ERROR_INTERRUPT', 'timeout'],
    ['IO Error: Cannot open file "/nope/x.duckdb"', 'DUCKDB_ERROR_IO', 'connection_error'],
    ['TransactionContext Error: Catalog write-write conflict on alter with "t"', 'DUCKDB_ERROR_TRANSACTION', 'transaction_rollback'],
    // @duckdb/node-api's wrappers around DuckDB's message (connection.start, pending-result tasks).
    ['Failed to extract statements: Parser Error: syntax error at or near "SELEC"', 'DUCKDB_ERROR_PARSER', 'syntax_error'],
    ["Failure running pending result task: Conversion Error: Could not convert string 'abc' to INT32", 'DUCKDB_ERROR_CONVERSION', 'other'],
  ] as const)('DuckDB %s', (message, errorType, errorClass) => {
    expect(classifyDbError(new Error(message), { system: 'duckdb' })).toEqual({ errorType, errorClass, statusCode: undefined });
    // DuckDB errors carry no code, so the prefix is recognised without the system hint too.
    expect(classifyDbError(new Error(message)).errorType).toBe(errorType);
  });

  it('recognises MySQL/MariaDB messages when only the text survived', () => {
    expect(
      classifyDbError({ message: "You have an error in your SQL syntax; check the manual near 'SELEC 1'" }, { system: 'mysql' }),
    ).toEqual({
      errorType: 'ER_PARSE_ERROR',
      errorClass: 'syntax_error',
      statusCode: undefined,
    });
    expect(classifyDbError({ message: "Duplicate entry '1' for key 'PRIMARY'" }).errorType).toBe('ER_DUP_ENTRY');
    expect(classifyDbError({ message: 'Deadlock found when trying to get lock; try restarting transaction' }).errorClass).toBe(
      'transaction_rollback',
    );
    // ... but not as another system's messages.
    expect(classifyDbError({ message: "Duplicate entry '1' for key 'PRIMARY'" }, { system: 'postgresql' }).errorClass).toBe('other');
  });

  it('recognises code-less client messages (pg timeouts, lost connections) and types them by class', () => {
    expect(classifyDbError(new Error('Query read timeout'), { system: 'postgresql' })).toEqual({
      errorType: 'timeout',
      errorClass: 'timeout',
      statusCode: undefined,
    });
    expect(classifyDbError(new Error('Connection terminated unexpectedly')).errorClass).toBe('connection_error');
    expect(classifyDbError({ message: 'connect ECONNREFUSED 127.0.0.1:1' })).toEqual({
      errorType: 'connection_error',
      errorClass: 'connection_error',
      statusCode: undefined,
    });
  });

  it('gives one error.type to one fault: a reset seen as a socket code and as a message alike', () => {
    const socket = classifyDbError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), { system: 'postgresql' });
    const queued = classifyDbError(new Error('Connection terminated unexpectedly'), { system: 'postgresql' });
    const mysqlLost = classifyDbError(Object.assign(new Error('Connection lost'), { code: 'PROTOCOL_CONNECTION_LOST' }), {
      system: 'mysql',
    });
    expect(new Set([socket.errorType, queued.errorType, mysqlLost.errorType])).toEqual(new Set(['connection_error']));
  });

  it('keeps anything else low-cardinality: the error class name, or _OTHER', () => {
    expect(classifyDbError(new TypeError('This statement does not return data'))).toEqual({
      errorType: 'TypeError',
      errorClass: 'other',
      statusCode: undefined,
    });
    expect(classifyDbError('boom')).toEqual({ errorType: '_OTHER', errorClass: 'other', statusCode: undefined });
    expect(classifyDbError(undefined)).toEqual({ errorType: '_OTHER', errorClass: 'other', statusCode: undefined });
    expect(classifyDbError({ code: 'x'.repeat(500), message: 'long' })).toEqual({
      errorType: '_OTHER',
      errorClass: 'other',
      statusCode: undefined,
    });
  });

  it('never throws, even on hostile errors', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('no');
        },
      },
    );
    expect(() => classifyDbError(hostile)).not.toThrow();
    expect(classifyDbError(hostile).errorClass).toBe('other');
  });

  it('returns only the six documented classes', () => {
    expect(DB_ERROR_CLASSES).toEqual([
      'syntax_error',
      'constraint_violation',
      'connection_error',
      'timeout',
      'transaction_rollback',
      'other',
    ]);
  });
});

describe('dbErrorAttributes', () => {
  it('sets error.type, federation.error.class and db.response.status_code when there is one', () => {
    expect(dbErrorAttributes({ errorType: '23505', errorClass: 'constraint_violation', statusCode: '23505' })).toEqual({
      'error.type': '23505',
      'federation.error.class': 'constraint_violation',
      'db.response.status_code': '23505',
    });
    expect(dbErrorAttributes({ errorType: 'DUCKDB_ERROR_PARSER', errorClass: 'syntax_error', statusCode: undefined })).toEqual({
      'error.type': 'DUCKDB_ERROR_PARSER',
      'federation.error.class': 'syntax_error',
    });
  });
});
