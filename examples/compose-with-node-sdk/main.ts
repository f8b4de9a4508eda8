/**
 * Adding fedscope to an OpenTelemetry NodeSDK you already have: one FedscopePipeline, no startFedscope().
 *
 *   npx tsx examples/compose-with-node-sdk/main.ts
 *
 * It runs a few federated queries, prints fedscope's figures and a slice of /metrics, and exits.
 */
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter } from '@opentelemetry/sdk-trace-base';
import { FedscopePipeline, federatedQuery, instrumentAdapter, resolveConfig, stage } from 'fedscope';

// 1. fedscope's pipeline, from options validated as startFedscope validates them. Its meter
//    provider carries fedscope's figures and span-derived histograms to your metric reader.
const pipeline = new FedscopePipeline(resolveConfig({ hostMetrics: false }), {
  resource: resourceFromAttributes({ 'service.name': 'compose-example' }),
  readers: [(metricProducers) => new PrometheusExporter({ host: '127.0.0.1', port: 9465, metricProducers })],
});
pipeline.start(); // the alert engine (default rules) and the runtime metrics
// 2. Its span processor beside yours in the SDK.
const sdk = new NodeSDK({
  serviceName: 'compose-example',
  spanProcessors: [pipeline.spanProcessor, new BatchSpanProcessor(new ConsoleSpanExporter())],
});
sdk.start();

// Your own code: any adapter, wrapped.
const inventory = instrumentAdapter({ query: async (sql: string) => ({ rows: [{ sql }] }) }, { source: 'inventory', system: 'sqlite' });
for (let i = 0; i < 3; i++) {
  await federatedQuery('stock_check', () => stage('fetch', () => inventory.query(`SELECT qty FROM stock WHERE sku = 'A-${i}'`)));
}

const source = pipeline.snapshot().sources[0];
console.log(
  `fedscope saw ${source?.sinceStart.count ?? 0} calls to ${source?.labels['source'] ?? '?'}, p95 ${source?.sinceStart.p95?.toFixed(3) ?? '-'} ms`,
);
const metricsText = await (await fetch('http://127.0.0.1:9465/metrics')).text();
console.log(
  metricsText
    .split('\n')
    .filter((line) => line.startsWith('federation_source_latency'))
    .slice(0, 3)
    .join('\n'),
);
await sdk.shutdown();
await pipeline.shutdown();
