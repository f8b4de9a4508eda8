import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/support/free-port.js';
import { mysqlConfig, postgresConfig, probeServer } from '../test/support/real-servers.js';
import { startTcpProxy, type TcpProxy } from '../test/support/tcp-proxy.js';
import { AlertmanagerProcess, type AlertmanagerReceived } from './alertmanager-process.js';
import { alertStartKey, AlertmanagerWatch } from './alertmanager-watch.js';
import { planFaults, type FaultWindow } from './fault-plan.js';
import { HttpSourceServer } from './http-source-server.js';
import { memoryTrend, nativeBytes } from './memory-trend.js';
import { ServiceProcess } from './service-process.js';
import { alertCheck, memoryCheck, rateCheck, spanCheck, spanLedger } from './soak-checks.js';
import type { SoakOptions } from './soak-options.js';
import type { DrainReport, NotifiedAlert, ServiceAlertState, SoakServiceConfig } from './soak-protocol.js';
import type { AlertLedger, InjectedFault, SoakCheck, SoakSummary, SpanLedger } from './soak-summary.js';
import { SoakTables } from './soak-tables.js';
import { SpanCountingReceiver } from './span-counting-receiver.js';

/** The Alertmanager binary: `ALERTMANAGER`, else Debian's `prometheus-alertmanager` on the PATH. */
const ALERTMANAGER_BINARY = process.env['ALERTMANAGER'] || 'prometheus-alertmanager';

/** Alert engine timing of the service: evaluations every 5 s, firing alerts re-sent every 20 s. */
const ALERT_EVALUATION_MS = 5_000;
const ALERT_RESEND_MS = 20_000;
/** Longer than the watch's poll interval, so every alert start is listed at least once before it resolves. */
const ALERT_HOLD_RESOLVED_MS = 3_000;
const ALERTMANAGER_POLL_MS = 1_000;

/** Time limits of the phases around the load. */
const SERVICE_READY_MS = 120_000;
const DRAIN_MS = 60_000;
const ALERTS_SETTLE_MS = 120_000;
const SHUTDOWN_MS = 20_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const log = (line: string): void => void process.stderr.write(`[soak] ${line}\n`);
const seconds = (ms: number): number => Math.round(ms / 100) / 10;

/**
 * One soak: sets up the real servers' tables, the proxies, Alertmanager, the OTLP receiver and
 * the HTTP source; runs the service under load for the planned time while injecting the faults
 * of {@link planFaults}; then drains it, balances its spans, waits for Alertmanager to agree with
 * fedscope's alerts, shuts it down and judges. Progress goes to stderr; {@link SoakRun.run}
 * returns the summary.
 */
export class SoakRun {
  private readonly durationMs: number;
  private readonly sampleIntervalMs: number;
  private readonly dir: string;
  private readonly problems: string[] = [];
  private readonly cleanups: (() => Promise<unknown>)[] = [];
  private service: ServiceProcess | undefined;
  private alertmanager: AlertmanagerProcess | undefined;
  private interrupted = false;

  /** @param options - minutes and rate */
  constructor(private readonly options: SoakOptions) {
    this.durationMs = Math.round(options.minutes * 60_000);
    // About 30 samples a run, one a minute on the full half hour.
    this.sampleIntervalMs = Math.min(60_000, Math.max(5_000, Math.round(this.durationMs / 30)));
    this.dir = mkdtempSync(join(tmpdir(), 'fedscope-soak-'));
  }

  /** Ends the child processes at once (the soak was interrupted); {@link run} then winds down. */
  interrupt(): void {
    this.interrupted = true;
    this.service?.kill();
  }

  /** Runs the soak; rejects only when it cannot start (a server missing, a port taken). */
  async run(): Promise<SoakSummary> {
    const startedAt = new Date();
    try {
      return await this.runAndJudge(startedAt);
    } finally {
      for (const cleanup of this.cleanups.reverse()) {
        try {
          const problem = await cleanup();
          if (typeof problem === 'string') log(problem);
        } catch (error) {
          log(`clean-up failed: ${String(error)}`);
        }
      }
    }
  }

