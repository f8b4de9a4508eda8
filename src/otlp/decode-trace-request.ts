import { decodeTracePayload, type DecodePayloadOptions } from './decode-trace-payload.js';
import { decompressBody } from './decompress-body.js';
import { otlpFormatOf } from './otlp-content-type.js';
import type { DecodedTraceRequest } from './trace-model.js';

/**
 * Default cap on a request body, compressed and after decompression: 20 MiB, the OTLP/HTTP
 * specification's recommended limit.
 */
export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

/** The HTTP side of an OTLP/HTTP trace request plus decoding limits. */
export interface DecodeTraceRequestOptions extends DecodePayloadOptions {
  /** The `Content-Type` header (decides protobuf or JSON). */
  readonly contentType: string | undefined;
  /** The `Content-Encoding` header: gzip, deflate, identity or absent. */
  readonly contentEncoding?: string | undefined;
  /** Largest body accepted, before and after decompression. Default {@link DEFAULT_MAX_BYTES}. */
  readonly maxBytes?: number;
}

/**
 * Decodes the body of an OTLP/HTTP `POST /v1/traces` into fedscope's model: picks the format from
 * `Content-Type`, undoes `Content-Encoding` within `maxBytes`, decodes, and normalises protobuf
 * and JSON to the same spans. Spans invalid on their own are rejected individually (see
 * {@link DecodedTraceRequest.rejectedSpans}); answer those with an OTLP partial success.
 *
 * @throws OtlpDecodeError with `status` 415 (content type or encoding), 413 (too large, before or
 *   after decompression, or too many spans) or 400 (cannot be decoded)
 */
export async function decodeTraceRequest(body: Uint8Array, options: DecodeTraceRequestOptions): Promise<DecodedTraceRequest> {
  const format = otlpFormatOf(options.contentType);
  const payload = await decompressBody(body, options.contentEncoding, options.maxBytes ?? DEFAULT_MAX_BYTES);
  return decodeTracePayload(payload, format, options);
}
