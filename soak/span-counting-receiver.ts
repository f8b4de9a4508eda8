import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  decodeTraceRequest,
  DEFAULT_MAX_BYTES,
  encodeErrorResponse,
  encodeTraceResponse,
  OtlpDecodeError,
  otlpResponseFormatOf,
  readBodyLimited,
} from '../src/otlp/index.js';

/** What a {@link SpanCountingReceiver} received. */
export interface ReceivedSpanCounts {
  /** Spans accepted in requests answered with 200 and fully sent. */
  readonly spans: number;
  /** Spans the decoder rejected (OTLP partial success). */
  readonly rejectedSpans: number;
  /** Trace requests answered with 200. */
  readonly requests: number;
  /** Requests answered with an error (malformed, oversize, …). */
  readonly failedRequests: number;
}

/** How long a stop waits for requests in progress before it drops their connections. */
const STOP_GRACE_MS = 5_000;

/**
 * A loopback OTLP/HTTP trace receiver that decodes every `POST /v1/traces` with fedscope's
 * decoder (protobuf or JSON, compressed or not) and keeps only counts, so it can run for hours.
 * A span counts once its 200 answer has been handed to the connection, so an exporter that saw
 * the request fail did not have it counted.
 *
 * It can be stopped and started again on the same port, as a Collector restarts: a stop refuses
 * new connections at once and lets the requests in progress finish (within 5 s).
 */
export class SpanCountingReceiver {
  private readonly counts = { spans: 0, rejectedSpans: 0, requests: 0, failedRequests: 0 };
  private server: Server | undefined;
  private boundPort = 0;

  /** The port (fixed after the first start). */
  get port(): number {
    return this.boundPort;
  }

  /** The traces URL an exporter's `url` takes. */
  get tracesUrl(): string {
    return `http://127.0.0.1:${this.boundPort}/v1/traces`;
  }

  /** Whether it is listening now. */
  get running(): boolean {
    return this.server !== undefined;
  }

  /** Counts so far. */
  received(): ReceivedSpanCounts {
    return { ...this.counts };
  }

  /** Listens on 127.0.0.1: a free port the first time, the same port after a stop. */
  async start(): Promise<void> {
    if (this.server !== undefined) return;
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening; requests in progress finish first (their connections are dropped after 5 s). */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
    await closed;
    clearTimeout(force);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    const contentType = req.headers['content-type'];
    const format = otlpResponseFormatOf(contentType);
    if (req.method !== 'POST' || path !== '/v1/traces') {
      req.resume();
      this.counts.failedRequests++;
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readBodyLimited(req, DEFAULT_MAX_BYTES);
      const decoded = await decodeTraceRequest(body, {
        contentType,
        contentEncoding: req.headers['content-encoding'],
        maxBytes: DEFAULT_MAX_BYTES,
      });
      const response = encodeTraceResponse(decoded, decoded.format);
      res.writeHead(response.status, { 'content-type': response.contentType, 'content-length': response.body.length });
      res.end(response.body, () => {
        this.counts.requests++;
        this.counts.spans += decoded.spans.length;
        this.counts.rejectedSpans += decoded.rejectedSpans;
      });
    } catch (error) {
      this.counts.failedRequests++;
      const failure =
        error instanceof OtlpDecodeError
          ? { status: error.status, message: error.message }
          : { status: 500, message: `soak receiver: ${error instanceof Error ? error.message : String(error)}` };
      if (res.headersSent) res.destroy();
      else {
        const response = encodeErrorResponse(failure, format);
        res.writeHead(response.status, { 'content-type': response.contentType, connection: 'close' }).end(response.body);
      }
    }
  }
}
