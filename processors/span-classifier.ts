import type { Attributes } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { DecodedSpan } from '../src/otlp/trace-model.js';
import { spanDuration } from '../src/otlp/span-duration.js';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { numberAttribute, stringAttribute } from '../src/span-model/attribute-readers.js';
import { isQueryRootSpan } from '../src/span-model/query-root.js';
import { defaultSourceName, sourceNameOf, sourceSystemName } from '../src/span-model/source-name.js';
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
  ATTR_SERVICE_NAME,
  ATTR_URL_FULL,
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
  ATTR_FEDERATION_POOL_WAIT,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  isPoolWaitSpanName,
  ATTR_NET_PEER_NAME_OLD,
  ATTR_NET_PEER_PORT_OLD,
  ATTR_HTTP_METHOD_OLD,
  ATTR_HTTP_STATUS_CODE_OLD,
  ATTR_HTTP_URL_OLD,
} from '../src/span-model/attributes.js';
import { stableDbSystemName, urlHost, urlPort } from '../src/span-model/older-conventions.js';
import { UNKNOWN_SERVICE, type ClassifiedSpan, type SpanRole } from './classified-span.js';

/**
 * The attribute keys the classifier reads, each with its position in {@link classifySpan}'s switch:
 * one map lookup per key a span has (V8 keeps the hash of a property name) instead of comparing the
 * key with every case of a switch over strings, which a key read by none of them went through whole.
 */
const ATTRIBUTE_SLOTS: ReadonlyMap<string, number> = new Map(
  [
    ATTR_FEDERATION_STAGE,
    ATTR_DB_SYSTEM_NAME,
    ATTR_DB_SYSTEM_OLD,
    ATTR_HTTP_REQUEST_METHOD,
    ATTR_FEDERATION_QUERY_NAME,
    ATTR_FEDERATION_SOURCE,
    ATTR_HTTP_RESPONSE_STATUS_CODE,
    ATTR_ERROR_TYPE,
    ATTR_DB_OPERATION_NAME,
    ATTR_DB_OPERATION_OLD,
    ATTR_DB_NAMESPACE,
    ATTR_DB_NAME_OLD,
    ATTR_SERVER_ADDRESS,
    ATTR_SERVER_PORT,
    ATTR_DB_QUERY_TEXT,
    ATTR_DB_STATEMENT_OLD,
    ATTR_FEDERATION_QUERY_FINGERPRINT,
    ATTR_DB_RESPONSE_RETURNED_ROWS,
    ATTR_FEDERATION_ROWS_RETURNED,
    ATTR_FEDERATION_CACHE_HIT,
    ATTR_FEDERATION_PART,
    ATTR_FEDERATION_DEPENDS_ON,
    ATTR_FEDERATION_RETRY_ATTEMPT,
    ATTR_HTTP_REQUEST_RESEND_COUNT,
    ATTR_FEDERATION_ERROR_CLASS,
    ATTR_FEDERATION_POOL_WAIT,
    ATTR_DB_QUERY_SUMMARY,
    ATTR_NET_PEER_NAME_OLD,
    ATTR_NET_PEER_PORT_OLD,
    ATTR_HTTP_METHOD_OLD,
    ATTR_HTTP_STATUS_CODE_OLD,
    ATTR_URL_FULL,
    ATTR_HTTP_URL_OLD,
  ].map((key, slot): [string, number] => [key, slot]),
);

/** The slot of a key classification does not read. */
const NO_SLOT = -1;

/**
 * The keys of spans met lately, in their order, each with its slot: spans of one instrumentation
 * repeat their keys in the same order, and comparing a key with the one at the same position (a
 * pointer comparison, property names are interned) costs less than hashing it into
 * {@link ATTRIBUTE_SLOTS}. A few shapes, told apart by their first key, since a trace's spans come
 * from a few instrumentations, interleaved: shape `k` takes `[k × SHAPE_KEYS, (k + 1) × SHAPE_KEYS)`.
 */
const SHAPES = 4;
/** Keys of a shape compared by position; keys after them are looked up. */
const SHAPE_KEYS = 16;
const shapeKeys: Array<string | undefined> = new Array<string | undefined>(SHAPES * SHAPE_KEYS).fill(undefined);
const shapeSlots = new Int32Array(SHAPES * SHAPE_KEYS);
/** The shape a new first key replaces next (round robin). */
let nextShape = 0;

/** Where the remembered shape whose first key is `key` starts, else the next one in turn (its keys then replaced as met). */
function shapeStartingWith(key: string): number {
  for (let at = 0; at < SHAPES * SHAPE_KEYS; at += SHAPE_KEYS) if (shapeKeys[at] === key) return at;
  const at = nextShape * SHAPE_KEYS;
  nextShape = (nextShape + 1) % SHAPES;
  return at;
}

