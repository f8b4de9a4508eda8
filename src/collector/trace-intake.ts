import type { DecodedTraceRequest } from '../otlp/trace-model.js';
import type { CollectorSelfStats, CollectorTransport } from './collector-self-stats.js';

export type { CollectorTransport } from './collector-self-stats.js';

/** Why the intake refuses a request for now: the receiver answers 429/503 (HTTP) or UNAVAILABLE/RESOURCE_EXHAUSTED (gRPC). */
export interface IntakeRefusal {
  /** `memory` (over the heap budget) or `queue` (too many bytes or spans in flight). */
  reason: 'memory' | 'queue';
  /** Seconds the sender should wait before it retries (the `Retry-After` header). */
  retryAfterSeconds: number;
}

/** What became of a request's spans. */
export interface IntakeResult {
  /** Spans recorded into the pipeline. */
  accepted: number;
  /** Spans refused (they go into the response's `partial_success`). */
  rejected: number;
  /** Why spans were refused, for the response's `partial_success.error_message`. */
  message?: string;
}

/**
 * Where every OTLP receiver of the collector companion hands what it decoded: one intake, so the
 * HTTP and gRPC receivers admit, count and record spans the same way.
 */
export interface TraceIntake {
  /**
   * Asks before a body is read: `undefined` admits `bytes` more in flight (release them with
   * {@link TraceIntake.release}); a refusal says why and when to retry.
   */
  admit(bytes: number): IntakeRefusal | undefined;
  /** Gives back what {@link TraceIntake.admit} admitted, once the request is done (accepted or not). */
  release(bytes: number): void;
  /**
   * Records a decoded request's spans into the pipeline (and hands the raw body to the forwarder,
   * when one is configured). Never throws.
   */
  ingest(request: DecodedTraceRequest, transport: CollectorTransport, raw?: RawTraceBody): IntakeResult;
}

/** A request body as it arrived, for forwarding unchanged. */
export interface RawTraceBody {
  /** The bytes as received (still compressed when `contentEncoding` is set). */
  body: Uint8Array;
  /** `application/x-protobuf` or `application/json`. */
  contentType: string;
  /** `gzip`, `deflate`, or undefined for an uncompressed body. */
  contentEncoding: string | undefined;
}

/** What every OTLP receiver of the companion is built with. */
export interface TraceReceiverOptions {
  /** Interface to listen on, e.g. `127.0.0.1` or `0.0.0.0`. */
  host: string;
  /** Port to listen on; 0 picks a free one (see the receiver's `start()` result). */
  port: number;
  /** Where decoded requests go. */
  intake: TraceIntake;
  /** Counts requests, spans, decode errors and refusals for the self-metrics. */
  stats: CollectorSelfStats;
  /** Largest request body, compressed and after decompression, in bytes. */
  maxBytes: number;
  /** Most spans in one request. */
  maxSpans: number;
  /**
   * Whether a request's `Authorization` value (HTTP header, gRPC metadata) lets it in (an
   * `HttpAccessGuard`); refused requests get 401 / UNAUTHENTICATED before anything is read.
   * @default every request let in
   */
  authorization?: { acceptsAuthorization(authorization: string | undefined): boolean };
  /** Serve over TLS with this certificate chain and key (PEM). @default plain (h2c for gRPC) */
  tls?: { cert: Buffer; key: Buffer };
}

/** A receiver once listening. */
export interface ListeningAddress {
  /** The interface it listens on. */
  host: string;
  /** The port it listens on (the one picked when 0 was asked). */
  port: number;
}
