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
  ATTR_FEDERATION_DEPENDS_ON,
  ATTR_FEDERATION_ERROR_CLASS,
  ATTR_FEDERATION_PART,
  ATTR_FEDERATION_QUERY_FINGERPRINT,
  ATTR_FEDERATION_QUERY_NAME,
  ATTR_FEDERATION_RETRY_ATTEMPT,
  ATTR_FEDERATION_ROWS_RETURNED,
  ATTR_FEDERATION_SOURCE,
  ATTR_FEDERATION_STAGE,
  FEDSCOPE_SCOPE_NAME,
} from '../src/span-model/attributes.js';
import {
  ATTR_FEDERATION_POOL_WAIT,
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
  // One pass over the keys the span has: most of the ~25 keys read here are absent from any one
  // span, and a lookup of an absent key on spans of many shapes is the slow kind (it measured
  // 6× the cost of this loop on the federation runtime's spans).
  let stage: unknown, dbSystem: unknown, dbSystemOld: unknown, httpMethod: unknown, queryName: unknown, source: unknown;
  let httpStatus: unknown, errorType: unknown, operation: unknown, operationOld: unknown, namespace: unknown, nameOld: unknown;
  let serverAddress: unknown, serverPort: unknown, queryText: unknown, statementOld: unknown, fingerprint: unknown, returnedRows: unknown;
  let federationRows: unknown, cacheHit: unknown, part: unknown, dependsOn: unknown, retryAttempt: unknown, resendCount: unknown;
  let errorClass: unknown, poolWait: unknown, summary: unknown;
  for (const key in a) {
    const value = a[key];
    switch (key) {
      case ATTR_FEDERATION_STAGE: stage = value; break;
      case ATTR_DB_SYSTEM_NAME: dbSystem = value; break;
      case ATTR_DB_SYSTEM_OLD: dbSystemOld = value; break;
      case ATTR_HTTP_REQUEST_METHOD: httpMethod = value; break;
      case ATTR_FEDERATION_QUERY_NAME: queryName = value; break;
      case ATTR_FEDERATION_SOURCE: source = value; break;
      case ATTR_HTTP_RESPONSE_STATUS_CODE: httpStatus = value; break;
      case ATTR_ERROR_TYPE: errorType = value; break;
      case ATTR_DB_OPERATION_NAME: operation = value; break;
      case ATTR_DB_OPERATION_OLD: operationOld = value; break;
      case ATTR_DB_NAMESPACE: namespace = value; break;
      case ATTR_DB_NAME_OLD: nameOld = value; break;
      case ATTR_SERVER_ADDRESS: serverAddress = value; break;
      case ATTR_SERVER_PORT: serverPort = value; break;
      case ATTR_DB_QUERY_TEXT: queryText = value; break;
      case ATTR_DB_STATEMENT_OLD: statementOld = value; break;
      case ATTR_FEDERATION_QUERY_FINGERPRINT: fingerprint = value; break;
      case ATTR_DB_RESPONSE_RETURNED_ROWS: returnedRows = value; break;
      case ATTR_FEDERATION_ROWS_RETURNED: federationRows = value; break;
      case ATTR_FEDERATION_CACHE_HIT: cacheHit = value; break;
      case ATTR_FEDERATION_PART: part = value; break;
      case ATTR_FEDERATION_DEPENDS_ON: dependsOn = value; break;
      case ATTR_FEDERATION_RETRY_ATTEMPT: retryAttempt = value; break;
      case ATTR_HTTP_REQUEST_RESEND_COUNT: resendCount = value; break;
      case ATTR_FEDERATION_ERROR_CLASS: errorClass = value; break;
      case ATTR_FEDERATION_POOL_WAIT: poolWait = value; break;
      case ATTR_DB_QUERY_SUMMARY: summary = value; break;
    }
  }
  const stageName = str(stage);
  const system = str(dbSystem) ?? str(dbSystemOld);
  const method = str(httpMethod);
  const isClient = span.kind === SpanKind.CLIENT;
  let role: SpanRole = 'other';
  if (stageName !== undefined) role = stageName === 'cache' ? 'cache' : 'stage';
  else if (queryName !== undefined && !isClient && span.name.startsWith('federation.query')) role = 'query';
  else if (source !== undefined || (isClient && (system !== undefined || method !== undefined))) {
    // A driver's DB client span with no statement (no query text, operation or summary) is
    // connection work such as pg.connect; fedscope's own adapter spans always stay source calls.
    const connectionWork =
      system !== undefined &&
      span.instrumentationScope.name !== FEDSCOPE_SCOPE_NAME &&
      queryText === undefined &&
      statementOld === undefined &&
      operation === undefined &&
      operationOld === undefined &&
      summary === undefined;
    role = connectionWork ? 'connection' : 'source';
  }

  const status = num(httpStatus);
  const failed = span.status.code === SpanStatusCode.ERROR || (status !== undefined && status >= 400);
  let sourceName: string | undefined;
  if (role === 'source' || role === 'connection') sourceName = str(source) ?? resolveSource(a);
  const error = failed ? (str(errorType) ?? (status !== undefined && status >= 400 ? String(status) : '_OTHER')) : undefined;
  const context = span.spanContext();
  return {
    role,
    durationMs: hrTimeToMilliseconds(span.duration),
    endTimeMs: hrTimeToMilliseconds(span.endTime),
    error: failed,
    errorType: error,
    queryName: str(queryName),
    stage: stageName,
    source: sourceName,
    system: system ?? (method !== undefined ? 'http' : undefined),
    operationName: str(operation) ?? str(operationOld),
    namespace: str(namespace) ?? str(nameOld),
    serverAddress: str(serverAddress),
    serverPort: num(serverPort),
    queryText: str(queryText) ?? str(statementOld),
    fingerprint: str(fingerprint),
    rowsReturned: num(returnedRows) ?? num(federationRows),
    cacheHit: typeof cacheHit === 'boolean' ? cacheHit : undefined,
    scopeName: span.instrumentationScope.name,
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    localRoot: span.parentSpanContext === undefined || span.parentSpanContext.isRemote === true,
    startTimeMs: hrTimeToMilliseconds(span.startTime),
    part: str(part),
    dependsOn: dependsOn === undefined ? undefined : listOf(dependsOn),
    retryAttempt: num(retryAttempt) ?? num(resendCount),
    timedOut: failed && (errorClass === 'timeout' || (error !== undefined && /time.?out/i.test(error))),
    poolWait: poolWait === true || POOL_WAIT_SPAN_NAMES.has(span.name),
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
