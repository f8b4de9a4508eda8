import { metrics, ValueType, type Histogram, type Meter } from '@opentelemetry/api';
import {
  constants,
  monitorEventLoopDelay,
  performance,
  PerformanceObserver,
  type EventLoopUtilization,
  type IntervalHistogram,
} from 'node:perf_hooks';
import v8 from 'node:v8';
import { FEDSCOPE_SCOPE_NAME } from '../../src/span-model/attributes.js';
import { FEDSCOPE_VERSION } from '../../src/version.js';
import type { RuntimeMetricsOptions, RuntimeSample } from './types.js';

const GC_TYPES: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** Event-loop delay figures are kept per interval: a histogram since start would hide a recent stall. */
const DELAY_INTERVAL_MS = 10_000;

/** A histogram's nanoseconds as milliseconds. */
function nsToMs(ns: number): number {
  return ns / 1e6;
}

/**
 * Node runtime metrics from built-ins only (microseconds per read, nothing spawned): event-loop
 * delay (`perf_hooks.monitorEventLoopDelay`, figures of the last ~10 s interval), event-loop
 * utilisation, V8 heap per space, RSS, GC pauses (PerformanceObserver), CPU time and active
 * resources. Instruments (OTel semantic conventions where they exist):
 * `nodejs.eventloop.delay.{min,max,mean,stddev,p50,p90,p99}` (s), `nodejs.eventloop.utilization`,
 * `v8js.memory.heap.used` / `v8js.memory.heap.limit{v8js.heap.space.name}`, `v8js.gc.duration{v8js.gc.type}`
 * (histogram, s), `process.memory.usage` (RSS), `process.cpu.time{cpu.mode}`,
 * `fedscope.nodejs.active_resources`.
 */
export class RuntimeMetricsCollector {
  private readonly options: RuntimeMetricsOptions;
  private delay: IntervalHistogram | undefined;
  private lastDelay: RuntimeSample['eventLoopDelay'] = null;
  private timer: NodeJS.Timeout | undefined;
  private gcObserver: PerformanceObserver | undefined;
  private readonly gc: Record<string, { count: number; totalMs: number }> = {};
  private gcHistogram: Histogram | undefined;
  private lastElu: EventLoopUtilization | undefined;
  private registered = false;

  /** @param options - meter provider, event-loop sampling resolution */
  constructor(options: RuntimeMetricsOptions = {}) {
    this.options = options;
  }

