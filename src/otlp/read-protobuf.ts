import protobuf from 'protobufjs';
import { OtlpDecodeError } from './otlp-decode-error.js';
import { OtlpFieldError } from './otlp-field-error.js';
import { fixed64ToTime } from './unix-nanos.js';
import {
  MAX_ANY_VALUE_DEPTH,
  type WireAnyValue,
  type WireEvent,
  type WireKeyValue,
  type WireLink,
  type WireResource,
  type WireResourceSpans,
  type WireScope,
  type WireSpan,
  type WireTraceRequest,
} from './wire-model.js';

// A direct decoder of ExportTraceServiceRequest: protobufjs's Reader reads the wire format field
// by field (opentelemetry-proto trace.proto, common.proto, resource.proto, trace_service.proto)
// straight into the wire model, without protobufjs's intermediate message objects, Long objects
// or oneof setters. It keeps protobufjs's decoding rules, so it accepts and refuses exactly what
// its reflection decoder did: a known field sent with another wire type is skipped as an unknown
// field; a non-repeated message field sent twice is merged (repeated fields appended, scalars
// last-wins); a oneof keeps the member sent last; strings must be valid UTF-8; a message must end
// exactly at its length; unknown fields, groups included, are skipped within protobufjs's depth
// limit. Fields are matched on the whole tag (field number << 3 | wire type), so a known field
// with a wrong wire type falls through to the skip. Two differences, both on purpose: attribute
// maps nested up to MAX_ANY_VALUE_DEPTH are read (protobufjs's 100-message limit refused maps
// nested about 32 deep, three messages per level, failing the whole request), and a span with a
// too-deep value is rejected at that value, its later bytes unread (protobufjs read the whole
// request first, so a malformed byte after it failed the request instead).

type Reader = protobuf.Reader;

const WIRE_LEN = 2;

/** A 64-bit varint as `Reader.int64` returns it: a Long, or a number when no Long library is loaded. */
type ReaderInt64 = number | { readonly low: number; readonly high: number };

const EMPTY_VALUE: WireAnyValue = { type: 'empty' };
const EMPTY_BYTES: Uint8Array = Buffer.alloc(0);

/**
 * Bounds the reader to the length-delimited message at its position (reading the length) and
 * returns the enclosing bound, which {@link leaveMessage} restores.
 */
function enterMessage(reader: Reader): number {
  const length = reader.size();
  const end = reader.pos + length;
  if (end > reader.len) throw new RangeError(`index out of range: ${reader.pos} + ${length} > ${reader.len}`);
  const enclosing = reader.len;
  reader.len = end;
  return enclosing;
}

/** Checks that the message read ended exactly at its length (a varint can run past it) and restores the enclosing bound. */
function leaveMessage(reader: Reader, enclosing: number): void {
  if (reader.pos !== reader.len) throw new RangeError(`index out of range: message ends at ${reader.len}, read to ${reader.pos}`);
  reader.len = enclosing;
}

/** Skips a field this decoder does not read (or reads with another wire type), as protobufjs does at message depth `depth`. */
function skipField(reader: Reader, tag: number, depth: number): void {
  reader.skipType(tag & 7, depth, tag >>> 3);
}

/**
 * A string field. Node's native UTF-8 slice replaces invalid sequences with U+FFFD; only a string
 * that holds one (rare) is read again with protobufjs's strict reader, which refuses invalid UTF-8
 * as protobufjs's proto3 decoder does.
 */
function readString(reader: Reader): string {
  const start = reader.pos;
  const text = reader.string();
  if (!text.includes('\uFFFD')) return text;
  reader.pos = start;
  return reader.stringVerify();
}

/** Strings up to this many bytes may be served from {@link RECENT_STRINGS} or {@link RECENT_VALUES}. */
const MAX_RECENT_STRING_BYTES = 64;
/**
 * Recently read attribute keys (short ASCII ones), 1024 slots chosen by a hash of the bytes: an
 * OTLP batch repeats the same keys span after span, and handing out the string read before skips
 * decoding it again and lets V8 reuse the property key it already interned (which halved the cost
 * of building the attribute maps). Bounded (1024 strings of at most 64 bytes); a slot is
 * overwritten on a collision.
 */
