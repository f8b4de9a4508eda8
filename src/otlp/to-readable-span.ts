import { createTraceState, type HrTime, type Link, type SpanContext } from '@opentelemetry/api';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { DecodedLink, DecodedResource, DecodedSpan } from './trace-model.js';

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

function context(
  traceId: string,
  spanId: string,
  traceFlags: number,
  traceState: string | undefined,
  isRemote: boolean | undefined,
): SpanContext {
  const spanContext: SpanContext = { traceId, spanId, traceFlags };
  if (traceState !== undefined) spanContext.traceState = createTraceState(traceState);
  if (isRemote !== undefined) spanContext.isRemote = isRemote;
  return spanContext;
}

function toLink(link: DecodedLink): Link {
  return {
    context: context(link.traceId, link.spanId, link.traceFlags, link.traceState, link.isRemote),
    attributes: link.attributes,
    droppedAttributesCount: link.droppedAttributesCount,
  };
}

/** `end − start` as HrTime; 0 when the end is before the start (as the SDK does). */
function durationOf(start: string, end: string): HrTime {
  const nanos = BigInt(end) - BigInt(start);
  if (nanos <= 0n) return [0, 0];
  return [Number(nanos / 1_000_000_000n), Number(nanos % 1_000_000_000n)];
}

/**
 * A decoded OTLP span as an SDK `ReadableSpan`, so fedscope's span processors (`onEnd`) handle
 * spans received over OTLP like spans ended in-process. The span is `ended`; `spanContext()`
 * carries the W3C trace flags and trace state; `parentSpanContext` is set for a child span (same
 * trace id, `isRemote` from the OTLP flags when the sender said); the resource is built with
 * `resourceFromAttributes` once per received resource. When the end time is before the start,
 * `endTime` is the start time and `duration` is zero, matching the SDK.
 */
export function toReadableSpan(span: DecodedSpan): ReadableSpan {
  const spanContext = context(span.traceId, span.spanId, span.traceFlags, span.traceState, undefined);
  const duration = durationOf(span.startTime.unixNano, span.endTime.unixNano);
  const clamped = BigInt(span.endTime.unixNano) < BigInt(span.startTime.unixNano);
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
    endTime: clamped ? span.startTime.hrTime : span.endTime.hrTime,
    status: span.status,
    attributes: span.attributes,
    links: span.links.map(toLink),
    events,
    duration,
    ended: true,
    resource: resourceOf(span.resource),
    instrumentationScope: {
      name: span.scope.name,
      ...(span.scope.version === undefined ? {} : { version: span.scope.version }),
      ...(span.scope.schemaUrl === undefined ? {} : { schemaUrl: span.scope.schemaUrl }),
    },
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}
