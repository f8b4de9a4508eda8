/**
 * The service `npm run soak` soaks, run by `soak/run.ts` as a child process of its own (so its
 * memory and its life are its own): fedscope started as users start it — Prometheus endpoint,
 * OTLP trace export, the default alert rules plus one per source, delivered to Alertmanager with a
 * spool directory — and fedscope's federation runtime answering an open-loop load of federated
 * queries over PostgreSQL and MariaDB (through the parent's TCP proxies), an embedded DuckDB and
 * the parent's HTTP source. It reports over IPC (see `soak-protocol.ts`): a sample of its memory
 * and load every `sampleIntervalMs`, then, when told to stop, what it ran, the spans it ended and
 * the alert notifications it raised.
 */
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { FederationError, startFedscope, type AlertRuleDefinition, type AlertsSnapshot } from 'fedscope';
import { AlertNotificationLog } from './alert-notification-log.js';
import { OpenLoopLoad } from './open-loop-load.js';
import { SpanEndCounter } from './span-end-counter.js';
import {
  SERVICE_CONFIG_ENV,
  type AlertDeliveryCounts,
  type ParentMessage,
  type ServiceMessage,
  type SoakServiceConfig,
} from './soak-protocol.js';
import { createSoakFederation, PRODUCTS_DDL, runSoakQuery } from './soak-workload.js';

/** The channel name of fedscope's Alertmanager channel. */
const ALERTMANAGER_CHANNEL = 'alertmanager';

/** How often the alert engine's transition history is read (it keeps 500 transitions). */
const ALERT_HISTORY_READ_MS = 2_000;

/** One alert per source whose calls fail, on top of the defaults: the database cut raises and resolves it. */
const SOAK_ALERT_RULES: AlertRuleDefinition[] = [
  {
    alert: 'SoakSourceErrors',
    figure: 'source.errorRate',
    op: '>',
    threshold: 0.05,
    severity: 'warning',
    annotations: { summary: 'source {{ $labels.source }} fails {{ $value }} of its calls (> 5%)' },
  },
];

const send = (message: ServiceMessage): void => void process.send?.(message);
// A crash is the parent's first finding: it is told why before the process ends as Node ends it.
process.on('uncaughtExceptionMonitor', (error) => send({ type: 'fatal', message: error.stack ?? String(error) }));

const rawConfig = process.env[SERVICE_CONFIG_ENV];
if (rawConfig === undefined || process.send === undefined)
  throw new Error(`soak/service.ts is run by soak/run.ts (over IPC, with ${SERVICE_CONFIG_ENV})`);
const config = JSON.parse(rawConfig) as SoakServiceConfig;

// fedscope first: it instruments pg, mysql2 and DuckDB as they load.
const spans = new SpanEndCounter();
const fedscope = startFedscope({
  serviceName: 'fedscope-soak',
  prometheus: { port: 0 },
  otlp: { tracesEndpoint: config.otlpTracesUrl, protocol: 'http/protobuf' },
  spanProcessors: [spans],
  // The DuckDB set-up below runs outside any query and is not traced.
  sourceInstrumentations: { duckdb: { requireParentSpan: true } },
  alerts: {
    evaluationIntervalMs: config.alertEvaluationIntervalMs,
    rules: SOAK_ALERT_RULES,
    spoolDir: config.spoolDir,
    alertmanager: {
      url: config.alertmanagerUrl,
      resendIntervalMs: config.alertResendIntervalMs,
      holdResolvedMs: config.alertHoldResolvedMs,
    },
  },
});
await fedscope.ready;

const require = createRequire(import.meta.url);
const pg = require('pg') as typeof import('pg');
const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
const { DuckDBInstance } = await import('@duckdb/node-api');

const pgPool = new pg.Pool({ ...config.postgres, max: 8, connectionTimeoutMillis: 1_000, options: '-c statement_timeout=2000' });
const mariadbPool = mysql.createPool({ ...config.mariadb, connectionLimit: 8, connectTimeout: 1_000, supportBigNumbers: true });
const duckdb = await DuckDBInstance.create(':memory:', { threads: '1' });
const duckdbConnection = await duckdb.connect();
await duckdbConnection.run(PRODUCTS_DDL);

