import { OtlpDecodeError } from './otlp-decode-error.js';
import { OTLP_SPAN_KIND_NAMES, OTLP_STATUS_CODE_NAMES } from './otlp-enums.js';
import { describeValue } from '../text/describe-value.js';
import { OtlpFieldError } from './otlp-field-error.js';
import { unixNanosToTime } from './unix-nanos.js';
import {
  MAX_ANY_VALUE_DEPTH,
  type WireAnyValue,
  type WireEvent,
  type WireId,
  type WireKeyValue,
  type WireLink,
  type WireResource,
  type WireScope,
  type WireSpan,
  type WireTraceRequest,
} from './wire-model.js';

type JsonObject = { readonly [key: string]: unknown };

const UINT32_MAX = 0xffff_ffff;
const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UNSIGNED_DECIMAL = /^\d{1,20}$/;
const SIGNED_DECIMAL = /^-?\d{1,20}$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const DECIMAL_NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function invalid(path: string, detail: string): OtlpFieldError {
  return new OtlpFieldError('invalid OTLP/JSON', path, detail);
}

function snakeCase(camel: string): string {
  return camel.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * A field by its lowerCamelCase JSON name, falling back to the proto (snake_case) name as the
 * Collector's and protobuf's own JSON parsers do; `null` counts as absent (proto3 JSON).
 */
function field(object: JsonObject, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(object, name) && object[name] !== null) return object[name];
  const snake = snakeCase(name);
  if (snake !== name && Object.prototype.hasOwnProperty.call(object, snake) && object[snake] !== null) return object[snake];
  return undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(value: unknown, path: string): JsonObject | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw invalid(path, `expected an object, got ${describeValue(value)}`);
  return value;
}

function arrayAt(value: unknown, path: string): readonly unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(path, `expected an array, got ${describeValue(value)}`);
  return value;
}

function stringAt(value: unknown, path: string): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw invalid(path, `expected a string, got ${describeValue(value)}`);
  return value;
}

function boolAt(value: unknown, path: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalid(path, `expected true or false, got ${describeValue(value)}`);
  return value;
}

/** uint32: a number or a decimal string (proto3 JSON accepts both). */
function uint32At(value: unknown, path: string): number {
  if (value === undefined) return 0;
  const number = typeof value === 'string' && UNSIGNED_DECIMAL.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > UINT32_MAX) {
    throw invalid(path, `expected an unsigned 32-bit integer, got ${describeValue(value)}`);
  }
  return number;
}

/** fixed64/uint64: a decimal string (as proto3 JSON writes it) or a number. */
function uint64At(value: unknown, path: string): bigint {
  if (value === undefined) return 0n;
  let result: bigint | undefined;
  if (typeof value === 'string' && UNSIGNED_DECIMAL.test(value)) result = BigInt(value);
  else if (typeof value === 'number' && Number.isInteger(value) && value >= 0) result = BigInt(value);
  if (result === undefined || result > UINT64_MAX) {
    throw invalid(path, `expected an unsigned 64-bit integer (decimal string or number), got ${describeValue(value)}`);
  }
  return result;
}

/** int64: a decimal string (as proto3 JSON writes it) or a number (as the JS SDK writes it). */
function int64At(value: unknown, path: string): bigint {
  let result: bigint | undefined;
  if (typeof value === 'string' && SIGNED_DECIMAL.test(value)) result = BigInt(value);
  else if (typeof value === 'number' && Number.isInteger(value)) result = BigInt(value);
  if (result === undefined || result < INT64_MIN || result > INT64_MAX) {
    throw invalid(path, `expected a 64-bit integer (decimal string or number), got ${describeValue(value)}`);
  }
  return result;
}

/** double: a number, or a string holding a number, `NaN`, `Infinity` or `-Infinity` (proto3 JSON). */
function doubleAt(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    if (DECIMAL_NUMBER.test(value)) return Number(value);
  }
  throw invalid(path, `expected a number, got ${describeValue(value)}`);
}

/** bytes other than ids: base64, standard or URL-safe, padding optional (proto3 JSON). */
function bytesAt(value: unknown, path: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) throw invalid(path, `expected base64 bytes, got ${describeValue(value)}`);
  return Buffer.from(value, 'base64');
}

/**
 * An enum: its number, or (beyond what OTLP/JSON allows, as protobuf's JSON parsers do) its
 * name. Unknown numbers pass through; unknown names are an error.
 */
function enumAt(value: unknown, names: readonly string[], path: string): number {
  if (value === undefined) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= 0x7fff_ffff) return value;
  if (typeof value === 'string') {
    const index = names.indexOf(value);
    if (index >= 0) return index;
  }
  throw invalid(path, `expected an enum number or one of ${names.join(', ')}, got ${describeValue(value)}`);
}

