/**
 * The gRPC status codes the OTLP/gRPC receiver answers with (`grpc-status`), by their names in the
 * gRPC specification (doc/statuscodes.md).
 */
export const GrpcStatusCode = {
  OK: 0,
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** One of the codes in {@link GrpcStatusCode}. */
export type GrpcStatusCode = (typeof GrpcStatusCode)[keyof typeof GrpcStatusCode];
