import { fedscopeLog } from '../../src/diagnostics/fedscope-log.js';
import { SystemClock } from '../../src/stats/system-clock.js';
import type { Clock } from '../../src/stats/types.js';
import type { ClassifiedSpan } from '../classified-span.js';
import { BoundedKeyRing } from './bounded-key-ring.js';
import { TraceDropLog } from './trace-drop-log.js';
import { traceKeyHash, TraceIdTable } from './trace-id-table.js';
import type { ClassifiedSpanSink } from '../federation-span-processor.js';
import type { AssembledTrace, AssembledTraceSink, TraceAssemblerOptions, TraceAssemblyStats, TraceDropReason, TraceSpan } from './types.js';

/** A trace being gathered. */
interface PendingTrace {
  readonly traceId: string;
  /** The trace id's {@link traceKeyHash}. */
  readonly keyHash: number;
  readonly firstSeenMs: number;
  spans: TraceSpan[];
  root: TraceSpan | undefined;
  /** Clock time after which the trace is analysed (root end + grace); NaN until the root ended. */
  readyAtMs: number;
  truncated: boolean;
  /** Analysed, dropped or closed: no longer in `pending` (its entry in the age queue is skipped). */
  closed: boolean;
}

const REASONS: readonly TraceDropReason[] = ['trace_limit', 'sampled_out', 'span_limit', 'expired_without_root', 'late', 'untraced'];
/** What a closed trace's stragglers are counted as: `late` once it was analysed or closed, else why it was left out. */
type StragglerReason = Extract<TraceDropReason, 'late' | 'trace_limit' | 'sampled_out' | 'expired_without_root'>;
/** Trace-id hashes are 32-bit: a trace is taken when its hash is below `rate × 2^32`. */
const HASH_SPACE = 2 ** 32;
/** The lowest sampling rate saturation drives it to (1 trace in 1,024). */
const MIN_SAMPLING_RATE = 1 / 1024;

function zeroCounts(): Record<TraceDropReason, number> {
  return { trace_limit: 0, sampled_out: 0, span_limit: 0, expired_without_root: 0, late: 0, untraced: 0 };
}

/**
 * Gathers each federated query's spans by trace id until its root (role `query`) ended plus a
 * grace period for late children, then hands the trace to its {@link AssembledTraceSink}s.
 *
 * It is a {@link ClassifiedSpanSink}: give it to the FederationSpanProcessor (or the OTLP
 * receiver's pipeline). Work happens in {@link TraceAssembler.record} and {@link TraceAssembler.flush}:
 * no timer of its own, so a host that stops sending spans costs nothing. Callers that read
 * results (metric producers, snapshots) call `flush()` first.
 *
 * **Bounds** (each drop is counted by reason, see {@link TraceDropReason}, and logged once per
 * interval at most, see {@link TraceDropLog}): spans per trace,
 * traces in flight, age of a trace without root. When the traces in flight reach their bound the
 * assembler halves its sampling rate and from then on takes a trace only if its trace id hashes
 * below the rate (whole traces, uniformly, whatever their arrival order), doubling the rate back
 * while fewer than a quarter of the bound are in flight; `coverage` in {@link TraceAssembler.stats}
 * says which share of the traces the analysis describes. Spans with role `other` start no trace on their
 * own (most are unrelated to federation: HTTP server spans, user spans); they are kept only when
 * their trace is already pending, which is the case inside a federated query whose stages or
 * source calls ended first. A bounded memory of recently finished and rejected trace ids keeps
 * late spans from starting a partial trace again. A trace whose local root (a span with no parent
 * in this process) ends with no federated query in it is closed at once, not held until it expires.
 */
