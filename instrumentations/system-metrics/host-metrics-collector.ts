import { metrics, ValueType, type Meter, type ObservableResult } from '@opentelemetry/api';
import { fedscopeLog } from '../../src/diagnostics/fedscope-log.js';
import { FEDSCOPE_SCOPE_NAME } from '../../src/span-model/attributes.js';
import { FEDSCOPE_VERSION } from '../../src/version.js';
import type { HostMetricsOptions, HostSample, SystemInformationApi } from './types.js';
import { WorkerSystemInformation } from './worker-system-information.js';

/** Shortest allowed interval: a reading spawns work worth tens of ms (see the notes, §7). */
export const MIN_HOST_INTERVAL_MS = 10_000;

/**
 * Host metrics through systeminformation 5.x on a slow, unref'd timer — never in the query path:
 * CPU (`currentLoad`), memory (`mem`), filesystems (`fsSize`) and network (`networkStats`). The
 * readings run in a worker thread ({@link WorkerSystemInformation}): systeminformation's Linux
 * readers call `execSync`, which would stall the application's event loop.
 * `start()` primes `currentLoad()` first (its first call samples for about half a second) so
 * the first reading is meaningful. Readings are cached; the observable instruments and the health
 * score read the cache, so a scrape never waits on systeminformation.
 *
 * Instruments (OTel semantic conventions where they exist): `system.cpu.utilization`,
 * `system.memory.utilization`, `system.memory.usage{system.memory.state}`,
 * `system.filesystem.utilization` / `system.filesystem.usage{system.device, system.filesystem.mountpoint, system.filesystem.type[, system.filesystem.state]}`,
 * `system.network.io` / `system.network.errors` / `system.network.dropped{network.interface.name, network.io.direction}`,
 * and the collector's own cost: `fedscope.system_metrics.collect.duration` (wall, s) and
 * `fedscope.system_metrics.collect.cpu_time` (this process's CPU, s) per reading.
 *
 * Cost measured on a 2-core box (notes §7): about 20–60 ms wall per reading with filesystems and
 * network, mostly waiting on /proc and child processes, i.e. well under 1 % of one core at the 15 s default.
 */
export class HostMetricsCollector {
  private readonly intervalMs: number;
  private readonly options: HostMetricsOptions;
  private si: SystemInformationApi | undefined;
  private worker: WorkerSystemInformation | undefined;
  private timer: NodeJS.Timeout | undefined;
  private current: HostSample | undefined;
  private inFlight: Promise<HostSample | undefined> | undefined;
  private failures = 0;
  /** Set by stop(): a start still awaiting its first reading then ends quietly instead of starting the timer. */
  private stopped = false;
  private registered = false;

  /** @param options - interval, meter provider, what to read */
  constructor(options: HostMetricsOptions = {}) {
    this.options = options;
    this.intervalMs = options.intervalMs ?? 15_000;
    if (!(this.intervalMs >= MIN_HOST_INTERVAL_MS))
      throw new RangeError(`intervalMs must be at least ${MIN_HOST_INTERVAL_MS} (host readings cost tens of ms), got ${this.intervalMs}`);
  }

  /** The latest reading, undefined before the first. */
  latest(): HostSample | undefined {
    return this.current;
  }

  /** Readings that failed (each logged once per 100). */
  get failedReadings(): number {
    return this.failures;
  }

  /**
   * Loads systeminformation, primes `currentLoad()`, takes a first reading, registers the
   * instruments and starts the timer. Resolves when the first reading is in (about 0.5–1 s);
   * a failure is logged and leaves the collector idle, never throws.
   */
  async start(): Promise<void> {
    if (this.timer !== undefined) return;
    this.stopped = false;
    try {
      this.si = await (this.options.systemInformation ?? (async () => (this.worker = new WorkerSystemInformation())))();
      if (this.stopped) return;
      await this.si.currentLoad();
    } catch (error) {
      // A stop() while starting closes the worker under the priming call: not a failure.
      if (!this.stopped) fedscopeLog.warn('host metrics are off (systeminformation failed to load or read)', error);
      return;
    }
    if (this.stopped) return;
    this.register((this.options.meterProvider ?? metrics.getMeterProvider()).getMeter(`${FEDSCOPE_SCOPE_NAME}.system`, FEDSCOPE_VERSION));
    await this.tick();
    if (this.stopped) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    // Host metrics must never keep the application alive.
    this.timer.unref();
  }

