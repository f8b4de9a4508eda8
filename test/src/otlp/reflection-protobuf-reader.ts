// The protobuf reader fedscope had before src/otlp/read-protobuf.ts decoded the wire format directly,
// kept verbatim (but for this comment and the exported name) as the reference of protobuf-decoder-equivalence.test.ts.
import protobuf from 'protobufjs';
import { OtlpDecodeError } from '../../../src/otlp/otlp-decode-error.js';
import { OtlpFieldError } from '../../../src/otlp/otlp-field-error.js';
import { otlpTraceTypes } from '../../../src/otlp/otlp-trace-schema.js';
import type { DecodedTime } from '../../../src/otlp/trace-model.js';
import { fixed64ToTime, unixNanosToTime } from '../../../src/otlp/unix-nanos.js';
import {
  MAX_ANY_VALUE_DEPTH,
  type WireAnyValue,
  type WireKeyValue,
  type WireResource,
  type WireScope,
  type WireSpan,
  type WireTraceRequest,
} from '../../../src/otlp/wire-model.js';

// The shapes protobufjs decodes the schema into (camelCase names; unset scalars read their
// defaults from the prototype, unset messages are null, int64/fixed64 are Long objects). Of an
// AnyValue's `oneof value` members, the one set is the only one that is an own property: the
// decoder's oneof setter deletes the others.
interface PbLong {
  readonly low: number;
  readonly high: number;
  readonly unsigned: boolean;
}
type PbInt64 = number | PbLong;
type PbBytes = Uint8Array | readonly number[];
interface PbAnyValue {
  readonly stringValue?: string;
  readonly boolValue?: boolean;
  readonly intValue?: PbInt64;
  readonly doubleValue?: number;
  readonly arrayValue?: { readonly values: readonly PbAnyValue[] } | null;
  readonly kvlistValue?: { readonly values: readonly PbKeyValue[] } | null;
  readonly bytesValue?: PbBytes;
}
interface PbKeyValue {
  readonly key: string;
  readonly value: PbAnyValue | null;
}
interface PbEvent {
  readonly timeUnixNano: PbInt64;
  readonly name: string;
  readonly attributes: readonly PbKeyValue[];
  readonly droppedAttributesCount: number;
}
interface PbLink {
  readonly traceId: PbBytes;
  readonly spanId: PbBytes;
  readonly traceState: string;
  readonly attributes: readonly PbKeyValue[];
  readonly droppedAttributesCount: number;
  readonly flags: number;
}
interface PbSpan {
  readonly traceId: PbBytes;
  readonly spanId: PbBytes;
  readonly traceState: string;
  readonly parentSpanId: PbBytes;
  readonly flags: number;
  readonly name: string;
  readonly kind: number;
  readonly startTimeUnixNano: PbInt64;
  readonly endTimeUnixNano: PbInt64;
  readonly attributes: readonly PbKeyValue[];
  readonly droppedAttributesCount: number;
  readonly events: readonly PbEvent[];
  readonly droppedEventsCount: number;
  readonly links: readonly PbLink[];
  readonly droppedLinksCount: number;
  readonly status: { readonly code: number; readonly message: string } | null;
}
interface PbScope {
  readonly name: string;
  readonly version: string;
  readonly attributes: readonly PbKeyValue[];
  readonly droppedAttributesCount: number;
}
interface PbScopeSpans {
  readonly scope: PbScope | null;
  readonly spans: readonly PbSpan[];
  readonly schemaUrl: string;
}
interface PbResourceSpans {
  readonly resource: { readonly attributes: readonly PbKeyValue[]; readonly droppedAttributesCount: number } | null;
  readonly scopeSpans: readonly PbScopeSpans[];
  readonly schemaUrl: string;
}
interface PbRequest {
  readonly resourceSpans: readonly PbResourceSpans[];
}

const WIRE_LEN = 2;
const LEVEL_NAMES = ['resource_spans', 'scope_spans', 'spans'];

/**
 * Counts the spans of an encoded ExportTraceServiceRequest without decoding them (walking
 * request.resource_spans(1) → scope_spans(2) → spans(2) and skipping everything else), so an
 * oversized span count is refused before any span object is allocated. It also refuses a wrong
 * wire type on those three fields, which protobufjs would silently skip as an unknown field.
 */
