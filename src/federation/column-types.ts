/**
 * Maps the column metadata each SQL driver reports to the DuckDB logical type the SQL merge gives
 * the column (see {@link SourceColumn}). A type the merge cannot hold faithfully maps to
 * `undefined`: that column is then typed from its values, as rows of HTTP and function sources are.
 *
 * @module
 */
import type { SourceColumn } from './types.js';

/** Marker type for an exact decimal whose precision DuckDB's DECIMAL cannot hold; the merge resolves it from the values. */
export const UNSIZED_DECIMAL = 'DECIMAL(*)';

/** DuckDB's widest DECIMAL. */
const MAX_DECIMAL_PRECISION = 38;

/**
 * `DECIMAL(p,s)` when DuckDB can hold it, else {@link UNSIZED_DECIMAL} (PostgreSQL numeric goes up
 * to 1000 digits, MySQL DECIMAL to 65; negative or oversized scales exist in PostgreSQL 15).
 */
export function decimalType(precision: number, scale: number): string {
  if (
    !Number.isInteger(precision) ||
    !Number.isInteger(scale) ||
    precision < 1 ||
    precision > MAX_DECIMAL_PRECISION ||
    scale < 0 ||
    scale > precision
  )
    return UNSIZED_DECIMAL;
  return `DECIMAL(${precision},${scale})`;
}

/** PostgreSQL type OIDs (pg_type.oid, stable across versions) of the types with a faithful DuckDB type. */
const PG_TYPES: ReadonlyMap<number, string> = new Map([
  [16, 'BOOLEAN'], // bool
  [17, 'BLOB'], // bytea (pg returns a Buffer)
  [18, 'VARCHAR'], // "char"
  [19, 'VARCHAR'], // name
  [20, 'BIGINT'], // int8 (pg returns a string)
  [21, 'SMALLINT'], // int2
  [23, 'INTEGER'], // int4
  [25, 'VARCHAR'], // text
  [26, 'UINTEGER'], // oid
  [114, 'VARCHAR'], // json (pg parses it; the merge gets its JSON text)
  [142, 'VARCHAR'], // xml
  [700, 'FLOAT'], // float4
  [701, 'DOUBLE'], // float8
  [705, 'VARCHAR'], // unknown (an untyped literal)
  [1042, 'VARCHAR'], // bpchar
  [1043, 'VARCHAR'], // varchar
  [1082, 'DATE'], // date (pg returns a local-midnight Date)
  [1083, 'TIME'], // time (pg returns a string)
  [1114, 'TIMESTAMP'], // timestamp (pg returns a local-time Date)
  [1184, 'TIMESTAMP WITH TIME ZONE'], // timestamptz
  [2950, 'UUID'], // uuid
  [3802, 'VARCHAR'], // jsonb
]);

/** PostgreSQL `numeric`'s OID. */
const PG_NUMERIC = 1700;

/**
 * The DuckDB type of a PostgreSQL result column from its type OID and type modifier (pg's
 * `fields[].dataTypeID` / `dataTypeModifier`); `undefined` for types without a faithful mapping
 * (arrays, interval, timetz, ranges, geometric and user-defined types), which are typed from values.
 */
export function pgColumnType(oid: number, typmod: number): string | undefined {
  if (oid === PG_NUMERIC) {
    // numeric's typmod is ((precision << 16) | scale) + 4 (VARHDRSZ); -1 means unconstrained.
    // The scale is an 11-bit signed field since PostgreSQL 15 (numeric(5,-2)).
    if (typmod < 4) return UNSIZED_DECIMAL;
    const packed = typmod - 4;
    const rawScale = packed & 0x7ff;
    return decimalType((packed >> 16) & 0xffff, rawScale >= 0x400 ? rawScale - 0x800 : rawScale);
  }
  return PG_TYPES.get(oid);
}

/** The part of a pg `FieldDef` used. */
export interface PgFieldLike {
  /** Column name. */
  name: string;
  /** Type OID. */
  dataTypeID?: number;
  /** Type modifier (-1 when none). */
  dataTypeModifier?: number;
}

/** Column types of a pg result's fields; columns without a faithful mapping are left out. */
export function pgColumnTypes(fields: readonly PgFieldLike[]): SourceColumn[] {
  const columns: SourceColumn[] = [];
  for (const field of fields) {
    const type = field.dataTypeID === undefined ? undefined : pgColumnType(field.dataTypeID, field.dataTypeModifier ?? -1);
    if (type !== undefined) columns.push({ name: field.name, type });
  }
  return columns;
}

