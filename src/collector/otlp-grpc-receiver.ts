import http2, { type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { fedscopeLog } from '../diagnostics/fedscope-log.js';
import { decodeTracePayload } from '../otlp/decode-trace-payload.js';
import { decompressBody } from '../otlp/decompress-body.js';
import { encodeTraceResponse } from '../otlp/encode-trace-response.js';
import { OtlpDecodeError } from '../otlp/otlp-decode-error.js';
import { settlesWithin } from '../output/delivery/settles-within.js';
import type { DecodeErrorReason, RequestOutcome } from './collector-self-stats.js';
import { exportOutcomeOf } from './export-outcome.js';
import { GrpcMessageReader, type GrpcFramingProblem, type GrpcMessagePrefix, type GrpcReceivedMessage } from './grpc-message-reader.js';
import { encodeRetryStatus } from './grpc-retry-status.js';
import { GrpcServerCall, type GrpcCallStatus } from './grpc-server-call.js';
import { GrpcStatusCode } from './grpc-status-code.js';
import { GRPC_ACCEPT_ENCODING, grpcTimeoutMs, isGrpcContentType, isGrpcProtobufContentType } from './grpc-wire-format.js';
import type { IntakeRefusal, ListeningAddress, TraceReceiverOptions } from './trace-intake.js';

/** The one method the receiver serves: OTLP's unary trace export. */
export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** How long {@link OtlpGrpcReceiver.stop} lets open calls finish before it cancels them. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/**
 * Longest a client may take to send a call's message once the call is admitted (as OTLP/HTTP's
 * request timeout): past it the call is answered DEADLINE_EXCEEDED, counted, and gives back its
 * share of the in-flight budget, so stalled clients cannot hold the budget.
 */
export const OTLP_GRPC_READ_TIMEOUT_MS = 30_000;

/** Calls one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS); a client queues the rest. */
export const OTLP_GRPC_MAX_CONCURRENT_STREAMS = 100;

/**
 * Largest header list of a call (SETTINGS_MAX_HEADER_LIST_SIZE); a call past it is reset
 * (ENHANCE_YOUR_CALM) before it is seen. gRPC suggests 8 KiB; bearer tokens get room. Node applies
 * it once the client has acknowledged the settings; before that its own 64 KiB holds.
 */
export const OTLP_GRPC_MAX_HEADER_LIST_BYTES = 16 * 1024;

/** Memory one connection's HTTP/2 state may use (header tables, queued frames), in MiB; past it new streams are refused. */
const MAX_SESSION_MEMORY_MIB = 10;

/** Settings of an {@link OtlpGrpcReceiver} beyond what every receiver takes. */
export interface OtlpGrpcReceiverSettings {
  /** Most time `stop()` waits for open calls before it cancels them. @default 10000 */
  shutdownGraceMs?: number;
  /** Most time an admitted call may take to send its message. @default {@link OTLP_GRPC_READ_TIMEOUT_MS} */
  readTimeoutMs?: number;
}

/** What the receiver answers an export with: an ExportTraceServiceResponse or an error status. */
type ExportAnswer = { readonly response: Uint8Array } | { readonly error: GrpcCallStatus };

/** How a status the receiver sends without decoding the message is counted. */
interface CountedFailure {
  readonly outcome: RequestOutcome;
  readonly reason: DecodeErrorReason;
}

/** The gRPC `grpc-encoding` values undone (`identity` needs nothing undone). */
const MESSAGE_ENCODINGS: ReadonlySet<string> = new Set(['gzip', 'deflate']);

/** The gRPC code, request outcome and decode-error reason for an {@link OtlpDecodeError} of the decoder. */
function decodeFailureOf(error: OtlpDecodeError): { code: GrpcStatusCode } & CountedFailure {
  // Too large or too many spans is final: RESOURCE_EXHAUSTED without RetryInfo is not retried (OTLP "Failures").
  if (error.status === 413) return { code: GrpcStatusCode.RESOURCE_EXHAUSTED, outcome: 'too_large', reason: 'too_large' };
  if (error.status === 415) return { code: GrpcStatusCode.INVALID_ARGUMENT, outcome: 'unsupported_media_type', reason: 'content_type' };
  return { code: GrpcStatusCode.INVALID_ARGUMENT, outcome: 'bad_data', reason: 'malformed' };
}

/**
 * How a status about the message's transport — sent before the message is decoded — is counted:
 * over `maxBytes` (framed or after decompression), an encoding not undone, or broken framing or
 * compression. Other statuses of that kind (the client's deadline passed) answer no export and
 * are not counted.
 */
function transportFailureOf(code: GrpcStatusCode): CountedFailure | undefined {
  if (code === GrpcStatusCode.RESOURCE_EXHAUSTED) return { outcome: 'too_large', reason: 'too_large' };
  if (code === GrpcStatusCode.UNIMPLEMENTED) return { outcome: 'unsupported_media_type', reason: 'content_encoding' };
  if (code === GrpcStatusCode.INTERNAL) return { outcome: 'bad_data', reason: 'malformed' };
  return undefined;
}

/** A header's value as one string (repeated values joined, as HTTP allows). */
function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** `host:port`, with an IPv6 host in brackets. */
function addressText(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The collector companion's OTLP/gRPC receiver: serves the unary
 * `opentelemetry.proto.collector.trace.v1.TraceService/Export` on Node's own `node:http2` (h2c, or
 * TLS with ALPN `h2` from `options.tls`), speaking the gRPC over HTTP/2 protocol itself, and maps
 * the OTLP flow onto gRPC status codes:
 *
 * - a request that is no gRPC call: 405 for a method other than POST, 415 for a content type
 *   other than `application/grpc[+…]` (plain HTTP answers, as the protocol asks);
 * - a call without the bearer token in its `authorization` metadata, when `options.authorization`
 *   requires one: UNAUTHENTICATED, before it is admitted or any of its message read; a method other
 *   than Export: UNIMPLEMENTED;
 * - every call is admitted by the intake when its headers arrive, before any of its message is
 *   read: the message's size is not known then, so the call holds `maxBytes` of the in-flight
 *   budget until it is answered, and the messages being read at once stay within that budget
 *   however many calls and connections arrive; refused, the intake over its memory or queue
 *   budget: UNAVAILABLE with a `google.rpc.RetryInfo` in `grpc-status-details-bin`, so the
 *   exporter backs off and retries;
 * - a framed length over `maxBytes`: RESOURCE_EXHAUSTED as soon as the 5-byte prefix is in, none
 *   of the message held; a gzip/deflate message is inflated by fedscope's bounded inflate (the
 *   OTLP/HTTP receiver's), which stops at `maxBytes`: RESOURCE_EXHAUSTED, so a decompression bomb
 *   costs at most `maxBytes`; an unknown `grpc-encoding` on a compressed message: UNIMPLEMENTED
 *   (with `grpc-accept-encoding`); a corrupt compressed message, a truncated or missing message,
 *   or more than one: INTERNAL;
 * - `grpc-timeout` is honoured (DEADLINE_EXCEEDED when it passes before the answer, uncounted: the
 *   client gave up), and a message not received within the read timeout (30 s by default) is
 *   answered DEADLINE_EXCEEDED too, counted as undecodable (as OTLP/HTTP's 408);
 * - undecodable protobuf: INVALID_ARGUMENT naming the problem; more than `maxSpans` spans:
 *   RESOURCE_EXHAUSTED without RetryInfo (not retryable);
 * - otherwise the spans go to the intake and the ExportTraceServiceResponse carries
 *   `partial_success` for spans rejected by the decoder or the intake;
 * - a failure of fedscope's own: INTERNAL, logged.
 *
 * Each connection has at most {@link OTLP_GRPC_MAX_CONCURRENT_STREAMS} calls open, headers of at
 * most {@link OTLP_GRPC_MAX_HEADER_LIST_BYTES}, and a bounded HTTP/2 session memory. Every answer
 * is counted in `options.stats` under transport `grpc`.
 */
export class OtlpGrpcReceiver {
  private server: http2.Http2Server | http2.Http2SecureServer | undefined;
  private readonly shutdownGraceMs: number;
  private readonly readTimeoutMs: number;
  /** Open connections (sockets, before and after their HTTP/2 session starts), to close them at stop. */
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<ServerHttp2Session>();
  /** Calls admitted and not yet closed, to cancel them when stop's grace period ends. */
  private readonly openCalls = new Set<GrpcServerCall>();
  private stopping = false;

  /**
   * @param options - where to listen, where spans go, the stats to count in and the limits
   * @param settings - the shutdown grace period and the read timeout
   * @throws RangeError when `maxBytes` or `maxSpans` is not a positive integer, or `readTimeoutMs` not a positive number
   */
  constructor(
    private readonly options: TraceReceiverOptions,
    settings: OtlpGrpcReceiverSettings = {},
  ) {
    if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 1 || options.maxBytes > 2 ** 31 - 1) {
      throw new RangeError(`maxBytes must be an integer from 1 to ${2 ** 31 - 1}, got ${options.maxBytes}`);
    }
    if (!Number.isSafeInteger(options.maxSpans) || options.maxSpans < 1) {
      throw new RangeError(`maxSpans must be a positive integer, got ${options.maxSpans}`);
    }
    this.shutdownGraceMs = Math.max(0, settings.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS);
    this.readTimeoutMs = settings.readTimeoutMs ?? OTLP_GRPC_READ_TIMEOUT_MS;
    if (!(this.readTimeoutMs > 0 && this.readTimeoutMs <= 2 ** 31 - 1)) {
      throw new RangeError(`readTimeoutMs must be a positive number of milliseconds, got ${this.readTimeoutMs}`);
    }
  }

  /**
   * Starts listening on `options.host:options.port`; resolves with the address bound (the port
   * picked when 0 was asked). Rejects, naming the address and the reason, when it cannot bind.
   */
  async start(): Promise<ListeningAddress> {
    if (this.server !== undefined) throw new Error('the OTLP/gRPC receiver is already started');
    const { host, port, tls } = this.options;
    const serverOptions: http2.ServerOptions = {
      maxSessionMemory: MAX_SESSION_MEMORY_MIB,
      settings: {
        maxConcurrentStreams: OTLP_GRPC_MAX_CONCURRENT_STREAMS,
        maxHeaderListSize: OTLP_GRPC_MAX_HEADER_LIST_BYTES,
        enablePush: false,
      },
    };
    const server = tls
      ? http2.createSecureServer({ ...serverOptions, cert: tls.cert, key: tls.key, allowHTTP1: false })
      : http2.createServer(serverOptions);
    server.on('connection', (socket: Socket) => this.trackSocket(socket));
    server.on('session', (session: ServerHttp2Session) => this.trackSession(session));
    server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => this.serveStream(stream, headers));
    const address = addressText(host, port);
    const boundPort = await new Promise<number>((resolve, reject) => {
      const fail = (error: Error): void => {
        server.close();
        reject(new Error(`cannot listen for OTLP/gRPC on ${address}: ${error.message}`, { cause: error }));
      };
      server.once('error', fail);
      server.listen(port, host.startsWith('[') ? host.slice(1, -1) : host, () => {
        server.off('error', fail);
        // Accept failures (e.g. EMFILE) are emitted on the server: without a listener they would crash the process.
        server.on('error', (error) => fedscopeLog.warn('OTLP/gRPC receiver: could not accept a connection', error));
        resolve((server.address() as AddressInfo).port);
      });
    });
    this.server = server;
    this.stopping = false;
    return { host, port: boundPort };
  }

  /**
   * Stops listening and lets open calls finish, for at most the shutdown grace period (10 s by
   * default): every connection is told to open no new calls (GOAWAY) and closes once its calls
   * are answered. Calls still open then are cancelled and their connections closed. Resolves once
   * the server is down; a receiver never started resolves at once.
   */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    this.stopping = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const session of this.sessions) this.closeGracefully(session);
    if (!(await settlesWithin(closed, this.shutdownGraceMs))) {
      if (this.openCalls.size > 0) {
        fedscopeLog.warn(`OTLP/gRPC receiver: calls still open ${this.shutdownGraceMs} ms after stop; cancelling them`);
      }
      for (const call of this.openCalls) call.cancel();
      for (const session of this.sessions) session.destroy();
      for (const socket of this.sockets) socket.destroy();
      await closed;
    }
  }

  private trackSocket(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private trackSession(session: ServerHttp2Session): void {
    this.sessions.add(session);
    // A session error (a protocol violation, a broken socket) closes that connection only; the
    // client sees it, and it must not throw out of the emitter.
    session.on('error', (error) => fedscopeLog.debug('OTLP/gRPC receiver: a connection failed', error));
    session.once('close', () => this.sessions.delete(session));
    if (this.stopping) this.closeGracefully(session);
  }

  private closeGracefully(session: ServerHttp2Session): void {
    try {
      session.close();
    } catch (error) {
      fedscopeLog.debug('OTLP/gRPC receiver: could not close a connection gracefully; destroying it', error);
      session.destroy();
    }
  }

  /** Answers what is no export call, refuses what is not admitted, and reads what is. Never throws. */
  private serveStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const call = new GrpcServerCall(stream);
    try {
      this.accept(call, stream, headers);
    } catch (error) {
      this.failInternally(call, error);
    }
  }

  private accept(call: GrpcServerCall, stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const { intake, stats, maxBytes, authorization } = this.options;
    const method = headers[':method'] ?? '';
    if (method !== 'POST') {
      stats.request('grpc', 'not_found');
      call.sendHttpError(405, `${method.slice(0, 20)} is not allowed: gRPC calls are POST`, { allow: 'POST' });
      return;
    }
    const contentType = headerText(headers['content-type']);
    if (!isGrpcContentType(contentType)) {
      stats.request('grpc', 'unsupported_media_type');
      stats.decodeError('grpc', 'content_type');
      const shown = JSON.stringify((contentType ?? '').slice(0, 60));
      call.sendHttpError(415, `content-type ${shown} is not gRPC: send application/grpc`);
      return;
    }
    if (authorization !== undefined && !authorization.acceptsAuthorization(headerText(headers.authorization))) {
      stats.request('grpc', 'unauthorized');
      call.sendStatus({ code: GrpcStatusCode.UNAUTHENTICATED, message: 'unauthorized' });
      return;
    }
    const path = headers[':path'] ?? '';
    if (path !== TRACE_EXPORT_PATH) {
      stats.request('grpc', 'not_found');
      const message = `method ${JSON.stringify(path.slice(0, 100))} is not served; this receiver serves ${TRACE_EXPORT_PATH}`;
      call.sendStatus({ code: GrpcStatusCode.UNIMPLEMENTED, message });
      return;
    }
    if (!isGrpcProtobufContentType(contentType)) {
      stats.request('grpc', 'unsupported_media_type');
      stats.decodeError('grpc', 'content_type');
      const message = `content-type ${JSON.stringify(contentType!.slice(0, 60))} is not served: OTLP/gRPC is application/grpc+proto`;
      call.sendStatus({ code: GrpcStatusCode.INVALID_ARGUMENT, message });
      return;
    }
    let deadlineMs: number | undefined;
    const timeout = headerText(headers['grpc-timeout']);
    try {
      deadlineMs = timeout === undefined ? undefined : grpcTimeoutMs(timeout);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      this.answerFailure(call, { code: GrpcStatusCode.INTERNAL, message: error.message });
      return;
    }
    const refusal = intake.admit(maxBytes);
    if (refusal !== undefined) {
      stats.refusal('grpc', refusal.reason);
      stats.request('grpc', 'refused');
      // The call is answered from its headers: nothing of its message is read.
      call.sendStatus(this.refusalStatus(refusal));
      return;
    }
    this.receive(call, stream, (headerText(headers['grpc-encoding']) ?? 'identity').trim().toLowerCase(), deadlineMs);
  }

  /**
   * Reads the message of an admitted call and has it processed. The call holds `maxBytes` of the
   * intake's budget until it is over: answered or closed (cancelled by the client, reset), and
   * its message no longer being inflated or decoded.
   */
  private receive(call: GrpcServerCall, stream: ServerHttp2Stream, encoding: string, deadlineMs: number | undefined): void {
    const { intake, maxBytes } = this.options;
    let processing = false;
    let released = false;
    const release = (): void => {
      if (released || processing) return;
      released = true;
      intake.release(maxBytes);
    };
    const timers: NodeJS.Timeout[] = [];
    const clearTimers = (): void => timers.forEach((timer) => clearTimeout(timer));
    const reader = new GrpcMessageReader(maxBytes, (prefix) => this.checkEncoding(prefix, encoding));
    const stopReading = (): void => {
      clearTimeout(readTimer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.pause();
    };
    const settle = (status: GrpcCallStatus, counted: CountedFailure | undefined): void => {
      stopReading();
      clearTimers();
      if (counted !== undefined && !call.isAnswered && !call.isClosed) this.count(counted);
      call.sendStatus(status);
      release();
    };
    const fail = (error: unknown): void => {
      stopReading();
      clearTimers();
      this.failInternally(call, error);
      release();
    };
    const onData = (chunk: Buffer): void => {
      try {
        const problem = reader.push(chunk);
        if (problem !== undefined) settle(problem, transportFailureOf(problem.code));
      } catch (error) {
        fail(error);
      }
    };
    const onEnd = (): void => {
      try {
        stopReading();
        const read = reader.end();
        if ('code' in read) {
          settle(read, transportFailureOf(read.code));
          return;
        }
        // The client's deadline still runs while the message is inflated and decoded.
        processing = true;
        void this.process(call, read, encoding)
          .catch((error: unknown) => this.failInternally(call, error))
          .finally(() => {
            processing = false;
            clearTimers();
            release();
          });
      } catch (error) {
        fail(error);
      }
    };
    this.openCalls.add(call);
    stream.once('close', () => {
      this.openCalls.delete(call);
      clearTimers();
      release();
    });
    const readTimer = setTimeout(() => {
      const message = `the request message was not received within ${this.readTimeoutMs} ms`;
      settle({ code: GrpcStatusCode.DEADLINE_EXCEEDED, message }, { outcome: 'bad_data', reason: 'malformed' });
    }, this.readTimeoutMs);
    timers.push(readTimer);
    if (deadlineMs !== undefined) {
      // The client's own deadline: it has given up by then, so the answer is not counted as an export's.
      const deadline = setTimeout(
        () => settle({ code: GrpcStatusCode.DEADLINE_EXCEEDED, message: 'deadline exceeded' }, undefined),
        deadlineMs,
      );
      timers.push(deadline);
    }
    stream.on('data', onData);
    stream.on('end', onEnd);
  }

  /** A compressed message needs an encoding that is undone: UNIMPLEMENTED for another, INTERNAL for none. */
  private checkEncoding(prefix: GrpcMessagePrefix, encoding: string): GrpcFramingProblem | undefined {
    if (!prefix.compressed || MESSAGE_ENCODINGS.has(encoding)) return undefined;
    if (encoding === 'identity')
      return { code: GrpcStatusCode.INTERNAL, message: 'a compressed message in a call without a grpc-encoding' };
    const shown = JSON.stringify(encoding.slice(0, 40));
    return {
      code: GrpcStatusCode.UNIMPLEMENTED,
      message: `grpc-encoding ${shown} is not supported; supported are ${GRPC_ACCEPT_ENCODING}`,
    };
  }

  /** Inflates (within `maxBytes`), decodes and ingests a received message, and answers the call. */
  private async process(call: GrpcServerCall, received: GrpcReceivedMessage, encoding: string): Promise<void> {
    const { maxBytes } = this.options;
    let request: Uint8Array = received.bytes;
    if (received.compressed) {
      try {
        request = await decompressBody(received.bytes, encoding, maxBytes);
      } catch (error) {
        if (!(error instanceof OtlpDecodeError)) throw error;
        const status: GrpcCallStatus =
          error.status === 413
            ? { code: GrpcStatusCode.RESOURCE_EXHAUSTED, message: `received message decompresses to a size larger than ${maxBytes} bytes` }
            : { code: GrpcStatusCode.INTERNAL, message: `cannot decompress the ${encoding} message: ${error.message}` };
        this.answerFailure(call, status);
        return;
      }
    }
    // The client's deadline may have passed, or the client cancelled, while the message was inflated: nothing to answer.
    if (call.isAnswered || call.isClosed) return;
    const answer = this.answer(request);
    if ('response' in answer) call.sendResponse(answer.response);
    else call.sendStatus(answer.error);
  }

  /**
   * Decodes and ingests one request message (decompressed), counting the answer; throws only on
   * a failure of fedscope's own.
   */
  private answer(request: Uint8Array): ExportAnswer {
    const { intake, stats } = this.options;
    let decoded;
    try {
      decoded = decodeTracePayload(request, 'protobuf', { maxSpans: this.options.maxSpans });
    } catch (error) {
      if (!(error instanceof OtlpDecodeError)) throw error;
      const failure = decodeFailureOf(error);
      stats.decodeError('grpc', failure.reason);
      stats.request('grpc', failure.outcome);
      return { error: { code: failure.code, message: error.message } };
    }
    const result = intake.ingest(decoded, 'grpc', { body: request, contentType: 'application/x-protobuf', contentEncoding: undefined });
    const outcome = exportOutcomeOf(decoded, result);
    stats.spans('grpc', outcome.acceptedSpans, outcome.rejectedSpans);
    stats.request('grpc', outcome.requestOutcome);
    return { response: encodeTraceResponse(outcome, 'protobuf').body };
  }

  /** Answers a transport failure (framing, encoding, size, compression, a bad timeout) and counts it. */
  private answerFailure(call: GrpcServerCall, status: GrpcCallStatus): void {
    const counted = transportFailureOf(status.code);
    if (counted !== undefined && !call.isAnswered && !call.isClosed) this.count(counted);
    call.sendStatus(status);
  }

  private count(counted: CountedFailure): void {
    this.options.stats.request('grpc', counted.outcome);
    this.options.stats.decodeError('grpc', counted.reason);
  }

  /** INTERNAL for a failure of fedscope's own, logged and counted; never throws. */
  private failInternally(call: GrpcServerCall, error: unknown): void {
    try {
      fedscopeLog.error('OTLP/gRPC receiver: failed to handle an export request', error);
      if (!call.isAnswered && !call.isClosed) this.options.stats.request('grpc', 'internal_error');
      call.sendStatus({ code: GrpcStatusCode.INTERNAL, message: 'fedscope collector: internal error while handling the export' });
    } catch {
      call.cancel();
    }
  }

  /** UNAVAILABLE with RetryInfo, whatever the budget: OTLP's throttling answer, retried after the delay. */
  private refusalStatus(refusal: IntakeRefusal): GrpcCallStatus {
    const message = `fedscope collector is over its ${refusal.reason} budget; retry in ${refusal.retryAfterSeconds} s`;
    return {
      code: GrpcStatusCode.UNAVAILABLE,
      message,
      details: encodeRetryStatus(GrpcStatusCode.UNAVAILABLE, message, refusal.retryAfterSeconds),
    };
  }
}