function countSpans(bytes: Uint8Array, maxSpans: number): number {
  let count = 0;
  const walk = (data: Uint8Array, level: number): void => {
    const reader = protobuf.Reader.create(data);
    const wanted = level === 0 ? 1 : 2;
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const wireType = tag & 7;
      if (tag >>> 3 === wanted) {
        if (wireType !== WIRE_LEN) throw new Error(`wire type ${wireType} for a length-delimited field (${LEVEL_NAMES[level]})`);
        if (level === 2) {
          reader.skipType(WIRE_LEN);
          count += 1;
          if (count > maxSpans) throw new OtlpDecodeError(413, `request has more than ${maxSpans} spans`);
        } else {
          walk(reader.bytes(), level + 1);
        }
      } else {
        reader.skipType(wireType);
      }
    }
  };
  walk(bytes, 0);
  return count;
}

/** protobufjs leaves an unset bytes field as its default, a plain empty array. */
function bytesOf(value: PbBytes | undefined): Uint8Array {
  return value instanceof Uint8Array ? value : Uint8Array.from(value ?? []);
}

/** A signed int64 (an `intValue`) as a BigInt. */
function int64ToBigInt(value: PbInt64): bigint {
  if (typeof value === 'number') return BigInt(value);
  return BigInt.asIntN(64, (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0));
}

/** A fixed64 time as protobufjs holds it (a Long, or a number when no Long library is loaded). */
function timeOf(value: PbInt64): DecodedTime {
  return typeof value === 'number' ? unixNanosToTime(BigInt(value)) : fixed64ToTime(value.low, value.high);
}

const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

/**
 * Which member of an AnyValue's `oneof value` is set, the answer of protobufjs's virtual `value`
 * getter read from own properties directly: the getter lists the message's keys on every call,
 * which cost more than the rest of decoding an attribute.
 */
function anyValueCase(value: PbAnyValue): keyof PbAnyValue | undefined {
  if (hasOwn(value, 'stringValue')) return 'stringValue';
  if (hasOwn(value, 'intValue')) return 'intValue';
  if (hasOwn(value, 'doubleValue')) return 'doubleValue';
  if (hasOwn(value, 'boolValue')) return 'boolValue';
  if (hasOwn(value, 'arrayValue')) return 'arrayValue';
  if (hasOwn(value, 'kvlistValue')) return 'kvlistValue';
  if (hasOwn(value, 'bytesValue')) return 'bytesValue';
  return undefined;
}

const EMPTY_VALUE: WireAnyValue = { type: 'empty' };

function readAnyValue(value: PbAnyValue | null | undefined, path: string, depth: number): WireAnyValue {
  if (value === null || value === undefined) return EMPTY_VALUE;
  if (depth > MAX_ANY_VALUE_DEPTH)
    throw new OtlpFieldError('attribute value too deep', path, `more than ${MAX_ANY_VALUE_DEPTH} nested arrays/maps`);
  switch (anyValueCase(value)) {
    case 'stringValue':
      return { type: 'string', value: value.stringValue ?? '' };
    case 'boolValue':
      return { type: 'bool', value: value.boolValue ?? false };
    case 'intValue':
      return { type: 'int', value: int64ToBigInt(value.intValue ?? 0) };
    case 'doubleValue':
      return { type: 'double', value: value.doubleValue ?? 0 };
    case 'bytesValue':
      return { type: 'bytes', value: bytesOf(value.bytesValue) };
    case 'arrayValue':
      return {
        type: 'array',
        values: (value.arrayValue?.values ?? []).map((element, index) =>
          readAnyValue(element, `${path}.arrayValue.values[${index}]`, depth + 1),
        ),
      };
    case 'kvlistValue':
      return { type: 'kvlist', values: readKeyValues(value.kvlistValue?.values ?? [], `${path}.kvlistValue`, depth + 1) };
    default:
      return EMPTY_VALUE;
  }
}

/**
 * One key/value of a list at `${path}${list}[${index}]`. The value's path is built only for a
 * value that can fail (a nested one, or any past the depth limit): most are strings and numbers,
 * and building a path for each cost a string allocation per attribute.
 */
