import type { Resource } from '@opentelemetry/resources';
import { InstrumentType, MeterProvider, type MetricProducer, type MetricReader, type ViewOptions } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { DecodedSpan } from '../otlp/trace-model.js';
import { HostMetricsCollector } from '../../instrumentations/system-metrics/host-metrics-collector.js';
import { RuntimeMetricsCollector } from '../../instrumentations/system-metrics/runtime-metrics-collector.js';
import { AlertEngine, type AlertsSnapshot } from '../../processors/alerts/alert-engine.js';
import { AlertSpool } from '../../processors/alerts/alert-spool.js';
import { AlertmanagerChannel } from '../../processors/alerts/channels/alertmanager-channel.js';
import { LogChannel } from '../../processors/alerts/channels/log-channel.js';
import type { AlertChannel } from '../../processors/alerts/channels/types.js';
import { WebhookChannel } from '../../processors/alerts/channels/webhook-channel.js';
import { DEFAULT_ANALYSIS_BOUNDS } from '../../processors/analysis/analysis-options.js';
import { AnalysisState } from '../../processors/analysis/analysis-state.js';
import type { FedscopeSnapshot } from '../../processors/analysis/snapshot-types.js';
import { SystemClock } from '../stats/system-clock.js';
import { FederationSpanProcessor } from '../../processors/federation-span-processor.js';
import { HealthScorer } from '../../processors/health/health-scorer.js';
import { SpanMetricTable } from '../../processors/span-metrics/span-metric-table.js';
import { HistoryPersistence } from '../../processors/history/history-persistence.js';
import { HistoryStore } from '../../processors/history/history-store.js';
import type {
  HistoryQuery,
  HistoryQueryError,
  HistoryReport,
  HistorySeriesReport,
  HistoryStoreOptions,
} from '../../processors/history/types.js';
import type { SlowTracesQuery, SlowTracesReport } from '../../processors/analysis/slow-trace-types.js';
import type { BreakerState, HealthSnapshot } from '../../processors/health/types.js';
import { BottleneckAggregator } from '../../processors/trace-analysis/bottleneck-aggregator.js';
import { TraceAssembler } from '../../processors/trace-analysis/trace-assembler.js';
import type { BottleneckSnapshot, TraceAssemblerOptions, TraceAssemblyStats } from '../../processors/trace-analysis/types.js';
import { fedscopeLog } from '../diagnostics/fedscope-log.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, type ResolvedAlertsConfig, type ResolvedConfig } from '../options/resolved-config.js';
import { buildExportReport, type ExportQuery, type ExportReport } from '../output/export/export-report.js';
import { currentExportRows } from '../output/export/export-rows.js';
import { InfluxDbPush } from '../output/export/influxdb-push.js';
import { AlertMetricProducer } from '../output/metrics/alert-metric-producer.js';
import { AnalysisMetricProducer } from '../output/metrics/analysis-metric-producer.js';
import { BottleneckMetricProducer } from '../output/metrics/bottleneck-metric-producer.js';
import { ExpositionBudget } from '../output/metrics/exposition-budget.js';
import { ExpositionBudgetMetricProducer } from '../output/metrics/exposition-budget-metric-producer.js';
import { HealthMetricProducer } from '../output/metrics/health-metric-producer.js';
import { InfluxDbMetricProducer } from '../output/metrics/influxdb-metric-producer.js';
import { histogramFlavorOf, SpanMetricProducer, type HistogramFlavor } from '../output/metrics/span-metric-producer.js';
import { publishedBreakerStates } from '../span-model/breaker-states.js';
import { PipelineFigureProvider } from './pipeline-figure-provider.js';
import { saturationSample } from './saturation-sample.js';
import { sourceStatesReport, type SourceStatesReport } from './source-states-report.js';

/** What the pipeline takes of the resolved options: pass `resolveConfig(options)` (see {@link resolveConfig}). */
export type FedscopePipelineConfig = Pick<ResolvedConfig, 'analysis' | 'health' | 'alerts' | 'hostMetrics' | 'runtimeMetrics'> &
  Partial<Pick<ResolvedConfig, 'influxdb' | 'history' | 'jaegerUiUrl' | 'metrics'>>;