  private async runAndJudge(startedAt: Date): Promise<SoakSummary> {
    const probe = spawnSync(ALERTMANAGER_BINARY, ['--version'], { stdio: 'ignore', timeout: 10_000 });
    if (probe.error !== undefined || probe.status !== 0)
      throw new Error(
        `${ALERTMANAGER_BINARY} is not runnable (npm run servers installs prometheus-alertmanager; or set ALERTMANAGER to its path)`,
      );
    for (const server of ['postgresql', 'mariadb'] as const) {
      const result = await probeServer(server);
      if (result.problem !== undefined) throw new Error(result.problem);
    }
    const postgres = postgresConfig();
    const mariadb = mysqlConfig();
    const tables = new SoakTables(postgres, mariadb, String(process.pid));
    log(`creating ${tables.ordersTable} (PostgreSQL) and ${tables.customersTable} (MariaDB)`);
    this.cleanups.push(() => tables.drop());
    await tables.create();

    const pgProxy = await startTcpProxy(postgres);
    this.cleanups.push(() => pgProxy.close());
    const mariadbProxy = await startTcpProxy(mariadb);
    this.cleanups.push(() => mariadbProxy.close());

    const alertmanagerDir = join(this.dir, 'alertmanager');
    mkdirSync(alertmanagerDir, { recursive: true });
    const alertmanager = new AlertmanagerProcess(ALERTMANAGER_BINARY, alertmanagerDir, await freePort());
    this.alertmanager = alertmanager;
    this.cleanups.push(() => alertmanager.stop());
    await alertmanager.start();
    const alertmanagerProxy = await startTcpProxy({ host: '127.0.0.1', port: alertmanager.port });
    this.cleanups.push(() => alertmanagerProxy.close());
    const watch = new AlertmanagerWatch(alertmanager, ALERTMANAGER_POLL_MS);
    this.cleanups.push(() => watch.stop());

    const receiver = new SpanCountingReceiver();
    await receiver.start();
    this.cleanups.push(() => receiver.stop());
    const httpSource = new HttpSourceServer();
    const httpSourceUrl = await httpSource.start();
    this.cleanups.push(() => httpSource.close());

    const spoolDir = join(this.dir, 'alert-spool');
    const config: SoakServiceConfig = {
      rate: this.options.rate,
      sampleIntervalMs: this.sampleIntervalMs,
      postgres: { ...postgres, port: pgProxy.port },
      mariadb: { ...mariadb, port: mariadbProxy.port },
      ordersTable: tables.ordersTable,
      customersTable: tables.customersTable,
      httpSourceUrl,
      otlpTracesUrl: receiver.tracesUrl,
      alertmanagerUrl: `http://127.0.0.1:${alertmanagerProxy.port}`,
      spoolDir,
      alertEvaluationIntervalMs: ALERT_EVALUATION_MS,
      alertResendIntervalMs: ALERT_RESEND_MS,
      alertHoldResolvedMs: ALERT_HOLD_RESOLVED_MS,
    };
    const service = new ServiceProcess(config, join(this.dir, 'service.log'));
    this.service = service;
    this.cleanups.push(async () => service.kill());
    const metricsUrl = await service.ready(SERVICE_READY_MS);
    log(`service ${service.pid} ready (${metricsUrl}/metrics); logs in ${this.dir}`);

    // The load, with the faults on schedule.
    const faults = planFaults(this.durationMs);
    service.startLoad();
    watch.start();
    const loadStart = Date.now();
    log(
      `load started: ${this.options.rate} queries/s for ${this.options.minutes} min; faults: ${faults.map((f) => `${f.kind} at ${seconds(f.startMs)} s for ${seconds(f.durationMs)} s`).join(', ')}`,
    );
    const progress = setInterval(() => this.logProgress(), this.sampleIntervalMs);
    const harnessCpuStart = process.cpuUsage();
    const injected: InjectedFault[] = [];
    const proxies = { pgProxy, mariadbProxy, alertmanagerProxy };
    for (const fault of faults) {
      injected.push(await this.inject(fault, loadStart, { proxies, receiver, alertmanager, watch }));
    }
    await this.waitUntil(loadStart + this.durationMs);
    clearInterval(progress);
    const harnessCpu = process.cpuUsage(harnessCpuStart);
    const harnessCpuPercent = Math.round(((harnessCpu.user + harnessCpu.system) / 1000 / Math.max(1, Date.now() - loadStart)) * 1000) / 10;

    // Drain: the spans' ledger first (the service's figures and /metrics at the same point), then the alerts'.
    let drain: DrainReport | undefined;
    let spans: SpanLedger | null = null;
    let spanProblem: string | undefined;
    try {
      log('stopping the load and flushing the spans');
      drain = await service.stopLoad(DRAIN_MS);
      const response = await fetch(`${metricsUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
      spans = spanLedger(drain.spansEnded, receiver.received(), await response.text());
    } catch (error) {
      spanProblem = `could not balance the spans: ${String(error)}`;
      this.problems.push(spanProblem);
    }
    let alerts: AlertLedger | null = null;
    let alertProblem: string | undefined;
    let endState: ServiceAlertState | undefined;
    let listedAtEnd: NotifiedAlert[] = [];
    if (drain !== undefined) {
      log('waiting for Alertmanager to list exactly what fedscope fires');
      try {
        ({ endState, listedAtEnd } = await this.settleAlerts(service, watch));
      } catch (error) {
        alertProblem = String(error);
        this.problems.push(alertProblem);
      }
    }
    await watch.stop();

    log('shutting the service down');
    const exit = service.exit ?? (await service.shutdown(SHUTDOWN_MS));
    // After the shutdown, which may still deliver (its queue drains within the budget): the same point as the final delivery counters.
    const received = await alertmanager.received().catch((error: unknown) => {
      this.problems.push(`could not read Alertmanager's counters: ${String(error)}`);
      return null;
    });
    const spooledFiles = readdirOrEmpty(spoolDir);
    if (drain !== undefined && endState !== undefined)
      alerts = this.alertLedger(drain, endState, listedAtEnd, watch, received, service.finalDelivery ?? endState.delivery, spooledFiles);

    // Judge.
    const trend = memoryTrend(service.samples, this.durationMs);
    const load = drain?.load ?? service.samples.at(-1)?.load ?? { started: 0, succeeded: 0, failed: 0, shed: 0 };
    const loadDurationMs = drain?.loadDurationMs ?? this.durationMs;
    const achievedRate = ((load.succeeded + load.failed) * 1000) / loadDurationMs;
    // Alive all along: a sample at least every 3 intervals from the load's start to its end.
    const sampleTimes = [0, ...service.samples.map((s) => s.elapsedMs), drain === undefined ? this.durationMs : loadDurationMs];
    const longestGapMs = Math.max(...sampleTimes.slice(1).map((t, i) => t - sampleTimes[i]!));
    const lived =
      service.fatal === undefined && exit.asked && exit.code === 0 && longestGapMs <= 3 * this.sampleIntervalMs && !this.interrupted;
    const lastSample = service.samples.at(-1);
    const checks: SoakCheck[] = [
      {
        name: 'the process lived',
        pass: lived,
        detail:
          `${exit.asked ? 'exited when asked' : 'ENDED UNASKED'} with code ${exit.code ?? '-'}${exit.signal ? ` (signal ${exit.signal})` : ''}; ` +
          `${service.samples.length} samples, longest gap ${seconds(longestGapMs)} s (limit ${seconds(3 * this.sampleIntervalMs)} s)` +
          `${service.fatal ? `; crash: ${service.fatal.split('\n')[0]}` : ''}` +
          `${this.interrupted ? '; interrupted' : ''}`,
      },
      alertCheck(alerts, alertProblem ?? (drain === undefined ? spanProblem : undefined)),
      spanCheck(spans, spanProblem),
      memoryCheck(trend),
      rateCheck(achievedRate, this.options.rate, load.shed),
    ];
    const passed = checks.every((c) => c.pass);
    if (passed) this.cleanups.push(async () => rmSync(this.dir, { recursive: true, force: true }));
    const cpu = cpus();
    return {
      command: `npm run soak -- --minutes ${this.options.minutes} --rate ${this.options.rate}`,
      options: { ...this.options },
      machine: {
        cpu: cpu[0]?.model ?? 'unknown',
        cores: cpu.length,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
      },
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      faults: injected,
      load: {
        ...load,
        durationS: seconds(loadDurationMs),
        targetRate: this.options.rate,
        achievedRate: Math.round(achievedRate * 10) / 10,
        failuresByKind: drain?.failuresByKind ?? {},
      },
      latencyMs: drain === undefined ? null : { all: drain.latency, succeeded: drain.latencySucceeded },
      spans,
      alerts,
      memory: {
        ...trend,
        sampleIntervalS: seconds(this.sampleIntervalMs),
        samples: service.samples.map((s, i) => {
          const previous = service.samples[i - 1];
          const intervalMs = s.elapsedMs - (previous?.elapsedMs ?? 0);
          return {
            atS: seconds(s.elapsedMs),
            rssMiB: Math.round((s.rssBytes / 2 ** 20) * 10) / 10,
            heapMiB: Math.round((s.heapUsedBytes / 2 ** 20) * 10) / 10,
            externalMiB: Math.round((s.externalBytes / 2 ** 20) * 10) / 10,
            nativeMiB: Math.round((nativeBytes(s) / 2 ** 20) * 10) / 10,
            // The first interval also holds the start-up's CPU.
            cpuPercent: Math.round(((s.cpuMs - (previous?.cpuMs ?? 0)) / Math.max(1, intervalMs)) * 1000) / 10,
            eventLoopDelayP99Ms: Math.round(s.eventLoopDelayP99Ms * 10) / 10,
            finished: s.load.succeeded + s.load.failed,
          };
        }),
      },
      service: {
        exitCode: exit.code,
        signal: exit.signal,
        fatal: service.fatal ?? null,
        samplesReceived: service.samples.length,
        longestSampleGapS: seconds(longestGapMs),
        cpuPercent:
          lastSample === undefined || service.samples.length < 2
            ? null
            : Math.round(
                ((lastSample.cpuMs - service.samples[0]!.cpuMs) / Math.max(1, lastSample.elapsedMs - service.samples[0]!.elapsedMs)) * 1000,
              ) / 10,
      },
      harnessCpuPercent,
      checks,
      passed,
      logDir: passed ? null : this.dir,
      problems: this.problems,
    };
  }

