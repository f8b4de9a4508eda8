export { decodeTraceRequest, DEFAULT_MAX_BYTES, type DecodeTraceRequestOptions } from './decode-trace-request.js';
export { decodeTracePayload, DEFAULT_MAX_SPANS, type DecodePayloadOptions } from './decode-trace-payload.js';
export { contentEncodingsOf, decompressBody, SUPPORTED_CONTENT_ENCODINGS } from './decompress-body.js';
export { encodeErrorResponse, encodeTraceResponse, type OtlpHttpResponse, type TraceExportOutcome } from './encode-trace-response.js';
export { OTLP_CONTENT_TYPES, otlpFormatOf, otlpResponseFormatOf } from './otlp-content-type.js';
export { OtlpDecodeError, type OtlpDecodeStatus } from './otlp-decode-error.js';
export { otlpTraceTypes, type OtlpTraceTypes } from './otlp-trace-schema.js';
export { readBodyLimited } from './read-body-limited.js';
export {
  MAX_REPORTED_REJECTIONS,
  type DecodedAttributes,
  type DecodedEvent,
  type DecodedLink,
  type DecodedResource,
  type DecodedResourceSpans,
  type DecodedScope,
  type DecodedScopeSpans,
  type DecodedSpan,
  type DecodedTime,
  type DecodedTraceRequest,
  type KvlistMode,
  type OtlpFormat,
  type SpanRejection,
} from './trace-model.js';
