import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Attributes } from '@opentelemetry/api';
import {
  decodeTraceRequest,
  encodeErrorResponse,
  encodeTraceResponse,
  OtlpDecodeError,
  otlpResponseFormatOf,
  readBodyLimited,
  DEFAULT_MAX_BYTES,
  type DecodedSpan,
  type DecodedTraceRequest,
  type KvlistMode,
  type OtlpHttpResponse,
} from '../../src/otlp/index.js';

/** One POST the receiver answered. */
export interface ReceivedOtlpRequest {
  /** Request path (`/v1/traces`, `/v1/metrics`, …). */
  readonly path: string;
  /** `Content-Type` as sent. */
  readonly contentType: string | undefined;
  /** `Content-Encoding` as sent. */
  readonly contentEncoding: string | undefined;
  /** `Authorization` as sent (to check the headers a forwarder adds). */
  readonly authorization: string | undefined;
  /** Body size on the wire (compressed), in bytes. */
  readonly bodyBytes: number;
  /** HTTP status the receiver answered with. */
  readonly status: number;
  /** The decoded trace request (undefined for errors and for non-trace paths). */
  readonly decoded: DecodedTraceRequest | undefined;
  /** Accepted spans of this request ([] for errors and non-trace paths). */
  readonly spans: readonly DecodedSpan[];
  /** Resource attributes of each `ResourceSpans`, in order. */
  readonly resourceAttributes: readonly Attributes[];
  /** Spans rejected (OTLP partial success). */
  readonly rejectedSpans: number;
  /** The error message returned, for 4xx/5xx answers and partial successes. */
  readonly errorMessage: string | undefined;
}

/** Options of {@link startOtlpReceiver}. */
export interface OtlpReceiverOptions {
  /** Body limit, compressed and decompressed (default 20 MiB). */
  readonly maxBytes?: number;
  /** Span limit per request (default 100 000). */
  readonly maxSpans?: number;
  /** Map-valued attribute handling (default `'flatten'`). */
  readonly kvlistMode?: KvlistMode;
}

/** A loopback OTLP/HTTP receiver for tests. */
export interface OtlpReceiver {
  /** Base URL, e.g. `http://127.0.0.1:43123` (what `OTEL_EXPORTER_OTLP_ENDPOINT` takes). */
  readonly url: string;
  /** The traces URL, `${url}/v1/traces` (what an exporter's `url` option takes). */
  readonly tracesUrl: string;
  /** The port. */
  readonly port: number;
  /** Every POST answered so far, in arrival order. */
  readonly requests: ReceivedOtlpRequest[];
  /** All accepted spans so far, in arrival order. */
  spans(): DecodedSpan[];
  /** Resolves with all spans once at least `count` have arrived; rejects after `timeoutMs`. */
  waitForSpans(count: number, timeoutMs?: number): Promise<DecodedSpan[]>;
  /** Resolves once at least `count` requests (of any outcome) have been answered. */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedOtlpRequest[]>;
  /** Answers the next `times` trace POSTs with `status` (e.g. 503) instead of decoding them. */
  failNext(status: number, times?: number): void;
  /** Stops the server (open connections are closed). */
  close(): Promise<void>;
}

/** Paths of the other OTLP signals: answered with an empty success so SDK exporters stay quiet. */
const OTHER_SIGNAL_PATHS = new Set(['/v1/metrics', '/v1/logs']);

function send(res: ServerResponse, response: OtlpHttpResponse): void {
  res.writeHead(response.status, { 'content-type': response.contentType, 'content-length': response.body.length });
  res.end(response.body);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Starts an OTLP/HTTP receiver on 127.0.0.1 (ephemeral port) that decodes `POST /v1/traces`
 * (protobuf or JSON, gzip/deflate) with fedscope's decoder, answers like an OTLP server (the
 * response format follows the request's; partial success for rejected spans; 4xx with a
 * `google.rpc.Status` message for bad input) and keeps what it received for assertions.
 */
