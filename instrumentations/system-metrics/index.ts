export { HostMetricsCollector, MIN_HOST_INTERVAL_MS } from './host-metrics-collector.js';
export { RuntimeMetricsCollector } from './runtime-metrics-collector.js';
export type * from './types.js';
