import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  SERVICE_CONFIG_ENV,
  type AlertDeliveryCounts,
  type DrainReport,
  type ParentMessage,
  type ServiceAlertState,
  type ServiceMessage,
  type ServiceSample,
  type SoakServiceConfig,
} from './soak-protocol.js';

/** How the service process ended. */
export interface ServiceExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Whether the parent had asked it to stop. */
  readonly asked: boolean;
}

/** Environment variables the service does not inherit: the soak configures fedscope itself. */
const NOT_INHERITED = /^(OTEL_|FEDSCOPE_)/;

/**
 * The soaked service (`soak/service.ts`) as a child process: started with the same Node flags as
 * the soak (tsx's loader) plus `--expose-gc`, its output appended to a log file, spoken to over
 * IPC. It remembers every sample the service sent and how and when it ended.
 */
export class ServiceProcess {
  /** Samples received, oldest first (one per sample interval: a few dozen per run). */
  readonly samples: ServiceSample[] = [];
  /** The service's crash report, when it sent one. */
  fatal: string | undefined;
  /** The Alertmanager channel's counters after the service's shutdown. */
  finalDelivery: AlertDeliveryCounts | null | undefined;
  private readonly child: ChildProcess;
  private readonly waiters = new Set<(message: ServiceMessage) => boolean>();
  private exitInfo: ServiceExit | undefined;
  private asked = false;
  /** Resolves when the process has ended. */
  readonly exited: Promise<ServiceExit>;

  /**
   * @param config - the service's configuration
   * @param logPath - where its stdout and stderr go
   */
  constructor(config: SoakServiceConfig, logPath: string) {
    const env: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) if (!NOT_INHERITED.test(name)) env[name] = value;
    env[SERVICE_CONFIG_ENV] = JSON.stringify(config);
    const log = openSync(logPath, 'a');
    this.child = fork(fileURLToPath(new URL('./service.ts', import.meta.url)), [], {
      execArgv: [...process.execArgv, '--expose-gc'],
      env,
      stdio: ['ignore', log, log, 'ipc'],
    });
    closeSync(log);
    this.child.on('message', (message: ServiceMessage) => {
      if (message.type === 'sample') this.samples.push(message.sample);
      if (message.type === 'fatal') this.fatal = message.message;
      if (message.type === 'stopped') this.finalDelivery = message.delivery;
      for (const waiter of [...this.waiters]) if (waiter(message)) this.waiters.delete(waiter);
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal, asked: this.asked };
        resolve(this.exitInfo);
      }),
    );
  }

  /** The process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** How it ended; undefined while it runs. */
  get exit(): ServiceExit | undefined {
    return this.exitInfo;
  }

  /** Waits for `ready` and returns the service's metrics URL. */
  async ready(timeoutMs: number): Promise<string> {
    const message = await this.next('ready', timeoutMs);
    return message.metricsUrl;
  }

  /** Starts the load. */
  startLoad(): void {
    this.send({ type: 'start-load' });
  }

  /** Stops the load and waits for the service's report (its spans flushed). */
  async stopLoad(timeoutMs: number): Promise<DrainReport> {
    const reply = this.next('drained', timeoutMs);
    this.send({ type: 'stop-load' });
    return (await reply).report;
  }

  /** Asks for the alert engine's state now. */
  async alertState(timeoutMs: number): Promise<ServiceAlertState> {
    const reply = this.next('alert-state', timeoutMs);
    this.send({ type: 'alert-state' });
    return (await reply).state;
  }

  /** Asks the service to shut fedscope down and exit; resolves with how it ended (killed after `timeoutMs`). */
  async shutdown(timeoutMs: number): Promise<ServiceExit> {
    this.asked = true;
    this.send({ type: 'shutdown' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** Ends the process now (the soak was interrupted). */
  kill(): void {
    this.asked = true;
    if (this.exitInfo === undefined) this.child.kill('SIGKILL');
  }

  private send(message: ParentMessage): void {
    if (this.exitInfo === undefined && this.child.connected) this.child.send(message);
  }

  /** The next message of a type; rejects after `timeoutMs` or when the process ends first. */
  private next<T extends ServiceMessage['type']>(type: T, timeoutMs: number): Promise<Extract<ServiceMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`the service sent no ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (message: ServiceMessage): boolean => {
        if (message.type !== type) return false;
        clearTimeout(timer);
        resolve(message as Extract<ServiceMessage, { type: T }>);
        return true;
      };
      this.waiters.add(waiter);
      void this.exited.then((exit) => {
        if (!this.waiters.delete(waiter)) return;
        clearTimeout(timer);
        reject(
          new Error(
            `the service ended (code ${exit.code}, signal ${exit.signal}) before sending ${type}${this.fatal ? `: ${this.fatal}` : ''}`,
          ),
        );
      });
    });
  }
}
