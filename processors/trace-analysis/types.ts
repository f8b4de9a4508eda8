/**
 * Interfaces of trace analysis: assembled traces, the per-trace analysis (self time, critical
 * path, fan-out), the per-query aggregates and the ranked suggestions. Durations are in
 * milliseconds, ratios in [0, 1], offsets relative to the query root's start.
 */
import type { ClassifiedSpan } from '../classified-span.js';

/** Why the trace assembler dropped spans or traces (each reason has its own counter). */
export type TraceDropReason =
  /** A span arrived while `maxTracesInFlight` traces were already pending; its whole trace is dropped. */
  | 'trace_limit'
  /**
   * The assembler was saturated, so it analyses a uniform sample of traces (chosen by trace id) and
   * this trace was not in it; the whole trace is left out.
   */
  | 'sampled_out'
  /** A trace already held `maxSpansPerTrace` spans; the trace is analysed as truncated. */
  | 'span_limit'
  /** A trace's root never arrived within `maxTraceAgeMs`. */
  | 'expired_without_root'
  /** A span arrived after its trace had been analysed (after the grace period). */
  | 'late'
  /** A span without a trace id or span id (hand-built or malformed). */
  | 'untraced';

/**
 * The fields of a {@link ClassifiedSpan} that trace analysis reads: what the assembler holds per
 * span while its trace is open (a compact copy, so the classified span itself dies young). A
 * ClassifiedSpan is one. No trace id: the trace holds it once (each decoded span has its own copy
 * of the string, which would otherwise live as long as the trace).
 */
export type TraceSpan = Pick<
  ClassifiedSpan,
  | 'role'
  | 'durationMs'
  | 'endTimeMs'
  | 'queryName'
  | 'stage'
  | 'source'
  | 'rowsReturned'
  | 'cacheHit'
  | 'service'
  | 'spanId'
  | 'parentSpanId'
  | 'startTimeMs'
  | 'part'
  | 'dependsOn'
  | 'retryAttempt'
  | 'timedOut'
  | 'poolWait'
>;

/** One federated query's spans, gathered by the assembler once its root and grace period ended. */
export interface AssembledTrace {
  /** Trace id. */
  readonly traceId: string;
  /** The federated query's root span (role `query`). */
  readonly root: TraceSpan;
  /** Every span gathered for the trace, the root included, in arrival order. */
  readonly spans: readonly TraceSpan[];
  /** Spans were dropped because the trace hit `maxSpansPerTrace`. */
  readonly truncated: boolean;
}

/** Receives assembled traces. Must not throw. */
export interface AssembledTraceSink {
  /** Called once per federated query, after its root ended and the grace period passed. */
  recordTrace(trace: AssembledTrace): void;
}

/** Options of the trace assembler. */
export interface TraceAssemblerOptions {
  /**
   * How long to wait after a root span ended for late children (spans exported out of order,
   * OTLP batches) before analysing its trace.
   * @default 1000
   */
  graceMs?: number;
  /**
   * Most spans kept per trace; the rest are dropped (counted as `span_limit`).
   * @default 1000
   */
  maxSpansPerTrace?: number;
  /**
   * Most traces pending at once; spans of further traces are dropped (counted as `trace_limit`).
   * @default 5000
   */
  maxTracesInFlight?: number;
  /**
   * A pending trace whose root has not ended this long after its first span is dropped
   * (counted as `expired_without_root`).
   * @default 60000
   */
  maxTraceAgeMs?: number;
  /**
   * Least time between two warning lines on stderr about the traces and spans dropped (each line
   * has the drops since the previous one, by reason, and the coverage).
   * @default 60000
   */
  dropLogIntervalMs?: number;
}