/** Names a source for a DB or HTTP client span that carries no `federation.source`. */
export type SourceResolver = (attributes: Attributes) => string | undefined;

/**
 * Classifies an ended span: federated-query root, stage, cache lookup, source call or other.
 *
 * Reads fedscope's `federation.*` attributes first, else the DB semantic conventions, else HTTP
 * client attributes, in stable and pre-stable names alike (`db.system`, `db.statement`, `db.name`,
 * `db.operation`, `net.peer.name`/`net.peer.port`, `http.method`, `http.status_code`, `http.url`;
 * the stable name wins when a span has both), so spans of the contrib pg/mysql2 instrumentations
 * and spans of any language's SDK received over OTLP count. A client span naming no server takes
 * it from `url.full`/`http.url`. It never looks at which instrumentation made the span.
 *
 * @param span - the ended span
 * @param resolveSource - names the source of a client span that carries no `federation.source`
 * @param into - an object to write the classification into, every field overwritten (a caller
 * classifying span after span reuses one: a classification is about 300 bytes); a new one when absent
 */
export function classifySpan(span: ReadableSpan, resolveSource: SourceResolver = defaultSourceName, into?: ClassifiedSpan): ClassifiedSpan {
  const context = span.spanContext();
  const parent = span.parentSpanContext;
  const out = classify(
    span.attributes,
    span.kind,
    span.name,
    span.status.code,
    span.instrumentationScope.name,
    span.resource,
    context.traceId,
    context.spanId,
    parent?.spanId,
    parent === undefined || parent.isRemote === true,
    resolveSource,
    into,
  );
  out.startTimeMs = hrTimeToMilliseconds(span.startTime);
  out.endTimeMs = hrTimeToMilliseconds(span.endTime);
  out.durationMs = hrTimeToMilliseconds(span.duration);
  return out;
}

/**
 * {@link classifySpan} for a span decoded from OTLP, read where the decoder put each field (no SDK
 * `ReadableSpan` is built for it): the same answer as classifying the SDK span it describes.
 * The parameters as {@link classifySpan}'s.
 */
export function classifyDecodedSpan(
  span: DecodedSpan,
  resolveSource: SourceResolver = defaultSourceName,
  into?: ClassifiedSpan,
): ClassifiedSpan {
  const out = classify(
    span.attributes,
    span.kind,
    span.name,
    span.status.code,
    span.scope.name,
    span.resource,
    span.traceId,
    span.spanId,
    span.parentSpanId,
    span.parentSpanId === undefined || span.parentIsRemote === true,
    resolveSource,
    into,
  );
  const start = span.startTime.hrTime;
  const duration = spanDuration(start, span.endTime.hrTime);
  out.startTimeMs = hrTimeToMilliseconds(start);
  out.endTimeMs = hrTimeToMilliseconds(duration === undefined ? start : span.endTime.hrTime);
  out.durationMs = duration === undefined ? 0 : hrTimeToMilliseconds(duration);
  return out;
}

/**
 * The classification of the span whose fields are given (each read once by the two callers above),
 * but for its times, which the callers write (a time handed to a function is a number allocated
 * on the heap; written into the reused classification, it is stored in place).
 */
