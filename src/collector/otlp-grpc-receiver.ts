import {
  Metadata,
  ResponderBuilder,
  Server,
  ServerCredentials,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status as GrpcStatus,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  type ServerUnaryCall,
  type ServiceDefinition,
  type StatusObject,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { fedscopeLog } from '../diagnostics/fedscope-log.js';
import { decodeTracePayload } from '../otlp/decode-trace-payload.js';
import { encodeTraceResponse } from '../otlp/encode-trace-response.js';
import { OtlpDecodeError } from '../otlp/otlp-decode-error.js';
import type { DecodeErrorReason, RequestOutcome } from './collector-self-stats.js';
import { exportOutcomeOf } from './export-outcome.js';
import { encodeRetryStatus, GRPC_STATUS_DETAILS_KEY } from './grpc-retry-status.js';
import type { IntakeRefusal, ListeningAddress, TraceReceiverOptions } from './trace-intake.js';

/** The one method the receiver serves: OTLP's unary trace export. */
export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** How long {@link OtlpGrpcReceiver.stop} lets open calls finish before it cancels them. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/** Settings of an {@link OtlpGrpcReceiver} beyond what every receiver takes. */
export interface OtlpGrpcReceiverSettings {
  /** Most time `stop()` waits for open calls before it cancels them. @default 10000 */
  shutdownGraceMs?: number;
}

/** An error status as the handler's callback takes it. */
type ErrorStatus = Pick<StatusObject, 'code' | 'details'> & Partial<Pick<StatusObject, 'metadata'>>;

/** A status as grpc-js sends it through a call. */
type SentStatus = Parameters<ServerInterceptingCallInterface['sendStatus']>[0];

/** What the handler answers: an ExportTraceServiceResponse or an error status. */
type ExportAnswer = { readonly response: Buffer } | { readonly error: ErrorStatus };

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// The request and the response stay protobuf bytes: the request is decoded by src/otlp (the same
// decoder as OTLP/HTTP, with its limits), and no .proto file is loaded at run time.
const TRACE_SERVICE: ServiceDefinition<{ Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => void }> = {
  Export: {
    path: TRACE_EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: (request: Buffer) => request,
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: (response: Buffer) => response,
    responseDeserialize: (bytes: Buffer) => bytes,
  },
};

/** The gRPC code, request outcome and decode-error reason for an {@link OtlpDecodeError}. */
function decodeFailureOf(error: OtlpDecodeError): { code: GrpcStatus; outcome: RequestOutcome; reason: DecodeErrorReason } {
  // Too large or too many spans is final: RESOURCE_EXHAUSTED without RetryInfo is not retried (OTLP "Failures").
  if (error.status === 413) return { code: GrpcStatus.RESOURCE_EXHAUSTED, outcome: 'too_large', reason: 'too_large' };
  if (error.status === 415) return { code: GrpcStatus.INVALID_ARGUMENT, outcome: 'unsupported_media_type', reason: 'content_type' };
  return { code: GrpcStatus.INVALID_ARGUMENT, outcome: 'bad_data', reason: 'malformed' };
}

/**
 * How a status grpc-js sends on its own, before the handler has the message, is counted: over
 * `grpc.max_receive_message_length` (framed or after decompression), an unknown `grpc-encoding`,
 * or a message that does not decompress. Other such statuses (the client cancelled, its deadline
 * passed) are not answers to an export and are not counted.
 */
function transportFailureOf(code: GrpcStatus | undefined): { outcome: RequestOutcome; reason: DecodeErrorReason } | undefined {
  if (code === GrpcStatus.RESOURCE_EXHAUSTED) return { outcome: 'too_large', reason: 'too_large' };
  if (code === GrpcStatus.UNIMPLEMENTED) return { outcome: 'unsupported_media_type', reason: 'content_encoding' };
  if (code === GrpcStatus.INTERNAL) return { outcome: 'bad_data', reason: 'malformed' };
  return undefined;
}

/**
 * The collector companion's OTLP/gRPC receiver: serves
 * `opentelemetry.proto.collector.trace.v1.TraceService/Export` with `@grpc/grpc-js` (insecure
 * credentials, or TLS from `options.tls`) and maps the OTLP flow onto gRPC status codes:
 *
 * - a call without the bearer token in its `authorization` metadata, when `options.authorization`
 *   requires one: UNAUTHENTICATED, before it is admitted or any of its message read;
 * - every call is admitted by the intake when its headers arrive, before grpc-js reads any of
 *   its message: the message's size is not known then, so the call holds `maxBytes` of the
 *   in-flight budget until it is answered, and the messages being read at once stay within that
 *   budget however many calls and connections arrive; refused, the intake over its memory or
 *   queue budget: UNAVAILABLE with a `google.rpc.RetryInfo` in `grpc-status-details-bin`, so the
 *   exporter backs off and retries;
 * - a message over `maxBytes`, framed or after gzip/deflate decompression: RESOURCE_EXHAUSTED,
 *   answered by grpc-js itself (it stops inflating at the limit, so a decompression bomb costs at
 *   most `maxBytes`);
 * - undecodable protobuf: INVALID_ARGUMENT naming the problem; more than `maxSpans` spans:
 *   RESOURCE_EXHAUSTED without RetryInfo (not retryable);
 * - otherwise the spans go to the intake and the ExportTraceServiceResponse carries
 *   `partial_success` for spans rejected by the decoder or the intake;
 * - a failure of fedscope's own: INTERNAL, logged.
 *
 * Every answer is counted in `options.stats` under transport `grpc`.
 */
export class OtlpGrpcReceiver {
  private server: Server | undefined;
  private readonly shutdownGraceMs: number;

  /**
   * @param options - where to listen, where spans go, the stats to count in and the limits
   * @param settings - the shutdown grace period
   * @throws RangeError when `maxBytes` or `maxSpans` is not a positive integer
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
  }

  /**
   * Starts listening on `options.host:options.port`; resolves with the address bound (the port
   * picked when 0 was asked). Rejects, naming the address and the reason, when it cannot bind.
   */
  async start(): Promise<ListeningAddress> {
    if (this.server !== undefined) throw new Error('the OTLP/gRPC receiver is already started');
    const server = new Server({
      'grpc.max_receive_message_length': this.options.maxBytes,
      interceptors: [this.admitCalls],
    });
    server.addService(TRACE_SERVICE, { Export: this.handleExport });
    const { host } = this.options;
    const address = host.includes(':') && !host.startsWith('[') ? `[${host}]:${this.options.port}` : `${host}:${this.options.port}`;
    const port = await new Promise<number>((resolve, reject) => {
      const tls = this.options.tls;
      const credentials = tls
        ? ServerCredentials.createSsl(null, [{ cert_chain: tls.cert, private_key: tls.key }], false)
        : ServerCredentials.createInsecure();
      server.bindAsync(address, credentials, (error, boundPort) => {
        if (error) {
          server.forceShutdown();
          reject(new Error(`cannot listen for OTLP/gRPC on ${address}: ${error.message}`, { cause: error }));
        } else resolve(boundPort);
      });
    });
    this.server = server;
    return { host, port };
  }

  /**
   * Stops listening and lets open calls finish, for at most the shutdown grace period (10 s by
   * default); calls still open then are cancelled. Resolves once the server is down; a receiver
   * never started resolves at once.
   */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        fedscopeLog.warn(`OTLP/gRPC receiver: calls still open ${this.shutdownGraceMs} ms after stop; cancelling them`);
        server.forceShutdown();
        resolve();
      }, this.shutdownGraceMs);
      server.tryShutdown((error) => {
        clearTimeout(timer);
        if (error) {
          fedscopeLog.warn('OTLP/gRPC receiver: graceful shutdown failed; cancelling open calls', error);
          server.forceShutdown();
        }
        resolve();
      });
    });
  }

  /**
   * Admits each call when its headers arrive: grpc-js reads a call's message only once the
   * handler has seen the headers, so a refused call is answered (UNAVAILABLE with RetryInfo)
   * without a byte of its message held. An admitted call holds `maxBytes` (its message's size is
   * unknown until all of it is read) until its status is sent or it is cancelled.
   *
   * grpc-js also answers some calls itself before the handler receives the message (see
   * {@link transportFailureOf}); it sends those statuses through the innermost call's
   * `sendStatus`, so that is wrapped here to count them like the handler's own answers.
   */
  private readonly admitCalls: ServerInterceptor = (_method, call: ServerInterceptingCallInterface) => {
    const { intake, stats, maxBytes, authorization } = this.options;
    let admitted = false;
    let delivered = false;
    const release = (): void => {
      if (!admitted) return;
      admitted = false;
      intake.release(maxBytes);
    };
    const sendStatus = call.sendStatus.bind(call);
    call.sendStatus = (status: SentStatus): void => {
      if (!delivered) {
        const failure = transportFailureOf(status.code);
        if (failure !== undefined) {
          stats.request('grpc', failure.outcome);
          stats.decodeError('grpc', failure.reason);
        }
      }
      release();
      sendStatus(status);
    };
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const presented = metadata.get('authorization')[0];
        if (authorization !== undefined && !authorization.acceptsAuthorization(typeof presented === 'string' ? presented : undefined)) {
          stats.request('grpc', 'unauthorized');
          call.sendStatus({ code: GrpcStatus.UNAUTHENTICATED, details: 'unauthorized', metadata: new Metadata() });
          return;
        }
        const refusal = intake.admit(maxBytes);
        if (refusal !== undefined) {
          stats.refusal('grpc', refusal.reason);
          stats.request('grpc', 'refused');
          // The handler never sees the call, so it never asks grpc-js to read the message.
          call.sendStatus(this.refusalStatus(refusal));
          return;
        }
        admitted = true;
        next(metadata);
      })
      .withOnCancel(release)
      .withOnReceiveMessage((message, next) => {
        delivered = true;
        next(message);
      })
      .build();
    return new ServerInterceptingCall(call, new ResponderBuilder().withStart((next) => next(listener)).build());
  };

  private readonly handleExport = (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void => {
    let answer: ExportAnswer;
    try {
      answer = this.answer(call.request);
    } catch (error) {
      fedscopeLog.error('OTLP/gRPC receiver: failed to handle an export request', error);
      this.options.stats.request('grpc', 'internal_error');
      answer = { error: { code: GrpcStatus.INTERNAL, details: 'fedscope collector: internal error while handling the export' } };
    }
    try {
      if ('response' in answer) callback(null, answer.response);
      else callback(answer.error);
    } catch (error) {
      fedscopeLog.error('OTLP/gRPC receiver: failed to send an export answer', error);
    }
  };

  /**
   * Decodes and ingests one request of a call {@link OtlpGrpcReceiver.admitCalls} admitted (and
   * releases); throws only on a failure of fedscope's own.
   */
  private answer(request: Buffer): ExportAnswer {
    const { intake, stats } = this.options;
    let decoded;
    try {
      decoded = decodeTracePayload(request, 'protobuf', { maxSpans: this.options.maxSpans });
    } catch (error) {
      if (!(error instanceof OtlpDecodeError)) throw error;
      const failure = decodeFailureOf(error);
      stats.decodeError('grpc', failure.reason);
      stats.request('grpc', failure.outcome);
      return { error: { code: failure.code, details: error.message } };
    }
    const result = intake.ingest(decoded, 'grpc', { body: request, contentType: 'application/x-protobuf', contentEncoding: undefined });
    const outcome = exportOutcomeOf(decoded, result);
    stats.spans('grpc', outcome.acceptedSpans, outcome.rejectedSpans);
    stats.request('grpc', outcome.requestOutcome);
    return { response: asBuffer(encodeTraceResponse(outcome, 'protobuf').body) };
  }

  /** UNAVAILABLE with RetryInfo, whatever the budget: OTLP's throttling answer, retried after the delay. */
  private refusalStatus(refusal: IntakeRefusal): ErrorStatus {
    const details = `fedscope collector is over its ${refusal.reason} budget; retry in ${refusal.retryAfterSeconds} s`;
    const metadata = new Metadata();
    metadata.set(GRPC_STATUS_DETAILS_KEY, encodeRetryStatus(GrpcStatus.UNAVAILABLE, details, refusal.retryAfterSeconds));
    return { code: GrpcStatus.UNAVAILABLE, details, metadata };
  }
}