const RECENT_STRINGS: string[] = new Array<string>(1024).fill('');
/**
 * The same for short string attribute values and span names, apart from the keys so that values of
 * a high cardinality (the sender's choice) cannot push the keys out. Most values repeat (a system,
 * a server, a source, a query name): handing out one string for them skips decoding it again, and
 * the analysis, which looks each of them up in its maps, finds the hash V8 kept on that string
 * instead of hashing a fresh copy for every span, while the spans it holds share it.
 */
const RECENT_VALUES: string[] = new Array<string>(1024).fill('');

/**
 * A string field: the one in `recentStrings` when its bytes are the same (compared byte by byte
 * with its character codes, exact since only ASCII strings are kept), else read by
 * {@link readString} and kept when short ASCII (valid UTF-8 as long in UTF-16 units as in bytes).
 * The slot is chosen by the length and three of the bytes, so a lookup costs one comparison.
 *
 * @param recentStrings - {@link RECENT_STRINGS} for keys, {@link RECENT_VALUES} for values and names
 */
function readRecentString(reader: Reader, recentStrings: string[]): string {
  const start = reader.pos;
  const length = reader.size();
  const from = reader.pos;
  const end = from + length;
  if (length === 0 || length > MAX_RECENT_STRING_BYTES || end > reader.len) {
    reader.pos = start;
    return readString(reader);
  }
  const bytes = reader.buf;
  let hash = Math.imul(length ^ bytes[from]!, 0x01000193);
  hash = Math.imul(hash ^ bytes[from + (length >>> 1)]!, 0x01000193);
  hash = Math.imul(hash ^ bytes[end - 1]!, 0x01000193);
  const slot = (hash ^ (hash >>> 15)) & (recentStrings.length - 1);
  const recent = recentStrings[slot]!;
  if (recent.length === length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (recent.charCodeAt(i) !== bytes[from + i]) {
        same = false;
        break;
      }
    }
    if (same) {
      reader.pos = end;
      return recent;
    }
  }
  reader.pos = start;
  const text = readString(reader);
  if (text.length === length) recentStrings[slot] = text;
  return text;
}

/** A signed int64 (`AnyValue.int_value`) as a BigInt; one BigInt for values that fit 32 bits. */
function readInt64(reader: Reader): bigint {
  const value: ReaderInt64 = reader.int64();
  if (typeof value === 'number') return BigInt(value);
  if (value.high === 0 ? value.low >= 0 : value.high === -1 && value.low < 0) return BigInt(value.low);
  return BigInt.asIntN(64, (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0));
}

/** Where a value sits, `${base}${list}[${index}]${suffix}`, built only for an error message or a nested value. */
function placeOf(base: string, list: string, index: number, suffix: string): string {
  return `${base}${list}[${index}]${suffix}`;
}

/**
 * An `AnyValue` message merged into `previous` (protobuf merges a message field sent twice). The
 * value sits at `placeOf(base, list, index, suffix)` and is nested `depth` arrays/maps deep.
 *
 * @throws OtlpFieldError for a value nested deeper than {@link MAX_ANY_VALUE_DEPTH}
 */
function readAnyValue(
  reader: Reader,
  previous: WireAnyValue,
  depth: number,
  messageDepth: number,
  base: string,
  list: string,
  index: number,
  suffix: string,
): WireAnyValue {
  const enclosing = enterMessage(reader);
  if (depth > MAX_ANY_VALUE_DEPTH)
    throw new OtlpFieldError(
      'attribute value too deep',
      placeOf(base, list, index, suffix),
      `more than ${MAX_ANY_VALUE_DEPTH} nested arrays/maps`,
    );
  let value = previous;
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    switch (tag) {
      case 0x0a: // 1 string_value
        value = { type: 'string', value: readRecentString(reader, RECENT_VALUES) };
        break;
      case 0x10: // 2 bool_value
        value = { type: 'bool', value: reader.bool() };
        break;
      case 0x18: // 3 int_value
        value = { type: 'int', value: readInt64(reader) };
        break;
      case 0x21: // 4 double_value
        value = { type: 'double', value: reader.double() };
        break;
      case 0x2a: {
        // 5 array_value: ArrayValue { repeated AnyValue values = 1 }
        const values = value.type === 'array' ? [...value.values] : [];
        readArrayValue(reader, values, depth + 1, messageDepth + 1, placeOf(base, list, index, suffix));
        value = { type: 'array', values };
        break;
      }
      case 0x32: {
        // 6 kvlist_value: KeyValueList { repeated KeyValue values = 1 }
        const entries = value.type === 'kvlist' ? [...value.values] : [];
        readKeyValueList(reader, entries, depth + 1, messageDepth + 1, `${placeOf(base, list, index, suffix)}.kvlistValue`);
        value = { type: 'kvlist', values: entries };
        break;
      }
      case 0x3a: // 7 bytes_value
        value = { type: 'bytes', value: reader.bytes() };
        break;
      default:
        skipField(reader, tag, messageDepth);
    }
  }
  leaveMessage(reader, enclosing);
  return value;
}

