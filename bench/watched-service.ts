/**
 * The service the dashboard bench watches, run as a process of its own (so its CPU time is its
 * alone): `startFedscope` as users run it (Prometheus on, default alerts, host and runtime metrics)
 * and the federation runtime answering a steady 100 queries/s over three in-process sources.
 * Tells its parent the metrics URL, then answers `cpu` messages with `process.cpuUsage()`.
 */
import { startFedscope } from '../dist/src/sdk/start-fedscope.js';
import { Federation, FunctionSource } from '../dist/src/federation/index.js';

const QUERIES_PER_SECOND = 100;
const QUERIES = ['customer_report', 'order_history', 'revenue_by_region', 'stock_levels', 'churn_risk'];

const handle = startFedscope({ serviceName: 'watched-service', prometheus: { port: 0 }, otlp: false });
await handle.ready;

/** A source that answers after a short, varying delay, as a remote one would. */
const remote = (rows: number, delayMs: number) =>
  new FunctionSource(
    () =>
      new Promise((resolve) =>
        setTimeout(() => resolve(Array.from({ length: rows }, (_, id) => ({ id }))), delayMs * (0.5 + Math.random())),
      ),
  );
const federation = new Federation().source('warehouse', remote(20, 4)).source('catalog', remote(5, 2)).source('crm', remote(3, 6));

let sent = 0;
const timer = setInterval(() => {
  const name = QUERIES[sent++ % QUERIES.length]!;
  void federation
    .query({
      name,
      parts: {
        orders: { source: 'warehouse', sql: `SELECT id FROM orders WHERE region = $1 /* ${name} */`, params: ['eu'] },
        products: { source: 'catalog', sql: 'SELECT id FROM products' },
        customers: { source: 'crm', sql: 'SELECT id FROM customers' },
      },
    })
    .catch(() => undefined);
}, 1000 / QUERIES_PER_SECOND);

process.on('message', (message: unknown) => {
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage(), at: process.hrtime.bigint().toString() });
  if (message === 'stop') {
    clearInterval(timer);
    void federation
      .close()
      .then(() => handle.shutdown())
      .finally(() => process.exit(0));
  }
});
process.send?.({ url: handle.metricsUrl });