  /** Injects one fault at its time and lifts it at its end; records what happened. */
  private async inject(
    fault: FaultWindow,
    loadStart: number,
    parts: {
      proxies: { pgProxy: TcpProxy; mariadbProxy: TcpProxy; alertmanagerProxy: TcpProxy };
      receiver: SpanCountingReceiver;
      alertmanager: AlertmanagerProcess;
      watch: AlertmanagerWatch;
    },
  ): Promise<InjectedFault> {
    const planned = { kind: fault.kind, plannedStartS: seconds(fault.startMs), plannedEndS: seconds(fault.startMs + fault.durationMs) };
    await this.waitUntil(loadStart + fault.startMs);
    if (this.stopped()) return { ...planned, startS: null, endS: null, note: 'not injected: the service had ended' };
    const { pgProxy, mariadbProxy, alertmanagerProxy } = parts.proxies;
    const startS = seconds(Date.now() - loadStart);
    let note = '';
    try {
      switch (fault.kind) {
        case 'otlp-receiver-down': {
          log(`fault: OTLP receiver down for ${seconds(fault.durationMs)} s`);
          const before = parts.receiver.received().spans;
          await parts.receiver.stop();
          await this.waitUntil(loadStart + fault.startMs + fault.durationMs);
          await parts.receiver.start();
          note = `receiver stopped (graceful) and restarted on port ${parts.receiver.port}; ${before} spans received before`;
          break;
        }
        case 'database-cut': {
          log(`fault: PostgreSQL and MariaDB cut for ${seconds(fault.durationMs)} s`);
          const resets = pgProxy.resets + mariadbProxy.resets;
          pgProxy.cut('refuse');
          mariadbProxy.cut('refuse');
          await this.waitUntil(loadStart + fault.startMs + fault.durationMs);
          pgProxy.restore();
          mariadbProxy.restore();
          note = `${pgProxy.resets + mariadbProxy.resets - resets} connections reset or refused by the proxies`;
          break;
        }
        case 'alertmanager-down': {
          log(`fault: Alertmanager down for ${seconds(fault.durationMs)} s`);
          alertmanagerProxy.cut('refuse');
          // A last look at what it holds: nothing can reach it any more.
          await parts.watch.poll();
          await parts.alertmanager.stop();
          await this.waitUntil(loadStart + fault.startMs + fault.durationMs);
          await parts.alertmanager.start();
          alertmanagerProxy.restore();
          note = `Alertmanager stopped (SIGTERM) and restarted, its alerts forgotten; ${alertmanagerProxy.resets} connections refused while down`;
          break;
        }
      }
    } catch (error) {
      note = `FAILED: ${String(error)}`;
      this.problems.push(`fault ${fault.kind}: ${String(error)}`);
    }
    log(`fault lifted: ${fault.kind}`);
    return { ...planned, startS, endS: seconds(Date.now() - loadStart), note };
  }

