/**
 * fedscope quickstart: a paced federated workload run by fedscope's federation runtime over
 * embedded sources — DuckDB with a generated dataset, a SQLite catalog and a loopback HTTP JSON
 * CRM with injected faults — with every stage and source call traced and analysed by fedscope,
 * and the default alert rules evaluated in-process. Healthy by design: on an idle 2-core machine
 * none of the default rules fires.
 *
 *   npm start                                   # live summary + http://127.0.0.1:9464/fedscope/ (dashboard), /metrics
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 npm start   # traces to a Collector/Jaeger
 *
 * Environment: FEDSCOPE_QUICKSTART_RATE (queries per second, open loop with Poisson arrivals,
 * default 5), FEDSCOPE_QUICKSTART_FAULTS (the CRM's faults: bursts (default), outages, none),
 * FEDSCOPE_QUICKSTART_INTERVAL_MS (summary period, default 5000),
 * FEDSCOPE_QUICKSTART_ALERT_INTERVAL_MS (alert evaluation period, default 15000), plus every
 * OTEL_* / FEDSCOPE_* variable startFedscope() reads.
 */
// First: fedscope and the driver instrumentations must be in place before the drivers load.
import { fedscope } from './telemetry.js';
import { openCatalog } from './catalog.js';
import { startCrmService, type CrmFaultProfile } from './crm-service.js';
import { PacedLoad } from './paced-load.js';
import { renderSummary } from './summary.js';
import { openWarehouse } from './warehouse.js';
import { CACHE_TTL_RATE_SECONDS, createFederation, runOneQuery, warmUp } from './workload.js';

const FAULT_PROFILES: readonly CrmFaultProfile[] = ['bursts', 'outages', 'none'];

const rate = Number(process.env['FEDSCOPE_QUICKSTART_RATE'] ?? 5);
const faults = (process.env['FEDSCOPE_QUICKSTART_FAULTS'] ?? 'bursts') as CrmFaultProfile;
const intervalMs = Number(process.env['FEDSCOPE_QUICKSTART_INTERVAL_MS'] ?? 5000);
if (!(rate > 0 && rate <= 1000))
  throw new RangeError(
    `FEDSCOPE_QUICKSTART_RATE must be a number of queries per second in (0, 1000], got ${process.env['FEDSCOPE_QUICKSTART_RATE']}`,
  );
if (!FAULT_PROFILES.includes(faults))
  throw new RangeError(`FEDSCOPE_QUICKSTART_FAULTS must be one of ${FAULT_PROFILES.join(', ')}, got ${faults}`);

await fedscope.ready.catch((error: unknown) => console.error(`metrics server not started: ${String(error)}`));

const warehouse = await openWarehouse();
const crm = await startCrmService({ faults });
const catalog = openCatalog();
const federation = createFederation(warehouse.connection, catalog, crm.url, { cacheTtlMs: (CACHE_TTL_RATE_SECONDS / rate) * 1000 });
await warmUp(federation);
const load = new PacedLoad(rate, () => runOneQuery(federation));
load.start();

const printer = setInterval(() => {
  const screen = renderSummary(fedscope.snapshot(), fedscope.metricsUrl, {
    status: federation.status(),
    alerts: fedscope.alerts(),
    load: load.counts,
    ratePerSecond: rate,
    crmFaults: crm.faults,
  });
  // Clear the terminal only when it is one: piped output stays a readable log.
  process.stdout.write(process.stdout.isTTY ? `\x1b[2J\x1b[H${screen}\n` : `${screen}\n\n`);
}, intervalMs);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(printer);
  await load.stop();
  await federation.close();
  await fedscope.shutdown(); // flushes spans and metrics
  await crm.close();
  catalog.close();
  warehouse.close();
  console.log(`stopped on ${signal}: ${load.counts.started} queries run, ${load.counts.failed} failed, ${load.counts.shed} shed`);
  process.exit(0);
}
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
