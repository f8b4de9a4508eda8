import { normaliseResource, normaliseScope, normaliseSpan } from './normalise-span.js';
import { OtlpDecodeError } from './otlp-decode-error.js';
import { OtlpFieldError } from './otlp-field-error.js';
import { readJsonRequest } from './read-json.js';
import { readProtobufRequest } from './read-protobuf.js';
import {
  MAX_REPORTED_REJECTIONS,
  type DecodedResourceSpans,
  type DecodedScopeSpans,
  type DecodedSpan,
  type DecodedTraceRequest,
  type KvlistMode,
  type OtlpFormat,
  type SpanRejection,
} from './trace-model.js';
import type { WireTraceRequest } from './wire-model.js';

/** Default cap on the spans in one request; the count is checked before spans are decoded. */
export const DEFAULT_MAX_SPANS = 100_000;

/** Options for decoding an already decompressed OTLP trace payload. */
export interface DecodePayloadOptions {
  /** At most this many spans per request (413 beyond). Default {@link DEFAULT_MAX_SPANS}. */
  readonly maxSpans?: number;
  /** How map-valued (`kvlistValue`) attributes are represented. Default `'flatten'`. */
  readonly kvlistMode?: KvlistMode;
}

function summarise(rejected: number, total: number, rejections: readonly SpanRejection[]): string {
  const shown = rejections.map((rejection) => rejection.reason).join('; ');
  const more = rejected > rejections.length ? `; and ${rejected - rejections.length} more` : '';
  return `${rejected} of ${total} spans rejected: ${shown}${more}`;
}

/**
 * Normalises a request that a reader (protobuf or JSON) has read into the wire view: resources,
 * scopes and spans in fedscope's model, spans that fail on their own rejected and reported.
 *
 * @throws OtlpFieldError for a malformed resource or scope; whatever `readSpan` throws besides
 *   OtlpFieldError (a request-wide error)
 */
export function normaliseRequest(format: OtlpFormat, request: WireTraceRequest<unknown>, kvlistMode: KvlistMode): DecodedTraceRequest {
  const spans: DecodedSpan[] = [];
  const rejections: SpanRejection[] = [];
  let rejectedSpans = 0;
  let total = 0;
  const resourceSpans: DecodedResourceSpans[] = request.resourceSpans.map((wireResourceSpans, r) => {
    const resource = normaliseResource(wireResourceSpans.resource, kvlistMode);
    const scopeSpans: DecodedScopeSpans[] = wireResourceSpans.scopeSpans.map((wireScopeSpans, s) => {
      const scope = normaliseScope(wireScopeSpans.scope, kvlistMode);
      const accepted: DecodedSpan[] = [];
      const scopePath = `resourceSpans[${r}].scopeSpans[${s}]`;
      wireScopeSpans.spans.forEach((rawSpan, index) => {
        total += 1;
        const path = `${scopePath}.spans[${index}]`;
        try {
          const span = normaliseSpan(request.readSpan(rawSpan, path), path, resource, scope, kvlistMode);
          accepted.push(span);
          spans.push(span);
        } catch (error) {
          if (!(error instanceof OtlpFieldError)) throw error;
          rejectedSpans += 1;
          if (rejections.length < MAX_REPORTED_REJECTIONS) rejections.push({ path, reason: error.message });
        }
      });
      return { scope, spans: accepted };
    });
    return { resource, scopeSpans };
  });
  return {
    format,
    resourceSpans,
    spans,
    rejectedSpans,
    rejections,
    errorMessage: rejectedSpans > 0 ? summarise(rejectedSpans, total, rejections) : undefined,
  };
}

/**
 * Decodes an already decompressed OTLP trace payload (binary protobuf or OTLP/JSON) into
 * fedscope's model. Spans that are invalid on their own (bad ids, malformed JSON fields, too-deep
 * values) are rejected one by one and reported in `rejectedSpans`/`errorMessage` for an OTLP
 * partial success; the rest are kept.
 *
 * @throws OtlpDecodeError 400 when the payload as a whole cannot be decoded, 413 for too many spans
 */
export function decodeTracePayload(payload: Uint8Array, format: OtlpFormat, options: DecodePayloadOptions = {}): DecodedTraceRequest {
  const maxSpans = options.maxSpans ?? DEFAULT_MAX_SPANS;
  const kvlistMode = options.kvlistMode ?? 'flatten';
  try {
    const request = format === 'protobuf' ? readProtobufRequest(payload, maxSpans) : readJsonRequest(payload, maxSpans);
    return normaliseRequest(format, request, kvlistMode);
  } catch (error) {
    if (error instanceof OtlpFieldError) throw new OtlpDecodeError(400, error.message, { cause: error });
    throw error;
  }
}
