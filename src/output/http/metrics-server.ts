import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fedscopeLog } from '../../diagnostics/fedscope-log.js';
import type { HttpAccessGuard } from './http-access-guard.js';

/** A route of the metrics server: returns true when it handled the request. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;

/** Access control and TLS of a {@link MetricsServer}. */
export interface MetricsServerSecurity {
  /** Checks the token and the rate limits before any route (the mounted handler too). @default none: every request goes on */
  guard?: HttpAccessGuard;
  /** Serve HTTPS with this certificate chain and key (PEM). @default plain HTTP */
  tls?: { cert: Buffer; key: Buffer };
}

/**
 * fedscope's HTTP surface: `/metrics` and fedscope's JSON endpoints on one small server, or the
 * same routes mounted on a server of the user's through {@link MetricsServer.handler}.
 */
export class MetricsServer {
  private server: Server | undefined;

  /**
   * @param routes - tried in order; the first that handles a request wins
   * @param security - the access guard and TLS files
   */
  constructor(
    private readonly routes: HttpRoute[],
    private readonly security: MetricsServerSecurity = {},
  ) {}

  /**
   * Handles one request: for mounting on an existing `node:http` server.
   * Returns false (and leaves `res` alone) when no fedscope route matches.
   */
  readonly handler = (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    try {
      if (this.security.guard?.refuse(req, res, path)) return true;
      for (const route of this.routes) if (route(req, res, path)) return true;
    } catch (error) {
      fedscopeLog.error('an HTTP route of the metrics server failed', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('fedscope: internal error\n');
      return true;
    }
    return false;
  };

  /**
   * Starts listening; resolves with the base URL (`http://host:port`, `https://` with TLS). Rejects when the address
   * cannot be bound, with a message naming `host:port` and the reason (e.g. `EADDRINUSE`).
   */
  listen(host: string, port: number): Promise<string> {
    const answer = (req: IncomingMessage, res: ServerResponse): void => {
      if (!this.handler(req, res)) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
      }
    };
    const tls = this.security.tls;
    const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, answer) : createServer(answer);
    const scheme = tls ? 'https' : 'http';
    this.server = server;
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        if (this.server === server) this.server = undefined;
        reject(listenError(host, port, error));
      };
      server.once('error', fail);
      server.listen(port, host, () => {
        server.off('error', fail);
        // Never keep the user's process alive just to serve metrics.
        server.unref();
        const address = server.address() as AddressInfo;
        const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        resolve(`${scheme}://${shownHost}:${address.port}`);
      });
    });
  }

  /** Stops listening and closes idle connections. */
  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

/** A route serving `GET {path}` with a handler, 405 for other methods on that path. */
export function getRoute(path: string, handle: (req: IncomingMessage, res: ServerResponse) => void): HttpRoute {
  return (req, res, requestPath) => {
    if (requestPath !== path) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('method not allowed\n');
      return true;
    }
    handle(req, res);
    return true;
  };
}

const LISTEN_REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the port is already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'the address is not available on this host',
  ENOTFOUND: 'the host name does not resolve',
};

/** The error of a failed bind, naming the address and the reason (the cause keeps the original). */
function listenError(host: string, port: number, error: Error): Error {
  const code = (error as { code?: unknown }).code;
  const reason = typeof code === 'string' ? `${LISTEN_REASONS[code] ?? error.message} (${code})` : error.message;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return Object.assign(new Error(`the metrics server cannot listen on ${shownHost}:${port}: ${reason}`, { cause: error }), { code });
}
