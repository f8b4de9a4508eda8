import type { MergeColumn } from './merge-table-columns.js';

/** The parts of a `@duckdb/node-api` `DuckDBAppender` the merge uses. */
export interface MergeAppender {
  appendNull(): void;
  appendBoolean(value: boolean): void;
  appendTinyInt(value: number): void;
  appendSmallInt(value: number): void;
  appendInteger(value: number): void;
  appendBigInt(value: bigint): void;
  appendHugeInt(value: bigint): void;
  appendUTinyInt(value: number): void;
  appendUSmallInt(value: number): void;
  appendUInteger(value: number): void;
  appendUBigInt(value: bigint): void;
  appendUHugeInt(value: bigint): void;
  appendFloat(value: number): void;
  appendDouble(value: number): void;
  appendVarchar(value: string): void;
  appendBlob(value: Uint8Array): void;
  endRow(): void;
  flushSync(): void;
  closeSync(): void;
}

const INTEGER_TEXT = /^[+-]?\d+$/;

/**
 * Appends one value to a typed merge column, converting what the drivers hand over: integers as
 * strings (pg int8, mysql2 BIGINT) become bigints, decimal strings go in as text that DuckDB parses
 * exactly, Dates become the column's DATE/TIMESTAMP wall-clock time in the zone the driver built
 * them in (so a DATE does not shift by the time zone) or, for TIMESTAMPTZ, the instant. Anything
 * else goes in as text and DuckDB casts it to the column's type; a value it cannot cast fails the
 * load (the merge then fails with `MERGE_FAILED`).
 */
export function appendTyped(appender: MergeAppender, column: MergeColumn, value: unknown): void {
  if (value === null || value === undefined) return appender.appendNull();
  // An invalid Date (mysql2's zero date '0000-00-00') has no value to merge.
  if (value instanceof Date && Number.isNaN(value.getTime())) return appender.appendNull();
  const type = column.key;
  switch (type) {
    case 'BOOLEAN':
      if (typeof value === 'boolean') return appender.appendBoolean(value);
      if (typeof value === 'number' || typeof value === 'bigint') return appender.appendBoolean(value !== 0 && value !== 0n);
      break;
    case 'TINYINT':
      return smallInteger(value, appender, (n) => appender.appendTinyInt(n));
    case 'SMALLINT':
      return smallInteger(value, appender, (n) => appender.appendSmallInt(n));
    case 'INTEGER':
      return smallInteger(value, appender, (n) => appender.appendInteger(n));
    case 'UTINYINT':
      return smallInteger(value, appender, (n) => appender.appendUTinyInt(n));
    case 'USMALLINT':
      return smallInteger(value, appender, (n) => appender.appendUSmallInt(n));
    case 'UINTEGER':
      return smallInteger(value, appender, (n) => appender.appendUInteger(n));
    case 'BIGINT':
      return largeInteger(value, appender, (n) => appender.appendBigInt(n));
    case 'UBIGINT':
      return largeInteger(value, appender, (n) => appender.appendUBigInt(n));
    case 'HUGEINT':
      return largeInteger(value, appender, (n) => appender.appendHugeInt(n));
    case 'UHUGEINT':
      return largeInteger(value, appender, (n) => appender.appendUHugeInt(n));
    case 'FLOAT':
    case 'DOUBLE':
      if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
        return type === 'FLOAT' ? appender.appendFloat(Number(value)) : appender.appendDouble(Number(value));
      }
      break;
    case 'DATE':
      if (value instanceof Date) return appender.appendVarchar(dateText(value, column.dateZone));
      break;
    case 'TIMESTAMP':
      if (value instanceof Date) return appender.appendVarchar(`${dateText(value, column.dateZone)} ${timeText(value, column.dateZone)}`);
      break;
    case 'TIMESTAMPTZ':
    case 'TIMESTAMP WITH TIME ZONE':
      if (value instanceof Date) return appender.appendVarchar(value.toISOString());
      break;
    case 'TIME':
      // DuckDB's node-api reads TIME as microseconds since midnight.
      if (typeof value === 'bigint' || typeof value === 'number') return appender.appendVarchar(microsText(BigInt(value)));
      break;
    case 'BLOB':
      if (value instanceof Uint8Array) return appender.appendBlob(value);
      break;
  }
  return appender.appendVarchar(textOf(value));
}

/** Numbers go in as they are (DuckDB checks the range); text is cast by DuckDB. */
function smallInteger(value: unknown, appender: MergeAppender, append: (n: number) => void): void {
  if (typeof value === 'number' && Number.isInteger(value)) return append(value);
  if (typeof value === 'boolean') return append(value ? 1 : 0);
  if (typeof value === 'bigint') return append(Number(value));
  return appender.appendVarchar(textOf(value));
}

/** 64/128-bit integers go in as bigint, so values beyond 2^53 stay exact. */
function largeInteger(value: unknown, appender: MergeAppender, append: (n: bigint) => void): void {
  if (typeof value === 'bigint') return append(value);
  if (typeof value === 'number' && Number.isInteger(value)) return append(BigInt(value));
  if (typeof value === 'string' && INTEGER_TEXT.test(value.trim())) return append(BigInt(value.trim()));
  if (typeof value === 'boolean') return append(value ? 1n : 0n);
  return appender.appendVarchar(textOf(value));
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `YYYY-MM-DD` of a Date's wall-clock time in `zone`. */
export function dateText(date: Date, zone: 'local' | 'utc'): string {
  return zone === 'utc'
    ? `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`
    : `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function timeText(date: Date, zone: 'local' | 'utc'): string {
  return zone === 'utc'
    ? `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}`
    : `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function microsText(micros: bigint): string {
  const seconds = micros / 1_000_000n;
  const fraction = micros % 1_000_000n;
  return `${pad(Number(seconds / 3600n))}:${pad(Number((seconds / 60n) % 60n))}:${pad(Number(seconds % 60n))}.${pad(Number(fraction), 6)}`;
}

/** Text of a value for a VARCHAR column or for DuckDB to cast: Dates as UTC `YYYY-MM-DD HH:MM:SS.mmm`, objects as JSON. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? typeof value;
}
