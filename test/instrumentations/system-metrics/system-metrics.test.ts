import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { HostMetricsCollector } from '../../../instrumentations/system-metrics/host-metrics-collector.js';
import { RuntimeMetricsCollector } from '../../../instrumentations/system-metrics/runtime-metrics-collector.js';
import { saturationSample } from '../../../src/pipeline/saturation-sample.js';
import type { SystemInformationApi } from '../../../instrumentations/system-metrics/types.js';
import { TestMetricReader } from '../../support/test-metric-reader.js';

function fakeSi(): SystemInformationApi & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    currentLoad: async () => (calls.push('currentLoad'), { currentLoad: 85 }),
    mem: async () => (calls.push('mem'), { total: 1000, available: 50, used: 990 }),
    fsSize: async () => (calls.push('fsSize'), [{ fs: '/dev/sda1', type: 'ext4', size: 100, used: 25, use: 25, mount: '/' }]),
    networkStats: async () => (
      calls.push('networkStats'),
      [{ iface: 'eth0', rx_bytes: 10, tx_bytes: 20, rx_errors: 0, tx_errors: 1, rx_dropped: 2, tx_dropped: 0 }]
    ),
  };
}

const stops: Array<() => void> = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

describe('HostMetricsCollector', () => {
  it('refuses an interval under 10 s', () => {
    expect(() => new HostMetricsCollector({ intervalMs: 1000 })).toThrow(/at least 10000/);
  });

  it('primes currentLoad, reads on start and exports semconv gauges from its cache', async () => {
    const si = fakeSi();
    const reader = new TestMetricReader();
    const host = new HostMetricsCollector({ meterProvider: new MeterProvider({ readers: [reader] }), systemInformation: async () => si });
    stops.push(() => host.stop());
    await host.start();
    expect(si.calls[0]).toBe('currentLoad'); // the priming call comes first
    expect(host.latest()).toMatchObject({ cpuUtilization: 0.85, memoryUtilization: 0.95 });
    expect(host.latest()!.collectMs).toBeGreaterThanOrEqual(0);
    const calls = si.calls.length;
    expect((await reader.points('system.cpu.utilization'))[0]!.value).toBe(0.85);
    expect((await reader.points('system.memory.utilization'))[0]!.value).toBe(0.95);
    expect((await reader.points('system.filesystem.utilization', { 'system.filesystem.mountpoint': '/' }))[0]!.value).toBe(0.25);
    expect((await reader.points('system.network.io', { 'network.io.direction': 'transmit' }))[0]!.value).toBe(20);
    expect(await reader.points('fedscope.system_metrics.collect.duration')).toHaveLength(1);
    expect(si.calls.length).toBe(calls); // a scrape never calls systeminformation
    expect(saturationSample(host, undefined)).toEqual({ cpuUtilization: 0.85, memoryUtilization: 0.95, eventLoopDelayP99Ms: null });
  });

  it('stays idle and logs when systeminformation fails', async () => {
    const host = new HostMetricsCollector({
      systemInformation: async () => {
        throw new Error('no /proc');
      },
    });
    await host.start();
    expect(host.latest()).toBeUndefined();
  });

  it('reads the real host through systeminformation', async () => {
    const host = new HostMetricsCollector({ meterProvider: new MeterProvider(), filesystems: false });
    stops.push(() => host.stop());
    await host.start();
    const sample = host.latest()!;
    expect(sample.cpuUtilization).toBeGreaterThanOrEqual(0);
    expect(sample.cpuUtilization).toBeLessThanOrEqual(1);
    expect(sample.memoryUtilization).toBeGreaterThan(0);
    expect(sample.memoryTotalBytes).toBeGreaterThan(0);
  }, 20_000);
});

describe('RuntimeMetricsCollector', () => {
  it('reports event-loop delay, heap, GC and active resources from built-ins', async () => {
    const reader = new TestMetricReader();
    const runtime = new RuntimeMetricsCollector({ meterProvider: new MeterProvider({ readers: [reader] }), eventLoopResolutionMs: 10 });
    stops.push(() => runtime.stop());
    runtime.start();
    await new Promise((resolve) => setTimeout(resolve, 60));
    const sample = runtime.sample();
    expect(sample.heapUsedBytes).toBeGreaterThan(0);
    expect(sample.activeResources).toBeGreaterThan(0);
    expect(sample.eventLoopDelay).not.toBeNull();
    // Before the first full interval, from the live histogram: the same p99 as the sample's.
    expect(runtime.eventLoopDelayP99Ms()).toBe(sample.eventLoopDelay!.p99Ms);
    expect(runtime.eventLoopDelayP99Ms()).toBeGreaterThan(0);
    const names = [...(await reader.metrics()).keys()];
    expect(names).toEqual(
      expect.arrayContaining([
        ...['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'].map((figure) => `nodejs.eventloop.delay.${figure}`),
        'v8js.memory.heap.used',
        'process.memory.usage',
        'process.cpu.time',
        'fedscope.nodejs.active_resources',
      ]),
    );
  });
});