/** The assembler's counters. */
export interface TraceAssemblyStats {
  /** Traces pending now. */
  inFlight: number;
  /** Traces handed to the sinks since start. */
  assembled: number;
  /**
   * Traces whose local root span ended with no federated query in them (plain DB calls, HTTP
   * requests without one): nothing in them is analysed, and nothing is dropped.
   */
  withoutQuery: number;
  /** Spans dropped since start, by reason. */
  droppedSpans: Record<TraceDropReason, number>;
  /** Traces dropped since start, by reason (`trace_limit`, `expired_without_root`). */
  droppedTraces: Record<TraceDropReason, number>;
  /** Configured bounds. */
  limits: { maxSpansPerTrace: number; maxTracesInFlight: number; maxTraceAgeMs: number; graceMs: number };
  /**
   * Share of traces the assembler takes now (1 unless saturated): when `maxTracesInFlight` is
   * reached it halves, so that a uniform sample of whole traces (by trace id) is analysed rather
   * than whichever arrived first; it doubles back while under a quarter of the bound.
   */
  samplingRate: number;
  /**
   * Federated queries analysed ÷ (analysed + those whose trace was left out for the bounds:
   * `trace_limit`, `sampled_out`, counted by their root span), since start; 1 when none was left
   * out. The critical-path and bottleneck figures describe this share of the federated queries.
   */
  coverage: number;
}

/** One span of an analysed trace. */
export interface SpanTiming {
  /** Span id. */
  spanId: string;
  /** Parent span id (the root for orphans attached to it); undefined for the root. */
  parentSpanId: string | undefined;
  /** What the span is: the stage, the source, the part, else the role. */
  label: string;
  /** The span's role. */
  role: ClassifiedSpan['role'];
  /** Start, relative to the root's start. */
  startOffsetMs: number;
  /** Duration. */
  durationMs: number;
  /** Duration minus the union of its children's intervals. */
  selfMs: number;
  /** Time this span itself (not its children) spent on the critical path. */
  criticalMs: number;
  /** Parent start → this span's start. */
  queueMs: number;
}

/** A contiguous piece of the critical path. */
export interface CriticalPathStep {
  /** Span on the path during this piece. */
  spanId: string;
  /** Its label (see {@link SpanTiming.label}). */
  label: string;
  /** Start, relative to the root's start. */
  fromMs: number;
  /** End, relative to the root's start. */
  toMs: number;
}

/** Critical-path time attributed to one stage or one source. */
export interface PathShare {
  /** `stage` or `source`. */
  kind: 'stage' | 'source';
  /** Stage name (`(query)` for the root's own time) or source name. */
  name: string;
  /** Critical-path milliseconds. */
  ms: number;
  /** `ms` ÷ the query's duration. */
  share: number;
}

/** Children of one span that ran (or could have run) side by side. */
export interface FanOut {
  /** The parent's span id and label. */
  parentSpanId: string;
  parentLabel: string;
  /** Number of children. */
  children: number;
  /** Sum of the children's durations. */
  sumChildMs: number;
  /** The parent's duration. */
  wallMs: number;
  /** `sumChildMs ÷ wallMs`: about the number of children running at once (1 = sequential). */
  efficiency: number;
  /** Slowest child ÷ median child (1 = even). */
  skew: number;
  /** Mean parent start → child start. */
  meanQueueMs: number;
  /** Largest parent start → child start. */
  maxQueueMs: number;
}

/** JSON-like evidence value of a suggestion. */
export type EvidenceValue = number | string | boolean | null | EvidenceValue[] | { [key: string]: EvidenceValue };

/** What a suggestion proposes. */
export type SuggestionKind =
  /** Sibling parts ran one after another without a declared dependency (`federation.depends_on`): run them concurrently. */
  | 'parallelize_parts'
  /** One source holds most of the critical path: tune its statements (slowest fingerprints cited). */
  | 'source_dominates'
  /**
   * The merge stage holds much of the critical path. Rows-bound (many rows reach it): push
   * aggregation and filters down to the sources. SQL-bound (few rows): simplify the merge SQL or
   * materialise what it reads. `evidence.bound` says which.
   */
  | 'merge_dominates'
  /** The parts delivered many more rows than the query returned: push filters/projections down. */
  | 'overfetching'
  /** Cache lookups of repeated parts mostly miss. */
  | 'low_cache_hit_ratio'
  /** Failed attempts and the backoff before their retries (`federation.retry.attempt`) hold much of the critical path. */
  | 'retries_dominate'
  /** Timed-out calls hold much of the critical path. */
  | 'timeouts_dominate'
  /** Waiting for a pool connection holds much of the critical path: grow the pool or shorten holds. */
  | 'pool_wait';

