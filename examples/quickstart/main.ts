/**
 * fedscope quickstart: a continuous federated workload over embedded sources — DuckDB with a
 * generated dataset and a loopback HTTP JSON service — instrumented by fedscope.
 *
 *   npm start                                   # live summary + http://127.0.0.1:9464/metrics
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 npm start   # traces to a Collector/Jaeger
 *
 * Environment: FEDSCOPE_QUICKSTART_WORKERS (concurrent queries, default 4),
 * FEDSCOPE_QUICKSTART_INTERVAL_MS (summary period, default 5000), plus every OTEL_* / FEDSCOPE_*
 * variable startFedscope() reads.
 */
import { startFedscope } from 'fedscope';
import { startCrmService } from './crm-service.js';
import { renderSummary } from './summary.js';
import { openWarehouse } from './warehouse.js';
import { instrumentSources, runOneQuery } from './workload.js';

const workers = Number(process.env['FEDSCOPE_QUICKSTART_WORKERS'] ?? 4);
const intervalMs = Number(process.env['FEDSCOPE_QUICKSTART_INTERVAL_MS'] ?? 5000);

const fedscope = startFedscope({ serviceName: process.env['OTEL_SERVICE_NAME'] ?? 'fedscope-quickstart' });
await fedscope.ready.catch((error: unknown) => console.error(`metrics server not started: ${String(error)}`));

const warehouse = await openWarehouse();
const crm = await startCrmService();
const sources = instrumentSources(warehouse.connection, crm.url);

let running = true;
let counter = 0;
let failures = 0;
const loops = Array.from({ length: workers }, async () => {
  while (running) {
    try {
      await runOneQuery(sources, counter++);
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
  await fedscope.shutdown(); // flushes spans and metrics
  await crm.close();
  warehouse.close();
  console.log(`stopped on ${signal}: ${counter} queries run, ${failures} failed`);
  process.exit(0);
}
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
