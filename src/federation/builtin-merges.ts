import type { Row } from './types.js';

/** Rows of the parts one after another; `distinct` drops rows equal (as JSON) to an earlier one. */
export function concatRows(parts: ReadonlyArray<readonly Row[]>, distinct: boolean): Row[] {
  const out: Row[] = [];
  const seen = distinct ? new Set<string>() : undefined;
  for (const rows of parts) {
    for (const row of rows) {
      if (seen) {
        const key = JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? `${v.toString()}n` : v));
        if (seen.has(key)) continue;
        seen.add(key);
      }
      out.push(row);
    }
  }
  return out;
}

/** Merges parts that are each sorted by `key` into one sorted sequence (stable: earlier parts first on ties). */
export function orderedMergeRows(parts: ReadonlyArray<readonly Row[]>, key: string, direction: 'asc' | 'desc'): Row[] {
  const sign = direction === 'desc' ? -1 : 1;
  const cursors = parts.map(() => 0);
  const total = parts.reduce((n, rows) => n + rows.length, 0);
  const out: Row[] = [];
  // k-way merge by linear scan: federated queries merge a handful of parts, where a heap buys nothing.
  while (out.length < total) {
    let best = -1;
    for (let p = 0; p < parts.length; p++) {
      const row = parts[p]![cursors[p]!];
      if (row === undefined) continue;
      if (best < 0 || sign * compare(row[key], parts[best]![cursors[best]!]![key]) < 0) best = p;
    }
    out.push(parts[best]![cursors[best]!]!);
    cursors[best]!++;
  }
  return out;
}

/** Hash join: each left row with the columns of the right rows whose key matches (left columns win on name clashes). */
export function joinRows(left: readonly Row[], right: readonly Row[], leftKey: string, rightKey: string, type: 'inner' | 'left'): Row[] {
  const index = new Map<string, Row[]>();
  for (const row of right) {
    const k = keyOf(row[rightKey]);
    if (k === undefined) continue;
    const list = index.get(k);
    if (list) list.push(row);
    else index.set(k, [row]);
  }
  const out: Row[] = [];
  for (const row of left) {
    const k = keyOf(row[leftKey]);
    const matches = k === undefined ? undefined : index.get(k);
    if (matches) for (const match of matches) out.push({ ...match, ...row });
    else if (type === 'left') out.push({ ...row });
  }
  return out;
}

/** Join keys compare by value across drivers: 7, 7n and '7' are the same key (pg returns bigint columns as text). */
function keyOf(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  return valueText(value);
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const x = BigInt(a as bigint);
    const y = BigInt(b as bigint);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  const x = valueText(a);
  const y = valueText(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Text a value joins and sorts by: scalars as `String()` writes them, Dates as ISO-8601, bytes as their
 * UTF-8 text, other objects (JSON columns, arrays) as JSON with bigints as digits, never `[object Object]`.
 */
function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? typeof value;
}
