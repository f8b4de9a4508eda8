import { FedscopeConfigError } from '../diagnostics/fedscope-config-error.js';
import { fedscopeLog, type FedscopeLog } from '../diagnostics/fedscope-log.js';
import { DeliveryShutdown } from '../output/delivery/delivery-shutdown.js';
import { parseRetryAfter, responseHead, retryDelayMs, type BackoffPolicy } from '../output/delivery/http-retry.js';
import { expectHeaders } from '../options/value-checks.js';
import type { RawTraceBody } from './trace-intake.js';

/** Why the forwarder gave a request up. */
export type ForwardDropReason =
  /** The queue was at its request or byte bound when the request arrived. */
  | 'queue_full'
  /** Every attempt failed with a retryable status (429/502/503/504) or a network error. */
  | 'retries_exhausted'
  /** The downstream answered a status that must not be retried (400, 401, 413, 500, …). */
  | 'permanent_error'
  /** Still queued, in flight or waiting to retry when shutdown's deadline passed, or handed over after shutdown began. */
  | 'shutdown';

/** The drop reasons, in the order the stats list them. */
export const FORWARD_DROP_REASONS: readonly ForwardDropReason[] = ['queue_full', 'retries_exhausted', 'permanent_error', 'shutdown'];

/** Options of a {@link TraceForwarder}. */
export interface TraceForwarderOptions {
  /** The OTLP/HTTP traces URL to POST to, e.g. `http://jaeger:4318/v1/traces`. */
  url: string;
  /**
   * Extra request headers (e.g. `authorization`). Names must be HTTP tokens and values free of
   * control characters; `content-type`, `content-encoding` and `content-length` come from the
   * received request and may not be set here.
   */
  headers?: Record<string, string>;
  /** Most bytes held, queued and in flight together. @default 67108864 (64 MiB) */
  maxQueueBytes?: number;
  /** Most requests held, queued and in flight together. @default 1000 */
  maxQueueRequests?: number;
  /** Time allowed for one attempt, response included. @default 10000 */
  timeoutMs?: number;
  /** Attempts per request, the first included. @default 5 */
  maxAttempts?: number;
  /** Requests sent at once. @default 2 */
  concurrency?: number;
  /** Backoff after the first failed attempt; doubles per attempt, jittered to between half and all of it. @default 1000 */
  initialBackoffMs?: number;
  /** Longest backoff. @default 30000 */
  maxBackoffMs?: number;
  /** Longest wait a `Retry-After` header can impose. @default 60000 */
  maxRetryAfterMs?: number;
  /** Uniform [0, 1) source for the jitter (tests pin it). @default `Math.random` */
  random?: () => number;
  /** Where drops are logged (each reason at most once per the logger's interval). @default the process-wide fedscope logger */
  log?: FedscopeLog;
}

/** Counters and queue depth of a {@link TraceForwarder}. */
export interface TraceForwarderStats {
  /** Requests held now: waiting, in flight or waiting to retry. */
  readonly queuedRequests: number;
  /** Bytes of the requests held now. */
  readonly queuedBytes: number;
  /** Requests the downstream accepted (2xx). */
  readonly sent: number;
  /** Attempts that failed (each retryable failure, and the permanent ones). */
  readonly failed: number;
  /** Attempts that were retries of a failed one. */
  readonly retried: number;
  /** Requests given up, by reason; every reason is present (0 until it happens). */
  readonly dropped: ReadonlyMap<ForwardDropReason, number>;
}

/** One request held by the forwarder. */
interface HeldRequest {
  readonly raw: RawTraceBody;
  readonly bytes: number;
}

/** What one attempt came to. */
type AttemptOutcome =
  | { readonly kind: 'sent' }
  | { readonly kind: 'retryable'; readonly retryAfterMs: number | undefined; readonly detail: unknown }
  | { readonly kind: 'permanent'; readonly detail: string }
  | { readonly kind: 'aborted' };

/** Statuses the OTLP specification says to retry; every other 4xx/5xx must not be. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Headers that describe the body, which is forwarded as received. */
const BODY_HEADERS: ReadonlySet<string> = new Set(['content-type', 'content-encoding', 'content-length', 'transfer-encoding']);