/** How a {@link FedscopePipeline} is wired to its outputs. */
export interface FedscopePipelineOptions {
  /** The resource of the pipeline's meter provider. */
  resource: Resource;
  /**
   * The metric readers (Prometheus, OTLP), each built around a fresh set of the pipeline's
   * producers: a producer belongs to one reader.
   * @default none
   */
  readers?: ReadonlyArray<(producers: MetricProducer[]) => MetricReader>;
  /**
   * Views of the meter provider (startFedscope drops the contrib pg duration series, which the
   * span processor records for every driver).
   * @default none
   */
  views?: ViewOptions[];
  /**
   * Instrumentation scopes that record `db.client.operation.duration` themselves (see
   * {@link FederationSpanProcessor}); empty when their series are dropped with a view.
   * @default the span processor's default
   */
  scopesRecordingDbDuration?: ReadonlySet<string>;
  /**
   * Record spans after the turn that ended them, off the application's request path (live
   * spans); spans handed to {@link FedscopePipeline.ingest} are recorded at once either way.
   * @default true
   */
  deferRecording?: boolean;
  /**
   * More metric producers for every reader, beside the pipeline's (e.g. the collector companion's
   * self-metrics); called once per reader, as a producer belongs to one reader.
   * @default none
   */
  extraProducers?: () => MetricProducer[];
  /**
   * How traces are assembled for critical paths and bottlenecks: the grace period for late spans
   * and the bounds. Spans received over OTLP arrive in the senders' export batches (every 5 s from
   * an SDK's batch processor), so a companion waits longer than an in-process pipeline.
   * @default the assembler's defaults (1 s grace, 5,000 traces in flight, 1,000 spans per trace)
   */
  traceAssembly?: Pick<TraceAssemblerOptions, 'graceMs' | 'maxTracesInFlight' | 'maxSpansPerTrace'>;
  /**
   * The in-memory history's tiers and bounds; it records one tick every `tickSeconds` between
   * {@link FedscopePipeline.start} and {@link FedscopePipeline.shutdown}.
   * @default 10 s points for 1 h, 1 min for 24 h, 10 min for 7 days; 200 series; a tick every 10 s
   */
  history?: HistoryStoreOptions;
}

/** The longest wait for the InfluxDB push to write what it holds at shutdown. */
const INFLUXDB_SHUTDOWN_MS = 5_000;

/** Slow traces listed per query by {@link FedscopePipeline.slowTracesReport}. */
const SLOW_TRACES_PER_QUERY = 10;

/** The OTel SDK's default bucket count of an exponential histogram, for a reader that names none. */
const DEFAULT_EXPONENTIAL_MAX_SIZE = 160;

/** The series bound of each span-derived metric: the largest of the analysis' bounds on queries, stages and sources. */
function spanMetricSeriesBound(analysis: FedscopePipelineConfig['analysis']): number {
  return Math.max(
    analysis.maxQueries ?? DEFAULT_ANALYSIS_BOUNDS.maxQueries,
    analysis.maxStages ?? DEFAULT_ANALYSIS_BOUNDS.maxStages,
    analysis.maxSources ?? DEFAULT_ANALYSIS_BOUNDS.maxSources,
  );
}

/** Seconds between history ticks when none are configured. */
const DEFAULT_HISTORY_TICK_SECONDS = 10;

/**
 * Everything fedscope derives from spans, as one object: the span processor and its sinks (the
 * windowed statistics, trace assembly with critical paths and suggestions, the alert engine's
 * span input), the health score, the host and runtime collectors it reads, the meter provider
 * whose readers get the pipeline's metric producers, and the reports the HTTP routes serve.
 *
 * Spans come in two ways: from the SDK, through {@link FedscopePipeline.spanProcessor} (add it to
 * a tracer provider), or already ended and decoded from OTLP, through {@link FedscopePipeline.ingest}.
 * Every read (a report, a metric collection, an alert evaluation) first records the spans the
 * processor holds back, so what is read is up to date.
 */