/** Trace and span ids stay hex text here; their length and digits are checked by the normaliser. */
function idAt(value: unknown, path: string): WireId {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw invalid(path, `expected a hex string, got ${describeValue(value)}`);
  return value;
}

const ANY_VALUE_FIELDS = ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] as const;

function anyValueAt(value: unknown, path: string, depth: number): WireAnyValue {
  const object = objectAt(value, path);
  if (object === undefined) return { type: 'empty' };
  if (depth > MAX_ANY_VALUE_DEPTH)
    throw new OtlpFieldError('attribute value too deep', path, `more than ${MAX_ANY_VALUE_DEPTH} nested arrays/maps`);
  let found: (typeof ANY_VALUE_FIELDS)[number] | undefined;
  let member: unknown;
  for (const name of ANY_VALUE_FIELDS) {
    const candidate = field(object, name);
    if (candidate === undefined) continue;
    if (found !== undefined) throw invalid(path, `an AnyValue holds one value, got ${found} and ${name}`);
    found = name;
    member = candidate;
  }
  const at = `${path}.${found ?? ''}`;
  switch (found) {
    case undefined:
      return { type: 'empty' };
    case 'stringValue':
      return { type: 'string', value: stringAt(member, at) };
    case 'boolValue':
      return { type: 'bool', value: boolAt(member, at) };
    case 'intValue':
      return { type: 'int', value: int64At(member, at) };
    case 'doubleValue':
      return { type: 'double', value: doubleAt(member, at) };
    case 'bytesValue':
      return { type: 'bytes', value: bytesAt(member, at) };
    case 'arrayValue': {
      const values = arrayAt(field(objectAt(member, at) ?? {}, 'values'), `${at}.values`);
      return { type: 'array', values: values.map((element, index) => anyValueAt(element, `${at}.values[${index}]`, depth + 1)) };
    }
    case 'kvlistValue': {
      const values = arrayAt(field(objectAt(member, at) ?? {}, 'values'), `${at}.values`);
      return { type: 'kvlist', values: keyValuesAt(values, at, depth + 1) };
    }
  }
}

function keyValuesAt(entries: readonly unknown[], path: string, depth: number): WireKeyValue[] {
  return entries.map((entry, index) => {
    const at = `${path}.values[${index}]`;
    const object = objectAt(entry, at) ?? {};
    return { key: stringAt(field(object, 'key'), `${at}.key`), value: anyValueAt(field(object, 'value'), `${at}.value`, depth) };
  });
}

function attributesAt(object: JsonObject, path: string): WireKeyValue[] {
  const entries = arrayAt(field(object, 'attributes'), `${path}.attributes`);
  return entries.map((entry, index) => {
    const at = `${path}.attributes[${index}]`;
    const keyValue = objectAt(entry, at) ?? {};
    return { key: stringAt(field(keyValue, 'key'), `${at}.key`), value: anyValueAt(field(keyValue, 'value'), `${at}.value`, 0) };
  });
}

function eventAt(value: unknown, path: string): WireEvent {
  const event = objectAt(value, path) ?? {};
  return {
    time: unixNanosToTime(uint64At(field(event, 'timeUnixNano'), `${path}.timeUnixNano`)),
    name: stringAt(field(event, 'name'), `${path}.name`),
    attributes: attributesAt(event, path),
    droppedAttributesCount: uint32At(field(event, 'droppedAttributesCount'), `${path}.droppedAttributesCount`),
  };
}

function linkAt(value: unknown, path: string): WireLink {
  const link = objectAt(value, path) ?? {};
  return {
    traceId: idAt(field(link, 'traceId'), `${path}.traceId`),
    spanId: idAt(field(link, 'spanId'), `${path}.spanId`),
    traceState: stringAt(field(link, 'traceState'), `${path}.traceState`),
    attributes: attributesAt(link, path),
    droppedAttributesCount: uint32At(field(link, 'droppedAttributesCount'), `${path}.droppedAttributesCount`),
    flags: uint32At(field(link, 'flags'), `${path}.flags`),
  };
}