export class TraceAssembler implements ClassifiedSpanSink {
  private readonly graceMs: number;
  private readonly maxSpansPerTrace: number;
  private readonly maxTracesInFlight: number;
  private readonly maxTraceAgeMs: number;
  private readonly clock: Clock;
  private readonly sinks: AssembledTraceSink[];
  /** Pending traces by trace id. */
  private readonly pending: TraceIdTable<PendingTrace>;
  /**
   * Pending traces in first-seen order, closed ones left in place until the head passes them or a
   * compaction drops them: expiry scans from `ageHead` (the table of pending traces has no order).
   */
  private readonly byAge: Array<PendingTrace | undefined> = [];
  private ageHead = 0;
  /** Traces whose root ended, in root-end order: analysis pops from the front. */
  private readonly ready: PendingTrace[] = [];
  private readyHead = 0;
  /** Traces closed lately (bounded, oldest forgotten first), so their stragglers are recognised and counted by reason. */
  private readonly recent: BoundedKeyRing<StragglerReason>;
  /**
   * The trace of the last span recorded, and of its trace id: a batch holds a trace's spans side by
   * side, so most spans skip hashing their trace id and the lookup.
   * Always a pending trace: {@link TraceAssembler.close} forgets it.
   */
  private lastTrace: PendingTrace | undefined;
  /**
   * The last trace id met closed, and why: the rest of a trace left out skips the ring's lookup the
   * same way, and the pending lookup too (a closed id is never pending).
   */
  private lastClosedId: string | undefined;
  private lastClosedReason: StragglerReason = 'late';
  private readonly droppedSpans = zeroCounts();
  private readonly droppedTraces = zeroCounts();
  private assembledCount = 0;
  /** Federated query roots that ended in a trace left out for the bounds (`trace_limit`, `sampled_out`). */
  private rootsLeftOut = 0;
  /** Traces are taken when their id hashes below this (`rate × 2^32`). */
  private sampleBelow = HASH_SPACE;
  /** When the sampling rate last changed: it changes at most once per grace period (≥ 100 ms). */
  private rateChangedAtMs = Number.NEGATIVE_INFINITY;
  private withoutQueryCount = 0;
  private sinkFailures = 0;
  /** Writes the drops to stderr, one line per interval at most. */
  private readonly dropLog: TraceDropLog;
  /** {@link TraceAssembler.stats} bound once: the drop log reads it only when a check is due. */
  private readonly statsNow = (): TraceAssemblyStats => this.stats();

  /**
   * @param sinks - receive each assembled trace
   * @param options - grace period and bounds
   * @param clock - time source (a manual clock in tests) @default the system clock
   */
  constructor(sinks: AssembledTraceSink[], options: TraceAssemblerOptions = {}, clock: Clock = new SystemClock()) {
    this.sinks = sinks;
    this.graceMs = nonNegative('graceMs', options.graceMs ?? 1000);
    this.maxSpansPerTrace = positiveInt('maxSpansPerTrace', options.maxSpansPerTrace ?? 1000);
    this.maxTracesInFlight = positiveInt('maxTracesInFlight', options.maxTracesInFlight ?? 5000);
    this.pending = new TraceIdTable(this.maxTracesInFlight);
    this.recent = new BoundedKeyRing(this.maxTracesInFlight);
    this.maxTraceAgeMs = nonNegative('maxTraceAgeMs', options.maxTraceAgeMs ?? 60_000);
    this.dropLog = new TraceDropLog({ intervalMs: nonNegative('dropLogIntervalMs', options.dropLogIntervalMs ?? 60_000) });
    this.clock = clock;
  }

  /**
   * Adds one ended span to its trace; analyses traces whose grace period has passed.
   * @param nowMs - the time of recording @default the clock's now
   */
  record(span: ClassifiedSpan, nowMs?: number): void {
    const now = nowMs ?? this.clock.now();
    this.flush(now);
    const traceId = span.traceId;
    if (traceId === undefined || span.spanId === undefined) {
      this.droppedSpans.untraced++;
      return;
    }
    let trace = this.lastTrace;
    // Hashed once for the lookups below; not at all for a span of the last trace met, pending or closed.
    let hash = -1;
    // The last trace id met closed is never pending (a closed id is not taken again while it is
    // remembered): the rest of a trace sampled out or dropped skips the lookup too.
    if (trace === undefined || trace.traceId !== traceId) {
      if (traceId === this.lastClosedId) trace = undefined;
      else trace = this.pending.get(traceId, (hash = traceKeyHash(traceId)));
    }
    if (span.localRoot === true && trace?.root === undefined && !(span.role === 'query' && span.queryName !== undefined)) {
      // The trace's local root ended and no federated query ended beneath it (children end
      // first): none will, so the trace is not held until it expires.
      if (trace !== undefined) {
        this.close(trace, 'late');
        this.withoutQueryCount++;
      } else if (this.closedReason(traceId, hash) === undefined) {
        // (A trace finished or rejected already is no trace without a query.)
        this.withoutQueryCount++;
      }
      return;
    }
    if (trace === undefined) {
      const closed = this.closedReason(traceId, hash);
      if (closed !== undefined) {
        // Analysed: a child ending after the grace period. Left out: the rest of a dropped trace.
        this.droppedSpans[closed]++;
        if (closed !== 'late') this.countRootLeftOut(span);
        return;
      }
      if (span.role === 'other') return;
      // (Not the last id met closed, or closedReason would have said so: `hash` is set.)
      if (this.sampleBelow < HASH_SPACE && traceIdHash(traceId) >= this.sampleBelow) {
        this.leaveOut(traceId, hash, span, 'sampled_out');
        return;
      }
      if (this.pending.size >= this.maxTracesInFlight) {
        this.leaveOut(traceId, hash, span, 'trace_limit');
        // Saturated: take half as many traces from now on (a uniform sample), not whichever come first.
        if (now - this.rateChangedAtMs >= this.rateIntervalMs()) {
          this.sampleBelow = Math.max(this.sampleBelow / 2, HASH_SPACE * MIN_SAMPLING_RATE);
          this.rateChangedAtMs = now;
        }
        return;
      }
      trace = {
        traceId,
        keyHash: hash,
        firstSeenMs: now,
        spans: [],
        root: undefined,
        readyAtMs: Number.NaN,
        truncated: false,
        closed: false,
      };
      if (!this.pending.set(traceId, hash, trace)) {
        // No slot near the id's (see TraceIdTable): left out as if the traces in flight were at their bound.
        this.leaveOut(traceId, hash, span, 'trace_limit');
        return;
      }
      this.pushByAge(trace);
    }
    this.lastTrace = trace;
    if (trace.spans.length >= this.maxSpansPerTrace && span.role !== 'query') {
      this.droppedSpans.span_limit++;
      trace.truncated = true;
      return;
    }
    const kept = traceSpanOf(span);
    trace.spans.push(kept);
    // The first query-role span without a parent in the trace is the federated query's root; a
    // nested federated query (a query span under another) stays a child of the outer one.
    if (span.role === 'query' && trace.root === undefined && span.queryName !== undefined) {
      trace.root = kept;
      trace.readyAtMs = now + this.graceMs;
      this.ready.push(trace);
    }
  }

