import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { fedscopeLog } from '../diagnostics/fedscope-log.js';
import { BEARER_CHALLENGE } from '../output/http/http-access-guard.js';
import {
  contentEncodingsOf,
  decodeTraceRequest,
  encodeErrorResponse,
  encodeTraceResponse,
  OTLP_CONTENT_TYPES,
  OtlpDecodeError,
  otlpFormatOf,
  otlpResponseFormatOf,
  readBodyLimited,
  type DecodedTraceRequest,
  type OtlpFormat,
  type OtlpHttpResponse,
} from '../otlp/index.js';
import type { DecodeErrorReason, RequestOutcome } from './collector-self-stats.js';
import { exportOutcomeOf } from './export-outcome.js';
import type { IntakeRefusal, ListeningAddress, TraceReceiverOptions } from './trace-intake.js';
import { settlesWithin } from '../output/delivery/settles-within.js';

/** The one path the receiver serves (OTLP/HTTP's default traces path). */
export const OTLP_TRACES_PATH = '/v1/traces';

/** Longest a client may take to send a whole request, headers and body; past it the request is answered 408 (counted) and closed. */
export const OTLP_HTTP_REQUEST_TIMEOUT_MS = 30_000;

/** Longest {@link OtlpHttpReceiver.stop} waits for requests in flight before it closes their connections. */
export const OTLP_HTTP_STOP_TIMEOUT_MS = 10_000;

/** How often Node checks the request timeouts (its default, 30 s, would let a stalled request live twice as long). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** What became of a request that failed to decode, by the status the ground's decoder chose. */
const DECODE_FAILURES: Readonly<Record<OtlpDecodeError['status'], { outcome: RequestOutcome; reason: DecodeErrorReason }>> = {
  400: { outcome: 'bad_data', reason: 'malformed' },
  413: { outcome: 'too_large', reason: 'too_large' },
  // The Content-Type is checked before decoding, so a 415 from the decoder is about the encoding.
  415: { outcome: 'unsupported_media_type', reason: 'content_encoding' },
};

/** What a request Node's HTTP parser refused is answered and counted as (see {@link clientErrorOf}). */
interface ClientErrorAnswer {
  /** The bare response Node itself would write. */
  readonly response: string;
  /** How it is counted; undefined for a connection error (e.g. ECONNRESET), which is no request. */
  readonly counted?: { outcome: RequestOutcome; reason: DecodeErrorReason };
}

/** A response as Node writes it to a client it cannot parse: status line, `Connection: close`, no body. */
function bareResponse(status: number, text: string): string {
  return `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n\r\n`;
}

const MALFORMED: ClientErrorAnswer = { response: bareResponse(400, 'Bad Request'), counted: { outcome: 'bad_data', reason: 'malformed' } };

/**
 * The answer to an error Node's HTTP server reports with `clientError`, as Node answers it when no
 * listener is set: 431/413 past its header or chunk-extension limits, 408 for a request not sent
 * within the timeouts (an incomplete request is undecodable, as a body cut short is), 400 for
 * anything else the parser refused (`HPE_*`). Other socket errors are answered 400 too, not counted.
 */
function clientErrorOf(error: NodeJS.ErrnoException): ClientErrorAnswer {
  const tooLarge = { outcome: 'too_large', reason: 'too_large' } as const;
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { response: bareResponse(431, 'Request Header Fields Too Large'), counted: tooLarge };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { response: bareResponse(413, 'Payload Too Large'), counted: tooLarge };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { response: bareResponse(408, 'Request Timeout'), counted: MALFORMED.counted };
    default:
      return error.code?.startsWith('HPE_') === true ? MALFORMED : { response: MALFORMED.response };
  }
}