/** The elements of an `ArrayValue`, appended to `values`; `path` is the array value's place. */
function readArrayValue(reader: Reader, values: WireAnyValue[], depth: number, messageDepth: number, path: string): void {
  const enclosing = enterMessage(reader);
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    if (tag === 0x0a)
      values.push(readAnyValue(reader, EMPTY_VALUE, depth, messageDepth + 1, path, '.arrayValue.values', values.length, ''));
    else skipField(reader, tag, messageDepth);
  }
  leaveMessage(reader, enclosing);
}

/** The entries of a `KeyValueList`, appended to `entries`; `base` is the map value's place plus `.kvlistValue`. */
function readKeyValueList(reader: Reader, entries: WireKeyValue[], depth: number, messageDepth: number, base: string): void {
  const enclosing = enterMessage(reader);
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    if (tag === 0x0a) entries.push(readKeyValue(reader, depth, messageDepth + 1, base, '.values', entries.length));
    else skipField(reader, tag, messageDepth);
  }
  leaveMessage(reader, enclosing);
}

/** A `KeyValue { string key = 1; AnyValue value = 2 }`, the entry `index` of the list `${base}${list}`. */
function readKeyValue(reader: Reader, depth: number, messageDepth: number, base: string, list: string, index: number): WireKeyValue {
  const enclosing = enterMessage(reader);
  let key = '';
  let value = EMPTY_VALUE;
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    if (tag === 0x0a) key = readRecentString(reader, RECENT_STRINGS);
    else if (tag === 0x12) value = readAnyValue(reader, value, depth, messageDepth + 1, base, list, index, '.value');
    else skipField(reader, tag, messageDepth);
  }
  leaveMessage(reader, enclosing);
  return { key, value };
}

/** A `Span.Event` at `path`. */
function readEvent(reader: Reader, messageDepth: number, path: string): WireEvent {
  const enclosing = enterMessage(reader);
  let timeLow = 0;
  let timeHigh = 0;
  let name = '';
  const attributes: WireKeyValue[] = [];
  let droppedAttributesCount = 0;
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    switch (tag) {
      case 0x09: // 1 time_unix_nano (fixed64: low then high 32 bits)
        timeLow = reader.fixed32();
        timeHigh = reader.fixed32();
        break;
      case 0x12: // 2 name
        name = readString(reader);
        break;
      case 0x1a: // 3 attributes
        attributes.push(readKeyValue(reader, 0, messageDepth + 1, path, '.attributes', attributes.length));
        break;
      case 0x20: // 4 dropped_attributes_count
        droppedAttributesCount = reader.uint32();
        break;
      default:
        skipField(reader, tag, messageDepth);
    }
  }
  leaveMessage(reader, enclosing);
  return { time: fixed64ToTime(timeLow, timeHigh), name, attributes, droppedAttributesCount };
}

/** A `Span.Link` at `path`. */
function readLink(reader: Reader, messageDepth: number, path: string): WireLink {
  const enclosing = enterMessage(reader);
  let traceId = EMPTY_BYTES;
  let spanId = EMPTY_BYTES;
  let traceState = '';
  const attributes: WireKeyValue[] = [];
  let droppedAttributesCount = 0;
  let flags = 0;
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    switch (tag) {
      case 0x0a: // 1 trace_id
        traceId = reader.bytes();
        break;
      case 0x12: // 2 span_id
        spanId = reader.bytes();
        break;
      case 0x1a: // 3 trace_state
        traceState = readString(reader);
        break;
      case 0x22: // 4 attributes
        attributes.push(readKeyValue(reader, 0, messageDepth + 1, path, '.attributes', attributes.length));
        break;
      case 0x28: // 5 dropped_attributes_count
        droppedAttributesCount = reader.uint32();
        break;
      case 0x35: // 6 flags (fixed32)
        flags = reader.fixed32();
        break;
      default:
        skipField(reader, tag, messageDepth);
    }
  }
  leaveMessage(reader, enclosing);
  return { traceId, spanId, traceState, attributes, droppedAttributesCount, flags };
}

