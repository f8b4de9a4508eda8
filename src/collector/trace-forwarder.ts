import { FedscopeConfigError } from '../diagnostics/fedscope-config-error.js';
import { fedscopeLog, type FedscopeLog } from '../diagnostics/fedscope-log.js';
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

/** RFC 9110 token characters, the only ones a header name may have. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Control characters other than horizontal tab: CR and LF would split the request (header injection). */
const HEADER_VALUE_FORBIDDEN = /[\x00-\x08\x0a-\x1f\x7f]/;

/** Headers that describe the body, which is forwarded as received. */
const BODY_HEADERS: ReadonlySet<string> = new Set(['content-type', 'content-encoding', 'content-length', 'transfer-encoding']);

/** Bytes of an error response read for the log line. */
const ERROR_BODY_HEAD_BYTES = 256;

/** How long shutdown waits for aborted attempts to settle after its deadline. */
const ABORT_SETTLE_MS = 1000;

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
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly random: () => number;
  private readonly log: FedscopeLog;
  /** Requests not yet picked up by a sender, oldest first. */
  private readonly waiting: HeldRequest[] = [];
  /** Requests a sender holds (in flight or waiting to retry). */
  private active = 0;
  private heldBytes = 0;
  private readonly counts = { sent: 0, failed: 0, retried: 0 };
  private readonly dropped = new Map<ForwardDropReason, number>(FORWARD_DROP_REASONS.map((reason) => [reason, 0]));
  /** Aborted when shutdown begins: backoff waits re-check against its deadline. */
  private readonly shutdownBegun = new AbortController();
  /** Aborted at shutdown's deadline: in-flight attempts and backoff waits end at once. */
  private readonly abandon = new AbortController();
  private idleWaiters: (() => void)[] = [];
  private closing: { readonly deadline: number; readonly done: Promise<void> } | undefined;

  /**
   * @param options - where to forward and the bounds
   * @throws FedscopeConfigError for a URL that is not http(s) or a bad header (the error names it);
   *   RangeError for a bound that is not a positive number
   */
  constructor(options: TraceForwarderOptions) {
    const url = parseForwardUrl(options.url);
    this.url = url.href;
    this.target = `${url.origin}${url.pathname}`;
    this.headers = checkedHeaders(options.headers);
    this.maxQueueBytes = positive('maxQueueBytes', options.maxQueueBytes ?? 64 * 1024 * 1024);
    this.maxQueueRequests = positive('maxQueueRequests', Math.floor(options.maxQueueRequests ?? 1000));
    this.timeoutMs = positive('timeoutMs', options.timeoutMs ?? 10_000);
    this.maxAttempts = positive('maxAttempts', Math.floor(options.maxAttempts ?? 5));
    this.concurrency = positive('concurrency', Math.floor(options.concurrency ?? 2));
    this.initialBackoffMs = nonNegative('initialBackoffMs', options.initialBackoffMs ?? 1000);
    this.maxBackoffMs = nonNegative('maxBackoffMs', options.maxBackoffMs ?? 30_000);
    this.maxRetryAfterMs = nonNegative('maxRetryAfterMs', options.maxRetryAfterMs ?? 60_000);
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
      if (this.closing !== undefined) {
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
    if (this.closing === undefined) {
      const budget = Number.isFinite(timeoutMs) ? Math.max(0, timeoutMs) : 0;
      this.closing = { deadline: Date.now() + budget, done: this.drain(budget) };
      this.shutdownBegun.abort();
    }
    return this.closing.done;
  }

  private held(): number {
    return this.waiting.length + this.active;
  }

  /** Starts senders while there is work and room. */
  private pump(): void {
    while (this.active < this.concurrency && this.waiting.length > 0 && !this.abandon.signal.aborted) {
      const request = this.waiting.shift()!;
      this.active++;
      const done = (): void => {
        this.active--;
        this.heldBytes -= request.bytes;
        this.pump();
        this.notifyIdle();
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
        if (!(await this.waitToRetry(Date.now() + this.retryDelayMs(attempt, outcome.retryAfterMs)))) {
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
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.abandon.signal]),
      });
      if (response.ok) {
        await response.body?.cancel().catch(() => undefined);
        return { kind: 'sent' };
      }
      const detail = `HTTP ${response.status}${await bodyHead(response)}`;
      if (RETRYABLE_STATUSES.has(response.status)) {
        return { kind: 'retryable', retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()), detail };
      }
      return { kind: 'permanent', detail };
    } catch (error) {
      if (this.abandon.signal.aborted) return { kind: 'aborted' };
      // Refused or reset connections, DNS failures and timeouts: the downstream may be back soon.
      return { kind: 'retryable', retryAfterMs: undefined, detail: error };
    }
  }

  /**
   * Waits until `retryAt`; false when the retry cannot start before shutdown's deadline — known
   * as soon as shutdown begins, so a long `Retry-After` does not hold shutdown up.
   */
  private async waitToRetry(retryAt: number): Promise<boolean> {
    if (this.closing === undefined && (await abortableDelay(retryAt - Date.now(), this.shutdownBegun.signal))) return true;
    if (this.closing !== undefined && retryAt > this.closing.deadline) return false;
    return abortableDelay(Math.max(0, retryAt - Date.now()), this.abandon.signal);
  }

  /** Backoff after failed attempt `attempt` (1-based), and at least the capped `Retry-After`. */
  private retryDelayMs(attempt: number, retryAfterMs: number | undefined): number {
    const ceiling = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (attempt - 1));
    const backoff = ceiling * (0.5 + 0.5 * this.random());
    return Math.round(Math.max(backoff, Math.min(retryAfterMs ?? 0, this.maxRetryAfterMs)));
  }

  private drop(reason: ForwardDropReason, detail: unknown): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1);
    // The message is the rate-limiting key: one line per reason per interval, repeats counted.
    this.log.warn(`trace forwarding to ${this.target} dropped a request (${reason})`, detail);
  }

  private async drain(budgetMs: number): Promise<void> {
    try {
      if (!(await this.idle(budgetMs))) {
        for (const request of this.waiting.splice(0)) {
          this.heldBytes -= request.bytes;
          this.drop('shutdown', 'still queued at the shutdown deadline');
        }
        this.abandon.abort();
        await this.idle(ABORT_SETTLE_MS);
      }
    } catch (error) {
      this.log.error('trace forwarder shutdown failed', error);
    }
  }

  /** Resolves true once nothing is held, or false after `timeoutMs`. */
  private idle(timeoutMs: number): Promise<boolean> {
    if (this.held() === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private notifyIdle(): void {
    if (this.held() > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * Reads a `Retry-After` header: delay-seconds (`120`) or an HTTP-date, as milliseconds from `now`
 * (0 for a date already past); `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date names its day or month in letters; this keeps `-5` or `1.5` from reading as a year.
  const at = /[A-Za-z]/.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

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

function checkedHeaders(headers: Record<string, string> | undefined): Readonly<Record<string, string>> {
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!HEADER_NAME.test(name)) {
      throw new FedscopeConfigError(
        `forward.headers[${JSON.stringify(name)}]`,
        "a header name may have only letters, digits and !#$%&'*+-.^_`|~",
      );
    }
    const field = `forward.headers.${name}`;
    // The value is not echoed: it may be a credential.
    if (typeof value !== 'string') throw new FedscopeConfigError(field, `expected a string, got ${typeof value}`);
    if (HEADER_VALUE_FORBIDDEN.test(value)) throw new FedscopeConfigError(field, 'the value has a control character (CR, LF, NUL, …)');
    if (BODY_HEADERS.has(name.toLowerCase())) {
      throw new FedscopeConfigError(field, 'the body is forwarded as received, with its own Content-Type and Content-Encoding');
    }
    checked[name] = value;
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

/** Resolves true after `ms`, or false as soon as `signal` aborts. The timer never keeps the process alive. */
function abortableDelay(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Up to {@link ERROR_BODY_HEAD_BYTES} of an error response, printable, as `: text` (empty when none). */
async function bodyHead(response: Response): Promise<string> {
  const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ERROR_BODY_HEAD_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // The status says enough.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks)
    .subarray(0, ERROR_BODY_HEAD_BYTES)
    .toString('utf8')
    .replace(/[^\x20-\x7e]+/g, ' ')
    .trim();
  return text === '' ? '' : `: ${text}`;
}
