/**
 * The HTTP status an OTLP/HTTP receiver answers a bad request with: 400 for data that cannot be
 * decoded, 413 for a body over the size limit (before or after decompression), 415 for an
 * unsupported `Content-Type` or `Content-Encoding`.
 */
export type OtlpDecodeStatus = 400 | 413 | 415;

/**
 * Thrown when an OTLP/HTTP trace request cannot be accepted at all. `status` is the HTTP status
 * to answer with; the message names the problem and, where there is one, its place in the
 * request (e.g. `resourceSpans[0].scopeSpans[1]`). Problems confined to single spans do not
 * throw: those spans are rejected and reported as an OTLP partial success.
 */
export class OtlpDecodeError extends Error {
  /** HTTP status for the response. None of these are retryable for an OTLP client. */
  readonly status: OtlpDecodeStatus;

  /**
   * @param status - HTTP status to answer with
   * @param message - what is wrong, in English, naming the place in the request
   * @param options - the underlying error, if any
   */
  constructor(status: OtlpDecodeStatus, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OtlpDecodeError';
    this.status = status;
  }
}
