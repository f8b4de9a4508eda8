/**
 * What the soak's parent (`soak/run.ts`) and the service it soaks (`soak/service.ts`, a child
 * process) tell each other over Node's IPC channel, and the configuration the parent hands over.
 *
 * @module
 */
import type { AlertsSnapshot } from 'fedscope';

/** Connection settings of one database server (structurally a pg `ClientConfig` / mysql2 `ConnectionOptions`). */
export interface DatabaseSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** The environment variable carrying the service's {@link SoakServiceConfig} as JSON. */
export const SERVICE_CONFIG_ENV = 'FEDSCOPE_SOAK_SERVICE_CONFIG';

/** Everything the service needs, decided by the parent. */
export interface SoakServiceConfig {
  /** Target federated queries per second. */
  readonly rate: number;
  /** Milliseconds between two memory and load samples. */
  readonly sampleIntervalMs: number;
  /** PostgreSQL, reached through the parent's TCP proxy (the port is the proxy's). */
  readonly postgres: DatabaseSettings;
  /** MariaDB, reached through the parent's TCP proxy (the port is the proxy's). */
  readonly mariadb: DatabaseSettings;
  /** The PostgreSQL table of orders the parent created for this run. */
  readonly ordersTable: string;
  /** The MariaDB table of customers the parent created for this run. */
  readonly customersTable: string;
  /** Base URL of the parent's HTTP source. */
  readonly httpSourceUrl: string;
  /** The OTLP/HTTP traces URL of the parent's receiver. */
  readonly otlpTracesUrl: string;
  /** Alertmanager's base URL (through the parent's TCP proxy). */
  readonly alertmanagerUrl: string;
  /** Where undelivered alert notifications are spooled at shutdown. */
  readonly spoolDir: string;
  /** The alert engine's evaluation interval, ms. */
  readonly alertEvaluationIntervalMs: number;
  /** How often still-firing alerts are re-sent to Alertmanager, ms. */
  readonly alertResendIntervalMs: number;
  /** Wait between delivering an alert's firing and its resolved notification, ms. */
  readonly alertHoldResolvedMs: number;
}

/** Counts of the open-loop load. */
export interface LoadCounts {
  /** Arrivals started. */
  readonly started: number;
  /** Queries that returned. */
  readonly succeeded: number;
  /** Queries that failed. */
  readonly failed: number;
  /** Arrivals not started: too many running, or too late to start (the service fell behind). */
  readonly shed: number;
}

/** One periodic sample of the service. */
export interface ServiceSample {
  /** Milliseconds since the load started. */
  readonly elapsedMs: number;
  /** Resident set size, bytes. */
  readonly rssBytes: number;
  /** V8 heap in use right after a full garbage collection, bytes. */
  readonly heapUsedBytes: number;
  /** V8 heap reserved (every space), bytes. */
  readonly heapTotalBytes: number;
  /** Memory outside the V8 heap that V8 is told about (ArrayBuffers, Buffers, zlib), bytes. */
  readonly externalBytes: number;
  /** CPU time (user + system) the process used so far, ms. */
  readonly cpuMs: number;
  /** 99th percentile of the event loop's delay since the previous sample, ms. */
  readonly eventLoopDelayP99Ms: number;
  /** The load's counts so far. */
  readonly load: LoadCounts;
}

/** Latency percentiles of finished queries, ms (from each query's scheduled arrival). */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly p999: number | null;
  readonly max: number | null;
  /** The sketch's relative error bound of the percentiles. */
  readonly relativeAccuracy: number;
}

/** An alert as fedscope notified it: identity (labels) and start. */
export interface NotifiedAlert {
  readonly labels: Readonly<Record<string, string>>;
  /** When it started firing (ISO 8601), Alertmanager's `startsAt`. */
  readonly startsAt: string;
}

/** A resolved notification: the alert and when it resolved. */
export interface ResolvedAlert extends NotifiedAlert {
  /** Alertmanager's `endsAt` (ISO 8601). */
  readonly endsAt: string;
}

/** The delivery counters of fedscope's Alertmanager channel (its `DeliveryStats`, less the channel's name). */
export type AlertDeliveryCounts = Omit<AlertsSnapshot['delivery'][number], 'channel'>;

/** The alert engine now, as the service sees it. */
export interface ServiceAlertState {
  /** Alerts firing now. */
  readonly firing: NotifiedAlert[];
  /** The Alertmanager channel's counters; null when fedscope has no such channel. */
  readonly delivery: AlertDeliveryCounts | null;
}

/** What the service reports once the load stopped and its spans were flushed. */
export interface DrainReport {
  /** The load's final counts. */
  readonly load: LoadCounts;
  /** Milliseconds from the first arrival to the last. */
  readonly loadDurationMs: number;
  /** Every finished query. */
  readonly latency: LatencySummary;
  /** Queries that returned. */
  readonly latencySucceeded: LatencySummary;
  /** Failed queries by error code and source (`TIMEOUT orders`, `BREAKER_OPEN customers`, …). */
  readonly failuresByKind: Readonly<Record<string, number>>;
  /** Sampled spans ended in the service (what the OTLP batch processor was handed). */
  readonly spansEnded: number;
  /** Every firing notification fedscope raised (one per alert start). */
  readonly firingNotifications: NotifiedAlert[];
  /** Every resolved notification fedscope raised. */
  readonly resolvedNotifications: ResolvedAlert[];
}

/** Messages from the parent. */
export type ParentMessage =
  { readonly type: 'start-load' } | { readonly type: 'stop-load' } | { readonly type: 'alert-state' } | { readonly type: 'shutdown' };

/** Messages from the service. */
export type ServiceMessage =
  | { readonly type: 'ready'; readonly metricsUrl: string }
  | { readonly type: 'sample'; readonly sample: ServiceSample }
  | { readonly type: 'drained'; readonly report: DrainReport }
  | { readonly type: 'alert-state'; readonly state: ServiceAlertState }
  | { readonly type: 'stopped'; readonly delivery: AlertDeliveryCounts | null }
  | { readonly type: 'fatal'; readonly message: string };
