/** The alert engine: rules, lifecycle, default pack, burn rate, channels and delivery. */
export { AlertEngine } from './alert-engine.js';
export type { AlertEngineCounters, AlertEngineOptions, AlertRuleStatus, AlertsSnapshot } from './alert-engine.js';
export { AlertRulesError } from './alert-rules-error.js';
export type { AlertRuleProblem } from './alert-rules-error.js';
export { DEFAULT_ALERT_RULE_DEFINITIONS, DEFAULT_ALERT_RULES } from './default-rules.js';
export { AlertDeliveryQueue } from './delivery-queue.js';
export { AlertSpool } from './alert-spool.js';
export type { AlertSpoolOptions } from './alert-spool.js';
export type { AlertDeliveryQueueOptions, DeliveryStats } from './delivery-queue.js';
export { formatDuration, parseDuration } from './duration.js';
export {
  loadAlertRulesFile,
  loadAlertRulesFileSync,
  MAX_RULES_FILE_BYTES,
  MAX_RULES_PER_FILE,
  parseAlertRules,
} from './load-alert-rules.js';
export { PIPELINE_FIGURE_NAMES } from './rule-figures.js';
export type { AlertRuleContext } from './rule-figures.js';
export { SnapshotFigureProvider } from './snapshot-figure-provider.js';
export { DEFAULT_BURN_RATE_WINDOWS, validateAlertRules } from './validate-alert-rules.js';
export { ALERT_SEVERITIES } from './types.js';
export type {
  AlertNotification,
  AlertRuleBaseDefinition,
  AlertRuleDefinition,
  AlertRuleKind,
  AlertSeverity,
  AlertState,
  AlertTransition,
  AlertView,
  AnomalyRuleDefinition,
  BurnRateRuleDefinition,
  BurnRateWindow,
  ComparisonOperator,
  FigureAggregation,
  FigureProvider,
  FigureSample,
  NoDataPolicy,
  RegressionRuleDefinition,
  ResolvedAlertRule,
  SpanScope,
  ThresholdRuleDefinition,
} from './types.js';
export * from './channels/index.js';
