import { DEFAULT_REPEAT_INTERVAL_MS, describeError, fedscopeLog, type FedscopeLog } from '../../diagnostics/fedscope-log.js';
import type { ResolvedInfluxDbConfig } from '../../options/resolved-config.js';
import { DeliveryShutdown } from '../delivery/delivery-shutdown.js';
import { parseRetryAfter, responseHead, retryDelayMs, type BackoffPolicy } from '../delivery/http-retry.js';
import type { ExportRow } from './export-rows.js';
import { influxLineOfRow } from './influx-line-of-row.js';

/** Why points were not written. */
export type InfluxDbDropReason =
  /** The queue of batches was full: the oldest waiting batch made room for the newest. */
  | 'queue_full'
  /** Every attempt failed with a network error, a timeout, 429 or 5xx. */
  | 'retries_exhausted'
  /** The server refused them for good (400 bad line or partial write, 401/403, 404 no database or bucket, 413, …). */
  | 'rejected'
  /** Still waiting, in flight or waiting to retry when shutdown's deadline passed, or pushed after shutdown began. */
  | 'shutdown'
  /** The row had no value a line could carry (never expected: every row has its count). */
  | 'invalid';

/** The drop reasons, in the order the stats list them. */
export const INFLUXDB_DROP_REASONS: readonly InfluxDbDropReason[] = ['queue_full', 'retries_exhausted', 'rejected', 'shutdown', 'invalid'];

/** Options of an {@link InfluxDbPush} beyond the resolved settings (tests shorten the waits). */
export interface InfluxDbPushOptions extends Partial<BackoffPolicy> {
  /** Most bytes of one write request. @default 1048576 (1 MiB) */
  maxBatchBytes?: number;
  /** Attempts per batch, the first included. @default 5 */
  maxAttempts?: number;
  /** Uniform [0, 1) source of the backoff's jitter. @default `Math.random` */
  random?: () => number;
  /** Where drops are logged. @default the process-wide fedscope logger */
  log?: FedscopeLog;
  /** Least time between two lines about drops; the drops in between are summed into the next. @default 60000 */
  logIntervalMs?: number;
}

/** Counters and queue of an {@link InfluxDbPush}. */
export interface InfluxDbPushStats {
  /** Points the server accepted. */
  readonly writtenPoints: number;
  /** Points not written, by reason; every reason is present (0 until it happens). */
  readonly droppedPoints: ReadonlyMap<InfluxDbDropReason, number>;
  /** Write requests the server accepted (204, or a partial write). */
  readonly succeededRequests: number;
  /** Write requests that failed (each attempt). */
  readonly failedRequests: number;
  /** Attempts that were retries. */
  readonly retriedRequests: number;
  /** Batches waiting or in flight. */
  readonly queuedBatches: number;
  /** Points in those batches. */
  readonly queuedPoints: number;
}

/** A batch of lines for one write request. */
interface Batch {
  readonly body: string;
  readonly points: number;
}

/** What one attempt came to. */
type AttemptOutcome =
  | { readonly kind: 'written'; readonly refusedPoints: number; readonly detail: string }
  | { readonly kind: 'retryable'; readonly retryAfterMs: number | undefined; readonly detail: unknown }
  | { readonly kind: 'rejected'; readonly detail: string }
  | { readonly kind: 'aborted' };

const MIB = 1024 * 1024;
/** InfluxDB 1.x's partial write: `… dropped=3` in a 400's error (the other points were written). */
const PARTIAL_WRITE = /partial write.*dropped=(\d+)/;

/**
 * Pushes fedscope's figures to InfluxDB as line protocol: 1.x `POST {url}/write?db=…&precision=ns`
 * (HTTP Basic auth when a user is set), 2.x `POST {url}/api/v2/write?org=…&bucket=…&precision=ns`
 * with `Authorization: Token …`.
 *
 * {@link InfluxDbPush.push} encodes rows into batches of at most `maxBatchLines` lines and 1 MiB,
 * queued (at most `maxQueuedBatches`; when full the oldest waiting batch is dropped, as fresher
 * figures matter more) and written one request at a time, in order. Network errors, timeouts,
 * 429 and 5xx are retried with exponential backoff and jitter, waiting at least the server's
 * `Retry-After`; any other 4xx is permanent. A 1.x partial write counts the points it dropped.
 * Every point ends written or dropped with a reason, counted ({@link InfluxDbPush.stats}) and
 * logged through fedscope's logger: one line per interval (60 s) summing the points dropped by
 * reason, with the latest cause (its text redacted), and the rest at shutdown. The password and the token go
 * in the `Authorization` header only and are scrubbed from every logged text. Nothing here throws
 * into its callers; timers never keep the process alive.
 */