/**
 * Forwards OTLP/HTTP trace requests unchanged (the same bytes, `Content-Type` and
 * `Content-Encoding`) to a downstream such as Jaeger or a Collector, so spans reach the trace store
 * with their ids, resource, scope and attributes intact.
 *
 * Requests wait in a queue bounded by count and bytes (full: the newcomer is dropped and counted)
 * and go out through a few concurrent senders with Node's `fetch`, each attempt under a timeout.
 * Only what the OTLP specification calls retryable is retried — 429/502/503/504 and network errors
 * (timeouts included) — with exponential backoff and jitter, waiting at least the downstream's
 * `Retry-After` (seconds or an HTTP-date, capped); any other failure is permanent. Every request
 * ends sent or dropped with a reason, and drops are logged at most once per interval per reason.
 * Nothing here throws into its callers; backoff timers never keep the process alive.
 */
export class TraceForwarder {
  private readonly url: string;
  /** The URL without credentials or query, for log lines. */
  private readonly target: string;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly maxQueueBytes: number;
  private readonly maxQueueRequests: number;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly concurrency: number;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  private readonly log: FedscopeLog;
  /** Requests not yet picked up by a sender, oldest first. */
  private readonly waiting: HeldRequest[] = [];
  /** Requests a sender holds (in flight or waiting to retry). */
  private active = 0;
  private heldBytes = 0;
  private readonly counts = { sent: 0, failed: 0, retried: 0 };
  private readonly dropped = new Map<ForwardDropReason, number>(FORWARD_DROP_REASONS.map((reason) => [reason, 0]));
  /** Shutdown within its deadline: refuses new requests, cuts retries short, aborts what is in flight. */
  private readonly lifecycle = new DeliveryShutdown(() => this.held() === 0);

  /**
   * @param options - where to forward and the bounds
   * @throws FedscopeConfigError for a URL that is not http(s) or a bad header (the error names it);
   *   RangeError for a bound that is not a positive number
   */
  constructor(options: TraceForwarderOptions) {
    const url = parseForwardUrl(options.url);
    this.url = url.href;
    this.target = `${url.origin}${url.pathname}`;
    this.headers = forwardableHeaders('forward.headers', options.headers);
    this.maxQueueBytes = positive('maxQueueBytes', options.maxQueueBytes ?? 64 * 1024 * 1024);
    this.maxQueueRequests = positive('maxQueueRequests', Math.floor(options.maxQueueRequests ?? 1000));
    this.timeoutMs = positive('timeoutMs', options.timeoutMs ?? 10_000);
    this.maxAttempts = positive('maxAttempts', Math.floor(options.maxAttempts ?? 5));
    this.concurrency = positive('concurrency', Math.floor(options.concurrency ?? 2));
    this.backoff = {
      initialBackoffMs: nonNegative('initialBackoffMs', options.initialBackoffMs ?? 1000),
      maxBackoffMs: nonNegative('maxBackoffMs', options.maxBackoffMs ?? 30_000),
      maxRetryAfterMs: nonNegative('maxRetryAfterMs', options.maxRetryAfterMs ?? 60_000),
    };
    this.random = options.random ?? Math.random;
    this.log = options.log ?? fedscopeLog;
  }

  /**
   * Queues a request for forwarding. The body is kept by reference until sent, so the caller must
   * not change it afterwards. Returns false when it was dropped at once (queue full, or shutdown
   * begun), which is counted and logged. Never throws.
   */
  forward(raw: RawTraceBody): boolean {
    try {
      if (this.lifecycle.begun) {
        this.drop('shutdown', 'the forwarder is shutting down');
        return false;
      }
      const bytes = raw.body.byteLength;
      if (this.held() >= this.maxQueueRequests || this.heldBytes + bytes > this.maxQueueBytes) {
        this.drop(
          'queue_full',
          `${this.held()} requests and ${this.heldBytes} bytes held; bounds ${this.maxQueueRequests} and ${this.maxQueueBytes}`,
        );
        return false;
      }
      this.heldBytes += bytes;
      this.waiting.push({ raw, bytes });
      this.pump();
      return true;
    } catch (error) {
      this.drop('permanent_error', error);
      return false;
    }
  }

  /** Counters and queue depth now. */
  stats(): TraceForwarderStats {
    return { queuedRequests: this.held(), queuedBytes: this.heldBytes, ...this.counts, dropped: new Map(this.dropped) };
  }

  /**
   * Stops taking requests and keeps sending (and retrying) what is held until everything is sent
   * or `timeoutMs` passes; then what is left — queued, in flight or waiting to retry — is dropped
   * and counted as `shutdown`. Resolves by then (a later call returns the same promise); never rejects.
   */
  shutdown(timeoutMs: number): Promise<void> {
    return this.lifecycle.shutdown(timeoutMs, {
      giveUpWaiting: () => {
        for (const request of this.waiting.splice(0)) {
          this.heldBytes -= request.bytes;
          this.drop('shutdown', 'still queued at the shutdown deadline');
        }
      },
      onError: (error) => this.log.error('trace forwarder shutdown failed', error),
    });
  }

