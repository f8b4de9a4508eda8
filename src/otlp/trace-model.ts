import type { AttributeValue, HrTime, SpanKind, SpanStatus } from '@opentelemetry/api';

/**
 * Attributes after decoding: a flat map of API attribute values. OTLP `kvlistValue`s are
 * flattened into dotted keys (or JSON text, see {@link KvlistMode}); int64 values are JS numbers
 * when safe and decimal strings otherwise; bytes are base64 strings.
 */
export type DecodedAttributes = Record<string, AttributeValue>;

/** The wire format of an OTLP/HTTP body. */
export type OtlpFormat = 'protobuf' | 'json';

/** The resource that a group of spans came from. */
export interface DecodedResource {
  /** Resource attributes (`service.name`, …). */
  readonly attributes: DecodedAttributes;
  /** `dropped_attributes_count` as sent. */
  readonly droppedAttributesCount: number;
  /** `ResourceSpans.schema_url`, when non-empty. */
  readonly schemaUrl: string | undefined;
}

/** The instrumentation scope that a group of spans came from. */
export interface DecodedScope {
  /** Scope name; empty when the sender did not say. */
  readonly name: string;
  /** Scope version, when non-empty. */
  readonly version: string | undefined;
  /** `ScopeSpans.schema_url`, when non-empty. */
  readonly schemaUrl: string | undefined;
  /** Scope attributes. */
  readonly attributes: DecodedAttributes;
  /** `dropped_attributes_count` as sent. */
  readonly droppedAttributesCount: number;
}

/** A point in time as received. */
export interface DecodedTime {
  /**
   * `[seconds, nanoseconds]` since the Unix epoch, as the OTel API's `HrTime`: exact for every
   * uint64 the sender can send (seconds stay below 2^35), so no other form is kept.
   */
  readonly hrTime: HrTime;
}

/** A span event. */
export interface DecodedEvent {
  /** Event name. */
  readonly name: string;
  /** When the event happened. */
  readonly time: DecodedTime;
  /** Event attributes. */
  readonly attributes: DecodedAttributes;
  /** `dropped_attributes_count` as sent. */
  readonly droppedAttributesCount: number;
}

/** A link from a span to another span context. */
export interface DecodedLink {
  /**
   * Linked trace id, 32 lowercase hex characters. A link may carry an empty context (OTel records
   * links with attributes or trace state even then): that is the all-zero id.
   */
  readonly traceId: string;
  /** Linked span id, 16 lowercase hex characters (all zeros for an empty context). */
  readonly spanId: string;
  /** W3C tracestate of the linked context, when non-empty. */
  readonly traceState: string | undefined;
  /** The raw 32-bit OTLP `flags`. */
  readonly flags: number;
  /** W3C trace flags: `flags & 0xff`. */
  readonly traceFlags: number;
  /** Whether the linked context is remote; undefined when the sender did not say (flags bit 8 unset). */
  readonly isRemote: boolean | undefined;
  /** Link attributes. */
  readonly attributes: DecodedAttributes;
  /** `dropped_attributes_count` as sent. */
  readonly droppedAttributesCount: number;
}

/** One span as received, normalised to the same shape for protobuf and JSON. */
export interface DecodedSpan {
  /** Trace id, 32 lowercase hex characters. */
  readonly traceId: string;
  /** Span id, 16 lowercase hex characters. */
  readonly spanId: string;
  /** Parent span id, 16 lowercase hex characters; undefined for a root span (empty or all-zero id). */
  readonly parentSpanId: string | undefined;
  /** W3C tracestate, when non-empty. */
  readonly traceState: string | undefined;
  /** The raw 32-bit OTLP `flags`. */
  readonly flags: number;
  /** W3C trace flags: `flags & 0xff` (bit 0 = sampled). */
  readonly traceFlags: number;
  /** Whether the parent is remote; undefined when the sender did not say (flags bit 8 unset). */
  readonly parentIsRemote: boolean | undefined;
  /** Span name. */
  readonly name: string;
  /**
   * Kind in `@opentelemetry/api` numbering (INTERNAL = 0 … CONSUMER = 4). OTLP numbers it from
   * UNSPECIFIED = 0; UNSPECIFIED and values this decoder does not know become INTERNAL.
   */
  readonly kind: SpanKind;
  /** Start time. */
  readonly startTime: DecodedTime;
  /** End time. */
  readonly endTime: DecodedTime;
  /** Span attributes. */
  readonly attributes: DecodedAttributes;
  /** `dropped_attributes_count` as sent. */
  readonly droppedAttributesCount: number;
  /** Events in the order sent. */
  readonly events: readonly DecodedEvent[];
  /** `dropped_events_count` as sent. */
  readonly droppedEventsCount: number;
  /** Links in the order sent. */
  readonly links: readonly DecodedLink[];
  /** `dropped_links_count` as sent. */
  readonly droppedLinksCount: number;
  /**
   * Status in `@opentelemetry/api` numbering (UNSET 0, OK 1, ERROR 2: the same numbers as OTLP);
   * unknown codes become UNSET. `message` is present only when non-empty.
   */
  readonly status: SpanStatus;
  /** The resource of this span (the same object for every span of one `ResourceSpans`). */
  readonly resource: DecodedResource;
  /** The scope of this span (the same object for every span of one `ScopeSpans`). */
  readonly scope: DecodedScope;
}

/** The spans of one instrumentation scope. */
export interface DecodedScopeSpans {
  /** The scope. */
  readonly scope: DecodedScope;
  /** Its accepted spans. */
  readonly spans: readonly DecodedSpan[];
}

/** The spans of one resource. */
export interface DecodedResourceSpans {
  /** The resource. */
  readonly resource: DecodedResource;
  /** Its scopes. */
  readonly scopeSpans: readonly DecodedScopeSpans[];
}

/** Why one span was rejected. */
export interface SpanRejection {
  /** Where the span is, e.g. `resourceSpans[0].scopeSpans[1].spans[3]`. */
  readonly path: string;
  /** What is wrong with it, e.g. `invalid traceId at …: expected 16 bytes, got 3`. */
  readonly reason: string;
}

/** A decoded `ExportTraceServiceRequest`. */
export interface DecodedTraceRequest {
  /** The body's wire format (from `Content-Type`). */
  readonly format: OtlpFormat;
  /** Accepted spans grouped as sent. */
  readonly resourceSpans: readonly DecodedResourceSpans[];
  /** All accepted spans, in request order. */
  readonly spans: readonly DecodedSpan[];
  /** Spans in the request that were rejected (invalid ids, malformed JSON fields, …). */
  readonly rejectedSpans: number;
  /** The first few rejections (at most {@link MAX_REPORTED_REJECTIONS}). */
  readonly rejections: readonly SpanRejection[];
  /**
   * A human-readable summary of the rejections for `ExportTracePartialSuccess.error_message`;
   * undefined when nothing was rejected.
   */
  readonly errorMessage: string | undefined;
}

/** How many span rejections are kept with their reasons; the rest are only counted. */
export const MAX_REPORTED_REJECTIONS = 5;

/**
 * What to do with an attribute whose value is an OTLP `kvlistValue` (a map), which the OTel API
 * attribute model cannot hold: `'flatten'` (the default) turns `{key: k, value: {a: 1, b: {c: "x"}}}`
 * into `k.a = 1` and `k.b.c = "x"` (the semantic-conventions form of map attributes, e.g.
 * `db.query.parameter.<key>`), without overwriting a key that the same list sets directly;
 * `'json'` keeps one attribute `k` holding the map as JSON text.
 */
export type KvlistMode = 'flatten' | 'json';
