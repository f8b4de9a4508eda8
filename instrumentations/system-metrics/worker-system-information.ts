import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SystemInformationApi } from './types.js';

/** The calls the worker answers: the {@link SystemInformationApi} methods. */
type SystemInformationCall = keyof SystemInformationApi;

/** Most time one call may take in the worker before it is given up (a reading normally takes tens of ms). */
export const WORKER_CALL_TIMEOUT_MS = 10_000;

/**
 * The worker's code, run with `eval` (CommonJS) so that it needs no file of its own beside the
 * compiled or the source tree. It loads systeminformation from the path the main thread resolved
 * and answers `{ id, method }` with `{ id, value }` or `{ id, error }`.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const si = require(workerData.modulePath);
const METHODS = new Set(['currentLoad', 'mem', 'fsSize', 'networkStats']);
parentPort.on('message', (call) => {
  if (!METHODS.has(call.method)) {
    parentPort.postMessage({ id: call.id, error: 'unknown method ' + String(call.method) });
    return;
  }
  Promise.resolve()
    .then(() => si[call.method]())
    .then(
      (value) => parentPort.postMessage({ id: call.id, value }),
      (error) => parentPort.postMessage({ id: call.id, error: error instanceof Error ? error.message : String(error) }),
    );
});
`;

interface WorkerAnswer {
  readonly id: number;
  readonly value?: unknown;
  readonly error?: string;
}

interface PendingCall {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * systeminformation run in a worker thread. Its Linux readers call `execSync` (`fsSize` runs
 * `cat /proc/mounts` and `df`, `networkStats` runs `ip`), which blocks the thread it runs on for
 * milliseconds to hundreds of milliseconds on a loaded machine; in a worker that stall never
 * reaches the application's event loop. An idle worker never keeps the process alive (a call in
 * flight does, as pending I/O does); it is started on the first call and started again after it
 * fails; each call is given up after {@link WORKER_CALL_TIMEOUT_MS}.
 */
export class WorkerSystemInformation implements SystemInformationApi {
  private readonly modulePath: string;
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, PendingCall>();

  /** @throws Error when systeminformation cannot be resolved (host metrics then stay off) */
  constructor() {
    this.modulePath = createRequire(import.meta.url).resolve('systeminformation');
  }

  /** {@inheritDoc SystemInformationApi.currentLoad} */
  currentLoad(): ReturnType<SystemInformationApi['currentLoad']> {
    return this.call('currentLoad') as ReturnType<SystemInformationApi['currentLoad']>;
  }

  /** {@inheritDoc SystemInformationApi.mem} */
  mem(): ReturnType<SystemInformationApi['mem']> {
    return this.call('mem') as ReturnType<SystemInformationApi['mem']>;
  }

  /** {@inheritDoc SystemInformationApi.fsSize} */
  fsSize(): ReturnType<SystemInformationApi['fsSize']> {
    return this.call('fsSize') as ReturnType<SystemInformationApi['fsSize']>;
  }

  /** {@inheritDoc SystemInformationApi.networkStats} */
  networkStats(): ReturnType<SystemInformationApi['networkStats']> {
    return this.call('networkStats') as ReturnType<SystemInformationApi['networkStats']>;
  }

  /** Stops the worker; calls still open are rejected. The next call starts a new worker. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new Error('systeminformation worker closed'));
    if (worker !== undefined) await worker.terminate();
  }

  private call(method: SystemInformationCall): Promise<unknown> {
    const worker = this.started();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.forget(id);
        reject(new Error(`systeminformation ${method}() took longer than ${WORKER_CALL_TIMEOUT_MS} ms`));
      }, WORKER_CALL_TIMEOUT_MS);
      timer.unref();
      // A call in flight keeps the process alive, as any pending I/O does; an idle worker does not.
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, method });
    });
  }

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { modulePath: this.modulePath } });
    worker.on('message', (answer: WorkerAnswer) => this.settle(answer));
    // A failed or exited worker rejects what it held; the next call starts another.
    worker.on('error', (error) => this.lose(worker, error));
    worker.on('exit', (code) => this.lose(worker, new Error(`systeminformation worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private settle(answer: WorkerAnswer): void {
    const call = this.pending.get(answer.id);
    if (call === undefined) return;
    this.forget(answer.id);
    clearTimeout(call.timer);
    if (answer.error !== undefined) call.reject(new Error(answer.error));
    else call.resolve(answer.value);
  }

  private forget(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
  }

  private lose(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.failAll(error);
  }

  private failAll(error: Error): void {
    for (const call of this.pending.values()) {
      clearTimeout(call.timer);
      call.reject(error);
    }
    this.pending.clear();
  }
}