function spanAt(value: unknown, path: string): WireSpan {
  const span = objectAt(value, path);
  if (span === undefined) throw invalid(path, 'expected a span object, got nothing');
  const status = objectAt(field(span, 'status'), `${path}.status`) ?? {};
  return {
    traceId: idAt(field(span, 'traceId'), `${path}.traceId`),
    spanId: idAt(field(span, 'spanId'), `${path}.spanId`),
    traceState: stringAt(field(span, 'traceState'), `${path}.traceState`),
    parentSpanId: idAt(field(span, 'parentSpanId'), `${path}.parentSpanId`),
    flags: uint32At(field(span, 'flags'), `${path}.flags`),
    name: stringAt(field(span, 'name'), `${path}.name`),
    kind: enumAt(field(span, 'kind'), OTLP_SPAN_KIND_NAMES, `${path}.kind`),
    startTime: unixNanosToTime(uint64At(field(span, 'startTimeUnixNano'), `${path}.startTimeUnixNano`)),
    endTime: unixNanosToTime(uint64At(field(span, 'endTimeUnixNano'), `${path}.endTimeUnixNano`)),
    attributes: attributesAt(span, path),
    droppedAttributesCount: uint32At(field(span, 'droppedAttributesCount'), `${path}.droppedAttributesCount`),
    events: arrayAt(field(span, 'events'), `${path}.events`).map((event, index) => eventAt(event, `${path}.events[${index}]`)),
    droppedEventsCount: uint32At(field(span, 'droppedEventsCount'), `${path}.droppedEventsCount`),
    links: arrayAt(field(span, 'links'), `${path}.links`).map((link, index) => linkAt(link, `${path}.links[${index}]`)),
    droppedLinksCount: uint32At(field(span, 'droppedLinksCount'), `${path}.droppedLinksCount`),
    statusCode: enumAt(field(status, 'code'), OTLP_STATUS_CODE_NAMES, `${path}.status.code`),
    statusMessage: stringAt(field(status, 'message'), `${path}.status.message`),
  };
}

function resourceAt(resourceSpans: JsonObject, path: string): WireResource {
  const resource = objectAt(field(resourceSpans, 'resource'), `${path}.resource`) ?? {};
  return {
    attributes: attributesAt(resource, `${path}.resource`),
    droppedAttributesCount: uint32At(field(resource, 'droppedAttributesCount'), `${path}.resource.droppedAttributesCount`),
    schemaUrl: stringAt(field(resourceSpans, 'schemaUrl'), `${path}.schemaUrl`),
  };
}

function scopeAt(scopeSpans: JsonObject, path: string): WireScope {
  const scope = objectAt(field(scopeSpans, 'scope'), `${path}.scope`) ?? {};
  return {
    name: stringAt(field(scope, 'name'), `${path}.scope.name`),
    version: stringAt(field(scope, 'version'), `${path}.scope.version`),
    attributes: attributesAt(scope, `${path}.scope`),
    droppedAttributesCount: uint32At(field(scope, 'droppedAttributesCount'), `${path}.scope.droppedAttributesCount`),
    schemaUrl: stringAt(field(scopeSpans, 'schemaUrl'), `${path}.schemaUrl`),
  };
}

/**
 * Parses an OTLP/JSON ExportTraceServiceRequest (UTF-8, already decompressed) into the
 * format-neutral wire view. Follows the OTLP/JSON rules (lowerCamelCase keys, hex trace/span ids,
 * int64 as decimal strings or numbers, enums as numbers, unknown fields ignored) and, like the
 * Collector, also accepts snake_case keys and enum names. Spans are only checked when read.
 *
 * @throws OtlpDecodeError 400 for invalid UTF-8 or JSON, 413 for more than `maxSpans` spans;
 *   OtlpFieldError for a malformed envelope (resources, scopes, the arrays holding spans)
 */
export function readJsonRequest(bytes: Uint8Array, maxSpans: number): WireTraceRequest<unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new OtlpDecodeError(400, `malformed JSON ExportTraceServiceRequest: ${reason}`, { cause: error });
  }
  if (!isObject(parsed))
    throw new OtlpDecodeError(400, `malformed JSON ExportTraceServiceRequest: expected an object, got ${describeValue(parsed)}`);
  let spanCount = 0;
  const resourceSpans = arrayAt(field(parsed, 'resourceSpans'), 'resourceSpans').map((value, r) => {
    const path = `resourceSpans[${r}]`;
    const resourceSpansObject = objectAt(value, path) ?? {};
    return {
      resource: resourceAt(resourceSpansObject, path),
      scopeSpans: arrayAt(field(resourceSpansObject, 'scopeSpans'), `${path}.scopeSpans`).map((scopeValue, s) => {
        const scopePath = `${path}.scopeSpans[${s}]`;
        const scopeSpansObject = objectAt(scopeValue, scopePath) ?? {};
        const spans = arrayAt(field(scopeSpansObject, 'spans'), `${scopePath}.spans`);
        spanCount += spans.length;
        if (spanCount > maxSpans) throw new OtlpDecodeError(413, `request has more than ${maxSpans} spans`);
        return { scope: scopeAt(scopeSpansObject, scopePath), spans };
      }),
    };
  });
  return { resourceSpans, readSpan: spanAt };
}
