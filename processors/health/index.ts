export { HealthScorer, DEFAULT_HEALTH_OBJECTIVES, type HealthScorerOptions } from './health-scorer.js';
export type * from './types.js';
