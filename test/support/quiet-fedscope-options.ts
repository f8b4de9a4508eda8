import type { FedscopeOptions } from '../../src/options/types.js';

/**
 * `startFedscope` options for a test that reads fedscope's own `/metrics` and nothing else: not
 * global, no OTLP, no host or runtime metrics, no alerts, Prometheus on a free loopback port;
 * `extra` adds to them or overrides them.
 */
export function quietFedscopeOptions(extra: FedscopeOptions = {}): FedscopeOptions {
  return {
    registerGlobal: false,
    otlp: false,
    hostMetrics: false,
    runtimeMetrics: false,
    alerts: false,
    prometheus: { host: '127.0.0.1', port: 0 },
    ...extra,
  };
}