/** mysql2 column-definition type codes (MySQL protocol `enum_field_types`). */
const MYSQL = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
} as const;
const MYSQL_UNSIGNED_FLAG = 32;
/** Character set number 63 is `binary`: BLOB/BINARY rather than TEXT/CHAR. */
const MYSQL_BINARY_CHARSET = 63;

/** The part of a mysql2 column definition (`fields[]`) used. */
export interface MysqlFieldLike {
  /** Column name. */
  name: string;
  /** Type code. */
  columnType?: number;
  /** Type code (older mysql2 versions). */
  type?: number;
  /** Column flags (UNSIGNED = 32). */
  flags?: number | string[];
  /** Scale of decimals. */
  decimals?: number;
  /** Display length (for DECIMAL: digits plus sign and point). */
  columnLength?: number;
  /** Character set number (63 = binary). */
  characterSet?: number;
}

/**
 * The DuckDB type of a MySQL/MariaDB result column from mysql2's column definition; `undefined`
 * for TIME (MySQL's reaches ±838 hours), GEOMETRY and unknown codes, which are typed from values.
 * `TINYINT(1)` is MySQL's BOOLEAN and maps to BOOLEAN (as MySQL's own connectors do).
 */
export function mysqlColumnType(field: MysqlFieldLike): string | undefined {
  const code = field.columnType ?? field.type;
  const unsigned =
    typeof field.flags === 'number' ? (field.flags & MYSQL_UNSIGNED_FLAG) !== 0 : (field.flags?.includes('UNSIGNED') ?? false);
  const binary = field.characterSet === MYSQL_BINARY_CHARSET;
  switch (code) {
    case MYSQL.TINY:
      if (field.columnLength === 1 && !unsigned) return 'BOOLEAN';
      return unsigned ? 'UTINYINT' : 'TINYINT';
    case MYSQL.SHORT:
      return unsigned ? 'USMALLINT' : 'SMALLINT';
    case MYSQL.INT24:
    case MYSQL.LONG:
      return unsigned ? 'UINTEGER' : 'INTEGER';
    case MYSQL.LONGLONG:
      return unsigned ? 'UBIGINT' : 'BIGINT';
    case MYSQL.YEAR:
      return 'SMALLINT';
    case MYSQL.FLOAT:
      return 'FLOAT';
    case MYSQL.DOUBLE:
      return 'DOUBLE';
    case MYSQL.DECIMAL:
    case MYSQL.NEWDECIMAL: {
      // The display length counts the digits, the decimal point (when scale > 0) and the sign (unless UNSIGNED).
      const scale = field.decimals ?? 0;
      if (field.columnLength === undefined) return UNSIZED_DECIMAL;
      return decimalType(field.columnLength - (scale > 0 ? 1 : 0) - (unsigned ? 0 : 1), scale);
    }
    case MYSQL.DATE:
    case MYSQL.NEWDATE:
      return 'DATE';
    case MYSQL.DATETIME:
    case MYSQL.TIMESTAMP:
      return 'TIMESTAMP';
    case MYSQL.BIT:
      return 'BLOB';
    case MYSQL.JSON:
    case MYSQL.ENUM:
    case MYSQL.SET:
      return 'VARCHAR';
    case MYSQL.VARCHAR:
    case MYSQL.VAR_STRING:
    case MYSQL.STRING:
    case MYSQL.TINY_BLOB:
    case MYSQL.MEDIUM_BLOB:
    case MYSQL.LONG_BLOB:
    case MYSQL.BLOB:
      return binary ? 'BLOB' : 'VARCHAR';
    default:
      return undefined;
  }
}

/** Column types of a mysql2 result's fields; columns without a faithful mapping are left out. */
export function mysqlColumnTypes(fields: readonly MysqlFieldLike[], dateZone: 'local' | 'utc'): SourceColumn[] {
  const columns: SourceColumn[] = [];
  for (const field of fields) {
    const type = mysqlColumnType(field);
    if (type !== undefined)
      columns.push(type === 'DATE' || type === 'TIMESTAMP' ? { name: field.name, type, dateZone } : { name: field.name, type });
  }
  return columns;
}