/** A header's value as one string (repeated headers joined as HTTP allows). */
function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The declared body length, or undefined when there is none (chunked) or it is not a plain number. */
function declaredLength(req: IncomingMessage): number | undefined {
  const value = req.headers['content-length'];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** True when `Accept-Encoding` allows gzip (`gzip`, `x-gzip` or `*`, with no `q=0`). */
function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  return acceptEncoding.split(',').some((entry) => {
    const [coding = '', ...parameters] = entry.split(';').map((part) => part.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') return false;
    const quality = parameters.find((parameter) => parameter.startsWith('q='));
    return quality === undefined || Number(quality.slice(2)) > 0;
  });
}

/** The status of a refusal: 429 when the queue is full, 503 when memory is. */
function refusalStatus(refusal: IntakeRefusal): number {
  return refusal.reason === 'queue' ? 429 : 503;
}

/**
 * The collector companion's OTLP/HTTP receiver: `POST /v1/traces` with protobuf or JSON bodies
 * (gzip or deflate), as the OTLP specification describes. Every request is admitted by the intake
 * before its body is read (429/503 with `Retry-After` when refused, the body never held), read
 * within `maxBytes` (413, also after decompression), decoded (400 naming the problem, 415 for a
 * wrong content type or encoding), handed to the intake, and answered in its own encoding with
 * `partial_success` for the spans not used. Requests time out after
 * {@link OTLP_HTTP_REQUEST_TIMEOUT_MS}; a failure of fedscope's own is a 500, logged. What Node's
 * HTTP parser refuses (malformed, headers over its limit, timed out) is answered as Node would
 * (400, 431, 408), counted, and its connection closed.
 */
export class OtlpHttpReceiver {
  private server: Server | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** The latest request handed to the handler on each connection, to tell a parse error in its body (counted by the handler) from a request of its own. */
  private readonly latestRequest = new WeakMap<Socket, { req: IncomingMessage; res: ServerResponse }>();
  private stopping = false;

  /** @param options - where to listen, the intake and stats to use, and the request limits */
  constructor(private readonly options: TraceReceiverOptions) {}

  /**
   * Starts listening; resolves with the address bound (the port picked when 0 was asked). Rejects
   * when the address cannot be bound, naming it and the reason (e.g. `EADDRINUSE`).
   */
  start(): Promise<ListeningAddress> {
    if (this.server !== undefined) return Promise.reject(new Error('the OTLP/HTTP receiver is already started'));
    const serverOptions = {
      requestTimeout: OTLP_HTTP_REQUEST_TIMEOUT_MS,
      headersTimeout: OTLP_HTTP_REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    };
    const track = (req: IncomingMessage, res: ServerResponse): void => this.track(req, res);
    const tls = this.options.tls;
    const server: Server = tls
      ? createHttpsServer({ ...serverOptions, cert: tls.cert, key: tls.key }, track)
      : createServer(serverOptions, track);
    // Node answers requests it cannot parse or that time out itself, uncounted: answer and count them here.
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => this.answerClientError(error, socket));
    this.server = server;
    this.stopping = false;
    const { host, port } = this.options;
    return new Promise((resolve, reject) => {
      const fail = (error: NodeJS.ErrnoException): void => {
        this.server = undefined;
        const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
        reject(new Error(`the OTLP/HTTP receiver cannot listen on ${where}: ${error.code ?? error.message}`, { cause: error }));
      };
      server.once('error', fail);
      server.listen(port, host, () => {
        server.off('error', fail);
        // Accept failures (e.g. EMFILE) are emitted on the server: without a listener they would crash the process.
        server.on('error', (error) => fedscopeLog.warn('the OTLP/HTTP receiver could not accept a connection', error));
        const address = server.address() as AddressInfo;
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  /**
   * Stops accepting connections, waits for the requests in flight to be answered (at most
   * {@link OTLP_HTTP_STOP_TIMEOUT_MS}, then their connections are closed) and resolves once
   * the server is closed. Calling it again, or before {@link OtlpHttpReceiver.start}, resolves at once.
   */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    this.stopping = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = Date.now() + OTLP_HTTP_STOP_TIMEOUT_MS;
    // Requests may still start on connections that were busy when close() was called: loop until none is left.
    while (this.inFlight.size > 0 && Date.now() < deadline) {
      await settlesWithin(Promise.allSettled([...this.inFlight]), deadline - Date.now());
    }
    server.closeAllConnections();
    await closed;
  }

  /** Runs one request and keeps it in the in-flight set until it is answered. */
  private track(req: IncomingMessage, res: ServerResponse): void {
    this.latestRequest.set(req.socket, { req, res });
    const handled = this.handle(req, res).catch((error: unknown) => this.failInternally(req, res, error));
    this.inFlight.add(handled);
    void handled.finally(() => this.inFlight.delete(handled));
  }

  /** Checks path, method, content type, encoding and declared size, then asks the intake before reading anything. */
  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { stats, authorization } = this.options;
    if (authorization !== undefined && !authorization.acceptsAuthorization(req.headers.authorization)) {
      stats.request('http', 'unauthorized');
      this.send(req, res, encodeErrorResponse({ status: 401, message: 'unauthorized' }, undefined), {
        'www-authenticate': BEARER_CHALLENGE,
      });
      return;
    }
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (path !== OTLP_TRACES_PATH) {
      stats.request('http', 'not_found');
      const message = `${path.slice(0, 100)} is not served; OTLP/HTTP traces go to POST ${OTLP_TRACES_PATH}`;
      this.send(req, res, encodeErrorResponse({ status: 404, message }, undefined));
      return;
    }
    if (req.method !== 'POST') {
      stats.request('http', 'not_found');
      const message = `${String(req.method).slice(0, 20)} is not allowed on ${OTLP_TRACES_PATH}; use POST`;
      this.send(req, res, encodeErrorResponse({ status: 405, message }, undefined), { allow: 'POST' });
      return;
    }
    const contentType = headerValue(req, 'content-type');
    let format: OtlpFormat;
    try {
      format = otlpFormatOf(contentType);
    } catch (error) {
      if (!(error instanceof OtlpDecodeError)) throw error;
      this.answerDecodeError(req, res, error, undefined, 'content_type');
      return;
    }
    const contentEncoding = headerValue(req, 'content-encoding');
    const declared = declaredLength(req);
    try {
      contentEncodingsOf(contentEncoding);
      if (declared !== undefined && declared > this.options.maxBytes) {
        throw new OtlpDecodeError(413, `request body is ${declared} bytes; the limit is ${this.options.maxBytes}`);
      }
    } catch (error) {
      if (!(error instanceof OtlpDecodeError)) throw error;
      this.answerDecodeError(req, res, error, format);
      return;
    }
    const admitted = declared ?? this.options.maxBytes;
    const refusal = this.options.intake.admit(admitted);
    if (refusal !== undefined) {
      this.answerRefusal(req, res, refusal, format);
      return;
    }
    try {
      await this.receive(req, res, format, contentType, contentEncoding);
    } finally {
      this.options.intake.release(admitted);
    }
  }

  /** Reads, decodes and ingests an admitted request, and answers it. */
  private async receive(
    req: IncomingMessage,
    res: ServerResponse,
    format: OtlpFormat,
    contentType: string | undefined,
    contentEncoding: string | undefined,
  ): Promise<void> {
    const { intake, stats, maxBytes, maxSpans } = this.options;
    let body: Uint8Array;
    try {
      body = await readBodyLimited(req, maxBytes);
    } catch (error) {
      if (error instanceof OtlpDecodeError) {
        this.answerDecodeError(req, res, error, format);
        return;
      }
      // The client went away or timed out mid-body: an incomplete body is undecodable, and no one is left to answer.
      stats.request('http', 'bad_data');
      stats.decodeError('http', 'malformed');
      return;
    }
    let decoded: DecodedTraceRequest;
    try {
      decoded = await decodeTraceRequest(body, { contentType, contentEncoding, maxBytes, maxSpans });
    } catch (error) {
      if (!(error instanceof OtlpDecodeError)) throw error;
      this.answerDecodeError(req, res, error, format);
      return;
    }
    const encoding = contentEncoding?.trim().toLowerCase();
    const raw = {
      body,
      contentType: OTLP_CONTENT_TYPES[format],
      contentEncoding: encoding === undefined || encoding === '' || encoding === 'identity' ? undefined : encoding,
    };
    const result = intake.ingest(decoded, 'http', raw);
    const outcome = exportOutcomeOf(decoded, result);
    stats.spans('http', outcome.acceptedSpans, outcome.rejectedSpans);
    stats.request('http', outcome.requestOutcome);
    this.send(req, res, encodeTraceResponse(outcome, format));
  }

  /**
   * Answers and counts what Node's HTTP parser refused, or a request that timed out, as Node
   * would answer it (a listener replaces Node's own answer), then closes the connection. An error
   * in the body of a request already handed to the handler is counted there, not again here.
   */
  private answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
    const answer = clientErrorOf(error);
    const latest = this.latestRequest.get(socket);
    const handlerCounts = latest !== undefined && !latest.req.complete;
    if (answer.counted !== undefined && !handlerCounts) {
      this.options.stats.request('http', answer.counted.outcome);
      this.options.stats.decodeError('http', answer.counted.reason);
    }
    // Never write into a response already under way (it would corrupt it), as Node does not.
    const responding = latest !== undefined && latest.res.headersSent && !latest.res.writableEnded;
    if (socket.writable && !responding) socket.write(answer.response);
    socket.destroy();
  }

  /** Answers a request the decoder (or the checks before it) refused: 400, 413 or 415. */
  private answerDecodeError(
    req: IncomingMessage,
    res: ServerResponse,
    error: OtlpDecodeError,
    format: OtlpFormat | undefined,
    reason?: DecodeErrorReason,
  ): void {
    const failure = DECODE_FAILURES[error.status];
    this.options.stats.request('http', failure.outcome);
    this.options.stats.decodeError('http', reason ?? failure.reason);
    this.send(req, res, encodeErrorResponse(error, format));
  }

  /** Answers a request the intake refused for now: 429 or 503 with `Retry-After`. */
  private answerRefusal(req: IncomingMessage, res: ServerResponse, refusal: IntakeRefusal, format: OtlpFormat): void {
    const { stats } = this.options;
    stats.request('http', 'refused');
    stats.refusal('http', refusal.reason);
    // Retry-After takes whole seconds; a nonsensical value from the intake still asks for a pause.
    const retryAfter = Number.isFinite(refusal.retryAfterSeconds) ? Math.max(1, Math.ceil(refusal.retryAfterSeconds)) : 1;
    const message =
      refusal.reason === 'queue'
        ? `fedscope collector: too many spans in flight; retry after ${retryAfter} s`
        : `fedscope collector: over its memory budget; retry after ${retryAfter} s`;
    this.send(req, res, encodeErrorResponse({ status: refusalStatus(refusal), message }, format), { 'retry-after': String(retryAfter) });
  }

  /** Answers 500 for a failure of fedscope's own; the log line is rate-limited by its message. */
  private failInternally(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    try {
      fedscopeLog.error('the OTLP/HTTP receiver failed while handling a request', error);
      this.options.stats.request('http', 'internal_error');
      const failure = { status: 500, message: 'fedscope collector: internal error while handling the request' };
      this.send(req, res, encodeErrorResponse(failure, otlpResponseFormatOf(headerValue(req, 'content-type'))));
    } catch {
      // Answering failed too: drop the connection rather than leave the client waiting.
      res.destroy();
    }
  }

  /**
   * Writes a response (gzipped when the client accepts gzip). A body still unread is left for
   * Node to discard after the response when its declared length is within `maxBytes`; any other
   * (chunked, oversized) closes the connection instead, so nothing more than the limit is read.
   */
  private send(req: IncomingMessage, res: ServerResponse, response: OtlpHttpResponse, extra: OutgoingHttpHeaders = {}): void {
    if (res.headersSent || res.destroyed) return;
    const headers: OutgoingHttpHeaders = { ...extra, 'content-type': response.contentType };
    let body = response.body;
    if (body.length > 0 && acceptsGzip(headerValue(req, 'accept-encoding'))) {
      body = gzipSync(body);
      headers['content-encoding'] = 'gzip';
      headers['vary'] = 'accept-encoding';
    }
    headers['content-length'] = body.length;
    const declared = declaredLength(req);
    const drainable = req.complete || (declared !== undefined && declared <= this.options.maxBytes && !req.destroyed);
    if (this.stopping || !drainable) headers['connection'] = 'close';
    res.writeHead(response.status, headers);
    res.end(body);
  }
}
