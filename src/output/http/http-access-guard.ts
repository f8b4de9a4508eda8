import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResolvedHttpAccessConfig } from '../../options/resolved-config.js';
import { BearerTokenCheck } from './bearer-token-check.js';
import { ClientRateLimiter, type ClientRateLimiterStats } from './client-rate-limiter.js';
import { FEDSCOPE_ROUTE_PREFIX } from './route-prefix.js';

/** The `WWW-Authenticate` challenge of every 401 (RFC 6750 §3). */
export const BEARER_CHALLENGE = 'Bearer realm="fedscope"';

/** Why the guard refused a request. */
export type HttpRefusalReason = 'unauthorized' | 'rate_limited';

/** What a {@link HttpAccessGuard} counted, for `/metrics`. */
export interface HttpAccessStats {
  /** Requests refused, by reason. */
  readonly refusals: ReadonlyMap<HttpRefusalReason, number>;
  /** The rate limiter's counts, when rate limits are on. */
  readonly rateLimiter: ClientRateLimiterStats | undefined;
}

/** The dashboard's page and its assets: static files with no figures in them, served without a token so a browser can load the page that asks for it. */
const DASHBOARD_STATIC = /^\/fedscope(?:\/|\/assets\/.*)?$/;

/**
 * Access control in front of fedscope's routes: per-client rate limits on everything under
 * `/fedscope` (JSON reports, exports, the dashboard), then the bearer token on everything but the
 * dashboard's static files and, when `metricsOpen`, the Prometheus exposition. Other paths are
 * left alone (a server the routes are mounted on answers them). No CORS header is ever added.
 */
export class HttpAccessGuard {
  private readonly tokenCheck: BearerTokenCheck | undefined;
  private readonly rateLimiter: ClientRateLimiter | undefined;
  private readonly refusalCounts = new Map<HttpRefusalReason, number>();
  private readonly metricsOpen: boolean;

  /**
   * @param config - the token's digest, whether `/metrics` is open and the rate limits
   * @param metricsPath - the Prometheus exposition's path, when it is served
   */
  constructor(
    config: Pick<ResolvedHttpAccessConfig, 'tokenSha256' | 'metricsOpen' | 'rateLimit'>,
    private readonly metricsPath: string | undefined,
  ) {
    this.tokenCheck = config.tokenSha256 === undefined ? undefined : new BearerTokenCheck(config.tokenSha256);
    this.rateLimiter = config.rateLimit === undefined ? undefined : new ClientRateLimiter(config.rateLimit);
    this.metricsOpen = config.metricsOpen;
  }

  /** Whether requests must carry the token. */
  get requiresToken(): boolean {
    return this.tokenCheck !== undefined;
  }

  /** Whether an `Authorization` header value is accepted: always when no token is configured. */
  acceptsAuthorization(authorization: string | undefined): boolean {
    return this.tokenCheck === undefined || this.tokenCheck.acceptsHeader(authorization);
  }

  /**
   * Answers a request that may not go on (429 with `Retry-After`, or 401 with the Bearer challenge
   * and no detail) and returns true; returns false, with `res` untouched, when it may.
   * @param path - the request's path, without the query
   */
  refuse(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const fedscopeRoute = path === FEDSCOPE_ROUTE_PREFIX || path.startsWith(`${FEDSCOPE_ROUTE_PREFIX}/`);
    if (!fedscopeRoute && path !== this.metricsPath) return false;
    if (fedscopeRoute && this.rateLimiter !== undefined) {
      const retryAfterSeconds = this.rateLimiter.take(req.socket.remoteAddress ?? 'unknown');
      if (retryAfterSeconds !== undefined) {
        this.count('rate_limited');
        res.writeHead(429, { 'retry-after': String(retryAfterSeconds), 'content-type': 'text/plain', 'cache-control': 'no-store' });
        res.end('too many requests\n');
        return true;
      }
    }
    const open = fedscopeRoute ? DASHBOARD_STATIC.test(path) : this.metricsOpen;
    if (open || this.acceptsAuthorization(req.headers.authorization)) return false;
    this.count('unauthorized');
    res.writeHead(401, { 'www-authenticate': BEARER_CHALLENGE, 'content-type': 'text/plain', 'cache-control': 'no-store' });
    res.end('unauthorized\n');
    return true;
  }

  /** What was refused so far, and the rate limiter's counts. */
  stats(): HttpAccessStats {
    return { refusals: this.refusalCounts, rateLimiter: this.rateLimiter?.stats() };
  }

  private count(reason: HttpRefusalReason): void {
    this.refusalCounts.set(reason, (this.refusalCounts.get(reason) ?? 0) + 1);
  }
}
