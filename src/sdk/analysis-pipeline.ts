import type { MeterProvider } from '@opentelemetry/api';
import { AlertEngine } from '../../processors/alerts/alert-engine.js';
import { AlertMetricProducer } from '../../processors/alerts/alert-metric-producer.js';
import { AlertmanagerChannel } from '../../processors/alerts/channels/alertmanager-channel.js';
import { LogChannel } from '../../processors/alerts/channels/log-channel.js';
import type { AlertChannel } from '../../processors/alerts/channels/types.js';
import { WebhookChannel } from '../../processors/alerts/channels/webhook-channel.js';
import type { AlertsSnapshot } from '../../processors/alerts/alert-engine.js';
import type { MetricProducer } from '@opentelemetry/sdk-metrics';
import { AnalysisMetricProducer } from '../../processors/analysis/analysis-metric-producer.js';
import { AnalysisState } from '../../processors/analysis/analysis-state.js';
import type { FedscopeSnapshot } from '../../processors/analysis/snapshot-types.js';
import type { ClassifiedSpanSink } from '../../processors/federation-span-processor.js';
import { HealthMetricProducer } from '../../processors/health/health-metric-producer.js';
import { HealthScorer } from '../../processors/health/health-scorer.js';
import type { BreakerState, HealthSnapshot } from '../../processors/health/types.js';
import { BottleneckAggregator } from '../../processors/trace-analysis/bottleneck-aggregator.js';
import { BottleneckMetricProducer } from '../../processors/trace-analysis/bottleneck-metric-producer.js';
import { TraceAssembler } from '../../processors/trace-analysis/trace-assembler.js';
import type { BottleneckSnapshot, TraceAssemblyStats } from '../../processors/trace-analysis/types.js';
import { fedscopeLog } from '../diagnostics/fedscope-log.js';
import { getRoute, type HttpRoute } from '../http/metrics-server.js';
import type { ResolvedAlertsConfig, ResolvedConfig } from '../options/resolved-config.js';
import { publishedBreakerStates } from '../span-model/breaker-states.js';
import { HostMetricsCollector } from '../system-metrics/host-metrics-collector.js';
import { RuntimeMetricsCollector } from '../system-metrics/runtime-metrics-collector.js';
import { saturationSample } from '../system-metrics/saturation-sample.js';
import { PipelineFigureProvider } from './pipeline-figure-provider.js';

/** Path of the JSON snapshot on the metrics server. */
export const SNAPSHOT_PATH = '/fedscope/snapshot.json';
/** Path of the bottleneck and suggestion report on the metrics server. */
export const BOTTLENECKS_PATH = '/fedscope/bottlenecks.json';
/** Path of the alert report on the metrics server. */
export const ALERTS_PATH = '/fedscope/alerts.json';
/** Path of the health report on the metrics server. */
export const HEALTH_PATH = '/fedscope/health.json';