  private held(): number {
    return this.waiting.length + this.active;
  }

  /** Starts senders while there is work and room. */
  private pump(): void {
    while (this.active < this.concurrency && this.waiting.length > 0 && !this.lifecycle.abandoned.aborted) {
      const request = this.waiting.shift()!;
      this.active++;
      const done = (): void => {
        this.active--;
        this.heldBytes -= request.bytes;
        this.pump();
        this.lifecycle.notifyIdle();
      };
      this.deliver(request).then(done, done);
    }
  }

  /** Sends one request until it is sent or given up; counts the outcome. Never rejects. */
  private async deliver(request: HeldRequest): Promise<void> {
    try {
      for (let attempt = 1; ; attempt++) {
        if (attempt > 1) this.counts.retried++;
        const outcome = await this.attempt(request.raw);
        if (outcome.kind === 'sent') {
          this.counts.sent++;
          return;
        }
        if (outcome.kind === 'aborted') {
          this.drop('shutdown', 'in flight at the shutdown deadline');
          return;
        }
        this.counts.failed++;
        if (outcome.kind === 'permanent') {
          this.drop('permanent_error', outcome.detail);
          return;
        }
        if (attempt >= this.maxAttempts) {
          this.drop('retries_exhausted', outcome.detail);
          return;
        }
        if (!(await this.lifecycle.waitToRetry(Date.now() + retryDelayMs(this.backoff, attempt, outcome.retryAfterMs, this.random)))) {
          this.drop('shutdown', 'waiting to retry at the shutdown deadline');
          return;
        }
      }
    } catch (error) {
      this.drop('permanent_error', error);
    }
  }

  /** One POST of the body as received. */
  private async attempt(raw: RawTraceBody): Promise<AttemptOutcome> {
    const headers: Record<string, string> = { ...this.headers, 'content-type': raw.contentType };
    if (raw.contentEncoding !== undefined) headers['content-encoding'] = raw.contentEncoding;
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers,
        body: raw.body,
        // A redirect is not followed: it would re-send the body (and the headers) elsewhere.
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.lifecycle.abandoned]),
      });
      if (response.ok) {
        await response.body?.cancel().catch(() => undefined);
        return { kind: 'sent' };
      }
      const detail = `HTTP ${response.status}${await responseHead(response)}`;
      if (RETRYABLE_STATUSES.has(response.status)) {
        return { kind: 'retryable', retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()), detail };
      }
      return { kind: 'permanent', detail };
    } catch (error) {
      if (this.lifecycle.abandoned.aborted) return { kind: 'aborted' };
      // Refused or reset connections, DNS failures and timeouts: the downstream may be back soon.
      return { kind: 'retryable', retryAfterMs: undefined, detail: error };
    }
  }

  private drop(reason: ForwardDropReason, detail: unknown): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1);
    // The message is the rate-limiting key: one line per reason per interval, repeats counted.
    this.log.warn(`trace forwarding to ${this.target} dropped a request (${reason})`, detail);
  }
}

/** Reads a `Retry-After` header (see {@link parseRetryAfter}); kept here for the forwarder's callers. */
export { parseRetryAfter };

function parseForwardUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FedscopeConfigError(
      'forward',
      `expected an absolute http(s) URL such as http://jaeger:4318/v1/traces, got ${JSON.stringify(text)}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FedscopeConfigError('forward', `expected an http:// or https:// URL, got protocol '${url.protocol}'`);
  }
  return url;
}

/**
 * Headers a forwarder may add: checked as {@link expectHeaders} checks them, and none that describe
 * the body (it is forwarded as received). Errors name `field` and the header, never a value.
 * @param field - what an error names (the setting the headers came from)
 * @param headers - the headers
 * @throws FedscopeConfigError for a bad name, a value with a control character, or a body header
 */
export function forwardableHeaders(field: string, headers: Record<string, string> | undefined): Readonly<Record<string, string>> {
  const checked = { ...expectHeaders(field, headers) };
  for (const name of Object.keys(checked)) {
    if (BODY_HEADERS.has(name.toLowerCase())) {
      throw new FedscopeConfigError(
        `${field}.${name}`,
        'the body is forwarded as received, with its own Content-Type and Content-Encoding',
      );
    }
  }
  return checked;
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a number ≥ 0, got ${value}`);
  return value;
}
