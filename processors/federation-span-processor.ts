import { metrics, type Context, type MeterProvider } from '@opentelemetry/api';
import { fedscopeLog } from '../src/diagnostics/fedscope-log.js';
import { FEDSCOPE_SCOPE_NAME } from '../src/span-model/attributes.js';
import { FEDSCOPE_VERSION } from '../src/version.js';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_FEDERATION_QUERY_NAME, ATTR_FEDERATION_STAGE } from '../src/span-model/attributes.js';
import { isQueryRootSpan } from '../src/span-model/query-root.js';
import { UNKNOWN_SERVICE, type ClassifiedSpan, type SpanRole } from './classified-span.js';
import { FederationInstruments } from './federation-instruments.js';
import type { SpanMetricTable } from './span-metrics/span-metric-table.js';
import { classifyDecodedSpan, classifySpan, newClassifiedSpan, serviceOf, type SourceResolver } from './span-classifier.js';
import type { DecodedSpan } from '../src/otlp/trace-model.js';
import type { Clock } from '../src/stats/types.js';

/** Receives every classified span; the analysis state and other consumers implement it. */
export interface ClassifiedSpanSink {
  /**
   * Records one ended, classified span. Must not throw; must be cheap. With the processor's
   * `reuseClassifiedSpans` on, `span` is overwritten by the next span's classification once this
   * returns: keep copies of its fields, never the object.
   * @param nowMs - the time of recording, when the caller read its clock already (the spans of a
   * batch share one reading); absent, the sink reads its own
   */
  record(span: ClassifiedSpan, nowMs?: number): void;
  /**
   * A federated query's root span started in `service` (its resource's `service.name`); live spans
   * only, spans received later never start here.
   */
  queryStarted?(queryName: string, service: string): void;
  /** A root span whose start was reported has ended; `service` as at its start. */
  queryEnded?(queryName: string, service: string): void;
}

/** Options of {@link FederationSpanProcessor}. */
export interface FederationSpanProcessorOptions {
  /**
   * Meter provider for the span-derived metrics (`db.client.operation.duration`, `federation.*`).
   * @default the global meter provider, looked up when the first span arrives (so a NodeSDK
   * started after this processor was built is used)
   */
  meterProvider?: MeterProvider;
  /**
   * Further consumers of classified spans (e.g. the analysis state).
   * @default []
   */
  sinks?: ClassifiedSpanSink[];
  /**
   * Names sources of DB/HTTP client spans that carry no `federation.source`.
   * @default `{system}://{server.address}:{port}/{namespace}`
   */
  resolveSource?: SourceResolver;
  /**
   * Instrumentation scopes that record `db.client.operation.duration` themselves; fedscope records
   * it for every other DB source span. Pass an empty set when their own series are dropped with a
   * view (as startFedscope does with `dropContribOperationDurationViews()`).
   * @default `@opentelemetry/instrumentation-pg`
   */
  scopesRecordingDbDuration?: ReadonlySet<string>;
  /**
   * Record ended spans in batches after the current turn of the event loop instead of inside
   * `span.end()`, so the analysis runs while the application waits on I/O rather than on its
   * request path. Readers must call {@link FederationSpanProcessor.flushPending} first (the
   * processor's own metrics do, through an observable callback; startFedscope's reports do).
   * At most {@link MAX_PENDING_SPANS} wait: a burst beyond that is recorded at once, not dropped.
   * @default false (startFedscope turns it on)
   */
  deferRecording?: boolean;
  /**
   * Aggregate the span-derived metrics in this table, which a metric producer reports
   * (`SpanMetricProducer`), instead of recording each span into OTel instruments: the same metrics
   * without hashing an attribute object per span and metric (what the pipeline does).
   * @default none: OTel instruments on the meter provider
   */
  spanMetrics?: SpanMetricTable;
  /**
   * Classify every span into one object, reused span after span, instead of building one per span
   * (about 300 bytes, a fifth of what fedscope allocates for a span): only for sinks that keep no
   * reference to the span they record (fedscope's own keep none). A sink that ends a span while
   * recording one gets a span of its own for that nested recording.
   * @default false
   */
  reuseClassifiedSpans?: boolean;
  /**
   * The clock read once per batch of spans recorded (a deferred batch, a decoded request) and
   * handed to the sinks, which then read none of their own: give the sinks' clock. A read costs
   * about 40 ns, and each sink would read one per span.
   * @default none: each sink reads its own clock per span
   */
  clock?: Clock;
}

