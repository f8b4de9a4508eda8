import type { AnalysisState } from '../analysis/analysis-state.js';
import type { ClassifiedSpan } from '../classified-span.js';
import type { ClassifiedSpanSink } from '../federation-span-processor.js';
import { fedscopeLog } from '../../src/diagnostics/fedscope-log.js';
import { SystemClock } from '../../src/stats/system-clock.js';
import type { Clock } from '../../src/stats/types.js';
import { AlertRulesError } from './alert-rules-error.js';
import { AnomalyCondition } from './anomaly-condition.js';
import { BurnRateCondition } from './burn-rate-condition.js';
import type { AlertChannel } from './channels/types.js';
import type { AlertSpool } from './alert-spool.js';
import { AlertDeliveryQueue, type AlertDeliveryQueueOptions, type DeliveryStats } from './delivery-queue.js';
import { RegressionCondition } from './regression-condition.js';
import { labelKey, spanSeriesLabels, type ConditionSample, type FigureReader, type RuleCondition } from './rule-condition.js';
import { SnapshotFigureProvider } from './snapshot-figure-provider.js';
import { renderTemplate } from './template.js';
import { ThresholdCondition } from './threshold-condition.js';
import type {
  AlertNotification,
  AlertRuleDefinition,
  AlertState,
  AlertTransition,
  AlertView,
  FigureProvider,
  ResolvedAlertRule,
} from './types.js';
import { validateAlertRules } from './validate-alert-rules.js';

/** Options of an {@link AlertEngine}. */
export interface AlertEngineOptions {
  /**
   * Rules: definitions written in code (validated here; errors name `rules`, the index and the
   * field) and/or rules already resolved by `loadAlertRulesFile` / `DEFAULT_ALERT_RULES`.
   * @default []
   */
  rules?: readonly (AlertRuleDefinition | ResolvedAlertRule)[];
  /** Analysis state whose snapshot figures rules read (`query.p95Ms`, …). @default none */
  analysis?: AnalysisState;
  /** More figure providers (system metrics, health, breakers…), asked after the analysis. @default [] */
  providers?: readonly FigureProvider[];
  /** Where notifications go. @default [] */
  channels?: readonly AlertChannel[];
  /** Options of each channel's delivery queue. @default the queue's defaults */
  delivery?: AlertDeliveryQueueOptions;
  /**
   * Where notifications still undelivered at shutdown are kept for the next start, whose queues
   * send them first (in order, an identical one once): nothing is lost across a restart.
   * @default none: they are dropped at shutdown, counted and logged
   */
  spool?: AlertSpool;
  /** Time source for evaluations (a manual clock in tests). @default the system clock */
  clock?: Clock;
  /** Evaluation interval of {@link AlertEngine.start}. @default 15000 */
  evaluationIntervalMs?: number;
  /** Most alerts pending or firing at once; new ones beyond are dropped and counted. @default 1000 */
  maxActiveAlerts?: number;
  /** Transitions kept in the history. @default 500 */
  maxHistory?: number;
  /** Most series an anomaly, regression or burn-rate rule tracks. @default 500 */
  maxSeriesPerRule?: number;
  /**
   * Told when a rule fails to evaluate, a delivery attempt fails, or notifications still queued at
   * shutdown are dropped (then `error` is `undefined`); must not throw.
   * @default a warning through fedscope's logger (stderr, rate-limited)
   */
  onError?: (message: string, error: unknown) => void;
  /**
   * Runs before each evaluation, e.g. to record the spans a deferring span processor holds
   * (`FederationSpanProcessor.flushPending`). @default nothing
   */
  beforeEvaluation?: () => void;
}

/** A pending or firing alert (internal, mutable). */
interface ActiveAlert {
  readonly key: string;
  readonly rule: CompiledRule;
  readonly labels: Readonly<Record<string, string>>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  value: number | null;
  readonly activeAtMs: number;
  firedAtMs: number | null;
  keepFiringSinceMs: number | null;
  /** Last time a notification was queued, per channel (for re-sends). */
  readonly lastSentMs: number[];
}

interface CompiledRule {
  readonly rule: ResolvedAlertRule;
  readonly condition: RuleCondition;
  lastError: string | null;
  lastEvaluationMs: number | null;
  lastNoData: boolean;
}