function readKeyValue(entry: PbKeyValue, path: string, list: string, index: number, depth: number): WireKeyValue {
  const value = entry.value;
  if (value === null || value === undefined) return { key: entry.key, value: EMPTY_VALUE };
  const nested = depth > MAX_ANY_VALUE_DEPTH || hasOwn(value, 'arrayValue') || hasOwn(value, 'kvlistValue');
  return { key: entry.key, value: readAnyValue(value, nested ? `${path}${list}[${index}].value` : '', depth) };
}

function readKeyValues(entries: readonly PbKeyValue[], path: string, depth = 0): WireKeyValue[] {
  return entries.map((entry, index) => readKeyValue(entry, path, '.values', index, depth));
}

function readAttributes(entries: readonly PbKeyValue[], path: string): WireKeyValue[] {
  return entries.map((entry, index) => readKeyValue(entry, path, '.attributes', index, 0));
}

function readSpan(span: PbSpan, path: string): WireSpan {
  return {
    traceId: bytesOf(span.traceId),
    spanId: bytesOf(span.spanId),
    traceState: span.traceState,
    parentSpanId: bytesOf(span.parentSpanId),
    flags: span.flags,
    name: span.name,
    kind: span.kind,
    startTime: timeOf(span.startTimeUnixNano),
    endTime: timeOf(span.endTimeUnixNano),
    attributes: readAttributes(span.attributes, path),
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((event, index) => ({
      time: timeOf(event.timeUnixNano),
      name: event.name,
      attributes: readAttributes(event.attributes, `${path}.events[${index}]`),
      droppedAttributesCount: event.droppedAttributesCount,
    })),
    droppedEventsCount: span.droppedEventsCount,
    links: span.links.map((link, index) => ({
      traceId: bytesOf(link.traceId),
      spanId: bytesOf(link.spanId),
      traceState: link.traceState,
      attributes: readAttributes(link.attributes, `${path}.links[${index}]`),
      droppedAttributesCount: link.droppedAttributesCount,
      flags: link.flags,
    })),
    droppedLinksCount: span.droppedLinksCount,
    statusCode: span.status?.code ?? 0,
    statusMessage: span.status?.message ?? '',
  };
}

function readResource(resourceSpans: PbResourceSpans, path: string): WireResource {
  return {
    attributes: readAttributes(resourceSpans.resource?.attributes ?? [], `${path}.resource`),
    droppedAttributesCount: resourceSpans.resource?.droppedAttributesCount ?? 0,
    schemaUrl: resourceSpans.schemaUrl,
  };
}

function readScope(scopeSpans: PbScopeSpans, path: string): WireScope {
  return {
    name: scopeSpans.scope?.name ?? '',
    version: scopeSpans.scope?.version ?? '',
    attributes: readAttributes(scopeSpans.scope?.attributes ?? [], `${path}.scope`),
    droppedAttributesCount: scopeSpans.scope?.droppedAttributesCount ?? 0,
    schemaUrl: scopeSpans.schemaUrl,
  };
}

/**
 * The reference for the direct decoder's equivalence test: fedscope's former protobuf reader,
 * which decoded with protobufjs's reflection decoder (the schema in otlp-trace-schema.ts) into
 * protobufjs message objects and walked those into the wire view. protobufjs bounds message
 * nesting at 100 levels.
 *
 * @throws OtlpDecodeError 400 for bytes that are not a valid ExportTraceServiceRequest, 413 for
 *   more than `maxSpans` spans; OtlpFieldError for a too-deep resource or scope attribute
 */
export function readProtobufRequestByReflection(bytes: Uint8Array, maxSpans: number): WireTraceRequest<unknown> {
  let request: PbRequest;
  try {
    countSpans(bytes, maxSpans);
    // As a Buffer (a view, no copy), protobufjs reads bytes fields as Buffers, so each id is hex-encoded without a view of its own.
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    request = otlpTraceTypes().request.decode(buffer) as unknown as PbRequest;
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new OtlpDecodeError(400, `malformed protobuf ExportTraceServiceRequest: ${reason}`, { cause: error });
  }
  return {
    resourceSpans: request.resourceSpans.map((resourceSpans, r) => ({
      resource: readResource(resourceSpans, `resourceSpans[${r}]`),
      scopeSpans: resourceSpans.scopeSpans.map((scopeSpans, s) => ({
        scope: readScope(scopeSpans, `resourceSpans[${r}].scopeSpans[${s}]`),
        spans: scopeSpans.spans,
      })),
    })),
    readSpan: (span, path) => readSpan(span as PbSpan, path),
  };
}
