import http2, { type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { fedscopeLog } from '../diagnostics/fedscope-log.js';
import { GRPC_STATUS_DETAILS_KEY } from './grpc-retry-status.js';
import { GrpcStatusCode } from './grpc-status-code.js';
import { binaryHeaderValue, frameGrpcMessage, GRPC_ACCEPT_ENCODING, percentEncodeGrpcMessage } from './grpc-wire-format.js';

/** A gRPC status to end a call with. */
export interface GrpcCallStatus {
  /** The status code (`grpc-status`). */
  readonly code: GrpcStatusCode;
  /** What happened, in English (`grpc-message`, percent-encoded on the wire). */
  readonly message: string;
  /** A serialized `google.rpc.Status` for `grpc-status-details-bin`, when the answer carries details (e.g. RetryInfo). */
  readonly details?: Uint8Array;
}

/** The headers every gRPC answer starts with. */
const GRPC_RESPONSE_HEADERS: OutgoingHttpHeaders = {
  ':status': 200,
  'content-type': 'application/grpc+proto',
  'grpc-accept-encoding': GRPC_ACCEPT_ENCODING,
};

/**
 * The server side of one unary gRPC call on an HTTP/2 stream: answers it exactly once — a response
 * message with `grpc-status` 0 in the trailers, a trailers-only error status, or a plain HTTP
 * error for a request that is no gRPC call — and never throws. When the answer goes out before
 * the client has finished sending, the stream is reset with NO_ERROR right after it ("early
 * server closure"), so the client stops sending and the stream is freed.
 */
export class GrpcServerCall {
  private answered = false;

  /** @param stream - the call's stream; an 'error' listener is added, so nothing the client does to it throws */
  constructor(private readonly stream: ServerHttp2Stream) {
    // A stream error is the client's or the connection's (a reset, a broken socket): it ends the call,
    // which its 'close' event reports; it is no failure of the receiver's.
    stream.on('error', () => {});
  }

  /** True once an answer was sent (or attempted). */
  get isAnswered(): boolean {
    return this.answered;
  }

  /** True when the stream is gone: the client cancelled, the connection broke, or the call was answered and closed. */
  get isClosed(): boolean {
    return this.stream.closed || this.stream.destroyed;
  }

  /** Answers OK with one (uncompressed) response message; false when the call was already answered or is gone. */
  sendResponse(message: Uint8Array): boolean {
    if (!this.begin()) return false;
    return this.attempt(() => {
      this.stream.respond(GRPC_RESPONSE_HEADERS, { waitForTrailers: true });
      this.stream.once('wantTrailers', () => this.attempt(() => this.stream.sendTrailers({ 'grpc-status': String(GrpcStatusCode.OK) })));
      this.stream.end(frameGrpcMessage(message), () => this.closeEarly());
    });
  }

  /** Answers with an error status, trailers-only; false when the call was already answered or is gone. */
  sendStatus(status: GrpcCallStatus): boolean {
    if (!this.begin()) return false;
    return this.attempt(() => {
      const headers: OutgoingHttpHeaders = {
        ...GRPC_RESPONSE_HEADERS,
        'grpc-status': String(status.code),
        'grpc-message': percentEncodeGrpcMessage(status.message),
      };
      if (status.details !== undefined) headers[GRPC_STATUS_DETAILS_KEY] = binaryHeaderValue(status.details);
      this.stream.respond(headers, { endStream: true });
      this.closeEarly();
    });
  }

  /**
   * Answers a request that is no gRPC call (a wrong method or content type) with a plain HTTP
   * status and the reason as text, so an HTTP client does not take a gRPC answer's 200 for success.
   */
  sendHttpError(status: number, reason: string, headers: OutgoingHttpHeaders = {}): boolean {
    if (!this.begin()) return false;
    return this.attempt(() => {
      this.stream.respond({ ...headers, ':status': status, 'content-type': 'text/plain; charset=utf-8' });
      this.stream.end(`${reason}\n`, () => this.closeEarly());
    });
  }

  /** Cancels the call (RST_STREAM CANCEL): what stopping the receiver does to calls past the grace period. */
  cancel(): void {
    this.answered = true;
    this.reset(http2.constants.NGHTTP2_CANCEL);
  }

  private begin(): boolean {
    if (this.answered || this.isClosed) return false;
    this.answered = true;
    return true;
  }

  /** Runs a write of the answer; if it throws (the stream failed under it), resets the stream so the client is not left waiting. */
  private attempt(write: () => void): boolean {
    try {
      write();
      return true;
    } catch (error) {
      fedscopeLog.warn('OTLP/gRPC receiver: could not send an answer; resetting the stream', error);
      this.reset(http2.constants.NGHTTP2_INTERNAL_ERROR);
      return false;
    }
  }

  /** After the answer: RST_STREAM NO_ERROR when the client is still sending (its END_STREAM not yet read). */
  private closeEarly(): void {
    if (!this.stream.readableEnded) this.reset(http2.constants.NGHTTP2_NO_ERROR);
  }

  private reset(code: number): void {
    if (this.isClosed) return;
    try {
      this.stream.close(code);
    } catch {
      // Closing a stream that failed under us cannot be done more than trying; destroy drops it for good.
      this.stream.destroy();
    }
  }
}
