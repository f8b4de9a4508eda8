import type { AlertRuleDefinition, ResolvedAlertRule } from './types.js';
import { validateAlertRules } from './validate-alert-rules.js';

/**
 * fedscope's default rule pack, from the performance-monitoring and DuckDB-monitoring designs.
 * Snapshot figures use the shortest analysis window (1 m by default). Figures fedscope does not
 * derive yet are named for the provider that will supply them (`system.cpuPercent`,
 * `system.memoryPercent`, `breaker.open` per source (1 = open), `health.score` 0–100); until a
 * provider supplies them those rules have no data, which with `noData: ok` raises nothing.
 * `otel-config/prometheus-rules.yml` is the same pack over the exported metrics.
 */
export const DEFAULT_ALERT_RULE_DEFINITIONS: readonly AlertRuleDefinition[] = [
  {
    alert: 'FederationHighResponseTime',
    figure: 'query.p95Ms',
    op: '>',
    threshold: 100,
    for: '30s',
    severity: 'warning',
    annotations: { summary: 'p95 of federated query {{ $labels.query }} is {{ $value }} ms (> {{ $threshold }} ms)' },
  },
  {
    alert: 'FederationHighErrorRate',
    figure: 'query.errorRate',
    op: '>',
    threshold: 0.05,
    for: '60s',
    severity: 'critical',
    annotations: { summary: '{{ $value }} of federated query {{ $labels.query }} fail (> 5%)' },
  },
  {
    alert: 'HighCpuUsage',
    figure: 'system.cpuPercent',
    op: '>',
    threshold: 80,
    for: '2m',
    severity: 'warning',
    annotations: { summary: 'CPU at {{ $value }}% (> 80%)' },
  },
  {
    alert: 'HighMemoryUsage',
    figure: 'system.memoryPercent',
    op: '>',
    threshold: 90,
    for: '1m',
    severity: 'critical',
    annotations: { summary: 'memory at {{ $value }}% (> 90%)' },
  },
  {
    alert: 'FederationLowCacheHitRatio',
    figure: 'overall.cacheHitRatio',
    op: '<',
    threshold: 0.7,
    for: '5m',
    severity: 'warning',
    annotations: { summary: 'cache hit ratio {{ $value }} (< 70%)' },
  },
  {
    alert: 'FederationThroughputCollapse',
    kind: 'anomaly',
    figure: 'overall.throughputPerSecond',
    // Only drops matter here; a value well below anything recent alerts, and stays up 5 minutes.
    detector: { direction: 'down', warmupPoints: 120, minScale: 0.05 },
    keepFiringFor: '5m',
    severity: 'critical',
    annotations: { summary: 'federated query throughput fell to {{ $value }}/s, far below its recent level' },
  },
  {
    alert: 'FederationHighConcurrency',
    figure: 'overall.concurrency',
    op: '>',
    threshold: 100,
    for: '1m',
    severity: 'warning',
    annotations: { summary: '{{ $value }} federated queries running at once (> 100)' },
  },
  {
    alert: 'FederationFailedQueries',
    figure: 'overall.errors',
    op: '>',
    threshold: 10,
    severity: 'warning',
    annotations: { summary: '{{ $value }} federated queries failed in the last window (> 10)' },
  },
  {
    alert: 'FederationCircuitBreakerOpen',
    figure: 'breaker.open',
    op: '>',
    threshold: 0,
    severity: 'critical',
    annotations: { summary: 'circuit breaker of source {{ $labels.source }} is open' },
  },
  {
    alert: 'FederationLowHealthScore',
    figure: 'health.score',
    op: '<',
    threshold: 50,
    for: '1m',
    severity: 'critical',
    annotations: { summary: 'federation health score {{ $value }} (< 50)' },
  },
];

/** {@link DEFAULT_ALERT_RULE_DEFINITIONS}, validated (pass to `AlertEngine`'s `rules`). */
export const DEFAULT_ALERT_RULES: readonly ResolvedAlertRule[] = validateAlertRules(DEFAULT_ALERT_RULE_DEFINITIONS, 'default rules');