/** One ranked suggestion for a federated query. */
export interface Suggestion {
  /** What is proposed. */
  kind: SuggestionKind;
  /** `service.name` of the federated query's root span (see {@link TraceAnalysis.service}). */
  service: string;
  /** The federated query it is about. */
  queryName: string;
  /** What it is about within the query (a source, a stage, a set of parts). */
  subject: string;
  /**
   * Critical-path milliseconds per execution the change would remove, averaged over every
   * execution in the window (estimate; see the kind's rule). Suggestions are ranked by it.
   */
  estimatedSavingMs: number;
  /**
   * The numbers behind the suggestion. For per-execution findings (`parallelize_parts`,
   * `retries_dominate`, `timeouts_dominate`, `pool_wait`, `overfetching`) the figures are means
   * over the `executions` that showed it, `example` is the latest such execution's detail; for
   * the others, means over all `traces` of the window.
   */
  evidence: { [key: string]: EvidenceValue };
  /** A sentence for a human; every figure in it is from the same set of executions (see `evidence`). */
  message: string;
}

/** A suggestion found in one trace, before aggregation. */
export interface SuggestionCandidate {
  kind: SuggestionKind;
  subject: string;
  /** Critical-path ms the change would have removed from this execution. */
  savingMs: number;
  /** This execution's figures; averaged over the executions that show the candidate. */
  figures: { [key: string]: number };
  /** Descriptive detail of this execution (kept from the latest one as an example). */
  evidence: { [key: string]: EvidenceValue };
}

/** Everything derived from one federated query's trace. */
export interface TraceAnalysis {
  traceId: string;
  /**
   * `service.name` of the query root span (`unknown_service` when the span names none): the
   * trace's service, even where its source calls were made by other services.
   */
  service: string;
  queryName: string;
  /** The root's duration (= the critical path's length). */
  durationMs: number;
  /** The root's start, ms since the epoch. */
  startTimeMs: number;
  /**
   * Spans reachable from the root (orphans attached to it), root first; only when asked for
   * (`TraceAnalyzer.analyze`'s `spanTimings`, as `BottleneckAggregator.lastAnalysis` does).
   */
  spans?: SpanTiming[];
  /** The critical path, earliest first. */
  criticalPath: CriticalPathStep[];
  /** Critical-path time per stage, largest first (sums to the duration). */
  stages: PathShare[];
  /** Critical-path time per source, largest first. */
  sources: PathShare[];
  /** The stage with the most critical-path time. */
  bottleneckStage: PathShare | undefined;
  /** The source with the most critical-path time. */
  bottleneckSource: PathShare | undefined;
  /** Every span with two or more children. */
  fanOuts: FanOut[];
  /** Suggestions this trace alone supports. */
  candidates: SuggestionCandidate[];
  /**
   * Rows the query's parts delivered — what reaches the merge — each part counted once: the
   * topmost span below the root (outside merge stages) reporting rows, i.e. a part's `fetch`
   * stage (`federation.rows.returned`, cache hits included), else its source calls
   * (`db.response.returned_rows`). Undefined when no part reported rows.
   */
  rowsFetched: number | undefined;
  /** Rows the query returned, when the root reported it. */
  rowsReturned: number | undefined;
  /** Cache lookups in the trace and how many hit. */
  cacheLookups: number;
  cacheHits: number;
  /** Critical-path time of source calls for parts whose cache lookup missed. */
  cacheMissCriticalMs: number;
  /** Spans whose parent was missing, attached to the root. */
  orphans: number;
  /** The assembler dropped spans of this trace. */
  truncated: boolean;
}