export class InfluxDbPush {
  private readonly writeUrl: string;
  /** The write URL without its query, for log lines. */
  private readonly target: string;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly secrets: readonly string[];
  private readonly timeoutMs: number;
  private readonly maxBatchLines: number;
  private readonly maxQueuedBatches: number;
  private readonly maxBatchBytes: number;
  private readonly maxAttempts: number;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  private readonly log: FedscopeLog;
  private readonly logIntervalMs: number;
  /** Points dropped since the last line about drops, by reason, and why the latest were. */
  private readonly unreported = new Map<InfluxDbDropReason, number>();
  private lastDropDetail = '';
  private lastReportAt = -Infinity;
  private reportTimer: NodeJS.Timeout | undefined;
  /** Batches not yet sent, oldest first. */
  private readonly waiting: Batch[] = [];
  private inFlight: Batch | undefined;
  private readonly counts = { writtenPoints: 0, succeededRequests: 0, failedRequests: 0, retriedRequests: 0 };
  private readonly dropped = new Map<InfluxDbDropReason, number>(INFLUXDB_DROP_REASONS.map((reason) => [reason, 0]));
  /** Shutdown within its deadline: refuses new rows, cuts retries short, aborts the request in flight. */
  private readonly lifecycle = new DeliveryShutdown(() => this.inFlight === undefined && this.waiting.length === 0);
  private finished: Promise<void> | undefined;

  /**
   * @param config - the resolved settings (see `resolveConfig`'s `influxdb`)
   * @param options - batch size, attempts and backoff
   */
  constructor(config: ResolvedInfluxDbConfig, options: InfluxDbPushOptions = {}) {
    const [path, parameters] =
      config.apiVersion === 1
        ? ['/write', { db: config.database ?? '' }]
        : ['/api/v2/write', { org: config.org ?? '', bucket: config.bucket ?? '' }];
    const url = new URL(`${config.url}${path}?${new URLSearchParams({ ...parameters, precision: 'ns' }).toString()}`);
    this.writeUrl = url.href;
    this.target = `${url.origin}${url.pathname}`;
    const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
    if (config.apiVersion === 2) headers['authorization'] = `Token ${config.token ?? ''}`;
    else if (config.username !== undefined)
      headers['authorization'] = `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}`;
    this.headers = headers;
    this.secrets = [config.token, config.password, headers['authorization']].filter((secret): secret is string => !!secret);
    this.timeoutMs = config.timeoutMs;
    this.maxBatchLines = config.maxBatchLines;
    this.maxQueuedBatches = config.maxQueuedBatches;
    this.maxBatchBytes = options.maxBatchBytes ?? MIB;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.backoff = {
      initialBackoffMs: options.initialBackoffMs ?? 1000,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
    };
    this.random = options.random ?? Math.random;
    this.log = options.log ?? fedscopeLog;
    this.logIntervalMs = options.logIntervalMs ?? DEFAULT_REPEAT_INTERVAL_MS;
  }

  /** Encodes the rows into batches and queues them for writing. Never throws. */
  push(rows: readonly ExportRow[]): void {
    try {
      if (this.lifecycle.begun) {
        this.drop('shutdown', rows.length, 'pushed after shutdown began');
        return;
      }
      let lines: string[] = [];
      let bytes = 0;
      let invalid = 0;
      for (const row of rows) {
        const line = influxLineOfRow(row);
        if (line === undefined) {
          invalid++;
          continue;
        }
        const size = Buffer.byteLength(line) + 1;
        if (lines.length > 0 && (lines.length >= this.maxBatchLines || bytes + size > this.maxBatchBytes)) {
          this.enqueue(lines);
          lines = [];
          bytes = 0;
        }
        lines.push(line);
        bytes += size;
      }
      if (lines.length > 0) this.enqueue(lines);
      if (invalid > 0) this.drop('invalid', invalid, 'rows without a value a line could carry');
    } catch (error) {
      // Never expected (encoding a row does not throw): the rows of this call are counted lost.
      this.drop('invalid', rows.length, error);
    }
  }

  /** Counters and queue now. */
  stats(): InfluxDbPushStats {
    const queued = this.inFlight ? [this.inFlight, ...this.waiting] : this.waiting;
    return {
      ...this.counts,
      droppedPoints: new Map(this.dropped),
      queuedBatches: queued.length,
      queuedPoints: queued.reduce((sum, batch) => sum + batch.points, 0),
    };
  }

  /**
   * Stops taking rows and keeps writing (and retrying) what is queued until all is written or
   * `timeoutMs` passes; what is left then is dropped as `shutdown`. Resolves by then (a later call
   * returns the same promise); never rejects.
   */
  shutdown(timeoutMs: number): Promise<void> {
    this.finished ??= this.lifecycle
      .shutdown(timeoutMs, {
        giveUpWaiting: () =>
          this.drop(
            'shutdown',
            this.waiting.splice(0).reduce((sum, batch) => sum + batch.points, 0),
            'still queued at the shutdown deadline',
          ),
        onError: (error) => this.log.error('the InfluxDB push could not shut down cleanly', error),
      })
      .then(() => this.reportDrops());
    return this.finished;
  }