/** Message depth of a `Span` (request → ResourceSpans → ScopeSpans → Span), for protobufjs's skip limit. */
const SPAN_DEPTH = 3;

/**
 * The `Span` whose length prefix is at `offset` (the envelope pass checked that it lies within
 * the body), at `path`.
 */
function readSpan(reader: Reader, offset: number, path: string): WireSpan {
  reader.pos = offset;
  reader.len = reader.buf.length;
  const enclosing = enterMessage(reader);
  let traceId = EMPTY_BYTES;
  let spanId = EMPTY_BYTES;
  let traceState = '';
  let parentSpanId = EMPTY_BYTES;
  let flags = 0;
  let name = '';
  let kind = 0;
  let startLow = 0;
  let startHigh = 0;
  let endLow = 0;
  let endHigh = 0;
  const attributes: WireKeyValue[] = [];
  let droppedAttributesCount = 0;
  const events: WireEvent[] = [];
  let droppedEventsCount = 0;
  const links: WireLink[] = [];
  let droppedLinksCount = 0;
  let statusCode = 0;
  let statusMessage = '';
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    switch (tag) {
      case 0x0a: // 1 trace_id
        traceId = reader.bytes();
        break;
      case 0x12: // 2 span_id
        spanId = reader.bytes();
        break;
      case 0x1a: // 3 trace_state
        traceState = readString(reader);
        break;
      case 0x22: // 4 parent_span_id
        parentSpanId = reader.bytes();
        break;
      case 0x85: // 16 flags (fixed32)
        flags = reader.fixed32();
        break;
      case 0x2a: // 5 name
        name = readRecentString(reader, RECENT_VALUES);
        break;
      case 0x30: // 6 kind
        kind = reader.int32();
        break;
      case 0x39: // 7 start_time_unix_nano (fixed64)
        startLow = reader.fixed32();
        startHigh = reader.fixed32();
        break;
      case 0x41: // 8 end_time_unix_nano (fixed64)
        endLow = reader.fixed32();
        endHigh = reader.fixed32();
        break;
      case 0x4a: // 9 attributes
        attributes.push(readKeyValue(reader, 0, SPAN_DEPTH + 1, path, '.attributes', attributes.length));
        break;
      case 0x50: // 10 dropped_attributes_count
        droppedAttributesCount = reader.uint32();
        break;
      case 0x5a: // 11 events
        events.push(readEvent(reader, SPAN_DEPTH + 1, `${path}.events[${events.length}]`));
        break;
      case 0x60: // 12 dropped_events_count
        droppedEventsCount = reader.uint32();
        break;
      case 0x6a: // 13 links
        links.push(readLink(reader, SPAN_DEPTH + 1, `${path}.links[${links.length}]`));
        break;
      case 0x70: // 14 dropped_links_count
        droppedLinksCount = reader.uint32();
        break;
      case 0x7a: {
        // 15 status: Status { string message = 2; StatusCode code = 3 }, merged when sent twice
        const statusEnclosing = enterMessage(reader);
        while (reader.pos < reader.len) {
          const statusTag = reader.tag();
          if (statusTag === 0x12) statusMessage = readString(reader);
          else if (statusTag === 0x18) statusCode = reader.int32();
          else skipField(reader, statusTag, SPAN_DEPTH + 1);
        }
        leaveMessage(reader, statusEnclosing);
        break;
      }
      default:
        skipField(reader, tag, SPAN_DEPTH);
    }
  }
  leaveMessage(reader, enclosing);
  return {
    traceId,
    spanId,
    traceState,
    parentSpanId,
    flags,
    name,
    kind,
    startTime: fixed64ToTime(startLow, startHigh),
    endTime: fixed64ToTime(endLow, endHigh),
    attributes,
    droppedAttributesCount,
    events,
    droppedEventsCount,
    links,
    droppedLinksCount,
    statusCode,
    statusMessage,
  };
}

