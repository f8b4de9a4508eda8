import { AlertRulesError, formatAlertRuleProblem } from '../../processors/alerts/alert-rules-error.js';
import { FedscopeConfigError } from '../diagnostics/fedscope-config-error.js';
import type { Environment } from '../options/resolve-config.js';
import { COLLECTOR_CONFIG_VARIABLE, COLLECTOR_SETTINGS, resolveCollectorConfig, type CollectorConfig } from './collector-config.js';
import { startCollector, type RunningCollector } from './start-collector.js';
import type { ListeningAddress } from './trace-intake.js';

/** What `fedscope collector` talks to: the environment, its output and the signals that stop it. */
export interface CollectorCommandIo {
  /** Environment variables (`FEDSCOPE_COLLECTOR_*` are read). */
  env: Environment;
  /** Standard output (the help). */
  out: (text: string) => void;
  /** Standard error (the listening line, problems, the final summary). */
  err: (text: string) => void;
  /** Calls `handler` once on SIGTERM or SIGINT. @default `process.once` for both */
  onStopSignal?: (handler: (signal: string) => void) => void;
}

/** `fedscope collector --help`: every flag with its variable and default. */
export function collectorHelp(): string {
  const rows: Array<[string, string]> = [
    ['--config FILE', `YAML file of settings, keyed like the flags in camelCase (e.g. otlpHttp) [${COLLECTOR_CONFIG_VARIABLE}]`],
    ...COLLECTOR_SETTINGS.map((s): [string, string] => [
      `${s.flag} ${s.valueName}`,
      `${s.description} (default ${s.defaultText}) [${s.variable}]`,
    ]),
  ];
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    'usage: fedscope collector [flags]',
    '',
    'Receives OTLP traces from any service or OpenTelemetry Collector and runs fedscope analysis on them:',
    'statistics, critical paths and bottlenecks, health, alerts, /metrics and /fedscope/*.json.',
    'Flags win over FEDSCOPE_COLLECTOR_* variables, variables over the --config file, the file over defaults.',
    'SIGTERM or SIGINT drains what was received (analysis and forwarding), then exits 0 (a second signal ends it at once);',
    'a bad setting exits 2, an address that cannot be bound 1.',
    '',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
    '',
  ].join('\n');
}

/**
 * Runs `fedscope collector`: resolves the settings (a bad one: its message, exit 2), starts the
 * companion (an address that cannot be bound: exit 1), prints one line with the addresses, runs
 * until SIGTERM or SIGINT, drains, prints what it handled, and resolves 0.
 * @param args - the flags after `collector`
 * @param io - environment, output and signals
 */
export async function runCollectorCommand(args: readonly string[], io: CollectorCommandIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(collectorHelp());
    return 0;
  }
  let config: CollectorConfig;
  try {
    config = resolveCollectorConfig({ args, env: io.env });
  } catch (error) {
    if (error instanceof AlertRulesError) for (const problem of error.problems) io.err(`${formatAlertRuleProblem(problem)}\n`);
    else if (error instanceof FedscopeConfigError) io.err(`${error.message}\n`);
    else throw error;
    return 2;
  }
  let collector: RunningCollector;
  try {
    collector = await startCollector(config);
  } catch (error) {
    io.err(`fedscope collector: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const signal = await new Promise<string>((resolve) => {
    // The command runs until a signal, whatever its servers do with the event loop.
    const keepAlive = setInterval(() => undefined, 2 ** 30);
    const onStop = io.onStopSignal ?? onceOnStopSignal;
    onStop((received) => {
      clearInterval(keepAlive);
      resolve(received);
    });
    io.err(`${listeningLine(collector, config)}\n`);
  });
  io.err(`fedscope collector: ${signal}: draining\n`);
  await collector.stop();
  io.err(`${summaryLine(collector)}\n`);
  return 0;
}

/** The first SIGTERM or SIGINT starts the drain; the listeners are then removed, so a second one ends the process at once. */
function onceOnStopSignal(handler: (signal: string) => void): void {
  let done = false;
  const listener = (signal: NodeJS.Signals): void => {
    if (done) return;
    done = true;
    process.off('SIGTERM', listener);
    process.off('SIGINT', listener);
    handler(signal);
  };
  process.on('SIGTERM', listener);
  process.on('SIGINT', listener);
}

function hostPort(address: ListeningAddress): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

/** `fedscope collector: listening otlp-http=… otlp-grpc=… http=http(s)://…/metrics forward=… otlp-metrics=… token=…`: one line, every address. */
function listeningLine(collector: RunningCollector, config: CollectorConfig): string {
  const { otlpHttp, otlpGrpc, http } = collector.addresses;
  return [
    'fedscope collector: listening',
    `otlp-http=${hostPort(otlpHttp)}`,
    `otlp-grpc=${otlpGrpc ? hostPort(otlpGrpc) : 'off'}`,
    `http=${config.access.tls ? 'https' : 'http'}://${hostPort(http)}/metrics`,
    `forward=${config.forward ?? 'off'}`,
    `otlp-metrics=${config.otlpMetrics?.metricsUrl ?? 'off'}`,
    `token=${config.access.tokenSha256 ? 'required' : 'off'}`,
  ].join(' ');
}

/** `fedscope collector: stopped; spans accepted=… rejected=…; forwarded requests sent=… dropped=…`. */
function summaryLine(collector: RunningCollector): string {
  let accepted = 0;
  let rejected = 0;
  for (const [key, count] of collector.stats.counts().spans) {
    if (key.endsWith('|accepted')) accepted += count;
    else rejected += count;
  }
  const forwarded = collector.forwarderStats();
  const dropped = forwarded === undefined ? 0 : [...forwarded.dropped.values()].reduce((sum, n) => sum + n, 0);
  return `fedscope collector: stopped; spans accepted=${accepted} rejected=${rejected}${
    forwarded === undefined ? '' : `; forwarded requests sent=${forwarded.sent} dropped=${dropped}`
  }`;
}