/** DuckDB scalar types whose node-api JS values the merge can append back faithfully. */
const DUCKDB_SCALARS = new Set([
  'BOOLEAN',
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'HUGEINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
  'UHUGEINT',
  'FLOAT',
  'DOUBLE',
  'DATE',
  'TIME',
  'TIMESTAMP',
  'TIMESTAMP WITH TIME ZONE',
  'VARCHAR',
  'UUID',
  'BLOB',
]);

/**
 * The merge type of a DuckDB result column from its type's SQL text (`DuckDBType.toString()`);
 * `undefined` for nested types, INTERVAL and the like, which are typed from values.
 */
export function duckdbColumnType(typeText: string): string | undefined {
  const text = typeText.trim().toUpperCase();
  if (DUCKDB_SCALARS.has(text)) return text;
  // node-api reads TIMESTAMP_S/_MS/_NS as millisecond Dates, so they merge as TIMESTAMP.
  if (text === 'TIMESTAMP_S' || text === 'TIMESTAMP_MS' || text === 'TIMESTAMP_NS') return 'TIMESTAMP';
  if (text.startsWith('ENUM(')) return 'VARCHAR';
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(text);
  if (decimal) return decimalType(Number(decimal[1]), Number(decimal[2]));
  return undefined;
}

/** Column types of a DuckDB result; node-api reads DATE and TIMESTAMP as Dates holding the wall-clock time in UTC. */
export function duckdbColumnTypes(names: readonly string[], typeTexts: readonly string[]): SourceColumn[] {
  const columns: SourceColumn[] = [];
  names.forEach((name, i) => {
    const type = duckdbColumnType(typeTexts[i] ?? '');
    if (type !== undefined) columns.push(type === 'DATE' || type === 'TIMESTAMP' ? { name, type, dateZone: 'utc' } : { name, type });
  });
  return columns;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * The merge type of a SQLite result column. SQLite is dynamically typed: a column's declared type
 * only gives it an affinity (the rules of SQLite's "Datatypes" page), and any value may sit in any
 * column. The type follows the declared affinity when every value agrees with it; otherwise (and
 * for expressions, which have no declared type) it is `undefined` and the column is typed from its
 * values. Dates stored as ISO text in a `DATE`/`DATETIME`/`TIMESTAMP` column become DATE/TIMESTAMP.
 */
export function sqliteColumnType(declared: string | null | undefined, values: readonly unknown[]): string | undefined {
  if (declared === null || declared === undefined || declared.trim() === '') return undefined;
  const decl = declared.toUpperCase();
  const present = values.filter((v) => v !== null && v !== undefined);
  const all = (test: (v: unknown) => boolean): boolean => present.every(test);
  const isInteger = (v: unknown): boolean => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
  if (decl.includes('INT')) return all(isInteger) ? 'BIGINT' : undefined;
  if (decl.includes('CHAR') || decl.includes('CLOB') || decl.includes('TEXT'))
    return all((v) => typeof v === 'string') ? 'VARCHAR' : undefined;
  if (decl.includes('BLOB')) return all((v) => v instanceof Uint8Array) ? 'BLOB' : undefined;
  if (decl.includes('REAL') || decl.includes('FLOA') || decl.includes('DOUB'))
    return all((v) => typeof v === 'number') ? 'DOUBLE' : undefined;
  // NUMERIC affinity: the declared name says what the application stores.
  if (decl.includes('BOOL')) return all((v) => v === 0 || v === 1 || v === 0n || v === 1n) ? 'BOOLEAN' : undefined;
  if (decl === 'DATE') return all((v) => typeof v === 'string' && ISO_DATE.test(v)) ? 'DATE' : undefined;
  if (decl.includes('DATETIME') || decl.includes('TIMESTAMP'))
    return all((v) => typeof v === 'string' && ISO_DATETIME.test(v)) ? 'TIMESTAMP' : undefined;
  if (present.length > 0 && all(isInteger)) return 'BIGINT';
  return all((v) => typeof v === 'number' || typeof v === 'bigint') ? 'DOUBLE' : undefined;
}

/** Column types of a SQLite result from better-sqlite3's `columns()` and the rows. */
export function sqliteColumnTypes(
  columns: ReadonlyArray<{ name: string; type?: string | null }>,
  rows: ReadonlyArray<Readonly<Record<string, unknown>>>,
): SourceColumn[] {
  const types: SourceColumn[] = [];
  for (const column of columns) {
    const type = sqliteColumnType(
      column.type,
      rows.map((row) => row[column.name]),
    );
    if (type !== undefined) types.push({ name: column.name, type });
  }
  return types;
}
