export { HealthScorer, DEFAULT_HEALTH_OBJECTIVES, type HealthScorerOptions } from './health-scorer.js';
export { HealthMetricProducer } from './health-metric-producer.js';
export type * from './types.js';
