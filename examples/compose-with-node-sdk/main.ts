/**
 * Adding fedscope to an OpenTelemetry NodeSDK you already have: three pieces, no startFedscope().
 *
 *   npx tsx examples/compose-with-node-sdk/main.ts
 *
 * It runs a few federated queries, prints fedscope's figures and a slice of /metrics, and exits.
 */
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter } from '@opentelemetry/sdk-trace-base';
import { AnalysisMetricProducer, AnalysisState, FederationSpanProcessor, federatedQuery, instrumentAdapter, stage } from 'fedscope';

// 1. fedscope's analysis state, fed by 2. its span processor (which also records the
//    federation.* histograms on the SDK's meter provider), and 3. exported by your metric reader.
const analysis = new AnalysisState();
const prometheus = new PrometheusExporter({ host: '127.0.0.1', port: 9465, metricProducers: [new AnalysisMetricProducer(analysis)] });
const sdk = new NodeSDK({
  serviceName: 'compose-example',
  metricReaders: [prometheus],
  spanProcessors: [new FederationSpanProcessor({ sinks: [analysis] }), new BatchSpanProcessor(new ConsoleSpanExporter())],
});
sdk.start();

// Your own code: any adapter, wrapped.
const inventory = instrumentAdapter({ query: async (sql: string) => ({ rows: [{ sql }] }) }, { source: 'inventory', system: 'sqlite' });
for (let i = 0; i < 3; i++) {
  await federatedQuery('stock_check', () => stage('fetch', () => inventory.query(`SELECT qty FROM stock WHERE sku = 'A-${i}'`)));
}

const source = analysis.snapshot().sources[0];
console.log(`fedscope saw ${source?.sinceStart.count ?? 0} calls to ${source?.labels['source'] ?? '?'}, p95 ${source?.sinceStart.p95?.toFixed(3) ?? '-'} ms`);
const metricsText = await (await fetch('http://127.0.0.1:9465/metrics')).text();
console.log(metricsText.split('\n').filter((line) => line.startsWith('federation_source_latency')).slice(0, 3).join('\n'));
await sdk.shutdown();
