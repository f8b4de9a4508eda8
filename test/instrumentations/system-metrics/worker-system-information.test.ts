import { totalmem } from 'node:os';
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fedscopeLog } from '../../../src/diagnostics/fedscope-log.js';
import { HostMetricsCollector } from '../../../instrumentations/system-metrics/host-metrics-collector.js';
import { WorkerSystemInformation } from '../../../instrumentations/system-metrics/worker-system-information.js';

const opened: WorkerSystemInformation[] = [];
afterEach(async () => {
  for (const si of opened.splice(0)) await si.close();
});

function workerSi(): WorkerSystemInformation {
  const si = new WorkerSystemInformation();
  opened.push(si);
  return si;
}

describe('WorkerSystemInformation', () => {
  it('answers the real readings from a worker thread', async () => {
    const si = workerSi();
    const [load, mem, fs, net] = await Promise.all([si.currentLoad(), si.mem(), si.fsSize(), si.networkStats()]);
    expect(mem.total).toBe(totalmem());
    expect(mem.available).toBeGreaterThan(0);
    expect(load.currentLoad).toBeGreaterThanOrEqual(0);
    expect(Array.isArray(fs)).toBe(true);
    expect(fs.every((f) => typeof f.mount === 'string' && f.size >= f.used)).toBe(true);
    expect(Array.isArray(net)).toBe(true);
    expect(threadId).toBe(0); // the test itself runs on the main thread; the readings did not
  });

  it('keeps the process alive while a call is in flight, and not once it is idle', async () => {
    const si = workerSi();
    const open = si.mem();
    expect(process.getActiveResourcesInfo()).toContain('MessagePort');
    await open;
    await new Promise((resolve) => setImmediate(resolve));
    expect(process.getActiveResourcesInfo()).not.toContain('MessagePort');
  });

  it('rejects what is open when closed, and starts a new worker on the next call', async () => {
    const si = workerSi();
    const open = si.mem().then(
      () => 'answered',
      (error: Error) => error.message,
    );
    await si.close();
    expect(await open).toMatch(/closed/);
    expect((await si.mem()).total).toBe(totalmem());
  });
});

describe('HostMetricsCollector with the default (worker) systeminformation', () => {
  it('ends quietly when stopped while it starts, and does not start its timer', async () => {
    const warned = vi.spyOn(fedscopeLog, 'warn').mockImplementation(() => undefined);
    try {
      const host = new HostMetricsCollector();
      const starting = host.start();
      host.stop(); // before its worker started
      await starting;
      const again = new HostMetricsCollector();
      const startingAgain = again.start();
      await new Promise((resolve) => setTimeout(resolve, 30));
      again.stop(); // while its worker primes currentLoad()
      await startingAgain;
      expect(again.latest()).toBeUndefined();
      expect(host.latest()).toBeUndefined();
      expect(host.failedReadings).toBe(0);
      expect(warned).not.toHaveBeenCalled();
      // stop() lets the worker go (terminate() finishes in the background): nothing keeps the process alive.
      await vi.waitFor(() => expect(process.getActiveResourcesInfo()).not.toContain('MessagePort'), { timeout: 5000 });
    } finally {
      warned.mockRestore();
    }
  });

  it('takes real readings and stops its worker', async () => {
    const host = new HostMetricsCollector();
    await host.start();
    try {
      const sample = host.latest();
      expect(sample?.memoryTotalBytes).toBe(totalmem());
      expect(sample?.cpuUtilization).not.toBeUndefined();
    } finally {
      host.stop();
    }
  });
});