/**
 * One `ResourceSpans` or `ScopeSpans` as the envelope pass found it: where its length-delimited
 * fields are (every instance of a message field, since protobuf merges them; the last
 * `schema_url`), decoded only after every span has been counted.
 */
interface EnvelopeEntry {
  /** Offsets of the `resource` (or `scope`) messages' length prefixes. */
  readonly messages: number[];
  /** Offset of the last `schema_url`'s length prefix, or -1. */
  schemaUrl: number;
}

interface IndexedScopeSpans extends EnvelopeEntry {
  /** Offsets of the spans' length prefixes. */
  readonly spans: number[];
}

interface IndexedResourceSpans extends EnvelopeEntry {
  readonly scopeSpans: IndexedScopeSpans[];
}

/** The envelope field a wrong wire type is refused for (protobufjs would skip it as an unknown field and lose the spans). */
function requireLengthDelimited(tag: number, field: string): void {
  if ((tag & 7) !== WIRE_LEN) throw new Error(`wire type ${tag & 7} for a length-delimited field (${field})`);
}

/**
 * Walks one `ResourceSpans` or `ScopeSpans` (the same shape: its message at field 1, children at
 * field 2, `schema_url` at field 3), recording where the message instances and the last schema
 * URL are in `entry` and handing each child, the reader at its length prefix, to `onChild`.
 */
function indexEnvelopeMessage(reader: Reader, messageDepth: number, entry: EnvelopeEntry, children: string, onChild: () => void): void {
  const enclosing = enterMessage(reader);
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    if (tag === 0x0a) entry.messages.push(reader.pos);
    else if (tag === 0x1a) entry.schemaUrl = reader.pos;
    if (tag >>> 3 === 2) {
      requireLengthDelimited(tag, children);
      onChild();
    } else {
      skipField(reader, tag, messageDepth);
    }
  }
  leaveMessage(reader, enclosing);
}

/**
 * The envelope pass: walks request.resource_spans(1) → scope_spans(2) → spans(2), recording
 * where resources, scopes, schema URLs and spans are and skipping their contents, so an
 * oversized span count is refused before anything is decoded.
 */
function indexRequest(reader: Reader, maxSpans: number): IndexedResourceSpans[] {
  const resourceSpans: IndexedResourceSpans[] = [];
  let spanCount = 0;
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    if (tag >>> 3 !== 1) {
      skipField(reader, tag, 0);
      continue;
    }
    requireLengthDelimited(tag, 'resource_spans');
    const entry: IndexedResourceSpans = { messages: [], schemaUrl: -1, scopeSpans: [] };
    indexEnvelopeMessage(reader, 1, entry, 'scope_spans', () => {
      const scopeEntry: IndexedScopeSpans = { messages: [], schemaUrl: -1, spans: [] };
      indexEnvelopeMessage(reader, 2, scopeEntry, 'spans', () => {
        scopeEntry.spans.push(reader.pos);
        reader.skipType(WIRE_LEN);
        spanCount += 1;
        if (spanCount > maxSpans) throw new OtlpDecodeError(413, `request has more than ${maxSpans} spans`);
      });
      entry.scopeSpans.push(scopeEntry);
    });
    resourceSpans.push(entry);
  }
  return resourceSpans;
}

/** The string whose length prefix is at `offset`, or '' for -1. */
function stringAt(reader: Reader, offset: number): string {
  if (offset < 0) return '';
  reader.pos = offset;
  return readString(reader);
}

/**
 * Reads past a `Resource.entity_refs` element (`EntityRef { string schema_url = 1; string type = 2;
 * repeated string id_keys = 3; repeated string description_keys = 4 }`), which fedscope does not
 * use, checking it as protobufjs's decoder did: its strings must be valid UTF-8.
 */
function checkEntityRef(reader: Reader, messageDepth: number): void {
  const enclosing = enterMessage(reader);
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    if (tag === 0x0a || tag === 0x12 || tag === 0x1a || tag === 0x22) readString(reader);
    else skipField(reader, tag, messageDepth);
  }
  leaveMessage(reader, enclosing);
}