export class FedscopePipeline {
  /** The meter provider of fedscope's metrics and the span-derived instruments. */
  readonly meterProvider: MeterProvider;
  /** fedscope's span processor: add it to the tracer provider whose spans are analysed. */
  readonly spanProcessor: FederationSpanProcessor;
  /** The span-derived metrics (durations, counters), aggregated once per span and reported by a producer per reader. */
  private readonly spanMetrics: SpanMetricTable;
  // The parts below are fedscope's own (its tests read them): users read the reports, which
  // record the waiting spans first; the parts' classes are not in the public API.
  /** The windowed statistics per query, stage, source and statement. @internal */
  readonly state: AnalysisState;
  /** Assembles traces and analyses their critical paths. @internal */
  readonly assembler: TraceAssembler;
  /** Bottlenecks and suggestions per query, from the assembled traces. @internal */
  readonly bottlenecks: BottleneckAggregator;
  /** The 0–100 health score. @internal */
  readonly health: HealthScorer;
  /** The alert engine, when alerts are on. @internal */
  readonly alerts: AlertEngine | undefined;
  /** The multi-resolution history of the derived figures. @internal */
  readonly history: HistoryStore;
  private readonly historyTickMs: number;
  /** Pushes the current figures to InfluxDB every history tick, when configured. */
  private readonly influxPush: InfluxDbPush | undefined;
  private historyTimer: NodeJS.Timeout | undefined;
  /** Keeps the history across restarts, when `history.dir` is set. */
  private readonly historyPersistence: HistoryPersistence | undefined;
  private readonly extraProducers: () => MetricProducer[];
  private host: HostMetricsCollector | undefined;
  private runtime: RuntimeMetricsCollector | undefined;
  private tickSnapshot: { records: number; snapshot: FedscopeSnapshot } | undefined;
  /** Breakers the process's federation runtimes publish, with any the application reports (`health.breakers`). */
  private readonly breakerStates = (): Record<string, BreakerState> =>
    publishedBreakerStates(this.config.health?.breakers, (error) =>
      fedscopeLog.warn('health.breakers failed; the breakers of the federations still count', error),
    );
  /**
   * A full snapshot merges every series' slots, and one scrape reads it from several producers in
   * the same tick: they share one snapshot while no span was recorded in between, until the next
   * turn of the event loop.
   */
  private readonly reusableSnapshot = {
    snapshot: (): FedscopeSnapshot => {
      this.recordWaitingSpans(); // before the count is read: what it records makes a cached snapshot stale
      const records = this.state.recordCount;
      if (this.tickSnapshot?.records === records) return this.tickSnapshot.snapshot;
      if (this.tickSnapshot === undefined) setImmediate(() => (this.tickSnapshot = undefined)).unref();
      this.tickSnapshot = { records, snapshot: this.state.snapshot() };
      return this.tickSnapshot.snapshot;
    },
  };

