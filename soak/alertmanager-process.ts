import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One alert of Alertmanager's `GET /api/v2/alerts` (the fields the soak reads). */
export interface AlertmanagerAlert {
  readonly labels: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly fingerprint: string;
}

/** Alerts Alertmanager received through its API v2, by status (its `alertmanager_alerts_received_total`). */
export interface AlertmanagerReceived {
  readonly firing: number;
  readonly resolved: number;
  /** Alerts it refused as invalid (`alertmanager_alerts_invalid_total`). */
  readonly invalid: number;
}

/** How long a start waits for `/-/ready`. */
const READY_TIMEOUT_MS = 30_000;

/** How long a stop waits for the process to end after SIGTERM before SIGKILL. */
const STOP_TIMEOUT_MS = 10_000;

/**
 * A real Alertmanager (Debian's `prometheus-alertmanager`, 0.25) on a loopback port, with its own
 * configuration (every alert its own group, one receiver without integrations: the soak reads what
 * arrived through the API, not through notifications) and storage directory, its output appended
 * to `alertmanager.log` there. It can be stopped (SIGTERM, as an orchestrator does) and started
 * again on the same port and storage: like any restart it forgets the alerts it held.
 *
 * Its received counters restart from zero with it, so {@link AlertmanagerProcess.stop} first
 * banks the counters of the instance it stops; the caller must make sure nothing reaches it in
 * between (the soak cuts the TCP proxy in front of it first).
 */
export class AlertmanagerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private banked: AlertmanagerReceived = { firing: 0, resolved: 0, invalid: 0 };
  private unexpectedExits = 0;
  private stopping = false;

  /**
   * @param binary - the Alertmanager executable
   * @param dir - a directory of its own: configuration, storage, log
   * @param port - the loopback port it listens on
   */
  constructor(
    private readonly binary: string,
    private readonly dir: string,
    readonly port: number,
  ) {
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      ['route:', '  receiver: soak', "  group_by: ['...']", 'receivers:', '  - name: soak', ''].join('\n'),
    );
  }

  /** Its base URL. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Whether it runs now. */
  get running(): boolean {
    return this.child !== undefined;
  }

  /** Times it ended without being stopped. */
  get crashes(): number {
    return this.unexpectedExits;
  }

  /** Starts it and waits until `/-/ready` answers. */
  async start(): Promise<void> {
    if (this.child !== undefined) return;
    const log = openSync(join(this.dir, 'alertmanager.log'), 'a');
    const child = spawn(
      this.binary,
      [
        `--config.file=${join(this.dir, 'alertmanager.yml')}`,
        `--storage.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--cluster.listen-address=',
        '--log.level=info',
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    this.child = child;
    this.stopping = false;
    this.exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        if (!this.stopping) this.unexpectedExits++;
        if (this.child === child) this.child = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const ready = await fetch(`${this.url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      if (this.child !== child) throw new Error(`Alertmanager exited during start; see ${join(this.dir, 'alertmanager.log')}`);
      if (Date.now() > deadline)
        throw new Error(`Alertmanager was not ready within ${READY_TIMEOUT_MS} ms; see ${join(this.dir, 'alertmanager.log')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Banks its received counters, then stops it (SIGTERM; SIGKILL after 10 s). */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    const received = await this.readReceived();
    this.banked = {
      firing: this.banked.firing + received.firing,
      resolved: this.banked.resolved + received.resolved,
      invalid: this.banked.invalid + received.invalid,
    };
    this.stopping = true;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(killer);
  }

  /** The alerts it lists now (`GET /api/v2/alerts`: active, silenced and inhibited; resolved ones are never listed). */
  async alerts(): Promise<AlertmanagerAlert[]> {
    const response = await fetch(`${this.url}/api/v2/alerts`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`GET /api/v2/alerts answered ${response.status}`);
    return (await response.json()) as AlertmanagerAlert[];
  }

  /** What every instance so far received: the banked counters plus the running one's. */
  async received(): Promise<AlertmanagerReceived> {
    const now = this.child === undefined ? { firing: 0, resolved: 0, invalid: 0 } : await this.readReceived();
    return {
      firing: this.banked.firing + now.firing,
      resolved: this.banked.resolved + now.resolved,
      invalid: this.banked.invalid + now.invalid,
    };
  }

  private async readReceived(): Promise<AlertmanagerReceived> {
    const response = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`Alertmanager's /metrics answered ${response.status}`);
    const text = await response.text();
    const sum = (pattern: RegExp): number => {
      let total = 0;
      for (const match of text.matchAll(pattern)) total += Number(match[1]);
      return total;
    };
    return {
      firing: sum(/^alertmanager_alerts_received_total\{[^}]*status="firing"[^}]*\} (\S+)$/gm),
      resolved: sum(/^alertmanager_alerts_received_total\{[^}]*status="resolved"[^}]*\} (\S+)$/gm),
      invalid: sum(/^alertmanager_alerts_invalid_total\{[^}]*\} (\S+)$/gm),
    };
  }
}
