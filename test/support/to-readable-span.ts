import { createTraceState, type Link, type SpanContext } from '@opentelemetry/api';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { spanDuration } from '../../src/otlp/span-duration.js';
import type { DecodedLink, DecodedResource, DecodedScope, DecodedSpan } from '../../src/otlp/trace-model.js';

const resources = new WeakMap<DecodedResource, Resource>();

/** One SDK `Resource` per decoded resource, shared by all its spans. */
function resourceOf(decoded: DecodedResource): Resource {
  let resource = resources.get(decoded);
  if (resource === undefined) {
    resource = resourceFromAttributes(decoded.attributes, decoded.schemaUrl === undefined ? undefined : { schemaUrl: decoded.schemaUrl });
    resources.set(decoded, resource);
  }
  return resource;
}

const scopes = new WeakMap<DecodedScope, InstrumentationScope>();

/** One SDK `InstrumentationScope` per decoded scope, shared by all its spans as a tracer's spans share theirs. */
function instrumentationScopeOf(decoded: DecodedScope): InstrumentationScope {
  let scope = scopes.get(decoded);
  if (scope === undefined) {
    scope = {
      name: decoded.name,
      ...(decoded.version === undefined ? {} : { version: decoded.version }),
      ...(decoded.schemaUrl === undefined ? {} : { schemaUrl: decoded.schemaUrl }),
    };
    scopes.set(decoded, scope);
  }
  return scope;
}

function context(
  traceId: string,
  spanId: string,
  traceFlags: number,
  traceState: string | undefined,
  isRemote: boolean | undefined,
): SpanContext {
  // One literal per combination: properties added after the literal would each grow the object.
  if (traceState === undefined) return isRemote === undefined ? { traceId, spanId, traceFlags } : { traceId, spanId, traceFlags, isRemote };
  const state = createTraceState(traceState);
  return isRemote === undefined
    ? { traceId, spanId, traceFlags, traceState: state }
    : { traceId, spanId, traceFlags, traceState: state, isRemote };
}

function toLink(link: DecodedLink): Link {
  return {
    context: context(link.traceId, link.spanId, link.traceFlags, link.traceState, link.isRemote),
    attributes: link.attributes,
    droppedAttributesCount: link.droppedAttributesCount,
  };
}

/**
 * A decoded OTLP span as the SDK `ReadableSpan` it describes: the tests' reference for what the
 * companion's classification of decoded spans (`classifyDecodedSpan`) must equal, and a way to feed
 * received spans to `FedscopePipeline.ingest`. The span is `ended`; `spanContext()` carries the W3C
 * trace flags and trace state; `parentSpanContext` is set for a child span (same trace id,
 * `isRemote` from the OTLP flags when the sender said); the resource is built with
 * `resourceFromAttributes` once per received resource, the instrumentation scope once per received
 * scope. When the end time is before the start, `endTime` is the start time and `duration` is zero,
 * matching the SDK.
 */
export function toReadableSpan(span: DecodedSpan): ReadableSpan {
  const spanContext = context(span.traceId, span.spanId, span.traceFlags, span.traceState, undefined);
  const duration = spanDuration(span.startTime.hrTime, span.endTime.hrTime);
  const events: TimedEvent[] = span.events.map((event) => ({
    name: event.name,
    time: event.time.hrTime,
    attributes: event.attributes,
    droppedAttributesCount: event.droppedAttributesCount,
  }));
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => spanContext,
    parentSpanContext:
      span.parentSpanId === undefined
        ? undefined
        : context(span.traceId, span.parentSpanId, span.traceFlags, undefined, span.parentIsRemote),
    startTime: span.startTime.hrTime,
    endTime: duration === undefined ? span.startTime.hrTime : span.endTime.hrTime,
    status: span.status,
    attributes: span.attributes,
    links: span.links.map(toLink),
    events,
    duration: duration ?? [0, 0],
    ended: true,
    resource: resourceOf(span.resource),
    instrumentationScope: instrumentationScopeOf(span.scope),
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}
