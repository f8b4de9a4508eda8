import type { HostMetricsCollector } from '../../instrumentations/system-metrics/host-metrics-collector.js';
import type { RuntimeMetricsCollector } from '../../instrumentations/system-metrics/runtime-metrics-collector.js';
import type { SaturationSample } from '../../processors/health/types.js';

/**
 * Reads what the health score needs from the collectors' caches (never waits on a reading):
 * `saturation: () => saturationSample(host, runtime)`.
 * @param host - the host collector, when host metrics are on
 * @param runtime - the runtime collector, when runtime metrics are on
 */
export function saturationSample(host: HostMetricsCollector | undefined, runtime: RuntimeMetricsCollector | undefined): SaturationSample {
  const h = host?.latest();
  return {
    cpuUtilization: h?.cpuUtilization ?? null,
    memoryUtilization: h?.memoryUtilization ?? null,
    eventLoopDelayP99Ms: runtime?.eventLoopDelayP99Ms() ?? null,
  };
}