function classify(
  a: Attributes,
  kind: SpanKind,
  name: string,
  statusCode: SpanStatusCode,
  scopeName: string,
  resource: ResourceWithAttributes,
  traceId: string,
  spanId: string,
  parentSpanId: string | undefined,
  localRoot: boolean,
  resolveSource: SourceResolver,
  into: ClassifiedSpan | undefined,
): ClassifiedSpan {
  // One pass over the keys the span has: most of the ~25 keys read here are absent from any one
  // span, and a lookup of an absent key on spans of many shapes is the slow kind (it measured
  // 6× the cost of this loop on the federation runtime's spans).
  let stage: unknown, dbSystem: unknown, dbSystemOld: unknown, httpMethod: unknown, queryName: unknown, source: unknown;
  let httpStatus: unknown, errorType: unknown, operation: unknown, operationOld: unknown, namespace: unknown, nameOld: unknown;
  let serverAddress: unknown, serverPort: unknown, queryText: unknown, statementOld: unknown, fingerprint: unknown, returnedRows: unknown;
  let federationRows: unknown, cacheHit: unknown, part: unknown, dependsOn: unknown, retryAttempt: unknown, resendCount: unknown;
  let errorClass: unknown, poolWait: unknown, summary: unknown;
  let netPeerName: unknown, netPeerPort: unknown, httpMethodOld: unknown, httpStatusOld: unknown, urlFull: unknown, httpUrlOld: unknown;
  let position = 0;
  let at = 0;
  for (const key in a) {
    let slot: number;
    if (position === 0) at = shapeStartingWith(key);
    if (position < SHAPE_KEYS && shapeKeys[at] === key) {
      slot = shapeSlots[at]!;
    } else {
      slot = ATTRIBUTE_SLOTS.get(key) ?? NO_SLOT;
      if (position < SHAPE_KEYS) {
        shapeKeys[at] = key;
        shapeSlots[at] = slot;
      }
    }
    position++;
    at++;
    if (slot === NO_SLOT) continue;
    const value = a[key];
    switch (slot) {
      case 0: // ATTR_FEDERATION_STAGE
        stage = value;
        break;
      case 1: // ATTR_DB_SYSTEM_NAME
        dbSystem = value;
        break;
      case 2: // ATTR_DB_SYSTEM_OLD
        dbSystemOld = value;
        break;
      case 3: // ATTR_HTTP_REQUEST_METHOD
        httpMethod = value;
        break;
      case 4: // ATTR_FEDERATION_QUERY_NAME
        queryName = value;
        break;
      case 5: // ATTR_FEDERATION_SOURCE
        source = value;
        break;
      case 6: // ATTR_HTTP_RESPONSE_STATUS_CODE
        httpStatus = value;
        break;
      case 7: // ATTR_ERROR_TYPE
        errorType = value;
        break;
      case 8: // ATTR_DB_OPERATION_NAME
        operation = value;
        break;
      case 9: // ATTR_DB_OPERATION_OLD
        operationOld = value;
        break;
      case 10: // ATTR_DB_NAMESPACE
        namespace = value;
        break;
      case 11: // ATTR_DB_NAME_OLD
        nameOld = value;
        break;
      case 12: // ATTR_SERVER_ADDRESS
        serverAddress = value;
        break;
      case 13: // ATTR_SERVER_PORT
        serverPort = value;
        break;
      case 14: // ATTR_DB_QUERY_TEXT
        queryText = value;
        break;
      case 15: // ATTR_DB_STATEMENT_OLD
        statementOld = value;
        break;
      case 16: // ATTR_FEDERATION_QUERY_FINGERPRINT
        fingerprint = value;
        break;
      case 17: // ATTR_DB_RESPONSE_RETURNED_ROWS
        returnedRows = value;
        break;
      case 18: // ATTR_FEDERATION_ROWS_RETURNED
        federationRows = value;
        break;
      case 19: // ATTR_FEDERATION_CACHE_HIT
        cacheHit = value;
        break;
      case 20: // ATTR_FEDERATION_PART
        part = value;
        break;
      case 21: // ATTR_FEDERATION_DEPENDS_ON
        dependsOn = value;
        break;
      case 22: // ATTR_FEDERATION_RETRY_ATTEMPT
        retryAttempt = value;
        break;
      case 23: // ATTR_HTTP_REQUEST_RESEND_COUNT
        resendCount = value;
        break;
      case 24: // ATTR_FEDERATION_ERROR_CLASS
        errorClass = value;
        break;
      case 25: // ATTR_FEDERATION_POOL_WAIT
        poolWait = value;
        break;
      case 26: // ATTR_DB_QUERY_SUMMARY
        summary = value;
        break;
      case 27: // ATTR_NET_PEER_NAME_OLD
        netPeerName = value;
        break;
      case 28: // ATTR_NET_PEER_PORT_OLD
        netPeerPort = value;
        break;
      case 29: // ATTR_HTTP_METHOD_OLD
        httpMethodOld = value;
        break;
      case 30: // ATTR_HTTP_STATUS_CODE_OLD
        httpStatusOld = value;
        break;
      case 31: // ATTR_URL_FULL
        urlFull = value;
        break;
      case 32: // ATTR_HTTP_URL_OLD
        httpUrlOld = value;
        break;
    }
  }
  const stageName = stringAttribute(stage);
  // Stable names win; the older ones (Java agent 1.x, Python, older Node instrumentations) fill in.
  const system = stringAttribute(dbSystem) ?? stableDbSystemName(dbSystemOld);
  const method = stringAttribute(httpMethod) ?? stringAttribute(httpMethodOld);
  const isClient = kind === SpanKind.CLIENT;
  let role: SpanRole = 'other';
  if (stageName !== undefined) role = stageName === 'cache' ? 'cache' : 'stage';
  else if (isQueryRootSpan(name, kind, queryName, stage)) role = 'query';
  else if (source !== undefined || (isClient && (system !== undefined || method !== undefined))) {
    // A driver's DB client span with no statement (no query text, operation or summary) is
    // connection work such as pg.connect; fedscope's own adapter spans always stay source calls.
    const connectionWork =
      system !== undefined &&
      scopeName !== FEDSCOPE_SCOPE_NAME &&
      queryText === undefined &&
      statementOld === undefined &&
      operation === undefined &&
      operationOld === undefined &&
      summary === undefined;
    role = connectionWork ? 'connection' : 'source';
  }

  const status = numberAttribute(httpStatus) ?? numberAttribute(httpStatusOld);
  let address = stringAttribute(serverAddress) ?? stringAttribute(netPeerName);
  let port = numberAttribute(serverPort) ?? numberAttribute(netPeerPort);
  if (address === undefined) {
    const url = urlFull ?? httpUrlOld;
    address = urlHost(url);
    port ??= urlPort(url);
  }
  const namespaceName = stringAttribute(namespace) ?? stringAttribute(nameOld);
  const failed = statusCode === SpanStatusCode.ERROR || (status !== undefined && status >= 400);
  let sourceName: string | undefined;
  if (role === 'source' || role === 'connection') {
    sourceName = stringAttribute(source);
    // The default naming reads what was read above (a source or connection span names a system or
    // an HTTP method): no second lookup of the attributes.
    if (sourceName === undefined) {
      if (resolveSource !== defaultSourceName) sourceName = resolveSource(a);
      else {
        const namedSystem = sourceSystemName(system, httpMethod, httpMethodOld);
        if (namedSystem !== undefined) sourceName = sourceNameOf(namedSystem, address, port, namespaceName);
      }
    }
  }
  const error = failed ? (stringAttribute(errorType) ?? (status !== undefined && status >= 400 ? String(status) : '_OTHER')) : undefined;
  const out = into ?? newClassifiedSpan();
  out.role = role;
  out.error = failed;
  out.errorType = error;
  out.queryName = stringAttribute(queryName);
  out.stage = stageName;
  out.source = sourceName;
  out.system = system ?? (method !== undefined ? 'http' : undefined);
  out.operationName = stringAttribute(operation) ?? stringAttribute(operationOld);
  out.namespace = namespaceName;
  out.serverAddress = address;
  out.serverPort = port;
  out.queryText = stringAttribute(queryText) ?? stringAttribute(statementOld);
  out.fingerprint = stringAttribute(fingerprint);
  out.rowsReturned = numberAttribute(returnedRows) ?? numberAttribute(federationRows);
  out.cacheHit = typeof cacheHit === 'boolean' ? cacheHit : undefined;
  out.scopeName = scopeName;
  out.service = serviceOfResource(resource);
  out.traceId = traceId;
  out.spanId = spanId;
  out.parentSpanId = parentSpanId;
  out.localRoot = localRoot;
  out.part = stringAttribute(part);
  out.dependsOn = dependsOn === undefined ? undefined : listOf(dependsOn);
  out.retryAttempt = numberAttribute(retryAttempt) ?? numberAttribute(resendCount);
  out.timedOut = failed && (errorClass === 'timeout' || (error !== undefined && /time.?out/i.test(error)));
  out.poolWait = poolWait === true || isPoolWaitSpanName(name);
  return out;
}