/**
 * Reads every instance of a message field, as protobuf merges them, handing each field's tag to
 * `readField`, which reads the field and says so (or leaves it to be skipped).
 */
function readMergedInstances(reader: Reader, offsets: readonly number[], messageDepth: number, readField: (tag: number) => boolean): void {
  for (const offset of offsets) {
    reader.pos = offset;
    const enclosing = enterMessage(reader);
    while (reader.pos < reader.len) {
      const tag = reader.tag();
      if (!readField(tag)) skipField(reader, tag, messageDepth);
    }
    leaveMessage(reader, enclosing);
  }
}

/** A `Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; repeated EntityRef entity_refs = 3 }`. */
function readResource(reader: Reader, entry: EnvelopeEntry, path: string): WireResource {
  const attributes: WireKeyValue[] = [];
  let droppedAttributesCount = 0;
  readMergedInstances(reader, entry.messages, 2, (tag) => {
    if (tag === 0x0a) attributes.push(readKeyValue(reader, 0, 3, path, '.attributes', attributes.length));
    else if (tag === 0x10) droppedAttributesCount = reader.uint32();
    else if (tag === 0x1a) checkEntityRef(reader, 3);
    else return false;
    return true;
  });
  return { attributes, droppedAttributesCount, schemaUrl: stringAt(reader, entry.schemaUrl) };
}

/** An `InstrumentationScope { name = 1; version = 2; attributes = 3; dropped_attributes_count = 4 }`. */
function readScope(reader: Reader, entry: EnvelopeEntry, path: string): WireScope {
  let name = '';
  let version = '';
  const attributes: WireKeyValue[] = [];
  let droppedAttributesCount = 0;
  readMergedInstances(reader, entry.messages, 3, (tag) => {
    if (tag === 0x0a) name = readString(reader);
    else if (tag === 0x12) version = readString(reader);
    else if (tag === 0x1a) attributes.push(readKeyValue(reader, 0, 4, path, '.attributes', attributes.length));
    else if (tag === 0x20) droppedAttributesCount = reader.uint32();
    else return false;
    return true;
  });
  return { name, version, attributes, droppedAttributesCount, schemaUrl: stringAt(reader, entry.schemaUrl) };
}

function malformed(error: unknown): OtlpDecodeError {
  const reason = error instanceof Error ? error.message : String(error);
  return new OtlpDecodeError(400, `malformed protobuf ExportTraceServiceRequest: ${reason}`, { cause: error });
}

/**
 * Decodes a binary protobuf ExportTraceServiceRequest (already decompressed) into the
 * format-neutral wire view with protobufjs's `Reader`: first the envelope (spans counted, not
 * decoded), then resources and scopes; each span is decoded when `readSpan` asks for it.
 *
 * @throws OtlpDecodeError 400 for bytes that are not a valid ExportTraceServiceRequest (also from
 *   `readSpan` for a span whose bytes are malformed), 413 for more than `maxSpans` spans;
 *   OtlpFieldError for a too-deep resource or scope attribute, and from `readSpan` for a span
 *   with a too-deep attribute value
 */
export function readProtobufRequest(bytes: Uint8Array, maxSpans: number): WireTraceRequest<unknown> {
  // As a Buffer (a view, no copy), the Reader slices bytes fields as Buffers and strings with Node's native UTF-8 decoder.
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = protobuf.Reader.create(buffer);
  let resourceSpans: WireResourceSpans<number>[];
  try {
    const indexed = indexRequest(reader, maxSpans);
    resourceSpans = indexed.map((entry, r) => ({
      resource: readResource(reader, entry, `resourceSpans[${r}].resource`),
      scopeSpans: entry.scopeSpans.map((scopeEntry, s) => ({
        scope: readScope(reader, scopeEntry, `resourceSpans[${r}].scopeSpans[${s}].scope`),
        spans: scopeEntry.spans,
      })),
    }));
  } catch (error) {
    if (error instanceof OtlpDecodeError || error instanceof OtlpFieldError) throw error;
    throw malformed(error);
  }
  return {
    resourceSpans,
    readSpan: (span, path) => {
      try {
        return readSpan(reader, span as number, path);
      } catch (error) {
        if (error instanceof OtlpFieldError) throw error;
        throw malformed(error);
      }
    },
  };
}
