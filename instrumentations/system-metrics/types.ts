/** Interfaces of fedscope's host and runtime metrics. Ratios in [0, 1]; null when not measured yet. */
import type { MeterProvider } from '@opentelemetry/api';

/** One host reading by {@link HostMetricsCollector}. */
export interface HostSample {
  /** Clock time of the reading (ms since the epoch). */
  atMs: number;
  cpuUtilization: number | null;
  memoryUtilization: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
  /** Per mounted filesystem. */
  filesystems: Array<{ device: string; mountpoint: string; type: string; usedBytes: number; sizeBytes: number; utilization: number }>;
  /** Per network interface, cumulative bytes. */
  network: Array<{
    interface: string;
    rxBytes: number;
    txBytes: number;
    rxErrors: number;
    txErrors: number;
    rxDropped: number;
    txDropped: number;
  }>;
  /** Wall time of the reading, ms (the collector's cost per tick, mostly waiting on /proc and child processes). */
  collectMs: number;
  /** CPU time this process spent in the reading, ms (user + system). */
  collectCpuMs: number;
}

/**
 * The subset of systeminformation 5.x that fedscope calls (so tests can pass a fake and the
 * package loads only when host metrics are on).
 */
export interface SystemInformationApi {
  currentLoad(): Promise<{ currentLoad: number }>;
  mem(): Promise<{ total: number; available: number; used: number }>;
  fsSize(): Promise<Array<{ fs: string; type: string; size: number; used: number; use: number; mount: string }>>;
  networkStats(): Promise<
    Array<{
      iface: string;
      rx_bytes: number;
      tx_bytes: number;
      rx_errors: number;
      tx_errors: number;
      rx_dropped: number;
      tx_dropped: number;
    }>
  >;
}

/** Options of {@link HostMetricsCollector}. */
export interface HostMetricsOptions {
  /**
   * Meter provider for the observable gauges.
   * @default the global meter provider
   */
  meterProvider?: MeterProvider;
  /**
   * Time between readings, ms; at least 10,000 (a reading costs tens of ms of child processes
   * and /proc reads, see the notes).
   * @default 15000
   */
  intervalMs?: number;
  /**
   * Read filesystems (`fsSize`, ~10 ms per reading).
   * @default true
   */
  filesystems?: boolean;
  /**
   * Read network interfaces (`networkStats`, 10–30 ms per reading).
   * @default true
   */
  network?: boolean;
  /**
   * The systeminformation API (a fake in tests).
   * @default systeminformation in a worker thread (its `execSync` calls never stall the event loop)
   */
  systemInformation?: () => Promise<SystemInformationApi>;
}

/** One runtime reading by {@link RuntimeMetricsCollector}. */
export interface RuntimeSample {
  eventLoopDelay: { minMs: number; maxMs: number; meanMs: number; stddevMs: number; p50Ms: number; p90Ms: number; p99Ms: number } | null;
  /** Event-loop utilisation since the previous reading (0–1). */
  eventLoopUtilization: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  heapLimitBytes: number;
  rssBytes: number;
  externalBytes: number;
  /** Active resources keeping the loop alive (handles, requests, timers). */
  activeResources: number;
  /** GC pauses since start, by kind: count and total ms. */
  gc: Record<string, { count: number; totalMs: number }>;
  /** Process CPU time since start, seconds. */
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
}

/** Options of {@link RuntimeMetricsCollector}. */
export interface RuntimeMetricsOptions {
  /**
   * Meter provider for the observable gauges and the GC histogram.
   * @default the global meter provider
   */
  meterProvider?: MeterProvider;
  /**
   * Sampling resolution of the event-loop delay histogram, ms.
   * @default 20
   */
  eventLoopResolutionMs?: number;
}