/**
 * Most ended spans a deferring processor holds before it records them in the caller's turn: as
 * many as the OTel batch processor exports at once. Spans held longer outlive young-generation
 * collections and are copied by each (with 4,096 the garbage collector took twice the time).
 */
export const MAX_PENDING_SPANS = 512;

/**
 * fedscope's span processor: classifies every ended span and records it into the span-derived
 * metrics and the analysis sinks. It does no I/O and never throws into the caller; a failure
 * costs a counter increment and a log line.
 */
export class FederationSpanProcessor implements SpanProcessor {
  private instrumentsOrUndefined: FederationInstruments | undefined;
  private readonly meterProvider: MeterProvider | undefined;
  private readonly scopesRecordingDbDuration: ReadonlySet<string> | undefined;
  private readonly sinks: ClassifiedSpanSink[];
  private readonly resolveSource: SourceResolver | undefined;
  private readonly spanMetrics: SpanMetricTable | undefined;
  private readonly clock: Clock | undefined;
  /** The classification reused span after span (`reuseClassifiedSpans`). */
  private readonly reused: ClassifiedSpan | undefined;
  /** {@link reused} holds the span being recorded: a nested recording classifies into a new object. */
  private reusedInUse = false;
  /** Roots seen starting, so that only those are subtracted from the active-query gauge. */
  private readonly startedRoots = new WeakSet<object>();
  private failures = 0;
  private stopped = false;
  private readonly deferRecording: boolean;
  private pending: ReadableSpan[] = [];
  /** The other of two arrays the pending spans alternate between: a flush builds no array. */
  private spare: ReadableSpan[] = [];
  private flushScheduled = false;
  private readonly flushBound = (): void => this.flushPending();
  private readonly spansByRole: Record<SpanRole, number> = { query: 0, stage: 0, source: 0, connection: 0, cache: 0, other: 0 };

  /** @param options - meter, sinks and source naming */
  constructor(options: FederationSpanProcessorOptions = {}) {
    this.meterProvider = options.meterProvider;
    this.scopesRecordingDbDuration = options.scopesRecordingDbDuration;
    this.sinks = options.sinks ?? [];
    this.resolveSource = options.resolveSource;
    this.spanMetrics = options.spanMetrics;
    this.clock = options.clock;
    this.deferRecording = options.deferRecording ?? false;
    if (options.reuseClassifiedSpans === true) this.reused = newClassifiedSpan();
    // With a provider given, the instruments exist before the first span: a collection then
    // already flushes the first deferred batch.
    if (this.meterProvider !== undefined) this.instrumentsOrUndefined = this.createInstruments();
  }

  private get instruments(): FederationInstruments {
    this.instrumentsOrUndefined ??= this.createInstruments();
    return this.instrumentsOrUndefined;
  }

  private createInstruments(): FederationInstruments {
    return new FederationInstruments(
      (this.meterProvider ?? metrics).getMeter(FEDSCOPE_SCOPE_NAME, FEDSCOPE_VERSION),
      this.scopesRecordingDbDuration,
      () => {
        // Collection reads this before the instruments above: record what waits first.
        this.flushPending();
        return this.spansByRole;
      },
      this.spanMetrics,
    );
  }

  /** Spans whose recording failed inside fedscope (they are otherwise unaffected). */
  get failedRecords(): number {
    return this.failures;
  }

  /** Counts a federated query as active when its root span starts. */
  onStart(span: Span, _parentContext: Context): void {
    if (this.stopped) return;
    const name = span.attributes[ATTR_FEDERATION_QUERY_NAME];
    if (isQueryRootSpan(span.name, span.kind, name, span.attributes[ATTR_FEDERATION_STAGE])) {
      this.startedRoots.add(span);
      try {
        const service = serviceOf(span);
        this.instruments.queryStarted(name, service);
        for (const sink of this.sinks) sink.queryStarted?.(name, service);
      } catch (error) {
        this.countFailure(error);
      }
    }
  }

