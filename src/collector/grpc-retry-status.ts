import { otlpTraceTypes } from '../otlp/otlp-trace-schema.js';

/** The metadata key gRPC carries a serialized `google.rpc.Status` in (the "rich error model"). */
export const GRPC_STATUS_DETAILS_KEY = 'grpc-status-details-bin';

/** The `google.protobuf.Any` type URL of a `google.rpc.RetryInfo`. */
export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * The bytes of a `google.rpc.Status` {code, message, details: [Any(RetryInfo{retry_delay})]}, for
 * the `grpc-status-details-bin` trailer: how an OTLP/gRPC server that throttles tells the client
 * when to retry (OTLP specification, "Throttling"). Fractions of a second are kept as nanos.
 *
 * @param code - the gRPC status code of the answer (UNAVAILABLE for throttling)
 * @param message - the status message, as in `grpc-message`
 * @param retryAfterSeconds - how long the client should wait; negative or non-finite values become 0
 */
export function encodeRetryStatus(code: number, message: string, retryAfterSeconds: number): Buffer {
  const delay = Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0 ? retryAfterSeconds : 0;
  const totalNanos = Math.round(delay * 1e9);
  const seconds = Math.floor(totalNanos / 1e9);
  const nanos = totalNanos - seconds * 1e9;
  const { rpcStatus, retryInfo } = otlpTraceTypes();
  const value = retryInfo.encode(retryInfo.fromObject({ retryDelay: { seconds, nanos } })).finish();
  const status = rpcStatus.fromObject({ code, message, details: [{ typeUrl: RETRY_INFO_TYPE_URL, value }] });
  const bytes = rpcStatus.encode(status).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
