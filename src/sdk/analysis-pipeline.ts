import type { MeterProvider } from '@opentelemetry/api';
import type { MetricProducer } from '@opentelemetry/sdk-metrics';
import { AnalysisMetricProducer } from '../../processors/analysis/analysis-metric-producer.js';
import { AnalysisState } from '../../processors/analysis/analysis-state.js';
import type { FedscopeSnapshot } from '../../processors/analysis/snapshot-types.js';
import type { ClassifiedSpanSink } from '../../processors/federation-span-processor.js';
import { HealthMetricProducer } from '../../processors/health/health-metric-producer.js';
import { HealthScorer } from '../../processors/health/health-scorer.js';
import type { HealthSnapshot } from '../../processors/health/types.js';
import { BottleneckAggregator } from '../../processors/trace-analysis/bottleneck-aggregator.js';
import { BottleneckMetricProducer } from '../../processors/trace-analysis/bottleneck-metric-producer.js';
import { TraceAssembler } from '../../processors/trace-analysis/trace-assembler.js';
import type { BottleneckSnapshot, TraceAssemblyStats } from '../../processors/trace-analysis/types.js';
import { getRoute, type HttpRoute } from '../http/metrics-server.js';
import type { ResolvedConfig } from '../options/resolved-config.js';
import { HostMetricsCollector } from '../system-metrics/host-metrics-collector.js';
import { RuntimeMetricsCollector } from '../system-metrics/runtime-metrics-collector.js';
import { saturationSample } from '../system-metrics/saturation-sample.js';

/** Path of the JSON snapshot on the metrics server. */
export const SNAPSHOT_PATH = '/fedscope/snapshot.json';
/** Path of the bottleneck and suggestion report on the metrics server. */
export const BOTTLENECKS_PATH = '/fedscope/bottlenecks.json';
/** Path of the health report on the metrics server. */
export const HEALTH_PATH = '/fedscope/health.json';

/**
 * A full snapshot merges every series' slots; one scrape reads it from three producers, so it is
 * reused for this long.
 */
const SNAPSHOT_REUSE_MS = 1000;

/**
 * Everything fedscope derives from spans, wired together: the windowed statistics, trace
 * assembly with critical-path analysis and suggestions, the health score, and the host and
 * runtime collectors it reads. startFedscope builds one; its parts are exported for composing.
 */
export class AnalysisPipeline {
  readonly state: AnalysisState;
  readonly assembler: TraceAssembler;
  readonly bottlenecks: BottleneckAggregator;
  readonly health: HealthScorer;
  private host: HostMetricsCollector | undefined;
  private runtime: RuntimeMetricsCollector | undefined;
  private lastSnapshot: { atMs: number; snapshot: FedscopeSnapshot } | undefined;
  /** Reads the statistics, reusing a snapshot taken within the last second. */
  private readonly reusableSnapshot = { snapshot: (): FedscopeSnapshot => this.snapshot(SNAPSHOT_REUSE_MS) };

  /**
   * @param config - the resolved options (analysis bounds, health objectives, collectors)
   * @param selfCounters - fedscope's own counters to export with the statistics
   */
  constructor(
    private readonly config: ResolvedConfig,
    private readonly selfCounters: () => Record<string, number>,
  ) {
    this.state = new AnalysisState(config.analysis);
    this.bottlenecks = new BottleneckAggregator({
      windowsSeconds: this.state.windowsSeconds,
      statements: () => this.reusableSnapshot.snapshot().statements,
    });
    this.assembler = new TraceAssembler([this.bottlenecks]);
    this.health = new HealthScorer({
      ...config.health,
      analysis: this.reusableSnapshot,
      saturation: () => saturationSample(this.host, this.runtime),
      sourcesOfQuery: (query) => this.bottlenecks.sourcesOf(query),
    });
  }

  /** The span sinks to give the FederationSpanProcessor. */
  sinks(): ClassifiedSpanSink[] {
    return [this.state, this.assembler];
  }

  /** A fresh set of metric producers for one metric reader. */
  metricProducers(): MetricProducer[] {
    return [
      new AnalysisMetricProducer(this.reusableSnapshot, { selfCounters: this.selfCounters }),
      new BottleneckMetricProducer(this.bottlenecks, this.assembler),
      new HealthMetricProducer(this.health),
    ];
  }

  /** Starts the runtime and host collectors the options ask for (host collection runs on a slow, unref'd timer). */
  startCollectors(meterProvider: MeterProvider): void {
    if (this.config.runtimeMetrics) {
      this.runtime = new RuntimeMetricsCollector({ meterProvider });
      this.runtime.start();
    }
    if (this.config.hostMetrics) {
      this.host = new HostMetricsCollector({ meterProvider, intervalMs: this.config.hostMetrics.intervalMs });
      void this.host.start();
    }
  }

  /** The statistics now, or one taken less than `reuseMs` ago. */
  snapshot(reuseMs = 0): FedscopeSnapshot {
    const now = Date.now();
    if (reuseMs > 0 && this.lastSnapshot && now - this.lastSnapshot.atMs < reuseMs) return this.lastSnapshot.snapshot;
    const snapshot = this.state.snapshot();
    this.lastSnapshot = { atMs: now, snapshot };
    return snapshot;
  }

  /** Bottlenecks and ranked suggestions per query name, after assembling what is due. */
  bottleneckReport(): BottleneckSnapshot & { assembly: TraceAssemblyStats } {
    this.assembler.flush();
    return { ...this.bottlenecks.snapshot(), assembly: this.assembler.stats() };
  }

  /** The health score overall, per query and per source, with its components and reasons. */
  healthReport(): HealthSnapshot {
    return this.health.snapshot();
  }

  /** The JSON routes of the metrics server. */
  routes(): HttpRoute[] {
    return [
      jsonRoute(SNAPSHOT_PATH, () => this.snapshot()),
      jsonRoute(BOTTLENECKS_PATH, () => this.bottleneckReport()),
      jsonRoute(HEALTH_PATH, () => this.healthReport()),
    ];
  }

  /** Stops the collectors' timers. */
  stop(): void {
    this.host?.stop();
    this.runtime?.stop();
  }
}

function jsonRoute(path: string, body: () => unknown): HttpRoute {
  return getRoute(path, (_req, res) => {
    const text = JSON.stringify(body());
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(text);
  });
}
