/** The transports a trace request arrives by. */
export type CollectorTransport = 'http' | 'grpc';

/** How a receiver answered one export request. */
export type RequestOutcome =
  /** Every span accepted. */
  | 'success'
  /** Accepted with some spans rejected (`partial_success`). */
  | 'partial_success'
  /** Undecodable (HTTP 400, or 408 for a request not sent in time; gRPC INVALID_ARGUMENT). */
  | 'bad_data'
  /** Over the body, span or header limit (HTTP 413 or 431, gRPC RESOURCE_EXHAUSTED without retry). */
  | 'too_large'
  /** Wrong content type or encoding (HTTP 415, gRPC UNIMPLEMENTED / INVALID_ARGUMENT). */
  | 'unsupported_media_type'
  /** Refused for backpressure (HTTP 429/503 with `Retry-After`, gRPC UNAVAILABLE with retry info). */
  | 'refused'
  /** Not an export (wrong path or method). */
  | 'not_found'
  /** Without the bearer token the companion requires (HTTP 401, gRPC UNAUTHENTICATED). */
  | 'unauthorized'
  /** fedscope failed while handling it (HTTP 500, gRPC INTERNAL); logged. */
  | 'internal_error';

/** Why a request could not be decoded. */
export type DecodeErrorReason = 'content_type' | 'content_encoding' | 'too_large' | 'malformed';

/** Why a request was refused for now. */
export type RefusalReason = 'memory' | 'queue';

/** The companion's own counters, read by its metric producer: every label has a closed set of values. */
export interface CollectorSelfCounts {
  /** Requests by `transport|outcome`. */
  readonly requests: ReadonlyMap<string, number>;
  /** Spans by `transport|accepted` or `transport|rejected`. */
  readonly spans: ReadonlyMap<string, number>;
  /** Decode errors by `transport|reason`. */
  readonly decodeErrors: ReadonlyMap<string, number>;
  /** Refusals by `transport|reason`. */
  readonly refusals: ReadonlyMap<string, number>;
}

function increment(map: Map<string, number>, key: string, by: number): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/**
 * Counts what the companion's receivers received and how they answered, for its self-metrics.
 * The HTTP and gRPC receivers share one instance, so both transports are counted the same way.
 * Keys are built only from closed sets of values, so the maps stay small whatever arrives.
 */
export class CollectorSelfStats {
  private readonly requestCounts = new Map<string, number>();
  private readonly spanCounts = new Map<string, number>();
  private readonly decodeErrorCounts = new Map<string, number>();
  private readonly refusalCounts = new Map<string, number>();

  /** Counts one answered request. */
  request(transport: CollectorTransport, outcome: RequestOutcome): void {
    increment(this.requestCounts, `${transport}|${outcome}`, 1);
  }

  /** Counts spans accepted into the pipeline and spans rejected (partial success or a refused request). */
  spans(transport: CollectorTransport, accepted: number, rejected: number): void {
    if (accepted > 0) increment(this.spanCounts, `${transport}|accepted`, accepted);
    if (rejected > 0) increment(this.spanCounts, `${transport}|rejected`, rejected);
  }

  /** Counts a request that could not be decoded. */
  decodeError(transport: CollectorTransport, reason: DecodeErrorReason): void {
    increment(this.decodeErrorCounts, `${transport}|${reason}`, 1);
  }

  /** Counts a request refused for backpressure. */
  refusal(transport: CollectorTransport, reason: RefusalReason): void {
    increment(this.refusalCounts, `${transport}|${reason}`, 1);
  }

  /** The counts so far (live maps: read, do not keep). */
  counts(): CollectorSelfCounts {
    return { requests: this.requestCounts, spans: this.spanCounts, decodeErrors: this.decodeErrorCounts, refusals: this.refusalCounts };
  }
}
