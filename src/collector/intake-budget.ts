import { getHeapStatistics } from 'node:v8';
import type { IntakeRefusal } from './trace-intake.js';

/** How long a sender is asked to wait when too many bytes are in flight: requests finish in milliseconds. */
const QUEUE_RETRY_AFTER_SECONDS = 1;
/** How long a sender is asked to wait when the heap is over budget: long enough for a collection to free it. */
const MEMORY_RETRY_AFTER_SECONDS = 3;
/** Default least time between two heap readings (a reading costs microseconds, a flood calls admit thousands of times a second). */
const DEFAULT_HEAP_SAMPLE_INTERVAL_MS = 100;

/** Options of an {@link IntakeBudget}. */
export interface IntakeBudgetOptions {
  /** Most request bytes admitted at once; one request is always admitted when nothing is in flight. */
  maxInFlightBytes: number;
  /** Used V8 heap, in bytes, beyond which every request is refused. */
  maxHeapBytes: number;
  /** Reads the used heap. @default `v8.getHeapStatistics().used_heap_size` */
  heapUsedBytes?: () => number;
  /** Least milliseconds between two heap readings. @default 100 */
  heapSampleIntervalMs?: number;
  /** Milliseconds clock. @default `performance.now` */
  now?: () => number;
}

/** What is in flight now, and the heap reading, for the self-metrics. */
export interface InFlightFigures {
  /** Bytes admitted and not yet released. */
  readonly bytes: number;
  /** Requests admitted and not yet released. */
  readonly requests: number;
  /** The used V8 heap, in bytes, at most a sample interval old. */
  readonly heapUsedBytes: number;
}

/**
 * The companion's backpressure: admits a request's bytes while the bytes in flight stay within
 * their budget (else `queue`) and the used heap within its budget (else `memory`), so a flood is
 * answered with 429/503 and `Retry-After` (the sender backs off and retries) instead of growing
 * the heap until the process dies. The heap is read at most every `heapSampleIntervalMs`.
 */
export class IntakeBudget {
  private bytes = 0;
  private requests = 0;
  private heapUsed = 0;
  private heapReadAt = Number.NEGATIVE_INFINITY;
  private readonly readHeap: () => number;
  private readonly heapSampleIntervalMs: number;
  private readonly now: () => number;

  /** @param options - the two budgets, and (for tests) the heap reading and the clock */
  constructor(private readonly options: IntakeBudgetOptions) {
    this.readHeap = options.heapUsedBytes ?? (() => getHeapStatistics().used_heap_size);
    this.heapSampleIntervalMs = options.heapSampleIntervalMs ?? DEFAULT_HEAP_SAMPLE_INTERVAL_MS;
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Admits `bytes` more in flight, or says why not and when to retry. A request larger than the
   * whole budget is admitted alone, so a body within the body limit is never refused for ever.
   */
  admit(bytes: number): IntakeRefusal | undefined {
    const size = Number.isFinite(bytes) && bytes > 0 ? bytes : 0;
    if (this.sampledHeap() > this.options.maxHeapBytes) return { reason: 'memory', retryAfterSeconds: MEMORY_RETRY_AFTER_SECONDS };
    if (this.requests > 0 && this.bytes + size > this.options.maxInFlightBytes)
      return { reason: 'queue', retryAfterSeconds: QUEUE_RETRY_AFTER_SECONDS };
    this.bytes += size;
    this.requests++;
    return undefined;
  }

  /** Gives back what {@link IntakeBudget.admit} admitted. */
  release(bytes: number): void {
    const size = Number.isFinite(bytes) && bytes > 0 ? bytes : 0;
    this.bytes = Math.max(0, this.bytes - size);
    this.requests = Math.max(0, this.requests - 1);
  }

  /** What is in flight now, with the heap reading (refreshed when older than the sample interval). */
  inFlight(): InFlightFigures {
    return { bytes: this.bytes, requests: this.requests, heapUsedBytes: this.sampledHeap() };
  }

  private sampledHeap(): number {
    const now = this.now();
    if (now - this.heapReadAt >= this.heapSampleIntervalMs) {
      this.heapReadAt = now;
      this.heapUsed = this.readHeap();
    }
    return this.heapUsed;
  }
}
