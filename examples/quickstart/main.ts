/**
 * fedscope quickstart: a continuous federated workload run by fedscope's federation runtime over
 * embedded sources — DuckDB with a generated dataset, a SQLite catalog and a loopback HTTP JSON
 * service — with every stage and source call traced and analysed by fedscope.
 *
 *   npm start                                   # live summary + http://127.0.0.1:9464/metrics
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 npm start   # traces to a Collector/Jaeger
 *
 * Environment: FEDSCOPE_QUICKSTART_WORKERS (concurrent queries, default 4),
 * FEDSCOPE_QUICKSTART_INTERVAL_MS (summary period, default 5000), plus every OTEL_* / FEDSCOPE_*
 * variable startFedscope() reads.
 */
// First: fedscope and the driver instrumentations must be in place before the drivers load.
import { fedscope } from './telemetry.js';
import { openCatalog } from './catalog.js';
import { startCrmService } from './crm-service.js';
import { renderSummary } from './summary.js';
import { openWarehouse } from './warehouse.js';
import { createFederation, runOneQuery } from './workload.js';

const workers = Number(process.env['FEDSCOPE_QUICKSTART_WORKERS'] ?? 4);
const intervalMs = Number(process.env['FEDSCOPE_QUICKSTART_INTERVAL_MS'] ?? 5000);

await fedscope.ready.catch((error: unknown) => console.error(`metrics server not started: ${String(error)}`));

const warehouse = await openWarehouse();
const crm = await startCrmService();
const catalog = openCatalog();
const federation = createFederation(warehouse.connection, catalog, crm.url);

let running = true;
let counter = 0;
let failures = 0;
const loops = Array.from({ length: workers }, async () => {
  while (running) {
    try {
      await runOneQuery(federation, counter++);
    } catch {
      failures++; // recorded on the spans; the workload goes on
    }
  }
});

const printer = setInterval(() => {
  const screen = renderSummary(fedscope.snapshot(), fedscope.metricsUrl);
  // Clear the terminal only when it is one: piped output stays a readable log.
  process.stdout.write(process.stdout.isTTY ? `\x1b[2J\x1b[H${screen}\n` : `${screen}\n\n`);
}, intervalMs);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(printer);
  running = false;
  await Promise.all(loops);
  await federation.close();
  await fedscope.shutdown(); // flushes spans and metrics
  await crm.close();
  catalog.close();
  warehouse.close();
  console.log(`stopped on ${signal}: ${counter} queries run, ${failures} failed`);
  process.exit(0);
}
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
