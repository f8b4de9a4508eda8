import type { Attributes } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
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
  ATTR_FEDERATION_ERROR_CLASS,
  ATTR_FEDERATION_PART,
  ATTR_FEDERATION_QUERY_FINGERPRINT,
  ATTR_FEDERATION_QUERY_NAME,
  ATTR_FEDERATION_ROWS_RETURNED,
  ATTR_FEDERATION_SOURCE,
  ATTR_FEDERATION_STAGE,
  FEDSCOPE_SCOPE_NAME,
} from '../src/span-model/attributes.js';
import {
  ATTR_FEDERATION_DEPENDS_ON,
  ATTR_FEDERATION_POOL_WAIT,
  ATTR_FEDERATION_RETRY_ATTEMPT,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  POOL_WAIT_SPAN_NAMES,
} from '../src/span-model/trace-analysis-attributes.js';
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
  else if (a[ATTR_FEDERATION_SOURCE] !== undefined || (isClient && (dbSystem !== undefined || httpMethod !== undefined))) {
    role = isConnectionWork(span, dbSystem) ? 'connection' : 'source';
  }

  const httpStatus = num(a[ATTR_HTTP_RESPONSE_STATUS_CODE]);
  const failed = span.status.code === SpanStatusCode.ERROR || (httpStatus !== undefined && httpStatus >= 400);
  let source: string | undefined;
  if (role === 'source' || role === 'connection') source = str(a[ATTR_FEDERATION_SOURCE]) ?? resolveSource(a);
  const rows = num(a[ATTR_DB_RESPONSE_RETURNED_ROWS]) ?? num(a[ATTR_FEDERATION_ROWS_RETURNED]);
  const cacheHit = a[ATTR_FEDERATION_CACHE_HIT];
  const errorType = failed ? (str(a[ATTR_ERROR_TYPE]) ?? (httpStatus !== undefined && httpStatus >= 400 ? String(httpStatus) : '_OTHER')) : undefined;
  const context = span.spanContext();
  const dependsOn = a[ATTR_FEDERATION_DEPENDS_ON];
  return {
    role,
    durationMs: hrTimeToMilliseconds(span.duration),
    endTimeMs: hrTimeToMilliseconds(span.endTime),
    error: failed,
    errorType,
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
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    localRoot: span.parentSpanContext === undefined || span.parentSpanContext.isRemote === true,
    startTimeMs: hrTimeToMilliseconds(span.startTime),
    part: str(a[ATTR_FEDERATION_PART]),
    // Rare attributes: read only when present so the common span pays one lookup each.
    dependsOn: dependsOn === undefined ? undefined : listOf(dependsOn),
    retryAttempt: num(a[ATTR_FEDERATION_RETRY_ATTEMPT]) ?? num(a[ATTR_HTTP_REQUEST_RESEND_COUNT]),
    timedOut: failed && (a[ATTR_FEDERATION_ERROR_CLASS] === 'timeout' || (errorType !== undefined && /time.?out/i.test(errorType))),
    poolWait: a[ATTR_FEDERATION_POOL_WAIT] === true || POOL_WAIT_SPAN_NAMES.has(span.name),
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

/**
 * A driver's DB client span with no statement (no query text, operation or summary) is connection
 * work such as pg.connect; fedscope's own adapter spans always stay source calls.
 */
function isConnectionWork(span: ReadableSpan, dbSystem: string | undefined): boolean {
  const a = span.attributes;
  return (
    dbSystem !== undefined &&
    span.instrumentationScope.name !== FEDSCOPE_SCOPE_NAME &&
    a[ATTR_DB_QUERY_TEXT] === undefined &&
    a[ATTR_DB_STATEMENT_OLD] === undefined &&
    a[ATTR_DB_OPERATION_NAME] === undefined &&
    a[ATTR_DB_OPERATION_OLD] === undefined &&
    a[ATTR_DB_QUERY_SUMMARY] === undefined
  );
}

/** A string array attribute, or a comma-separated string, as a list of trimmed non-empty names. */
function listOf(value: unknown): string[] | undefined {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  const names = items.filter((item): item is string => typeof item === 'string').map((item) => item.trim()).filter((item) => item !== '');
  return names.length > 0 ? names : undefined;
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
