import { fedscopeLog } from '../../src/diagnostics/fedscope-log.js';
import {
  context,
  SpanStatusCode,
  type Attributes,
  type AttributeValue,
  type Context,
  type Exception,
  type Span,
  type SpanOptions,
  type SpanStatus,
  type TimeInput,
  type Tracer,
  type TracerOptions,
  type TracerProvider,
} from '@opentelemetry/api';
import { ATTR_DB_NAMESPACE, ATTR_DB_QUERY_TEXT, ATTR_DB_SYSTEM_NAME } from '@opentelemetry/semantic-conventions';
import type { QueryTextMode } from '../../src/span-model/query-text-mode.js';
import { applyDbStatementAttributes } from '../../src/span-model/db-call-attributes.js';
import { classifyDbError, dbErrorAttributes } from '../../src/span-model/error-class.js';
import { redactedException, redactUnlessRaw } from '../../src/span-model/redact.js';
import { sourceCallAttributes } from '../source-call-span.js';
import { pgErrorCodeOfException, takeMysql2Error } from './driver-error-capture.js';

/** How contrib spans are enriched; built by `contribDbInstrumentations`. */
export interface ContribSpanEnrichment {
  /** `federation.source` from a span's start attributes. */
  nameSource(attributes: Attributes): string;
  /** The query-text mode now. */
  queryText(): QueryTextMode;
  /** Rename query spans to the statement summary. */
  renameSpans: boolean;
}

/**
 * A tracer provider whose tracers hand the contrib DB instrumentations' spans fedscope's source-call
 * attributes, at the moment the spans start — before samplers and span processors see them, and
 * whether the call then succeeds or fails (the contrib hooks only see successes):
 *
 * - `federation.source` (and, inside a federated query, `federation.query.name`)
 * - from the statement text: `db.operation.name`, `db.collection.name`, `db.query.summary`,
 *   `federation.query.fingerprint`, and `db.query.text` per the query-text mode (pg sets the text
 *   after start; that `setAttribute` is intercepted the same way)
 * - on failure: `error.type`, `federation.error.class`, `db.response.status_code` from the driver
 *   error (pg: the SQLSTATE in contrib's exception text; mysql2: the error published on its
 *   diagnostics channel, else the message); the status description and the exception event
 *   contrib records are redacted (`redactMessage`: the driver's message echoes the statement's
 *   values) unless the process opted into raw text
 *
 * Spans without `db.system.name` pass through untouched. Any failure inside fedscope leaves the
 * span as contrib made it.
 */
export function enrichingTracerProvider(provider: TracerProvider, enrichment: ContribSpanEnrichment): TracerProvider {
  return {
    getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
      return enrichingTracer(provider.getTracer(name, version, options), enrichment);
    },
  };
}

function enrichingTracer(tracer: Tracer, enrichment: ContribSpanEnrichment): Tracer {
  return {
    startSpan(name: string, options?: SpanOptions, ctx?: Context): Span {
      const system = options?.attributes?.[ATTR_DB_SYSTEM_NAME];
      if (typeof system !== 'string') return tracer.startSpan(name, options, ctx);
      let spanName = name;
      let attributes = options?.attributes;
      try {
        const enriched = copyAttributes(attributes);
        const added = sourceCallAttributes(enrichment.nameSource(enriched), ctx ?? context.active());
        for (const key in added) enriched[key] = added[key];
        const text = enriched[ATTR_DB_QUERY_TEXT];
        if (typeof text === 'string') {
          const summaryName = describeStatement(enriched, system, text, enrichment);
          if (enrichment.renameSpans) spanName = summaryName;
        }
        attributes = enriched;
      } catch (error) {
        fedscopeLog.error('could not enrich a contrib DB span', error);
      }
      const span = tracer.startSpan(spanName, { ...options, attributes }, ctx);
      if (span.isRecording()) interceptSpan(span, system, attributes?.[ATTR_DB_NAMESPACE], enrichment);
      return span;
    },
    // Contrib DB instrumentations only use startSpan; startActiveSpan is passed through as is.
    startActiveSpan: tracer.startActiveSpan.bind(tracer),
  };
}

/**
 * A copy that takes further keys cheaply: V8 gives a spread copy (`{ ...a }`) a map that every added
 * key then slows to about a microsecond (measured on the contrib pg path), a copy built key by key not.
 */
function copyAttributes(attributes: Attributes | undefined): Attributes {
  const copy: Attributes = {};
  for (const key in attributes) copy[key] = attributes[key];
  return copy;
}

function describeStatement(attributes: Attributes, system: string, text: string, enrichment: ContribSpanEnrichment): string {
  const namespace = attributes[ATTR_DB_NAMESPACE];
  return applyDbStatementAttributes(attributes, {
    system,
    namespace: typeof namespace === 'string' ? namespace : undefined,
    text,
    queryText: enrichment.queryText(),
  });
}

/**
 * Replaces three of the span object's methods by own properties that enrich what contrib sets and
 * then call the originals (the span stays the same object for processors and exporters). Error
 * texts are classified from the driver's message first, then redacted on their way to the span.
 */
function interceptSpan(span: Span, system: string, namespace: AttributeValue | undefined, enrichment: ContribSpanEnrichment): void {
  // The originals, bound before the span's own properties replace them.
  const setAttribute = span.setAttribute.bind(span);
  const setStatus = span.setStatus.bind(span);
  const recordException = span.recordException.bind(span);
  let exceptionCode: string | undefined;

  span.setAttribute = (key: string, value: AttributeValue): Span => {
    if (key !== ATTR_DB_QUERY_TEXT || typeof value !== 'string') return setAttribute(key, value);
    try {
      const attributes: Attributes = {};
      const name = applyDbStatementAttributes(attributes, {
        system,
        namespace: typeof namespace === 'string' ? namespace : undefined,
        text: value,
        queryText: enrichment.queryText(),
      });
      for (const k in attributes) {
        const v = attributes[k];
        // The span has its system and namespace from the start.
        if (v !== undefined && k !== ATTR_DB_SYSTEM_NAME && k !== ATTR_DB_NAMESPACE) setAttribute(k, v);
      }
      if (enrichment.renameSpans) span.updateName(name);
      return span;
    } catch (error) {
      fedscopeLog.error('could not enrich a contrib DB span', error);
      return setAttribute(key, value);
    }
  };

  span.recordException = (exception: Exception, time?: TimeInput): void => {
    try {
      exceptionCode ??= pgErrorCodeOfException(exception);
    } catch {
      // Only a hint; the exception is recorded regardless.
    }
    recordException(redactedException(exception), time);
  };

  span.setStatus = (status: SpanStatus): Span => {
    if (status?.code === SpanStatusCode.ERROR) {
      try {
        const driverError = takeMysql2Error(status.message) ?? { code: exceptionCode, message: status.message ?? '' };
        for (const [k, v] of Object.entries(dbErrorAttributes(classifyDbError(driverError, { system })))) {
          if (v !== undefined) setAttribute(k, v);
        }
      } catch (error) {
        fedscopeLog.error('could not classify a contrib DB error', error);
      }
    }
    if (status?.code === SpanStatusCode.ERROR && typeof status.message === 'string') {
      return setStatus({ ...status, message: redactUnlessRaw(status.message) });
    }
    return setStatus(status);
  };
}