const federation = createSoakFederation({
  postgres: pgPool,
  mariadb: mariadbPool,
  duckdb: duckdbConnection,
  httpSourceUrl: config.httpSourceUrl,
  ordersTable: config.ordersTable,
  customersTable: config.customersTable,
  rate: config.rate,
});
const query = (): Promise<unknown> => runSoakQuery(federation, config);

// Warm up untraced (JIT, connections, the merge engine) over every query of the mix, then forget the cached results.
await context.with(suppressTracing(context.active()), async () => {
  for (let i = 0; i < 40; i++) await runSoakQuery(federation, config, () => (i + 0.5) / 40);
});
federation.clearCache();

const load = new OpenLoopLoad(config.rate, query, {
  classify: (error) =>
    error instanceof FederationError
      ? `${error.code}${error.source === undefined ? '' : ` ${error.source}`}`
      : error instanceof Error
        ? error.name
        : 'non-error',
});
const notifications = new AlertNotificationLog();
const timers: NodeJS.Timeout[] = [];

function deliveryCounts(snapshot: AlertsSnapshot | null): AlertDeliveryCounts | null {
  const stats = snapshot?.delivery.find((d) => d.channel === ALERTMANAGER_CHANNEL);
  if (stats === undefined) return null;
  const { channel: _channel, ...counts } = stats;
  return counts;
}

const loopDelay = monitorEventLoopDelay({ resolution: 10 });

function sample(): void {
  const eventLoopDelayP99Ms = loopDelay.percentile(99) / 1e6;
  // The heap after a full collection: what is retained, not what awaits collection.
  globalThis.gc?.();
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  send({
    type: 'sample',
    sample: {
      elapsedMs: load.durationMs(),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      externalBytes: memory.external,
      cpuMs: (cpu.user + cpu.system) / 1000,
      eventLoopDelayP99Ms,
      load: load.snapshot(),
    },
  });
  // Reset after the collection, so its pause is not the next interval's figure.
  loopDelay.reset();
}

async function stopLoad(): Promise<void> {
  for (const timer of timers) clearInterval(timer);
  await load.stop();
  notifications.read(fedscope.alerts());
  // Every span ended is now exported, failed or dropped: the ledger can be balanced.
  await fedscope.forceFlush();
  send({
    type: 'drained',
    report: {
      load: load.snapshot(),
      loadDurationMs: load.durationMs(),
      latency: load.latency('all'),
      latencySucceeded: load.latency('succeeded'),
      failuresByKind: load.failures(),
      spansEnded: spans.ended,
      firingNotifications: notifications.firing(),
      resolvedNotifications: notifications.resolved(),
    },
  });
}

async function shutdown(): Promise<void> {
  await federation.close();
  await Promise.allSettled([pgPool.end(), mariadbPool.end()]);
  duckdbConnection.closeSync();
  duckdb.closeSync();
  await fedscope.shutdown();
  process.send?.({ type: 'stopped', delivery: deliveryCounts(fedscope.alerts()) } satisfies ServiceMessage, () => process.exit(0));
}

process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'start-load':
      load.start();
      loopDelay.enable();
      timers.push(setInterval(sample, config.sampleIntervalMs));
      timers.push(setInterval(() => notifications.read(fedscope.alerts()), ALERT_HISTORY_READ_MS));
      break;
    case 'stop-load':
      void stopLoad();
      break;
    case 'alert-state': {
      const snapshot = fedscope.alerts();
      notifications.read(snapshot);
      const firing = (snapshot?.active ?? []).filter((a) => a.state === 'firing' && a.firedAt !== null);
      send({
        type: 'alert-state',
        state: { firing: firing.map((a) => ({ labels: a.labels, startsAt: a.firedAt! })), delivery: deliveryCounts(snapshot) },
      });
      break;
    }
    case 'shutdown':
      void shutdown();
      break;
  }
});
send({ type: 'ready', metricsUrl: fedscope.metricsUrl ?? '' });