export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const requests: ReceivedOtlpRequest[] = [];
  const waiters = new Set<() => void>();
  let failures: { status: number; times: number } | undefined;

  const record = (entry: ReceivedOtlpRequest): void => {
    requests.push(entry);
    for (const wake of [...waiters]) wake();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const contentType = header(req, 'content-type');
    const contentEncoding = header(req, 'content-encoding');
    const base = { path, contentType, contentEncoding, authorization: header(req, 'authorization') };
    if (req.method !== 'POST' || (path !== '/v1/traces' && !OTHER_SIGNAL_PATHS.has(path))) {
      res.writeHead(req.method === 'POST' ? 404 : 405, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`fedscope test receiver: ${req.method ?? '?'} ${path} is not served\n`);
      return;
    }
    const format = otlpResponseFormatOf(contentType);
    let body: Uint8Array = new Uint8Array(0);
    try {
      body = await readBodyLimited(req, maxBytes);
      if (OTHER_SIGNAL_PATHS.has(path)) {
        const response = encodeTraceResponse({ rejectedSpans: 0 }, format ?? 'json');
        record({
          ...base,
          bodyBytes: body.length,
          status: 200,
          decoded: undefined,
          spans: [],
          resourceAttributes: [],
          rejectedSpans: 0,
          errorMessage: undefined,
        });
        send(res, response);
        return;
      }
      if (failures !== undefined && failures.times > 0) {
        failures.times -= 1;
        const error = { status: failures.status, message: `fedscope test receiver: failing on purpose with ${failures.status}` };
        record({
          ...base,
          bodyBytes: body.length,
          status: error.status,
          decoded: undefined,
          spans: [],
          resourceAttributes: [],
          rejectedSpans: 0,
          errorMessage: error.message,
        });
        send(res, encodeErrorResponse(error, format));
        return;
      }
      const decoded = await decodeTraceRequest(body, {
        contentType,
        contentEncoding,
        maxBytes,
        ...(options.maxSpans === undefined ? {} : { maxSpans: options.maxSpans }),
        ...(options.kvlistMode === undefined ? {} : { kvlistMode: options.kvlistMode }),
      });
      record({
        ...base,
        bodyBytes: body.length,
        status: 200,
        decoded,
        spans: decoded.spans,
        resourceAttributes: decoded.resourceSpans.map((resourceSpans) => resourceSpans.resource.attributes),
        rejectedSpans: decoded.rejectedSpans,
        errorMessage: decoded.errorMessage,
      });
      send(res, encodeTraceResponse(decoded, decoded.format));
    } catch (error) {
      const failure =
        error instanceof OtlpDecodeError
          ? { status: error.status, message: error.message }
          : { status: 500, message: `fedscope test receiver: ${error instanceof Error ? error.message : String(error)}` };
      record({
        ...base,
        bodyBytes: body.length,
        status: failure.status,
        decoded: undefined,
        spans: [],
        resourceAttributes: [],
        rejectedSpans: 0,
        errorMessage: failure.message,
      });
      // An oversized upload may still be arriving: answer, then drop the connection.
      if (failure.status === 413) res.setHeader('connection', 'close');
      send(res, encodeErrorResponse(failure, format));
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  const allSpans = (): DecodedSpan[] => requests.flatMap((request) => request.spans);
  const waitUntil = <T>(ready: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const check = (): boolean => {
        const value = ready();
        if (value === undefined) return false;
        clearTimeout(timer);
        waiters.delete(wake);
        resolve(value);
        return true;
      };
      const wake = (): void => void check();
      const timer = setTimeout(() => {
        waiters.delete(wake);
        reject(new Error(`fedscope test receiver: timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      waiters.add(wake);
      check();
    });

  return {
    url,
    tracesUrl: `${url}/v1/traces`,
    port,
    requests,
    spans: allSpans,
    waitForSpans: (count, timeoutMs = 10_000) =>
      waitUntil(
        () => (allSpans().length >= count ? allSpans() : undefined),
        timeoutMs,
        () =>
          `${count} spans (got ${allSpans().length} in ${requests.length} requests: ${requests.map((r) => r.status).join(', ') || 'none'})`,
      ),
    waitForRequests: (count, timeoutMs = 10_000) =>
      waitUntil(
        () => (requests.length >= count ? [...requests] : undefined),
        timeoutMs,
        () => `${count} requests (got ${requests.length})`,
      ),
    failNext: (status, times = 1) => {
      failures = { status, times };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
