import type { AdapterCallInfo, CallDescription } from './adapter-types.js';

/**
 * Reads a call's arguments the common way: SQL as a string first argument or as `{ text }` /
 * `{ sql }` (pg's QueryConfig, mysql2's options); for HTTP, a URL (string, URL or Request) first
 * argument and an optional `{ method }` second (fetch's signature).
 */
export function describeAdapterCall(info: AdapterCallInfo): CallDescription | undefined {
  const [first, second] = info.args;
  if (typeof first === 'string')
    return looksLikeUrl(first) ? { kind: 'http', method: methodOf(second), url: first } : { kind: 'db', text: first };
  if (first instanceof URL) return { kind: 'http', method: methodOf(second), url: first.href };
  if (typeof first === 'object' && first !== null) {
    const record = first as Record<string, unknown>;
    if (typeof Request !== 'undefined' && first instanceof Request) return { kind: 'http', method: first.method, url: first.url };
    if (typeof record['text'] === 'string') return { kind: 'db', text: record['text'] };
    if (typeof record['sql'] === 'string') return { kind: 'db', text: record['sql'] };
  }
  return undefined;
}

/**
 * Counts result rows the way common drivers shape results: an array (better-sqlite3, most
 * adapters), `{ rows: [] }` (pg), `{ rowCount }`, or mysql2's `[rows, fields]` pair.
 */
export function countResultRows(result: unknown): number | undefined {
  if (Array.isArray(result)) {
    if (result.length === 2 && Array.isArray(result[0]) && Array.isArray(result[1]) && isFieldList(result[1])) return result[0].length;
    return result.length;
  }
  if (typeof result === 'object' && result !== null) {
    const record = result as Record<string, unknown>;
    if (Array.isArray(record['rows'])) return record['rows'].length;
    if (typeof record['rowCount'] === 'number' && Number.isFinite(record['rowCount'])) return record['rowCount'];
  }
  return undefined;
}

/** Parses a URL and drops its credentials (semconv: `url.full` must not carry them). */
export function redactUrl(text: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.username) url.username = 'REDACTED';
  if (url.password) url.password = 'REDACTED';
  return url;
}

function looksLikeUrl(text: string): boolean {
  return text.startsWith('http://') || text.startsWith('https://');
}

function methodOf(init: unknown): string {
  const method = (init as { method?: unknown } | undefined)?.method;
  return typeof method === 'string' ? method.toUpperCase() : 'GET';
}

function isFieldList(items: unknown[]): boolean {
  return items.every((f) => typeof f === 'object' && f !== null && typeof (f as { name?: unknown }).name === 'string');
}