  /**
   * Waits until Alertmanager lists exactly the alerts fedscope fires (same labels, same start) and
   * fedscope's queue to it is empty: re-sends restore what a restarted Alertmanager forgot.
   */
  private async settleAlerts(
    service: ServiceProcess,
    watch: AlertmanagerWatch,
  ): Promise<{ endState: ServiceAlertState; listedAtEnd: NotifiedAlert[] }> {
    const deadline = Date.now() + ALERTS_SETTLE_MS;
    for (;;) {
      const state = await service.alertState(10_000);
      const listed = await watch.poll();
      if (listed !== undefined) {
        const fired = new Set(state.firing.map((a) => alertStartKey(a.labels, a.startsAt)));
        const shown = new Set(listed.map((a) => alertStartKey(a.labels, a.startsAt)));
        const agree = fired.size === shown.size && [...fired].every((k) => shown.has(k));
        if ((agree && state.delivery?.queued === 0) || Date.now() > deadline)
          return { endState: state, listedAtEnd: listed.map((a) => ({ labels: a.labels, startsAt: a.startsAt })) };
      } else if (Date.now() > deadline) return { endState: state, listedAtEnd: [] };
      await sleep(2_000);
    }
  }

  private alertLedger(
    drain: DrainReport,
    endState: ServiceAlertState,
    listedAtEnd: NotifiedAlert[],
    watch: AlertmanagerWatch,
    received: AlertmanagerReceived | null,
    delivery: ServiceAlertState['delivery'],
    spooledFiles: string[],
  ): AlertLedger {
    const key = (a: NotifiedAlert): string => alertStartKey(a.labels, a.startsAt);
    const fired = new Map(endState.firing.map((a) => [key(a), a]));
    const listed = new Map(listedAtEnd.map((a) => [key(a), a]));
    // Every start raised before the drain, plus any raised since (the end state's).
    const firing = new Map([...drain.firingNotifications, ...endState.firing].map((a) => [key(a), a]));
    return {
      firingNotifications: firing.size,
      firingNotListed: [...firing.values()].filter((a) => !watch.hasSeen(a.labels, a.startsAt)),
      resolvedNotifications: drain.resolvedNotifications.length,
      delivery,
      alertmanagerReceived: received,
      missingAtEnd: [...fired.entries()].filter(([k]) => !listed.has(k)).map(([, a]) => a),
      staleAtEnd: [...listed.entries()].filter(([k]) => !fired.has(k)).map(([, a]) => a),
      spooledFiles,
    };
  }

  private logProgress(): void {
    const last = this.service?.samples.at(-1);
    if (last === undefined) return;
    const { load } = last;
    const rate = ((load.succeeded + load.failed) * 1000) / Math.max(1, last.elapsedMs);
    log(
      `${seconds(last.elapsedMs)} s: ${load.started} queries (${rate.toFixed(0)}/s), ${load.failed} failed, ${load.shed} shed; ` +
        `heap ${(last.heapUsedBytes / 2 ** 20).toFixed(1)} MiB, RSS ${(last.rssBytes / 2 ** 20).toFixed(0)} MiB` +
        `${this.alertmanager?.running === false ? '; Alertmanager down' : ''}`,
    );
  }

  /** Whether the run must not go on: the service ended, or the soak was interrupted. */
  private stopped(): boolean {
    return this.interrupted || this.service?.exit !== undefined;
  }

  /** Sleeps until `at` (epoch ms), waking early when the run must stop. */
  private async waitUntil(at: number): Promise<void> {
    while (Date.now() < at && !this.stopped()) await sleep(Math.min(500, at - Date.now()));
  }
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