  /**
   * @param config - the resolved options (analysis bounds, health objectives, alerts, collectors)
   * @param options - the resource, the metric readers and how spans are recorded
   */
  constructor(
    private readonly config: FedscopePipelineConfig,
    options: FedscopePipelineOptions,
  ) {
    this.state = new AnalysisState(config.analysis);
    this.bottlenecks = new BottleneckAggregator({
      windowsSeconds: this.state.windowsSeconds,
      statements: () => this.reusableSnapshot.snapshot().statements,
    });
    this.assembler = new TraceAssembler([this.bottlenecks], options.traceAssembly);
    this.health = new HealthScorer({
      ...config.health,
      breakers: this.breakerStates,
      analysis: this.reusableSnapshot,
      saturation: () => saturationSample(this.host, this.runtime),
      sourcesOfQuery: (query, service) => this.bottlenecks.sourcesOf(query, service),
    });
    this.alerts = config.alerts ? this.buildAlertEngine(config.alerts) : undefined;
    this.history = new HistoryStore(options.history);
    this.historyPersistence = config.history?.dir ? new HistoryPersistence(this.history, { dir: config.history.dir }) : undefined;
    this.influxPush = config.influxdb ? new InfluxDbPush(config.influxdb) : undefined;
    this.historyTickMs = (options.history?.tickSeconds ?? DEFAULT_HISTORY_TICK_SECONDS) * 1000;
    this.extraProducers = options.extraProducers ?? (() => []);
    this.spanMetrics = new SpanMetricTable({
      // The span metrics' series follow the analysis' bounds (the largest: stages, 2,000 by default).
      maxSeriesPerMetric: spanMetricSeriesBound(config.analysis),
      ...(options.scopesRecordingDbDuration ? { scopesRecordingDbDuration: options.scopesRecordingDbDuration } : {}),
    });
    // Data flows one way: spans → processor → sinks; the readers' producers read the sinks.
    this.meterProvider = new MeterProvider({
      resource: options.resource,
      readers: (options.readers ?? []).map((create) => this.readerWithProducers(create)),
      views: options.views ?? [],
    });
    this.spanProcessor = new FederationSpanProcessor({
      meterProvider: this.meterProvider,
      spanMetrics: this.spanMetrics,
      sinks: this.alerts ? [this.state, this.assembler, this.alerts.spanSink] : [this.state, this.assembler],
      ...(options.scopesRecordingDbDuration ? { scopesRecordingDbDuration: options.scopesRecordingDbDuration } : {}),
      deferRecording: options.deferRecording ?? true,
      // The sinks above copy what they keep of a span.
      reuseClassifiedSpans: true,
      // The analysis state and the trace assembler read the system clock: one reading per batch serves both.
      clock: SystemClock.instance,
    });
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
      beforeEvaluation: () => this.recordWaitingSpans(),
      ...(alerts.spoolDir !== undefined ? { spool: new AlertSpool(alerts.spoolDir) } : {}),
    });
  }

  /** Records the spans the processor holds back (deferred recording): every read does it first. */
  private recordWaitingSpans(): void {
    this.spanProcessor.flushPending();
  }

  /**
   * One metric reader with its own producers; the span metrics' histograms in the flavor its
   * aggregation selector asks for (exponential for OTLP, explicit buckets otherwise).
   */
  private readerWithProducers(create: (producers: MetricProducer[]) => MetricReader): MetricReader {
    let flavor: HistogramFlavor = 'explicit';
    const reader = create(this.metricProducers(() => flavor));
    const aggregation = reader.selectAggregation(InstrumentType.HISTOGRAM);
    flavor = histogramFlavorOf(aggregation);
    if (flavor === 'exponential') {
      const maxSize = 'options' in aggregation ? (aggregation.options as { maxSize?: number } | undefined)?.maxSize : undefined;
      this.spanMetrics.keepExponential(maxSize ?? DEFAULT_EXPONENTIAL_MAX_SIZE);
    }
    return reader;
  }

  /**
   * A fresh set of metric producers for one metric reader, sharing one exposition budget whose
   * own producer comes last (it reports what the others left out); `histograms`: the flavor of its span metrics.
   */
  private metricProducers(histograms: () => HistogramFlavor): MetricProducer[] {
    const budget = new ExpositionBudget(this.config.metrics?.maxSeriesPerMetric);
    const producers: MetricProducer[] = [
      new SpanMetricProducer(this.spanMetrics, histograms, { budget }),
      new AnalysisMetricProducer(this.reusableSnapshot, {
        budget,
        selfCounters: () => ({ 'fedscope.span_processor.failures': this.spanProcessor.failedRecords }),
      }),
      new BottleneckMetricProducer(this.bottlenecks, this.assembler, { budget }),
      new HealthMetricProducer(this.health, { budget }),
      ...(this.alerts ? [new AlertMetricProducer(this.alerts, { budget })] : []),
      ...(this.influxPush ? [new InfluxDbMetricProducer(this.influxPush, { budget })] : []),
      ...this.extraProducers(),
      new ExpositionBudgetMetricProducer(budget),
    ];
    return producers.map((producer) => ({
      collect: (options) => {
        this.recordWaitingSpans();
        return producer.collect(options);
      },
    }));
  }

  /**
   * Records spans that ended elsewhere (decoded from OTLP, replayed from a file). They are
   * classified and analysed as the SDK's own; their start was never seen, so they do not count
   * as active queries. A trace may span services whose spans come in other calls: one is
   * assembled whole within the trace assembler's grace period and bounds.
   */
  ingest(spans: Iterable<ReadableSpan>): void {
    this.recordWaitingSpans();
    for (const span of spans) this.spanProcessor.recordReceived(span);
  }

  /**
   * {@link FedscopePipeline.ingest} for spans as the OTLP decoders give them (`decodeTraceRequest`),
   * without building an SDK `ReadableSpan` for each: the same analysis as `ingest` of the SDK spans they describe.
   * @returns how many spans could not be classified (logged; the others are recorded)
   */
  ingestDecoded(spans: Iterable<DecodedSpan>): number {
    this.recordWaitingSpans();
    let failed = 0;
    // One clock reading for the request's spans.
    const now = SystemClock.instance.now();
    for (const span of spans) if (!this.spanProcessor.recordDecoded(span, now)) failed++;
    return failed;
  }

  /**
   * Starts the alert engine, the history's ticks (after loading the saved history when `history.dir`
   * is set, and its saves every 60 s) and the runtime and host collectors the options ask for (on
   * slow, unref'd timers).
   */
  start(): void {
    this.alerts?.start();
    // The saved history first: the first tick then adds to it.
    this.historyPersistence?.load();
    this.historyPersistence?.start();
    this.historyTimer ??= setInterval(() => this.recordHistory(), this.historyTickMs).unref();
    if (this.config.runtimeMetrics) {
      this.runtime = new RuntimeMetricsCollector({ meterProvider: this.meterProvider });
      this.runtime.start();
    }
    if (this.config.hostMetrics) {
      this.host = new HostMetricsCollector({ meterProvider: this.meterProvider, intervalMs: this.config.hostMetrics.intervalMs });
      void this.host.start();
    }
  }

  /** The statistics now. */
  snapshot(): FedscopeSnapshot {
    this.recordWaitingSpans();
    return this.state.snapshot();
  }

  /** Bottlenecks and ranked suggestions per query name, after assembling what is due. */
  bottleneckReport(): BottleneckSnapshot & { assembly: TraceAssemblyStats } {
    this.recordWaitingSpans();
    this.assembler.flush();
    return { ...this.bottlenecks.snapshot(), assembly: this.assembler.stats() };
  }

  /** The health score overall, per query and per source, with its components and reasons. */
  healthReport(): HealthSnapshot {
    this.recordWaitingSpans();
    // The scores of queries name their sources from the assembled traces.
    this.assembler.flush();
    return this.health.snapshot();
  }

  /** Active alerts, rule states and bounded history; `null` when alerts are off. */
  alertsReport(): AlertsSnapshot | null {
    this.recordWaitingSpans();
    return this.alerts?.snapshot() ?? null;
  }

  /** The circuit breakers' states and recent transitions and the connection pools' gauges (see {@link SourceStatesReport}). */
  sourceStatesReport(): SourceStatesReport {
    return sourceStatesReport(this.breakerStates());
  }

  /** What the history holds: its tiers, every series with its kind and labels, the services, its bounds and what its persistence did. */
  seriesReport(): HistorySeriesReport {
    const series = this.history.seriesIndex();
    const services = new Set<string>();
    for (const each of series) if (each.labels.service !== undefined) services.add(each.labels.service);
    return {
      tiers: this.history.tiers.map((tier) => ({ ...tier })),
      series,
      services: [...services].sort(),
      stats: this.history.stats(),
      persistence: this.historyPersistence?.stats() ?? null,
    };
  }

  /**
   * The slowest federated queries of each query name in the window (10 per query, slowest first),
   * each linked to Jaeger's UI when `jaegerUiUrl` is configured.
   */
  slowTracesReport(query: SlowTracesQuery): SlowTracesReport {
    this.recordWaitingSpans();
    const base = this.config.jaegerUiUrl;
    return {
      windowSeconds: query.windowSeconds,
      jaegerUiUrl: base ?? null,
      queries: this.state.slowTraces(query.windowSeconds, query.service, SLOW_TRACES_PER_QUERY).map((entry) => ({
        ...entry,
        traces: entry.traces.map((trace) => ({ ...trace, jaegerUrl: base === undefined ? null : `${base}/trace/${trace.traceId}` })),
      })),
    };
  }

  /** One series of the history over a range (see {@link HistoryStore}), or the parameter refused and why. */
  historyReport(query: HistoryQuery): HistoryReport | HistoryQueryError {
    return this.history.query(query);
  }

  /**
   * The current figures (the analysis' shortest window) or, with `from`/`to`, the history's points
   * in the range, as the rows `/fedscope/export` writes; or the parameter refused and why.
   */
  exportReport(query: ExportQuery): ExportReport | HistoryQueryError {
    return buildExportReport(this, query);
  }

  /**
   * Records one history tick: the statistics, the overall health score and the alert transitions;
   * and pushes the current figures to InfluxDB when configured.
   */
  recordHistory(): void {
    try {
      const snapshot = this.reusableSnapshot.snapshot();
      const health = this.healthReport();
      this.history.record(snapshot, { healthScore: health.overall.score, alertTransitions: this.alerts?.snapshot().history });
      this.influxPush?.push(currentExportRows(snapshot, health, Date.parse(snapshot.generatedAt) / 1000));
    } catch (error) {
      fedscopeLog.warn('the history could not read the figures of a tick', error);
    }
  }

  /**
   * With persistence on: records the figures since the latest tick (when a second or more has
   * passed, so that a tick is not counted twice) and saves the history one last time.
   */
  private saveHistoryAtShutdown(): Promise<void> | undefined {
    // Not started (nothing loaded, so nothing to save) or kept in memory only: no last tick either.
    if (this.historyPersistence?.savesEnabled !== true) return this.historyPersistence?.stop();
    const since = this.history.secondsSinceLatestTick();
    if (since === undefined || since >= 1) this.recordHistory();
    return this.historyPersistence.stop();
  }

  /** Records what waits and flushes the meter provider's readers. */
  async forceFlush(): Promise<void> {
    await this.spanProcessor.forceFlush();
    await this.meterProvider.forceFlush();
  }

  /**
   * Stops recording, the history's and the collectors' timers, the alert engine (delivering what is queued) and the
   * InfluxDB push (writing what is queued), saves the history (with a last tick) when `history.dir` is set, then shuts
   * the meter provider down (its readers' last export) — all within one budget; what is undelivered when it runs out
   * is dropped, counted and logged by each.
   * @param timeoutMs - the budget @default 5000
   */
  async shutdown(timeoutMs: number = DEFAULT_SHUTDOWN_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    clearInterval(this.historyTimer);
    this.historyTimer = undefined;
    this.host?.stop();
    this.runtime?.stop();
    const results = await Promise.allSettled([
      this.saveHistoryAtShutdown(),
      this.spanProcessor.shutdown(),
      this.alerts?.shutdown(timeoutMs),
      this.influxPush?.shutdown(Math.min(timeoutMs, INFLUXDB_SHUTDOWN_MS)),
    ]);
    // The readers' last export gets what is left of the budget.
    const left = Math.max(0, deadline - Date.now());
    results.push(...(await Promise.allSettled([this.meterProvider.shutdown({ timeoutMillis: Math.max(left, 1) })])));
    for (const result of results)
      if (result.status === 'rejected') fedscopeLog.warn('a shutdown step of the pipeline failed', result.reason);
  }
}
