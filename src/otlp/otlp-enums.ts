import { SpanKind, SpanStatusCode } from '@opentelemetry/api';

/** OTLP `Span.SpanKind` names by number (UNSPECIFIED = 0, INTERNAL = 1, …). */
export const OTLP_SPAN_KIND_NAMES: readonly string[] = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];

/** OTLP `Status.StatusCode` names by number (the API uses the same numbers). */
export const OTLP_STATUS_CODE_NAMES: readonly string[] = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/**
 * An OTLP span kind number as the API's `SpanKind`: OTLP counts from UNSPECIFIED = 0, the API
 * from INTERNAL = 0, so OTLP n is API n − 1. UNSPECIFIED (which receivers may read as INTERNAL,
 * per the proto) and unknown numbers become INTERNAL.
 */
export function spanKindFromOtlp(kind: number): SpanKind {
  switch (kind) {
    case 2:
      return SpanKind.SERVER;
    case 3:
      return SpanKind.CLIENT;
    case 4:
      return SpanKind.PRODUCER;
    case 5:
      return SpanKind.CONSUMER;
    default:
      return SpanKind.INTERNAL;
  }
}

/** An OTLP status code number as the API's `SpanStatusCode` (same numbers); unknown ones are UNSET. */
export function statusCodeFromOtlp(code: number): SpanStatusCode {
  switch (code) {
    case 1:
      return SpanStatusCode.OK;
    case 2:
      return SpanStatusCode.ERROR;
    default:
      return SpanStatusCode.UNSET;
  }
}