  /** Classifies the span and records it, now or (with `deferRecording`) after this turn of the event loop. */
  onEnd(span: ReadableSpan): void {
    if (this.stopped) return;
    if (!this.deferRecording) {
      this.record(span, false, this.clock?.now());
      return;
    }
    this.pending.push(span);
    if (this.pending.length >= MAX_PENDING_SPANS) {
      this.flushPending();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushBound);
    }
  }

  /**
   * Records at once a span that ended in another process and was received (over OTLP), after the
   * spans that wait. Such a trace may go on in other services whose spans come in other requests,
   * so a span whose parent is remote is not taken for its trace's local root; only a span without
   * a parent is (a remote parent ends a trace only within one process).
   */
  recordReceived(span: ReadableSpan): void {
    if (this.stopped) return;
    this.flushPending();
    this.record(span, true, this.clock?.now());
  }

  /**
   * {@link FederationSpanProcessor.recordReceived} for a span decoded from OTLP, classified where
   * the decoder put each field (no SDK `ReadableSpan` is built for it). Returns false when the span
   * could not be classified (a field not of its declared type); a failure after that, like any
   * recording failure, is counted in {@link FederationSpanProcessor.failedRecords} and logged.
   * @param nowMs - the clock reading of the request the span came in (its spans share one)
   * @default the processor's clock now, if it has one
   */
  recordDecoded(span: DecodedSpan, nowMs: number | undefined = this.clock?.now()): boolean {
    if (this.stopped) return true;
    this.flushPending();
    const into = this.takeReused();
    try {
      let classified: ClassifiedSpan;
      try {
        classified = asReceived(classifyDecodedSpan(span, this.resolveSource, into));
      } catch (error) {
        this.countFailure(error);
        return false;
      }
      try {
        this.recordClassified(classified, nowMs);
      } catch (error) {
        this.countFailure(error);
      }
      return true;
    } finally {
      if (into !== undefined) this.reusedInUse = false;
    }
  }

  /** Records the spans that wait (deferred recording); what reads the sinks or instruments calls it first. */
  flushPending(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const spans = this.pending;
    // Spans that end while these are recorded (a sink ending one) wait in the other array.
    this.pending = this.spare;
    const now = this.clock?.now();
    for (let i = 0; i < spans.length; i++) this.record(spans[i]!, false, now);
    spans.length = 0;
    this.spare = spans;
  }

  /** Spans ended and not yet recorded (deferred recording). */
  get pendingCount(): number {
    return this.pending.length;
  }

  private record(span: ReadableSpan, received: boolean, nowMs: number | undefined): void {
    const into = this.takeReused();
    try {
      const classified = classifySpan(span, this.resolveSource, into);
      if (received) asReceived(classified);
      if (classified.role === 'query' && this.startedRoots.has(span) && classified.queryName !== undefined) {
        const service = classified.service ?? UNKNOWN_SERVICE;
        this.instruments.queryFinished(classified.queryName, service);
        for (const sink of this.sinks) sink.queryEnded?.(classified.queryName, service);
      }
      this.recordClassified(classified, nowMs);
    } catch (error) {
      this.countFailure(error);
    } finally {
      if (into !== undefined) this.reusedInUse = false;
    }
  }

  /** The reused classification, taken until the recording ends; `undefined` when not reusing or taken already. */
  private takeReused(): ClassifiedSpan | undefined {
    if (this.reused === undefined || this.reusedInUse) return undefined;
    this.reusedInUse = true;
    return this.reused;
  }

  /** Hands a classified span to the span-derived metrics and every sink. */
  private recordClassified(classified: ClassifiedSpan, nowMs: number | undefined): void {
    this.spansByRole[classified.role]++;
    this.instruments.record(classified);
    for (const sink of this.sinks) sink.record(classified, nowMs);
  }

  private countFailure(error: unknown): void {
    this.failures++;
    // The logger writes a problem at most once a minute (repeats counted): a systematic bug must not flood the user's logs.
    fedscopeLog.error('failed to record a span', error);
  }

  /** Records the spans that wait. */
  forceFlush(): Promise<void> {
    this.flushPending();
    return Promise.resolve();
  }

  /** Records the spans that wait, then stops recording. */
  shutdown(): Promise<void> {
    this.flushPending();
    this.stopped = true;
    return Promise.resolve();
  }
}

/**
 * A received span is its trace's local root only when it has no parent at all: the trace may go on
 * in other services whose spans come in other requests, so a remote parent ends it only within one
 * process (see {@link FederationSpanProcessor.recordReceived}).
 */
function asReceived(classified: ClassifiedSpan): ClassifiedSpan {
  classified.localRoot = classified.parentSpanId === undefined;
  return classified;
}
