import type { Attributes } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';
import {
  ATTR_DB_NAME_OLD,
  ATTR_DB_OPERATION_OLD,
  ATTR_DB_RESPONSE_RETURNED_ROWS,
  ATTR_DB_STATEMENT_OLD,
  ATTR_DB_SYSTEM_OLD,
  ATTR_FEDERATION_CACHE_HIT,
  ATTR_FEDERATION_QUERY_FINGERPRINT,
  ATTR_FEDERATION_QUERY_NAME,
  ATTR_FEDERATION_ROWS_RETURNED,
  ATTR_FEDERATION_SOURCE,
  ATTR_FEDERATION_STAGE,
} from '../src/span-model/attributes.js';
import type { ClassifiedSpan, SpanRole } from './classified-span.js';

/** Names a source for a DB or HTTP client span that carries no `federation.source`. */
export type SourceResolver = (attributes: Attributes) => string | undefined;

/**
 * Classifies an ended span: federated-query root, stage, cache lookup, source call or other.
 *
 * Reads fedscope's `federation.*` attributes first, else the DB semantic conventions (stable and
 * pre-stable names alike, so spans of the contrib pg/mysql2 instrumentations and spans received
 * over OTLP count), else HTTP client attributes. It never looks at which instrumentation made the span.
 */
export function classifySpan(span: ReadableSpan, resolveSource: SourceResolver = defaultSourceName): ClassifiedSpan {
  const a = span.attributes;
  const stageName = str(a[ATTR_FEDERATION_STAGE]);
  const dbSystem = str(a[ATTR_DB_SYSTEM_NAME]) ?? str(a[ATTR_DB_SYSTEM_OLD]);
  const httpMethod = str(a[ATTR_HTTP_REQUEST_METHOD]);
  const isClient = span.kind === SpanKind.CLIENT;
  let role: SpanRole = 'other';
  if (stageName !== undefined) role = stageName === 'cache' ? 'cache' : 'stage';
  else if (a[ATTR_FEDERATION_QUERY_NAME] !== undefined && !isClient && span.name.startsWith('federation.query')) role = 'query';
  else if (a[ATTR_FEDERATION_SOURCE] !== undefined || (isClient && (dbSystem !== undefined || httpMethod !== undefined))) role = 'source';

  const httpStatus = num(a[ATTR_HTTP_RESPONSE_STATUS_CODE]);
  const failed = span.status.code === SpanStatusCode.ERROR || (httpStatus !== undefined && httpStatus >= 400);
  let source: string | undefined;
  if (role === 'source') source = str(a[ATTR_FEDERATION_SOURCE]) ?? resolveSource(a);
  const rows = num(a[ATTR_DB_RESPONSE_RETURNED_ROWS]) ?? num(a[ATTR_FEDERATION_ROWS_RETURNED]);
  const cacheHit = a[ATTR_FEDERATION_CACHE_HIT];
  return {
    role,
    durationMs: hrTimeToMilliseconds(span.duration),
    endTimeMs: hrTimeToMilliseconds(span.endTime),
    error: failed,
    errorType: failed ? (str(a[ATTR_ERROR_TYPE]) ?? (httpStatus !== undefined && httpStatus >= 400 ? String(httpStatus) : '_OTHER')) : undefined,
    queryName: str(a[ATTR_FEDERATION_QUERY_NAME]),
    stage: stageName,
    source,
    system: dbSystem ?? (httpMethod !== undefined ? 'http' : undefined),
    operationName: str(a[ATTR_DB_OPERATION_NAME]) ?? str(a[ATTR_DB_OPERATION_OLD]),
    namespace: str(a[ATTR_DB_NAMESPACE]) ?? str(a[ATTR_DB_NAME_OLD]),
    serverAddress: str(a[ATTR_SERVER_ADDRESS]),
    serverPort: num(a[ATTR_SERVER_PORT]),
    queryText: str(a[ATTR_DB_QUERY_TEXT]) ?? str(a[ATTR_DB_STATEMENT_OLD]),
    fingerprint: str(a[ATTR_FEDERATION_QUERY_FINGERPRINT]),
    rowsReturned: rows,
    cacheHit: typeof cacheHit === 'boolean' ? cacheHit : undefined,
    scopeName: span.instrumentationScope.name,
  };
}

/**
 * The default name of a source seen only through semantic-convention attributes:
 * `{system}://{server.address}[:{port}][/{namespace}]`, e.g. `postgresql://db1:5432/orders`.
 */
export function defaultSourceName(a: Attributes): string | undefined {
  const system = str(a[ATTR_DB_SYSTEM_NAME]) ?? str(a[ATTR_DB_SYSTEM_OLD]) ?? (a[ATTR_HTTP_REQUEST_METHOD] !== undefined ? 'http' : undefined);
  if (system === undefined) return undefined;
  const host = str(a[ATTR_SERVER_ADDRESS]);
  const port = num(a[ATTR_SERVER_PORT]);
  const namespace = str(a[ATTR_DB_NAMESPACE]) ?? str(a[ATTR_DB_NAME_OLD]);
  let name = `${system}://${host ?? ''}`;
  if (port !== undefined) name += `:${port}`;
  if (namespace !== undefined) name += `/${namespace}`;
  return name;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