/** Per-rule status in the snapshot. */
export interface AlertRuleStatus {
  readonly alert: string;
  readonly kind: ResolvedAlertRule['kind'];
  readonly severity: string;
  /** `ok`, `no-data` (last evaluation had none), `error` (last evaluation failed). */
  readonly health: 'ok' | 'no-data' | 'error' | 'unknown';
  readonly lastError: string | null;
  /** Alerts pending or firing. */
  readonly active: number;
}

/** Engine counters. */
export interface AlertEngineCounters {
  readonly evaluations: number;
  readonly ruleErrors: number;
  /** New alerts not raised because `maxActiveAlerts` was reached. */
  readonly droppedAlerts: number;
  /** Series refused by the per-rule bound. */
  readonly refusedSeries: number;
}

/**
 * The alert engine's state as plain data: what `handle.alerts()` and `pipeline.alertsReport()`
 * return and `/fedscope/alerts.json` serves.
 */
export interface AlertsSnapshot {
  /** When the snapshot was taken (ISO 8601). */
  readonly generatedAt: string;
  /** Pending and firing alerts. */
  readonly active: AlertView[];
  /** Recent state changes (bounded), most recent last. */
  readonly history: AlertTransition[];
  /** Every rule with its last evaluation. */
  readonly rules: AlertRuleStatus[];
  /** The engine's own counters (evaluations, failures, refused series). */
  readonly counters: AlertEngineCounters;
  /** Per channel: what was delivered, retried, dropped. */
  readonly delivery: DeliveryStats[];
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Evaluates alert rules over fedscope's derived figures (and any figure provider) on an interval,
 * runs each alert through Prometheus' lifecycle — pending while `for` has not elapsed since the
 * first matching evaluation, firing, kept firing for `keep_firing_for` after the condition
 * cleared, then resolved — and delivers firing and resolved notifications to its channels
 * through bounded, retrying, per-alert-ordered queues. An alert's identity is its label set.
 */
export class AlertEngine {
  /** Feed of spans for regression and burn-rate rules: add it to the span processor's `sinks`. */
  readonly spanSink: ClassifiedSpanSink;
  private readonly rules: CompiledRule[];
  private readonly providers: FigureProvider[];
  private readonly queues: AlertDeliveryQueue[];
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly maxActive: number;
  private readonly maxHistory: number;
  private readonly onError: (message: string, error: unknown) => void;
  private readonly active = new Map<string, ActiveAlert>();
  private readonly history: AlertTransition[] = [];
  private readonly spanConditions: RuleCondition[];
  private timer: NodeJS.Timeout | undefined;
  private readonly beforeEvaluation: () => void;
  private counts = { evaluations: 0, ruleErrors: 0, droppedAlerts: 0 };
  private readonly spool: AlertSpool | undefined;

  /** @throws AlertRulesError on an invalid rule, a duplicate name, or a figure/window no provider accepts */
  constructor(options: AlertEngineOptions = {}) {
    this.clock = options.clock ?? SystemClock.instance;
    this.intervalMs = options.evaluationIntervalMs ?? 15_000;
    this.maxActive = options.maxActiveAlerts ?? 1000;
    this.maxHistory = options.maxHistory ?? 500;
    this.onError = options.onError ?? ((message, error) => fedscopeLog.warn(message, error));
    this.beforeEvaluation = options.beforeEvaluation ?? (() => {});
    const maxSeries = options.maxSeriesPerRule ?? 500;
    this.providers = [];
    if (options.analysis !== undefined) {
      const analysis = options.analysis;
      this.providers.push(new SnapshotFigureProvider(() => analysis.snapshot(), analysis.windowsSeconds));
    }
    this.providers.push(...(options.providers ?? []));

    const given = options.rules ?? [];
    const definitions = given.filter((r) => !('origin' in r));
    const validated = validateAlertRules(definitions, 'rules');
    let v = 0;
    const resolved = given.map((r) => ('origin' in r ? r : validated[v++]!));
    const names = new Set<string>();
    this.rules = resolved.map((rule) => {
      if (names.has(rule.alert))
        throw new AlertRulesError(
          rule.origin.split(':')[0] ?? 'rules',
          undefined,
          rule.alert,
          'alert',
          `another rule is already named ${JSON.stringify(rule.alert)}; names must be unique`,
        );
      names.add(rule.alert);
      if (rule.kind === 'threshold' || rule.kind === 'anomaly') {
        for (const provider of this.providers) {
          const problem = provider.check?.(rule.figure, rule.window);
          if (problem !== undefined)
            throw new AlertRulesError(
              rule.origin,
              undefined,
              undefined,
              problem.split(':')[0] ?? 'figure',
              problem.slice(problem.indexOf(':') + 1).trim(),
            );
        }
      }
      return { rule, condition: compile(rule, maxSeries), lastError: null, lastEvaluationMs: null, lastNoData: false };
    });
    this.spanConditions = this.rules.map((r) => r.condition).filter((c) => c.spanScope !== undefined);
    const onFailure = (channel: string, error: unknown) => this.onError(`alert delivery to ${channel} failed`, error);
    this.queues = (options.channels ?? []).map((channel) => new AlertDeliveryQueue(channel, { onFailure, ...options.delivery }));
    this.spool = options.spool;
    this.replaySpooled();
    const conditions = this.spanConditions;
    this.spanSink = {
      record(span: ClassifiedSpan): void {
        for (const condition of conditions) {
          try {
            const labels = spanSeriesLabels(span, condition.spanScope!);
            if (labels !== undefined) condition.recordSpan?.(span, labels);
          } catch {
            // A sink must never throw into the span processor; the rule reports no data instead.
          }
        }
      },
    };
  }