  /** Stops the timer and the readings' worker; the last reading stays readable. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.worker?.close().catch((error: unknown) => fedscopeLog.warn('host metrics: stopping the reading worker failed', error));
  }

  /** Takes one reading now (a reading already in flight is shared). */
  tick(): Promise<HostSample | undefined> {
    this.inFlight ??= this.read().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async read(): Promise<HostSample | undefined> {
    const si = this.si;
    if (si === undefined) return undefined;
    const startWall = performance.now();
    const startCpu = process.cpuUsage();
    try {
      const [load, mem, fs, net] = await Promise.all([
        si.currentLoad(),
        si.mem(),
        this.options.filesystems === false ? Promise.resolve([]) : si.fsSize(),
        this.options.network === false ? Promise.resolve([]) : si.networkStats(),
      ]);
      const cpu = process.cpuUsage(startCpu);
      const sample: HostSample = {
        atMs: Date.now(),
        cpuUtilization: finiteOrNull(load.currentLoad / 100),
        memoryUtilization: mem.total > 0 ? (mem.total - mem.available) / mem.total : null,
        memoryUsedBytes: mem.total - mem.available,
        memoryTotalBytes: mem.total,
        filesystems: fs.map((f) => ({
          device: f.fs,
          mountpoint: f.mount,
          type: f.type,
          usedBytes: f.used,
          sizeBytes: f.size,
          utilization: f.size > 0 ? f.used / f.size : 0,
        })),
        network: net.map((n) => ({
          interface: n.iface,
          rxBytes: n.rx_bytes,
          txBytes: n.tx_bytes,
          rxErrors: n.rx_errors,
          txErrors: n.tx_errors,
          rxDropped: n.rx_dropped,
          txDropped: n.tx_dropped,
        })),
        collectMs: performance.now() - startWall,
        collectCpuMs: (cpu.user + cpu.system) / 1000,
      };
      this.current = sample;
      return sample;
    } catch (error) {
      if (this.stopped) return undefined;
      this.failures++;
      fedscopeLog.warn('host metrics reading failed', error);
      return undefined;
    }
  }

  private register(meter: Meter): void {
    if (this.registered) return;
    this.registered = true;
    const s = () => this.current;
    const gauge = (name: string, description: string, unit: string, observe: (result: ObservableResult, sample: HostSample) => void) =>
      meter.createObservableGauge(name, { description, unit, valueType: ValueType.DOUBLE }).addCallback((result) => {
        const sample = s();
        if (sample !== undefined) observe(result, sample);
      });
    const counter = (name: string, description: string, unit: string, observe: (result: ObservableResult, sample: HostSample) => void) =>
      meter.createObservableCounter(name, { description, unit, valueType: ValueType.INT }).addCallback((result) => {
        const sample = s();
        if (sample !== undefined) observe(result, sample);
      });
    gauge(
      'system.cpu.utilization',
      'Host CPU busy ratio over all cores (systeminformation currentLoad).',
      '1',
      (r, x) => x.cpuUtilization !== null && r.observe(x.cpuUtilization),
    );
    gauge(
      'system.memory.utilization',
      'Host memory in use ÷ total (total − available).',
      '1',
      (r, x) => x.memoryUtilization !== null && r.observe(x.memoryUtilization),
    );
    gauge('system.memory.usage', 'Host memory by state.', 'By', (r, x) => {
      if (x.memoryUsedBytes === null || x.memoryTotalBytes === null) return;
      r.observe(x.memoryUsedBytes, { 'system.memory.state': 'used' });
      r.observe(x.memoryTotalBytes - x.memoryUsedBytes, { 'system.memory.state': 'free' });
    });
    gauge('system.filesystem.utilization', 'Used ÷ size per mounted filesystem.', '1', (r, x) => {
      for (const f of x.filesystems) r.observe(f.utilization, fsAttributes(f));
    });
    gauge('system.filesystem.usage', 'Filesystem bytes by state.', 'By', (r, x) => {
      for (const f of x.filesystems) {
        r.observe(f.usedBytes, { ...fsAttributes(f), 'system.filesystem.state': 'used' });
        r.observe(Math.max(0, f.sizeBytes - f.usedBytes), { ...fsAttributes(f), 'system.filesystem.state': 'free' });
      }
    });
    const perDirection =
      (rx: 'rxBytes' | 'rxErrors' | 'rxDropped', tx: 'txBytes' | 'txErrors' | 'txDropped') => (r: ObservableResult, x: HostSample) => {
        for (const n of x.network) {
          r.observe(n[rx], { 'network.interface.name': n.interface, 'network.io.direction': 'receive' });
          r.observe(n[tx], { 'network.interface.name': n.interface, 'network.io.direction': 'transmit' });
        }
      };
    counter('system.network.io', 'Bytes received and sent per interface.', 'By', perDirection('rxBytes', 'txBytes'));
    counter('system.network.errors', 'Receive and transmit errors per interface.', '{error}', perDirection('rxErrors', 'txErrors'));
    counter('system.network.dropped', 'Packets dropped per interface.', '{packet}', perDirection('rxDropped', 'txDropped'));
    gauge('fedscope.system_metrics.collect.duration', 'Wall time of the latest host reading (fedscope self-cost).', 's', (r, x) =>
      r.observe(x.collectMs / 1000),
    );
    gauge(
      'fedscope.system_metrics.collect.cpu_time',
      "This process's CPU time spent in the latest host reading (fedscope self-cost).",
      's',
      (r, x) => r.observe(x.collectCpuMs / 1000),
    );
  }
}

function fsAttributes(f: HostSample['filesystems'][number]): Record<string, string> {
  return { 'system.device': f.device, 'system.filesystem.mountpoint': f.mountpoint, 'system.filesystem.type': f.type };
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