  private enqueue(lines: readonly string[]): void {
    if (this.waiting.length >= this.maxQueuedBatches) {
      const oldest = this.waiting.shift()!;
      this.drop('queue_full', oldest.points, `${this.maxQueuedBatches} batches were waiting; the oldest made room`);
    }
    this.waiting.push({ body: `${lines.join('\n')}\n`, points: lines.length });
    // The first batch goes out at once, so the queue's bound counts the batches that wait behind it.
    this.pump();
  }

  /** Starts the sender when it is idle and there is work: one request at a time keeps the points in order. */
  private pump(): void {
    if (this.inFlight !== undefined || this.waiting.length === 0 || this.lifecycle.abandoned.aborted) return;
    const batch = this.waiting.shift()!;
    this.inFlight = batch;
    const done = (): void => {
      this.inFlight = undefined;
      this.pump();
      this.lifecycle.notifyIdle();
    };
    this.deliver(batch).then(done, done);
  }

  /** Writes one batch until it is written or given up; counts the outcome. Never rejects. */
  private async deliver(batch: Batch): Promise<void> {
    try {
      for (let attempt = 1; ; attempt++) {
        if (attempt > 1) this.counts.retriedRequests++;
        const outcome = await this.attempt(batch);
        if (outcome.kind === 'aborted') return this.drop('shutdown', batch.points, 'in flight at the shutdown deadline');
        if (outcome.kind === 'written') {
          this.counts.succeededRequests++;
          this.counts.writtenPoints += batch.points - outcome.refusedPoints;
          if (outcome.refusedPoints > 0) this.drop('rejected', outcome.refusedPoints, outcome.detail);
          return;
        }
        this.counts.failedRequests++;
        if (outcome.kind === 'rejected') return this.drop('rejected', batch.points, outcome.detail);
        if (attempt >= this.maxAttempts) return this.drop('retries_exhausted', batch.points, outcome.detail);
        if (!(await this.lifecycle.waitToRetry(Date.now() + retryDelayMs(this.backoff, attempt, outcome.retryAfterMs, this.random))))
          return this.drop('shutdown', batch.points, 'waiting to retry at the shutdown deadline');
      }
    } catch (error) {
      this.drop('rejected', batch.points, error);
    }
  }

  /** One write request. */
  private async attempt(batch: Batch): Promise<AttemptOutcome> {
    try {
      const response = await fetch(this.writeUrl, {
        method: 'POST',
        headers: this.headers,
        body: batch.body,
        // A redirect is not followed: it would send the credentials elsewhere.
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.lifecycle.abandoned]),
      });
      if (response.ok) {
        await response.body?.cancel().catch(() => undefined);
        return { kind: 'written', refusedPoints: 0, detail: '' };
      }
      const detail = `HTTP ${response.status}${await responseHead(response)}`;
      if (response.status === 429 || response.status >= 500)
        return { kind: 'retryable', retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()), detail };
      const partial = PARTIAL_WRITE.exec(detail);
      if (partial) return { kind: 'written', refusedPoints: Math.min(batch.points, Number(partial[1])), detail };
      return { kind: 'rejected', detail };
    } catch (error) {
      if (this.lifecycle.abandoned.aborted) return { kind: 'aborted' };
      // Refused or reset connections, DNS failures and timeouts: the server may be back soon.
      return { kind: 'retryable', retryAfterMs: undefined, detail: error };
    }
  }

  private drop(reason: InfluxDbDropReason, points: number, detail: unknown): void {
    if (points <= 0) return;
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + points);
    this.unreported.set(reason, (this.unreported.get(reason) ?? 0) + points);
    this.lastDropDetail = this.scrub(describeError(detail));
    const wait = this.lastReportAt + this.logIntervalMs - Date.now();
    if (wait <= 0) this.reportDrops();
    else this.reportTimer ??= setTimeout(() => this.reportDrops(), wait).unref();
  }

  /**
   * One line for the drops since the last: the points by reason and why the latest were dropped.
   * Paced here (at most one line per interval, the drops in between summed), so the figures are exact.
   */
  private reportDrops(): void {
    clearTimeout(this.reportTimer);
    this.reportTimer = undefined;
    if (this.unreported.size === 0) return;
    const byReason = [...this.unreported].map(([reason, points]) => `${reason}=${points}`).join(' ');
    const total = [...this.unreported.values()].reduce((sum, points) => sum + points, 0);
    this.unreported.clear();
    this.lastReportAt = Date.now();
    this.log.report(
      'warn',
      `the InfluxDB push to ${this.target} dropped ${total} points (${byReason}); the latest: ${this.lastDropDetail}`,
    );
  }

  /** The text with every secret replaced, so a server that echoes a credential cannot put it in a log line. */
  private scrub(text: string): string {
    return this.secrets.reduce((scrubbed, secret) => scrubbed.split(secret).join('***'), text);
  }
}