  /** The rules, validated. */
  get ruleDefinitions(): readonly ResolvedAlertRule[] {
    return this.rules.map((r) => r.rule);
  }

  /** Evaluates every `evaluationIntervalMs` (timer unref'd); the first evaluation happens at once. */
  start(): void {
    if (this.timer !== undefined) return;
    this.evaluate();
    this.timer = setInterval(() => this.evaluate(), this.intervalMs);
    this.timer.unref();
  }

  /**
   * Stops evaluating, waits up to `timeoutMs` for queued notifications, then closes the queues.
   * What is still undelivered is dropped, counted (`discarded` in the delivery stats) and told to
   * `onError` in one message.
   */
  async shutdown(timeoutMs = 5000): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.queues.map((q) => q.drain(timeoutMs)));
    const spooled = this.spool !== undefined ? this.spoolUndelivered(this.spool) : [];
    const discarded = this.queues
      .map((q, index) => ({ channel: q.channel.name, count: q.close(spooled[index] ?? 0) }))
      .filter((d) => d.count > 0);
    const total = discarded.reduce((sum, d) => sum + d.count, 0);
    if (total > 0) {
      const perChannel = discarded.map((d) => `${d.channel}: ${d.count}`).join(', ');
      this.onError(
        `${total} alert notification${total === 1 ? '' : 's'} still undelivered ${timeoutMs / 1000} s into shutdown, dropped (${perChannel})`,
        undefined,
      );
    }
  }

  /** Queues what a previous run spooled, per channel, before anything else. */
  private replaySpooled(): void {
    const spool = this.spool;
    if (spool === undefined) return;
    let total = 0;
    this.queues.forEach((queue, index) => (total += queue.replay(spool.take(index, queue.channel.name))));
    if (total > 0)
      fedscopeLog.warn(`${total} alert notification${total === 1 ? '' : 's'} undelivered at the last shutdown replayed from ${spool.dir}`);
  }

  /**
   * Writes each channel's undelivered notifications to the spool; returns how many each got there
   * (what the spool could not take — its bounds, a failed write — is then discarded, counted and told).
   */
  private spoolUndelivered(spool: AlertSpool): number[] {
    const written = this.queues.map((queue, index) => spool.put(index, queue.channel.name, queue.undelivered()));
    const total = written.reduce((sum, n) => sum + n, 0);
    if (total > 0)
      fedscopeLog.warn(
        `${total} alert notification${total === 1 ? '' : 's'} still undelivered at shutdown spooled to ${spool.dir} for the next start`,
      );
    return written;
  }

  /** Waits until every channel's queue is empty, or `timeoutMs`; true when all drained. */
  async flush(timeoutMs = 5000): Promise<boolean> {
    const results = await Promise.all(this.queues.map((q) => q.drain(timeoutMs)));
    return results.every(Boolean);
  }

  /** Evaluates every rule once, at the clock's time. Never throws (a failing rule is counted). */
  evaluate(): void {
    try {
      this.beforeEvaluation();
    } catch (error) {
      this.onError('beforeEvaluation failed', error);
    }
    const now = this.clock.now();
    this.counts.evaluations++;
    for (const provider of this.providers) {
      try {
        provider.beginEvaluation?.(now);
      } catch (error) {
        this.onError('figure provider failed', error);
      }
    }
    const read: FigureReader = (figure, window) => {
      for (const provider of this.providers) {
        const samples = provider.read(figure, window);
        if (samples !== undefined) return samples;
      }
      return undefined;
    };
    for (const compiled of this.rules) {
      try {
        this.evaluateRule(compiled, now, read);
        compiled.lastError = null;
      } catch (error) {
        this.counts.ruleErrors++;
        compiled.lastError = error instanceof Error ? error.message : String(error);
        this.onError(`alert rule ${compiled.rule.alert} failed`, error);
      }
      compiled.lastEvaluationMs = now;
    }
    this.resend(now);
  }

  /** Pending and firing alerts. */
  alerts(): AlertView[] {
    return [...this.active.values()].map((a) => view(a, a.state, null));
  }

  /** Everything as plain data. */
  snapshot(): AlertsSnapshot {
    const counts = new Map<CompiledRule, number>();
    for (const a of this.active.values()) counts.set(a.rule, (counts.get(a.rule) ?? 0) + 1);
    return {
      generatedAt: new Date(this.clock.now()).toISOString(),
      active: this.alerts(),
      history: [...this.history],
      rules: this.rules.map((r) => ({
        alert: r.rule.alert,
        kind: r.rule.kind,
        severity: r.rule.severity,
        health: r.lastEvaluationMs === null ? 'unknown' : r.lastError !== null ? 'error' : r.lastNoData ? 'no-data' : 'ok',
        lastError: r.lastError,
        active: counts.get(r) ?? 0,
      })),
      counters: this.counters(),
      delivery: this.queues.map((q) => q.stats()),
    };
  }

  /** Engine counters. */
  counters(): AlertEngineCounters {
    let refused = 0;
    for (const r of this.rules) refused += (r.condition as { refused?: number }).refused ?? 0;
    return { ...this.counts, refusedSeries: refused };
  }

  /** Delivery counters per channel. */
  deliveryStats(): DeliveryStats[] {
    return this.queues.map((q) => q.stats());
  }

  private evaluateRule(compiled: CompiledRule, now: number, read: FigureReader): void {
    const { rule } = compiled;
    const result = compiled.condition.evaluate(now, read);
    compiled.lastNoData = result.noData;
    let samples: readonly ConditionSample[] = result.samples;
    if (result.noData) {
      if (rule.noData === 'keep') return;
      samples = rule.noData === 'alert' ? [{ labels: { nodata: 'true' }, value: null, active: true }] : [];
    }
    const matched = new Map<string, { labels: Record<string, string>; sample: ConditionSample }>();
    for (const sample of samples) {
      if (!sample.active) continue;
      const labels = this.alertLabels(compiled, sample);
      matched.set(labelKey(labels), { labels, sample });
    }
    // Matching series: update live alerts, start new ones as pending.
    for (const [key, { labels, sample }] of matched) {
      const existing = this.active.get(key);
      if (existing !== undefined && existing.rule === compiled) {
        existing.value = sample.value;
        existing.keepFiringSinceMs = null;
        existing.annotations = this.annotations(rule, labels, sample.value);
        continue;
      }
      if (existing !== undefined) continue; // another rule produced the same label set: first one wins
      if (this.active.size >= this.maxActive) {
        this.counts.droppedAlerts++;
        continue;
      }
      const alert: ActiveAlert = {
        key,
        rule: compiled,
        labels,
        annotations: this.annotations(rule, labels, sample.value),
        state: 'pending',
        value: sample.value,
        activeAtMs: now,
        firedAtMs: null,
        keepFiringSinceMs: null,
        lastSentMs: this.queues.map(() => -Infinity),
      };
      this.active.set(key, alert);
      this.record(now, alert, 'inactive', 'pending');
    }
    // The rule's other alerts: condition cleared (Prometheus' keep_firing_for / resolve logic).
    for (const alert of [...this.active.values()]) {
      if (alert.rule !== compiled) continue;
      if (!matched.has(alert.key)) {
        let keepFiring = false;
        if (alert.state === 'firing' && rule.keepFiringForMs > 0) {
          alert.keepFiringSinceMs ??= now;
          keepFiring = now - alert.keepFiringSinceMs < rule.keepFiringForMs;
        }
        if (!keepFiring) {
          this.active.delete(alert.key);
          if (alert.state === 'pending') this.record(now, alert, 'pending', 'inactive');
          else this.resolve(alert, now);
          continue;
        }
      }
      if (alert.state === 'pending' && now - alert.activeAtMs >= rule.forMs) {
        alert.state = 'firing';
        alert.firedAtMs = now;
        this.record(now, alert, 'pending', 'firing');
        this.notify(alert, 'firing', now, false);
      }
    }
  }

  private alertLabels(compiled: CompiledRule, sample: ConditionSample): Record<string, string> {
    const labels: Record<string, string> = {};
    // Alertmanager rejects label names outside [a-zA-Z_][a-zA-Z0-9_]*: series labels are sanitised.
    for (const [k, v] of Object.entries(sample.labels))
      labels[LABEL_NAME.test(k) ? k : k.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^(\d)/, '_$1')] = v;
    const data = { labels, value: sample.value, alertname: compiled.rule.alert };
    for (const [k, template] of Object.entries(compiled.rule.labels)) labels[k] = renderTemplate(template, data);
    labels['alertname'] = compiled.rule.alert;
    labels['severity'] = sample.severity ?? compiled.rule.severity;
    return labels;
  }

  private annotations(rule: ResolvedAlertRule, labels: Record<string, string>, value: number | null): Record<string, string> {
    const data = { labels, value, alertname: rule.alert, threshold: rule.kind === 'threshold' ? rule.threshold : undefined };
    const out: Record<string, string> = {};
    for (const [k, template] of Object.entries(rule.annotations)) out[k] = renderTemplate(template, data);
    return out;
  }

  private resolve(alert: ActiveAlert, now: number): void {
    this.record(now, alert, 'firing', 'resolved');
    this.notify(alert, 'resolved', now, false);
  }

  private notify(alert: ActiveAlert, status: 'firing' | 'resolved', now: number, resend: boolean): void {
    const notification: AlertNotification = {
      status,
      labels: alert.labels,
      annotations: { ...alert.annotations },
      startsAt: new Date(alert.firedAtMs ?? now).toISOString(),
      endsAt: status === 'resolved' ? new Date(now).toISOString() : undefined,
      value: alert.value === null || Number.isNaN(alert.value) ? null : alert.value,
      key: alert.key,
      resend,
    };
    this.queues.forEach((queue, i) => {
      alert.lastSentMs[i] = now;
      queue.enqueue(notification);
    });
  }

  private resend(now: number): void {
    this.queues.forEach((queue, i) => {
      const interval = queue.channel.resendIntervalMs;
      if (interval === undefined) return;
      for (const alert of this.active.values()) {
        if (alert.state !== 'firing' || now - (alert.lastSentMs[i] ?? -Infinity) < interval) continue;
        alert.lastSentMs[i] = now;
        queue.enqueue({
          status: 'firing',
          labels: alert.labels,
          annotations: { ...alert.annotations },
          startsAt: new Date(alert.firedAtMs ?? now).toISOString(),
          endsAt: undefined,
          value: alert.value === null || Number.isNaN(alert.value) ? null : alert.value,
          key: alert.key,
          resend: true,
        });
      }
    });
  }

  private record(now: number, alert: ActiveAlert, from: AlertTransition['from'], to: AlertTransition['to']): void {
    this.history.push({
      at: new Date(now).toISOString(),
      alertname: alert.rule.rule.alert,
      labels: alert.labels,
      from,
      to,
      value: alert.value === null || Number.isNaN(alert.value) ? null : alert.value,
    });
    if (this.history.length > this.maxHistory) this.history.splice(0, this.history.length - this.maxHistory);
  }
}

function compile(rule: ResolvedAlertRule, maxSeries: number): RuleCondition {
  switch (rule.kind) {
    case 'threshold':
      return new ThresholdCondition(rule);
    case 'anomaly':
      return new AnomalyCondition(rule, maxSeries);
    case 'regression':
      return new RegressionCondition(rule, maxSeries);
    case 'burn_rate':
      return new BurnRateCondition(rule, maxSeries);
  }
}

function view(a: ActiveAlert, state: AlertState, resolvedAtMs: number | null): AlertView {
  return {
    key: a.key,
    labels: a.labels,
    annotations: a.annotations,
    state,
    value: a.value === null || Number.isNaN(a.value) ? null : a.value,
    activeAt: new Date(a.activeAtMs).toISOString(),
    firedAt: a.firedAtMs === null ? null : new Date(a.firedAtMs).toISOString(),
    resolvedAt: resolvedAtMs === null ? null : new Date(resolvedAtMs).toISOString(),
  };
}
