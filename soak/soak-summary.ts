import type { FaultKind } from './fault-plan.js';
import type { MemoryTrend } from './memory-trend.js';
import type { AlertDeliveryCounts, LatencySummary, LoadCounts, NotifiedAlert } from './soak-protocol.js';
import type { AlertmanagerReceived } from './alertmanager-process.js';

/** One verdict of the soak. */
export interface SoakCheck {
  /** What was checked, e.g. `span drops counted exactly`. */
  readonly name: string;
  readonly pass: boolean;
  /** The figures behind the verdict, in one line. */
  readonly detail: string;
}

/** A fault as it was injected. */
export interface InjectedFault {
  readonly kind: FaultKind;
  /** Planned start and end, seconds into the load. */
  readonly plannedStartS: number;
  readonly plannedEndS: number;
  /** Actual start and end, seconds into the load; null when it did not happen (the run ended first). */
  readonly startS: number | null;
  readonly endS: number | null;
  /** What showed that it bit (connections reset, failed deliveries, …) or why it did not happen. */
  readonly note: string;
}

/** Sampled spans, balanced: ended = received + dropped. */
export interface SpanLedger {
  /** Sampled spans the service ended. */
  readonly ended: number;
  /** Spans the OTLP receiver accepted. */
  readonly received: number;
  /** Spans the receiver rejected (partial success); 0 expected. */
  readonly rejectedByReceiver: number;
  /** Spans `/metrics` counts as exported successfully (`otel_sdk_exporter_span_exported_total` without `error_type`). */
  readonly exportedOk: number;
  /** Spans `/metrics` counts as lost, by cause (`queue_full`; `export:<error.type>`). */
  readonly droppedByCause: Readonly<Record<string, number>>;
  /** The sum of `droppedByCause`. */
  readonly dropped: number;
  /** ended − (received + dropped): 0 when every span is accounted for. */
  readonly unaccounted: number;
  /** Spans of failed exports as fedscope's exporter counts them (the `export:*` causes) and as the SDK's processor does. */
  readonly exportFailures: number;
  readonly exportFailuresSeenByProcessor: number;
}

/** What became of fedscope's alert notifications. */
export interface AlertLedger {
  /** Firing notifications fedscope raised (alert starts), and how many Alertmanager never listed. */
  readonly firingNotifications: number;
  readonly firingNotListed: NotifiedAlert[];
  /** Resolved notifications fedscope raised. */
  readonly resolvedNotifications: number;
  /** The Alertmanager channel's counters after the service's shutdown (before it when unknown). */
  readonly delivery: AlertDeliveryCounts | null;
  /** What Alertmanager received over the whole run (every instance). */
  readonly alertmanagerReceived: AlertmanagerReceived | null;
  /** At the end: alerts firing in fedscope that Alertmanager did not list, and alerts it listed that fedscope no longer fires. */
  readonly missingAtEnd: NotifiedAlert[];
  readonly staleAtEnd: NotifiedAlert[];
  /** Notifications left in the spool directory after the service's shutdown. */
  readonly spooledFiles: string[];
}

/** Everything `npm run soak` prints as JSON. */
export interface SoakSummary {
  readonly command: string;
  readonly options: { readonly minutes: number; readonly rate: number };
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly node: string;
    readonly loadAverage: number[];
  };
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly faults: InjectedFault[];
  readonly load: LoadCounts & {
    readonly durationS: number;
    readonly targetRate: number;
    /** Queries finished (returned or failed) per second of load. */
    readonly achievedRate: number;
    /** Failed queries by error code and source. */
    readonly failuresByKind: Readonly<Record<string, number>>;
  };
  readonly latencyMs: { readonly all: LatencySummary; readonly succeeded: LatencySummary } | null;
  readonly spans: SpanLedger | null;
  readonly alerts: AlertLedger | null;
  readonly memory: MemoryTrend & {
    readonly sampleIntervalS: number;
    /** One row per sample: memory, the service's CPU use over the interval (% of one core), its event loop's p99 delay. */
    readonly samples: {
      readonly atS: number;
      readonly rssMiB: number;
      readonly heapMiB: number;
      /** External memory (ArrayBuffers, Buffers). */
      readonly externalMiB: number;
      /** RSS beyond V8's heap and external memory (native libraries, allocator arenas). */
      readonly nativeMiB: number;
      readonly cpuPercent: number;
      readonly eventLoopDelayP99Ms: number;
      readonly finished: number;
    }[];
  };
  readonly service: {
    readonly exitCode: number | null;
    readonly signal: string | null;
    readonly fatal: string | null;
    readonly samplesReceived: number;
    /** The longest time without a sample (from the load's start to its end), s. */
    readonly longestSampleGapS: number;
    /** CPU the service used over the load, % of one core. */
    readonly cpuPercent: number | null;
  };
  /** CPU the soak's own process (proxies, OTLP receiver, HTTP source, Alertmanager polling) used over the load, % of one core. */
  readonly harnessCpuPercent: number;
  readonly checks: SoakCheck[];
  readonly passed: boolean;
  /** Where the logs (service, Alertmanager) were kept; null when removed after a passing run. */
  readonly logDir: string | null;
  /** What could not be done, in order (each also failed a check or is about clean-up). */
  readonly problems: string[];
}