  /** Starts the event-loop monitor, the GC observer, the interval timer (unref'd) and the instruments. */
  start(): void {
    if (this.delay !== undefined) return;
    this.delay = monitorEventLoopDelay({ resolution: this.options.eventLoopResolutionMs ?? 20 });
    this.delay.enable();
    this.lastElu = performance.eventLoopUtilization();
    this.timer = setInterval(() => this.rollDelay(), DELAY_INTERVAL_MS);
    this.timer.unref();
    const meter = (this.options.meterProvider ?? metrics.getMeterProvider()).getMeter(`${FEDSCOPE_SCOPE_NAME}.runtime`, FEDSCOPE_VERSION);
    this.gcHistogram = meter.createHistogram('v8js.gc.duration', {
      description: 'Garbage-collection pauses.',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1] },
    });
    this.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = GC_TYPES[((entry as { detail?: unknown }).detail as { kind?: number } | undefined)?.kind ?? -1] ?? 'other';
        const totals = (this.gc[kind] ??= { count: 0, totalMs: 0 });
        totals.count++;
        totals.totalMs += entry.duration;
        this.gcHistogram?.record(entry.duration / 1000, { 'v8js.gc.type': kind });
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
    this.register(meter);
  }

  /** Stops everything started. */
  stop(): void {
    this.delay?.disable();
    this.delay = undefined;
    this.gcObserver?.disconnect();
    this.gcObserver = undefined;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the runtime now (event-loop delay: the last full interval, else since start). */
  sample(): RuntimeSample {
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    const elu = this.lastElu !== undefined ? performance.eventLoopUtilization(this.lastElu) : undefined;
    return {
      eventLoopDelay: this.lastDelay ?? this.delayFigures(),
      eventLoopUtilization: elu?.utilization ?? 0,
      heapUsedBytes: mem.heapUsed,
      heapTotalBytes: mem.heapTotal,
      heapLimitBytes: v8.getHeapStatistics().heap_size_limit,
      rssBytes: mem.rss,
      externalBytes: mem.external,
      activeResources: process.getActiveResourcesInfo().length,
      gc: structuredClone(this.gc),
      cpuUserSeconds: cpu.user / 1e6,
      cpuSystemSeconds: cpu.system / 1e6,
    };
  }

  /** Event-loop delay p99 of the last interval, ms (for the health score). */
  eventLoopDelayP99Ms(): number | null {
    if (this.lastDelay !== null) return this.lastDelay.p99Ms;
    // Before the first full interval: the one figure asked for (the histogram's stddev walks every bucket).
    const h = this.liveDelay();
    return h === undefined ? null : nsToMs(h.percentile(99));
  }

  private rollDelay(): void {
    this.lastDelay = this.delayFigures();
    this.delay?.reset();
    this.lastElu = performance.eventLoopUtilization();
  }

  /** The live delay histogram, when it holds a measurement. */
  private liveDelay(): IntervalHistogram | undefined {
    const h = this.delay;
    return h === undefined || h.count === 0 ? undefined : h;
  }

  private delayFigures(): RuntimeSample['eventLoopDelay'] {
    const h = this.liveDelay();
    if (h === undefined) return null;
    return {
      minMs: nsToMs(h.min),
      maxMs: nsToMs(h.max),
      meanMs: nsToMs(h.mean),
      stddevMs: nsToMs(h.stddev),
      p50Ms: nsToMs(h.percentile(50)),
      p90Ms: nsToMs(h.percentile(90)),
      p99Ms: nsToMs(h.percentile(99)),
    };
  }

  private register(meter: Meter): void {
    if (this.registered) return;
    this.registered = true;
    const fields = [
      ['min', 'minMs'],
      ['max', 'maxMs'],
      ['mean', 'meanMs'],
      ['stddev', 'stddevMs'],
      ['p50', 'p50Ms'],
      ['p90', 'p90Ms'],
      ['p99', 'p99Ms'],
    ] as const;
    const delayGauges = fields.map(
      ([suffix, field]) =>
        [
          meter.createObservableGauge(`nodejs.eventloop.delay.${suffix}`, {
            description: `Event-loop delay ${suffix} over the last interval.`,
            unit: 's',
          }),
          field,
        ] as const,
    );
    // One callback for the seven gauges: before the first full interval the figures are computed
    // from the live histogram, once per collection rather than once per gauge.
    meter.addBatchObservableCallback(
      (r) => {
        const d = this.lastDelay ?? this.delayFigures();
        if (d !== null) for (const [gauge, field] of delayGauges) r.observe(gauge, d[field] / 1000);
      },
      delayGauges.map(([gauge]) => gauge),
    );
    meter
      .createObservableGauge('nodejs.eventloop.utilization', {
        description: 'Share of time the event loop was busy since the last interval.',
        unit: '1',
      })
      .addCallback((r) => {
        if (this.lastElu !== undefined) r.observe(performance.eventLoopUtilization(this.lastElu).utilization);
      });
    meter
      .createObservableGauge('v8js.memory.heap.used', { description: 'V8 heap used per space.', unit: 'By', valueType: ValueType.INT })
      .addCallback((r) => {
        for (const space of v8.getHeapSpaceStatistics()) r.observe(space.space_used_size, { 'v8js.heap.space.name': space.space_name });
      });
    meter
      .createObservableGauge('v8js.memory.heap.limit', { description: 'V8 heap size per space.', unit: 'By', valueType: ValueType.INT })
      .addCallback((r) => {
        for (const space of v8.getHeapSpaceStatistics()) r.observe(space.space_size, { 'v8js.heap.space.name': space.space_name });
      });
    meter
      .createObservableGauge('process.memory.usage', {
        description: 'Resident set size of this process.',
        unit: 'By',
        valueType: ValueType.INT,
      })
      .addCallback((r) => r.observe(process.memoryUsage.rss()));
    meter.createObservableCounter('process.cpu.time', { description: 'CPU time of this process by mode.', unit: 's' }).addCallback((r) => {
      const cpu = process.cpuUsage();
      r.observe(cpu.user / 1e6, { 'cpu.mode': 'user' });
      r.observe(cpu.system / 1e6, { 'cpu.mode': 'system' });
    });
    meter
      .createObservableGauge('fedscope.nodejs.active_resources', {
        description: 'Resources keeping the event loop alive (handles, requests, timers).',
        unit: '{resource}',
        valueType: ValueType.INT,
      })
      .addCallback((r) => r.observe(process.getActiveResourcesInfo().length));
  }
}