/** Options of the trace analyzer. */
export interface TraceAnalyzerOptions {
  /**
   * Stage names whose critical-path time counts as merge time.
   * @default ['merge', 'join', 'aggregate']
   */
  mergeStages?: readonly string[];
  /**
   * Two siblings overlapping by less than this are treated as sequential (clock granularity: the
   * OTel JS SDK takes a span's start from `Date.now()`, whole milliseconds, and its end from the
   * start plus a sub-millisecond duration, so a sibling's start reads up to 1 ms early).
   * @default 1
   */
  overlapToleranceMs?: number;
  /**
   * Smallest saving for a per-trace suggestion candidate.
   * @default 1
   */
  minSavingMs?: number;
  /**
   * Overfetching: least rows fetched by the sources of one query.
   * @default 1000
   */
  overfetchMinRows?: number;
  /**
   * Overfetching: highest returned ÷ fetched ratio that counts.
   * @default 0.1
   */
  overfetchMaxRatio?: number;
}

/** A stage's or source's place on the critical path over one window. */
export interface BottleneckEntry {
  kind: 'stage' | 'source';
  name: string;
  /** Share of the window's traces in which it held the most critical-path time. */
  bottleneckRatio: number;
  /** Mean share of critical-path time over the window's traces (0 where absent). */
  meanShare: number;
  /** Mean critical-path ms per trace (0 where absent). */
  meanCriticalMs: number;
  /** Traces in which it appeared on the critical path. */
  traces: number;
}

/** A federated query's aggregates over one window. */
export interface QueryBottleneckWindow {
  windowSeconds: number;
  /** Traces analysed in the window. */
  traces: number;
  /** Mean query duration, null without traces. */
  meanDurationMs: number | null;
  /** Stages, by mean share descending. */
  stages: BottleneckEntry[];
  /** Sources, by mean share descending. */
  sources: BottleneckEntry[];
  /** Mean fan-out efficiency and skew, mean queueing (null without fan-outs). */
  fanOut: { groups: number; meanEfficiency: number | null; meanSkew: number | null; meanQueueMs: number | null };
  /** Cache lookups and hits in the window's traces. */
  cache: { lookups: number; hits: number; hitRatio: number | null };
  /**
   * Rows the parts delivered (see {@link TraceAnalysis.rowsFetched}) and rows the query returned:
   * sums over the `traces` that reported both.
   */
  rows: { fetched: number; returned: number; traces: number };
}

/** A federated query's bottleneck figures and suggestions. */
export interface QueryBottleneckSnapshot {
  /**
   * `service.name` of the query's root spans (queries are keyed by service and name); empty for
   * the entry that takes the queries beyond `maxQueries`.
   */
  service: string;
  queryName: string;
  /** One per configured window, shortest first. */
  windows: QueryBottleneckWindow[];
  /** Ranked suggestions over the suggestion window, largest saving first. */
  suggestions: Suggestion[];
  /** Sources seen on this query's critical paths in the longest window. */
  sources: string[];
}

/**
 * Where the time goes, per service and query name: bottlenecks and ranked suggestions. What
 * `handle.bottlenecks()` and `pipeline.bottleneckReport()` return (with `assembly`) and
 * `/fedscope/bottlenecks.json` serves; plain JSON-serialisable data.
 */
export interface BottleneckSnapshot {
  /** When the snapshot was taken (ISO 8601). */
  generatedAt: string;
  /** Window lengths in seconds, shortest first. */
  windowsSeconds: number[];
  /** The window suggestions are computed over. */
  suggestionWindowSeconds: number;
  /** Per service and federated query name. */
  queries: QueryBottleneckSnapshot[];
  /** All queries' suggestions, largest saving first. */
  suggestions: Suggestion[];
  /** (service, query) pairs beyond `maxQueries` (their traces go to one overflow entry) and keys beyond `maxKeysPerQuery`. */
  overflow: { queries: number; keys: number };
}
