import { UNSIZED_DECIMAL } from './column-types.js';
import type { Row, SourceColumn } from './types.js';

/** One part to load as a merge table. */
export interface MergeTable {
  /** Table name (the part's name). */
  name: string;
  /** The rows. */
  rows: readonly Row[];
  /** Column names reported by the source (used when there are no rows). */
  columns?: readonly string[] | undefined;
  /** Column types reported by the source; they override inference. */
  types?: readonly SourceColumn[] | undefined;
  /** Declared DuckDB types (the part's `columns`), overriding the source's types and inference. */
  declared?: Readonly<Record<string, string>> | undefined;
}

/** A merge table's column as it is created and loaded. */
export interface MergeColumn {
  /** Column name. */
  name: string;
  /** DuckDB type it is created with. */
  type: string;
  /** The type trimmed and upper-cased, as value conversion matches it (computed once per load, not per value). */
  key: string;
  /** How JS Dates of the column hold their wall-clock time (see {@link SourceColumn.dateZone}). */
  dateZone: 'local' | 'utc';
}

/**
 * The columns of a part's merge table, in first-seen order (reported names, declared names, then
 * names met in rows), each typed by the first of: the part's declared type, the source's reported
 * type, inference from the values.
 */
export function mergeColumnsOf(table: MergeTable): MergeColumn[] {
  const names: string[] = [];
  const seen = new Set<string>();
  const add = (name: string): void => {
    if (!seen.has(name)) {
      seen.add(name);
      names.push(name);
    }
  };
  for (const name of table.columns ?? []) add(name);
  for (const name of Object.keys(table.declared ?? {})) add(name);
  for (const row of table.rows) for (const name in row) add(name);
  if (names.length === 0) return [column('_empty', 'VARCHAR', 'utc')];
  const reported = new Map((table.types ?? []).map((c) => [c.name, c]));
  return names.map((name) => {
    const source = reported.get(name);
    // Dates of columns no source described are instants (function/HTTP sources): read in UTC, as toISOString does.
    const dateZone = source === undefined ? 'utc' : (source.dateZone ?? 'local');
    const declared = table.declared?.[name];
    if (declared !== undefined) return column(name, declared, dateZone);
    if (source !== undefined) return column(name, source.type === UNSIZED_DECIMAL ? sizedDecimal(table.rows, name) : source.type, dateZone);
    return column(name, inferType(table.rows, name), dateZone);
  });
}

function column(name: string, type: string, dateZone: 'local' | 'utc'): MergeColumn {
  return { name, type, key: type.trim().toUpperCase(), dateZone };
}

/** DuckDB's widest DECIMAL. */
const MAX_DIGITS = 38;
const PLAIN_DECIMAL = /^[+-]?(\d*)(?:\.(\d*))?$/;

/**
 * Resolves {@link UNSIZED_DECIMAL}: `DECIMAL(38,s)` with the largest scale among the values when
 * every value fits in 38 digits at that scale (exact), else `DOUBLE` (approximate, but ordered and
 * summable — NaN, ±Infinity and 39+ digit values of PostgreSQL numeric land here).
 */
export function sizedDecimal(rows: readonly Row[], name: string): string {
  let integerDigits = 0;
  let scale = 0;
  let any = false;
  for (const row of rows) {
    const value = row[name];
    if (value === null || value === undefined) continue;
    let text: string;
    if (typeof value === 'string') text = value.trim();
    else if (typeof value === 'bigint') text = value.toString();
    else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
    else return 'DOUBLE';
    const match = PLAIN_DECIMAL.exec(text);
    if (!match || (match[1] === '' && (match[2] ?? '') === '')) return 'DOUBLE';
    any = true;
    integerDigits = Math.max(integerDigits, (match[1] ?? '').replace(/^0+/, '').length);
    scale = Math.max(scale, (match[2] ?? '').length);
  }
  if (!any || integerDigits + scale > MAX_DIGITS) return 'DOUBLE';
  return `DECIMAL(${MAX_DIGITS},${scale})`;
}

/** DuckDB types inference picks from JS values. */
type InferredType = 'BOOLEAN' | 'INTEGER' | 'BIGINT' | 'HUGEINT' | 'DOUBLE' | 'VARCHAR' | 'TIMESTAMP' | 'BLOB';
const NUMERIC_RANK: Partial<Record<InferredType, number>> = { INTEGER: 0, BIGINT: 1, HUGEINT: 2, DOUBLE: 3 };

/**
 * A column's type from its values, for sources that report no types: one JS type throughout gives
 * its DuckDB type (integers as INTEGER/BIGINT by range, bigint as BIGINT/HUGEINT, Date as
 * TIMESTAMP, bytes as BLOB), mixed numbers the widest numeric type, anything else mixed VARCHAR.
 */
export function inferType(rows: readonly Row[], name: string): InferredType {
  let type: InferredType | undefined;
  for (const row of rows) {
    const t = typeOf(row[name]);
    if (t === undefined || t === type) continue;
    if (type === undefined) type = t;
    else {
      const a = NUMERIC_RANK[type];
      const b = NUMERIC_RANK[t];
      if (a === undefined || b === undefined) return 'VARCHAR';
      type = a >= b ? type : t;
    }
  }
  return type ?? 'VARCHAR';
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT128_MIN = -(2n ** 127n);
const INT128_MAX = 2n ** 127n - 1n;

function typeOf(value: unknown): InferredType | undefined {
  switch (typeof value) {
    case 'boolean':
      return 'BOOLEAN';
    case 'number':
      if (Number.isInteger(value))
        return value >= -2147483648 && value <= 2147483647 ? 'INTEGER' : Number.isSafeInteger(value) ? 'BIGINT' : 'DOUBLE';
      return 'DOUBLE';
    case 'bigint':
      if (value >= INT64_MIN && value <= INT64_MAX) return 'BIGINT';
      return value >= INT128_MIN && value <= INT128_MAX ? 'HUGEINT' : 'VARCHAR';
    case 'string':
      return 'VARCHAR';
    case 'object':
      if (value === null) return undefined;
      if (value instanceof Date) return 'TIMESTAMP';
      return value instanceof Uint8Array ? 'BLOB' : 'VARCHAR';
    default:
      return undefined;
  }
}