/** What an {@link AnalysisPipeline} asks of the span processor that feeds it. */
export interface AnalysisPipelineHooks {
  /** fedscope's own counters, exported with the statistics. */
  selfCounters(): Record<string, number>;
  /** Records the spans the processor holds (deferred recording); every report and collection calls it first. */
  flushSpans(): void;
}

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
  /** The alert engine, when alerts are on. */
  readonly alerts: AlertEngine | undefined;
  private host: HostMetricsCollector | undefined;
  private runtime: RuntimeMetricsCollector | undefined;
  private tickSnapshot: { records: number; snapshot: FedscopeSnapshot } | undefined;
  /** Breakers the process's federation runtimes publish, with any the application reports (`health.breakers`). */
  private readonly breakerStates = (): Record<string, BreakerState> =>
    publishedBreakerStates(this.config.health?.breakers, (error) => fedscopeLog.warn('health.breakers failed; the breakers of the federations still count', error));
  /**
   * A full snapshot merges every series' slots, and one scrape reads it from several producers in
   * the same tick: they share one snapshot while no span was recorded in between, until the next
   * turn of the event loop.
   */
  private readonly reusableSnapshot = {
    snapshot: (): FedscopeSnapshot => {
      this.hooks.flushSpans(); // before the count is read: what it records makes a cached snapshot stale
      const records = this.state.recordCount;
      if (this.tickSnapshot?.records === records) return this.tickSnapshot.snapshot;
      if (this.tickSnapshot === undefined) setImmediate(() => (this.tickSnapshot = undefined)).unref();
      this.tickSnapshot = { records, snapshot: this.state.snapshot() };
      return this.tickSnapshot.snapshot;
    },
  };

  /**
   * @param config - the resolved options (analysis bounds, health objectives, collectors)
   * @param hooks - fedscope's own counters to export, and how to record the spans the span processor holds
   */
  constructor(
    private readonly config: ResolvedConfig,
    private readonly hooks: AnalysisPipelineHooks,
  ) {
    this.state = new AnalysisState(config.analysis);
    this.bottlenecks = new BottleneckAggregator({
      windowsSeconds: this.state.windowsSeconds,
      statements: () => this.reusableSnapshot.snapshot().statements,
    });
    this.assembler = new TraceAssembler([this.bottlenecks]);
    this.health = new HealthScorer({
      ...config.health,
      breakers: this.breakerStates,
      analysis: this.reusableSnapshot,
      saturation: () => saturationSample(this.host, this.runtime),
      sourcesOfQuery: (query) => this.bottlenecks.sourcesOf(query),
    });
    this.alerts = config.alerts ? this.buildAlertEngine(config.alerts) : undefined;
  }

  private buildAlertEngine(alerts: ResolvedAlertsConfig): AlertEngine {
    const channels: AlertChannel[] = [];
    // Straight to stderr (not through diag, which nothing enables by default): an alert is never silent.
    if (alerts.log) channels.push(new LogChannel());
    if (alerts.alertmanager) channels.push(new AlertmanagerChannel(alerts.alertmanager));
    for (const hook of alerts.webhooks) channels.push(new WebhookChannel(hook));
    const figures = new PipelineFigureProvider({
      saturation: () => saturationSample(this.host, this.runtime),
      healthScore: () => this.health.snapshot().overall.score,
      breakers: this.breakerStates,
    });
    return new AlertEngine({
      analysis: this.state,
      providers: [figures],
      rules: alerts.rules,
      channels,
      evaluationIntervalMs: alerts.evaluationIntervalMs,
      onError: (message, error) => fedscopeLog.warn(message, error),
      beforeEvaluation: () => this.hooks.flushSpans(),
    });
  }

  /** The span sinks to give the FederationSpanProcessor. */
  sinks(): ClassifiedSpanSink[] {
    return this.alerts ? [this.state, this.assembler, this.alerts.spanSink] : [this.state, this.assembler];
  }

  /** A fresh set of metric producers for one metric reader. */
  metricProducers(): MetricProducer[] {
    const producers: MetricProducer[] = [
      new AnalysisMetricProducer(this.reusableSnapshot, { selfCounters: () => this.hooks.selfCounters() }),
      new BottleneckMetricProducer(this.bottlenecks, this.assembler),
      new HealthMetricProducer(this.health),
      ...(this.alerts ? [new AlertMetricProducer(this.alerts)] : []),
    ];
    return producers.map((producer) => ({
      collect: (options) => {
        this.hooks.flushSpans();
        return producer.collect(options);
      },
    }));
  }

  /** Starts the runtime and host collectors the options ask for (host collection runs on a slow, unref'd timer). */
  startCollectors(meterProvider: MeterProvider): void {
    this.alerts?.start();
    if (this.config.runtimeMetrics) {
      this.runtime = new RuntimeMetricsCollector({ meterProvider });
      this.runtime.start();
    }
    if (this.config.hostMetrics) {
      this.host = new HostMetricsCollector({ meterProvider, intervalMs: this.config.hostMetrics.intervalMs });
      void this.host.start();
    }
  }

  /** The statistics now. */
  snapshot(): FedscopeSnapshot {
    this.hooks.flushSpans();
    return this.state.snapshot();
  }

  /** Bottlenecks and ranked suggestions per query name, after assembling what is due. */
  bottleneckReport(): BottleneckSnapshot & { assembly: TraceAssemblyStats } {
    this.hooks.flushSpans();
    this.assembler.flush();
    return { ...this.bottlenecks.snapshot(), assembly: this.assembler.stats() };
  }

  /** The health score overall, per query and per source, with its components and reasons. */
  healthReport(): HealthSnapshot {
    this.hooks.flushSpans();
    // The scores of queries name their sources from the assembled traces.
    this.assembler.flush();
    return this.health.snapshot();
  }

  /** Active alerts, rule states and bounded history; `null` when alerts are off. */
  alertsReport(): AlertsSnapshot | null {
    this.hooks.flushSpans();
    return this.alerts?.snapshot() ?? null;
  }

  /** The JSON routes of the metrics server. */
  routes(): HttpRoute[] {
    return [
      jsonRoute(SNAPSHOT_PATH, () => this.snapshot()),
      jsonRoute(BOTTLENECKS_PATH, () => this.bottleneckReport()),
      jsonRoute(HEALTH_PATH, () => this.healthReport()),
      jsonRoute(ALERTS_PATH, () => this.alertsReport()),
    ];
  }

  /** Stops the collectors' timers and the alert engine (delivering what is queued, for up to 5 s). */
  async stop(): Promise<void> {
    this.host?.stop();
    this.runtime?.stop();
    await this.alerts?.shutdown();
  }
}

function jsonRoute(path: string, body: () => unknown): HttpRoute {
  return getRoute(path, (_req, res) => {
    const text = JSON.stringify(body());
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(text);
  });
}