  /**
   * Analyses the traces whose grace period passed and drops those too old to complete.
   * Cheap when there is nothing to do; the metric producer calls it before each read.
   */
  flush(nowMs: number = this.clock.now()): void {
    while (this.readyHead < this.ready.length) {
      const trace = this.ready[this.readyHead] as PendingTrace;
      if (trace.readyAtMs > nowMs) break;
      this.readyHead++;
      this.complete(trace);
    }
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready.splice(0, this.readyHead);
      this.readyHead = 0;
    }
    // Pending traces are in first-seen order: stop at the first young one.
    while (this.ageHead < this.byAge.length) {
      const trace = this.byAge[this.ageHead] as PendingTrace;
      if (!trace.closed && nowMs - trace.firstSeenMs <= this.maxTraceAgeMs) break;
      this.byAge[this.ageHead++] = undefined;
      if (trace.closed) continue;
      if (trace.root !== undefined) {
        // Its root ended; it waits in `ready` only because the grace period is longer than the age bound.
        this.removeReady(trace);
        this.complete(trace);
        continue;
      }
      this.droppedTraces.expired_without_root++;
      this.droppedSpans.expired_without_root += trace.spans.length;
      this.close(trace, 'expired_without_root');
    }
    if (
      this.sampleBelow < HASH_SPACE &&
      this.pending.size < this.maxTracesInFlight / 4 &&
      nowMs - this.rateChangedAtMs >= this.rateIntervalMs()
    ) {
      this.sampleBelow = Math.min(this.sampleBelow * 2, HASH_SPACE);
      this.rateChangedAtMs = nowMs;
    }
    this.dropLog.check(nowMs, this.statsNow);
  }

  /** Counts a trace left out for the bounds and remembers its id, so that the rest of it is counted too. */
  private leaveOut(traceId: string, hash: number, span: ClassifiedSpan, reason: 'sampled_out' | 'trace_limit'): void {
    this.droppedSpans[reason]++;
    this.droppedTraces[reason]++;
    this.remember(traceId, hash, reason);
    this.countRootLeftOut(span);
  }

  /** A federated query's root left out: what coverage counts (one per query, however its spans were dropped). */
  private countRootLeftOut(span: ClassifiedSpan): void {
    if (span.role === 'query' && span.queryName !== undefined) this.rootsLeftOut++;
  }

  /** Least time between two changes of the sampling rate: a trace admitted now leaves after about a grace period. */
  private rateIntervalMs(): number {
    return Math.max(this.graceMs, 100);
  }

  /** Counters and bounds. */
  stats(): TraceAssemblyStats {
    return {
      inFlight: this.pending.size,
      assembled: this.assembledCount,
      withoutQuery: this.withoutQueryCount,
      droppedSpans: { ...this.droppedSpans },
      droppedTraces: { ...this.droppedTraces },
      limits: {
        maxSpansPerTrace: this.maxSpansPerTrace,
        maxTracesInFlight: this.maxTracesInFlight,
        maxTraceAgeMs: this.maxTraceAgeMs,
        graceMs: this.graceMs,
      },
      samplingRate: this.sampleBelow / HASH_SPACE,
      coverage: this.rootsLeftOut === 0 ? 1 : this.assembledCount / (this.assembledCount + this.rootsLeftOut),
    };
  }

  /** Sink calls that threw (the trace was still handed to the other sinks). */
  get failedSinkCalls(): number {
    return this.sinkFailures;
  }

  /** All drop reasons, for exporters that want a zero for each. */
  static get dropReasons(): readonly TraceDropReason[] {
    return REASONS;
  }

  private complete(trace: PendingTrace): void {
    if (trace.closed) return;
    const { root, spans } = trace;
    this.close(trace, 'late');
    if (root === undefined) return;
    this.assembledCount++;
    const assembled: AssembledTrace = { traceId: trace.traceId, root, spans, truncated: trace.truncated };
    for (const sink of this.sinks) {
      try {
        sink.recordTrace(assembled);
      } catch (error) {
        this.sinkFailures++;
        fedscopeLog.error('a trace sink failed', error);
      }
    }
  }

  /**
   * Takes a trace out of `pending` and remembers its id. Its spans are let go at once: the trace
   * object may wait in the age or ready queue a while longer.
   */
  private close(trace: PendingTrace, stragglers: StragglerReason): void {
    this.pending.delete(trace.traceId, trace.keyHash);
    trace.closed = true;
    trace.spans = [];
    trace.root = undefined;
    if (this.lastTrace === trace) this.lastTrace = undefined;
    this.remember(trace.traceId, trace.keyHash, stragglers);
  }

  /**
   * Appends a new pending trace to the age queue. The queue stays bounded: past twice the traces
   * in flight (plus slack), the closed entries are dropped, which leaves at most `maxTracesInFlight`.
   */
  private pushByAge(trace: PendingTrace): void {
    if (this.byAge.length >= 2 * this.maxTracesInFlight + 1024) {
      let kept = 0;
      for (let i = this.ageHead; i < this.byAge.length; i++) {
        const t = this.byAge[i];
        if (t !== undefined && !t.closed) this.byAge[kept++] = t;
      }
      this.byAge.length = kept;
      this.ageHead = 0;
    }
    this.byAge.push(trace);
  }

  private removeReady(trace: PendingTrace): void {
    const i = this.ready.indexOf(trace, this.readyHead);
    if (i >= 0) this.ready.splice(i, 1);
  }

  private remember(traceId: string, hash: number, stragglers: StragglerReason): void {
    this.recent.set(traceId, hash, stragglers);
    this.lastClosedId = traceId;
    this.lastClosedReason = stragglers;
  }

  /** Why `traceId`'s trace (`hash`: its traceKeyHash, or -1 if it is the last id met closed) was closed lately, if it was. */
  private closedReason(traceId: string, hash: number): StragglerReason | undefined {
    if (traceId === this.lastClosedId) return this.lastClosedReason;
    const reason = this.recent.get(traceId, hash);
    if (reason !== undefined) {
      this.lastClosedId = traceId;
      this.lastClosedReason = reason;
    }
    return reason;
  }
}

