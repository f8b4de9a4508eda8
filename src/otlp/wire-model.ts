import type { DecodedTime } from './trace-model.js';

/**
 * The format-neutral view of an OTLP trace request that the protobuf and JSON readers produce
 * and the span normaliser consumes. Values are as sent (ids unchecked, enums as numbers);
 * checking and converting them is the normaliser's job. Times are the exception: each reader
 * converts its own representation (a protobuf fixed64's halves, a JSON decimal) the cheapest way.
 */

/** An OTLP `AnyValue`. `empty` is an AnyValue with no member of its `oneof` set. */
export type WireAnyValue =
  | { readonly type: 'empty' }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'int'; readonly value: bigint }
  | { readonly type: 'double'; readonly value: number }
  | { readonly type: 'bytes'; readonly value: Uint8Array }
  | { readonly type: 'array'; readonly values: readonly WireAnyValue[] }
  | { readonly type: 'kvlist'; readonly values: readonly WireKeyValue[] };

/** An OTLP `KeyValue`. */
export interface WireKeyValue {
  /** Attribute key. */
  readonly key: string;
  /** Attribute value. */
  readonly value: WireAnyValue;
}

/**
 * A trace or span id as sent: raw bytes (protobuf) or the hex text (OTLP/JSON), not yet
 * checked for length or hex digits.
 */
export type WireId = Uint8Array | string;

/** An OTLP `Span.Event`. */
export interface WireEvent {
  /** `time_unix_nano`. */
  readonly time: DecodedTime;
  /** Event name. */
  readonly name: string;
  /** Event attributes. */
  readonly attributes: readonly WireKeyValue[];
  /** `dropped_attributes_count`. */
  readonly droppedAttributesCount: number;
}

/** An OTLP `Span.Link`. */
export interface WireLink {
  /** Linked trace id. */
  readonly traceId: WireId;
  /** Linked span id. */
  readonly spanId: WireId;
  /** W3C tracestate. */
  readonly traceState: string;
  /** Link attributes. */
  readonly attributes: readonly WireKeyValue[];
  /** `dropped_attributes_count`. */
  readonly droppedAttributesCount: number;
  /** 32-bit flags. */
  readonly flags: number;
}

/** An OTLP `Span`. */
export interface WireSpan {
  /** Trace id. */
  readonly traceId: WireId;
  /** Span id. */
  readonly spanId: WireId;
  /** W3C tracestate. */
  readonly traceState: string;
  /** Parent span id (empty for a root). */
  readonly parentSpanId: WireId;
  /** 32-bit flags. */
  readonly flags: number;
  /** Span name. */
  readonly name: string;
  /** OTLP `SpanKind` number (UNSPECIFIED = 0). */
  readonly kind: number;
  /** `start_time_unix_nano`. */
  readonly startTime: DecodedTime;
  /** `end_time_unix_nano`. */
  readonly endTime: DecodedTime;
  /** Span attributes. */
  readonly attributes: readonly WireKeyValue[];
  /** `dropped_attributes_count`. */
  readonly droppedAttributesCount: number;
  /** Events. */
  readonly events: readonly WireEvent[];
  /** `dropped_events_count`. */
  readonly droppedEventsCount: number;
  /** Links. */
  readonly links: readonly WireLink[];
  /** `dropped_links_count`. */
  readonly droppedLinksCount: number;
  /** OTLP `Status.StatusCode` number. */
  readonly statusCode: number;
  /** `Status.message`. */
  readonly statusMessage: string;
}

/** An OTLP `Resource` plus the `schema_url` of its `ResourceSpans`. */
export interface WireResource {
  /** Resource attributes. */
  readonly attributes: readonly WireKeyValue[];
  /** `dropped_attributes_count`. */
  readonly droppedAttributesCount: number;
  /** `ResourceSpans.schema_url`. */
  readonly schemaUrl: string;
}

/** An OTLP `InstrumentationScope` plus the `schema_url` of its `ScopeSpans`. */
export interface WireScope {
  /** Scope name. */
  readonly name: string;
  /** Scope version. */
  readonly version: string;
  /** Scope attributes. */
  readonly attributes: readonly WireKeyValue[];
  /** `dropped_attributes_count`. */
  readonly droppedAttributesCount: number;
  /** `ScopeSpans.schema_url`. */
  readonly schemaUrl: string;
}

/**
 * The spans of one scope, still in their wire form. `readSpan` turns one of them into a
 * {@link WireSpan}; it throws a `SpanFieldError` when that span alone is malformed, so one bad
 * span does not fail the whole request.
 */
export interface WireScopeSpans<S> {
  /** The scope. */
  readonly scope: WireScope;
  /** The spans as the reader holds them. */
  readonly spans: readonly S[];
}

/** The scopes of one resource. */
export interface WireResourceSpans<S> {
  /** The resource. */
  readonly resource: WireResource;
  /** Its scopes. */
  readonly scopeSpans: readonly WireScopeSpans<S>[];
}

/**
 * A request whose envelope (resources and scopes) has been read; spans are read one at a time
 * with `readSpan`, so one malformed span can be rejected on its own.
 */
export interface WireTraceRequest<S> {
  /** The resources. */
  readonly resourceSpans: readonly WireResourceSpans<S>[];
  /** Reads one span; throws `SpanFieldError` for a span that is malformed. */
  readonly readSpan: (span: S, path: string) => WireSpan;
}

/**
 * How deep attribute values may nest (arrays and maps inside arrays and maps). Deeper values
 * reject their span, or the whole request when they are in a resource or scope; this bounds the
 * recursion of every later step.
 */
export const MAX_ANY_VALUE_DEPTH = 32;
