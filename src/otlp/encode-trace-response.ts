import { OTLP_CONTENT_TYPES } from './otlp-content-type.js';
import { otlpTraceTypes } from './otlp-trace-schema.js';
import type { OtlpFormat } from './trace-model.js';

/** An HTTP response to an OTLP/HTTP export, ready to write. */
export interface OtlpHttpResponse {
  /** HTTP status. */
  readonly status: number;
  /** `Content-Type` header. */
  readonly contentType: string;
  /** Body bytes. */
  readonly body: Uint8Array;
}

/** What an export response reports: rejected spans and why (as a decoded request carries them). */
export interface TraceExportOutcome {
  /** Spans rejected; 0 for full success. */
  readonly rejectedSpans: number;
  /** Why, in English; with 0 rejected a non-empty message is sent as a warning (OTLP allows it). */
  readonly errorMessage?: string | undefined;
}

/**
 * The `200 OK` response to an accepted export, in the request's format: an empty
 * ExportTraceServiceResponse on full success; with `partial_success` (`rejected_spans`,
 * `error_message`) when spans were rejected or a message is given. JSON writes `rejectedSpans` as
 * a decimal string (proto3 JSON for int64).
 */
export function encodeTraceResponse(outcome: TraceExportOutcome, format: OtlpFormat): OtlpHttpResponse {
  const message = outcome.errorMessage ?? '';
  const partial = outcome.rejectedSpans > 0 || message !== '';
  let body: Uint8Array;
  if (format === 'json') {
    const response = partial ? { partialSuccess: { rejectedSpans: String(outcome.rejectedSpans), errorMessage: message } } : {};
    body = Buffer.from(JSON.stringify(response), 'utf8');
  } else {
    const { response } = otlpTraceTypes();
    const payload = partial ? { partialSuccess: { rejectedSpans: outcome.rejectedSpans, errorMessage: message } } : {};
    body = response.encode(response.fromObject(payload)).finish();
  }
  return { status: 200, contentType: OTLP_CONTENT_TYPES[format], body };
}

/** The gRPC code recorded in `google.rpc.Status.code` for an HTTP status (informative only in OTLP/HTTP). */
function grpcCodeFor(status: number): number {
  if (status === 413 || status === 429) return 8; // RESOURCE_EXHAUSTED
  if (status === 503) return 14; // UNAVAILABLE
  if (status >= 500) return 13; // INTERNAL
  return 3; // INVALID_ARGUMENT
}

/**
 * The response to a failed export: the HTTP status and, as OTLP/HTTP requires, a
 * `google.rpc.Status` body with the message, protobuf- or JSON-encoded in the request's format.
 * When the format is unknown (e.g. an unsupported `Content-Type`), the message is sent as
 * `text/plain`.
 */
export function encodeErrorResponse(
  error: { readonly status: number; readonly message: string },
  format: OtlpFormat | undefined,
): OtlpHttpResponse {
  const code = grpcCodeFor(error.status);
  if (format === undefined) {
    return { status: error.status, contentType: 'text/plain; charset=utf-8', body: Buffer.from(`${error.message}\n`, 'utf8') };
  }
  if (format === 'json') {
    return {
      status: error.status,
      contentType: OTLP_CONTENT_TYPES.json,
      body: Buffer.from(JSON.stringify({ code, message: error.message }), 'utf8'),
    };
  }
  const { rpcStatus } = otlpTraceTypes();
  return {
    status: error.status,
    contentType: OTLP_CONTENT_TYPES.protobuf,
    body: rpcStatus.encode(rpcStatus.fromObject({ code, message: error.message })).finish(),
  };
}