/** The compact copy of `span` a pending trace holds: only what the analysis reads, in one object shape. */
function traceSpanOf(span: ClassifiedSpan): TraceSpan {
  return {
    role: span.role,
    durationMs: span.durationMs,
    endTimeMs: span.endTimeMs,
    queryName: span.queryName,
    stage: span.stage,
    source: span.source,
    rowsReturned: span.rowsReturned,
    cacheHit: span.cacheHit,
    service: span.service,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    startTimeMs: span.startTimeMs,
    part: span.part,
    dependsOn: span.dependsOn,
    retryAttempt: span.retryAttempt,
    timedOut: span.timedOut,
    poolWait: span.poolWait,
  };
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a non-negative number of milliseconds, got ${value}`);
  return value;
}

/**
 * A 32-bit hash of a trace id: its last 8 hex digits (W3C Trace Context level 2 makes the rightmost
 * 7 bytes the random part; some systems put a time in the leading ones), else FNV-1a of the text.
 */
export function traceIdHash(traceId: string): number {
  // The last 8 characters read as hex digits by hand: a regular expression and a slice per new trace cost more.
  let tail = traceId.length >= 8 ? 0 : -1;
  for (let i = traceId.length - 8; tail >= 0 && i < traceId.length; i++) {
    const digit = hexDigit(traceId.charCodeAt(i));
    tail = digit < 0 ? -1 : tail * 16 + digit;
  }
  if (tail >= 0) return tail;
  let hash = 0x811c9dc5;
  for (let i = 0; i < traceId.length; i++) hash = Math.imul(hash ^ traceId.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** The value of a hex digit's character code, -1 for any other character. */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}