/**
 * A classification with every field present (the shape {@link classify} writes): built once per
 * span, or once per processor that reuses it.
 */
export function newClassifiedSpan(): ClassifiedSpan {
  return {
    role: 'other',
    durationMs: 0,
    endTimeMs: 0,
    error: false,
    errorType: undefined,
    queryName: undefined,
    stage: undefined,
    source: undefined,
    system: undefined,
    operationName: undefined,
    namespace: undefined,
    serverAddress: undefined,
    serverPort: undefined,
    queryText: undefined,
    fingerprint: undefined,
    rowsReturned: undefined,
    cacheHit: undefined,
    scopeName: '',
    service: UNKNOWN_SERVICE,
    traceId: undefined,
    spanId: undefined,
    parentSpanId: undefined,
    localRoot: false,
    startTimeMs: 0,
    part: undefined,
    dependsOn: undefined,
    retryAttempt: undefined,
    timedOut: false,
    poolWait: false,
  };
}

/**
 * `service.name` of the span's resource ({@link UNKNOWN_SERVICE} when it has none), read once per
 * resource object (many spans share one).
 */
export function serviceOf(span: Pick<ReadableSpan, 'resource'>): string {
  return serviceOfResource(span.resource);
}

/** What classification reads of a resource: an SDK `Resource` and a decoded OTLP resource both have it. */
interface ResourceWithAttributes {
  readonly attributes: Attributes;
}

/** `service.name` of a resource, cached per resource object. */
function serviceOfResource(resource: ResourceWithAttributes): string {
  let service = servicesByResource.get(resource);
  if (service === undefined) {
    service = stringAttribute(resource.attributes[ATTR_SERVICE_NAME]) ?? UNKNOWN_SERVICE;
    servicesByResource.set(resource, service);
  }
  return service;
}

const servicesByResource = new WeakMap<object, string>();

/** A string array attribute, or a comma-separated string, as a list of trimmed non-empty names. */
function listOf(value: unknown): string[] | undefined {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  const names = items
    .filter((item): item is string => typeof item === 'string')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return names.length > 0 ? names : undefined;
}
