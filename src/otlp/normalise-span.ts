import type { SpanStatus } from '@opentelemetry/api';
import { toAttributes } from './attribute-values.js';
import { isAllZeroId, normaliseId, type IdRules } from './otlp-ids.js';
import { spanKindFromOtlp, statusCodeFromOtlp } from './otlp-enums.js';
import type { DecodedLink, DecodedResource, DecodedScope, DecodedSpan, KvlistMode } from './trace-model.js';
import type { WireLink, WireResource, WireScope, WireSpan } from './wire-model.js';

/** `Span.flags`/`Link.flags` bits 0–7: the W3C trace flags. */
const TRACE_FLAGS_MASK = 0xff;
/** Bit 8: whether bit 9 says anything. */
const HAS_IS_REMOTE_MASK = 0x100;
/** Bit 9: the parent (for a span) or the linked context (for a link) is remote. */
const IS_REMOTE_MASK = 0x200;

// The id rules, made once rather than per span.
const TRACE_ID: IdRules = { field: 'traceId', bytes: 16, allowEmpty: false, allowZero: false };
const SPAN_ID: IdRules = { field: 'spanId', bytes: 8, allowEmpty: false, allowZero: false };
const PARENT_SPAN_ID: IdRules = { field: 'parentSpanId', bytes: 8, allowEmpty: true, allowZero: true };
const LINK_TRACE_ID: IdRules = { field: 'traceId', bytes: 16, allowEmpty: true, allowZero: true };
const LINK_SPAN_ID: IdRules = { field: 'spanId', bytes: 8, allowEmpty: true, allowZero: true };

function isRemoteFrom(flags: number): boolean | undefined {
  return (flags & HAS_IS_REMOTE_MASK) === 0 ? undefined : (flags & IS_REMOTE_MASK) !== 0;
}

function nonEmpty(text: string): string | undefined {
  return text === '' ? undefined : text;
}

/** A resource as fedscope's model has it. */
export function normaliseResource(resource: WireResource, kvlistMode: KvlistMode): DecodedResource {
  return {
    attributes: toAttributes(resource.attributes, kvlistMode),
    droppedAttributesCount: resource.droppedAttributesCount,
    schemaUrl: nonEmpty(resource.schemaUrl),
  };
}

/** A scope as fedscope's model has it. */
export function normaliseScope(scope: WireScope, kvlistMode: KvlistMode): DecodedScope {
  return {
    name: scope.name,
    version: nonEmpty(scope.version),
    schemaUrl: nonEmpty(scope.schemaUrl),
    attributes: toAttributes(scope.attributes, kvlistMode),
    droppedAttributesCount: scope.droppedAttributesCount,
  };
}

function normaliseLink(link: WireLink, path: string, kvlistMode: KvlistMode): DecodedLink {
  // A link may carry an empty context (the spec records such links when they have attributes or
  // trace state), so only a wrong length is an error here; empty becomes the all-zero id.
  const traceId = normaliseId(link.traceId, LINK_TRACE_ID, path);
  const spanId = normaliseId(link.spanId, LINK_SPAN_ID, path);
  return {
    traceId: traceId === '' ? '0'.repeat(32) : traceId,
    spanId: spanId === '' ? '0'.repeat(16) : spanId,
    traceState: nonEmpty(link.traceState),
    flags: link.flags,
    traceFlags: link.flags & TRACE_FLAGS_MASK,
    isRemote: isRemoteFrom(link.flags),
    attributes: toAttributes(link.attributes, kvlistMode),
    droppedAttributesCount: link.droppedAttributesCount,
  };
}

/**
 * One span as fedscope's model has it: ids checked and turned into lowercase hex, kind and
 * status in API numbering, times as exact HrTime pairs, attributes flattened.
 *
 * @throws OtlpFieldError for an invalid trace id, span id (wrong length, empty or all zero) or
 *   parent span id (wrong length; an empty or all-zero parent means a root span)
 */
export function normaliseSpan(
  span: WireSpan,
  path: string,
  resource: DecodedResource,
  scope: DecodedScope,
  kvlistMode: KvlistMode,
): DecodedSpan {
  const traceId = normaliseId(span.traceId, TRACE_ID, path);
  const spanId = normaliseId(span.spanId, SPAN_ID, path);
  const parent = normaliseId(span.parentSpanId, PARENT_SPAN_ID, path);
  // Two literals rather than a property added after one, which would grow the object.
  const code = statusCodeFromOtlp(span.statusCode);
  const status: SpanStatus = span.statusMessage === '' ? { code } : { code, message: span.statusMessage };
  return {
    traceId,
    spanId,
    parentSpanId: parent === '' || isAllZeroId(parent) ? undefined : parent,
    traceState: nonEmpty(span.traceState),
    flags: span.flags,
    traceFlags: span.flags & TRACE_FLAGS_MASK,
    parentIsRemote: isRemoteFrom(span.flags),
    name: span.name,
    kind: spanKindFromOtlp(span.kind),
    startTime: span.startTime,
    endTime: span.endTime,
    attributes: toAttributes(span.attributes, kvlistMode),
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((event) => ({
      name: event.name,
      time: event.time,
      attributes: toAttributes(event.attributes, kvlistMode),
      droppedAttributesCount: event.droppedAttributesCount,
    })),
    droppedEventsCount: span.droppedEventsCount,
    links: span.links.map((link, index) => normaliseLink(link, `${path}.links[${index}]`, kvlistMode)),
    droppedLinksCount: span.droppedLinksCount,
    status,
    resource,
    scope,
  };
}
