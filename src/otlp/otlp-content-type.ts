import { OtlpDecodeError } from './otlp-decode-error.js';
import type { OtlpFormat } from './trace-model.js';

/** The `Content-Type` of each OTLP/HTTP format, as sent in responses. */
export const OTLP_CONTENT_TYPES: Readonly<Record<OtlpFormat, string>> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/**
 * The OTLP format of a request from its `Content-Type` header: `application/x-protobuf` (also the
 * newer registered `application/protobuf`) or `application/json`, case-insensitive, parameters
 * such as `charset` ignored.
 *
 * @throws OtlpDecodeError 415 for a missing or other content type
 */
export function otlpFormatOf(contentType: string | undefined): OtlpFormat {
  const mediaType = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  const got = mediaType === '' ? 'no Content-Type' : `Content-Type ${JSON.stringify(mediaType.slice(0, 80))}`;
  throw new OtlpDecodeError(415, `unsupported media type: ${got}; OTLP/HTTP takes application/x-protobuf or application/json`);
}

/**
 * The format to answer a request in: its own OTLP format, or undefined when its `Content-Type` is
 * not an OTLP one (answer in plain text then, see `encodeErrorResponse`).
 */
export function otlpResponseFormatOf(contentType: string | undefined): OtlpFormat | undefined {
  try {
    return otlpFormatOf(contentType);
  } catch {
    return undefined;
  }
}
