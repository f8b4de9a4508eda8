/**
 * Child process of collector.int.test.ts: the real OTel JS SDK exporting the federation span set
 * (see federation-span-set.ts) to a collector companion, through a real OTLP exporter.
 *
 * Environment: FEDSCOPE_TEST_EXPORTER (`proto-gzip`, `json` or `grpc`), FEDSCOPE_TEST_ENDPOINT
 * (`http://host:port` of the receiver), FEDSCOPE_TEST_BASE_MS (the set's base time).
 * Prints `exported N spans` once both providers flushed and shut down.
 */
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  CountingIdGenerator,
  emitFederationSpanSet,
  SPAN_SET_QUERIES,
  SPAN_SET_SERVICES,
  SPANS_PER_QUERY,
  spanSetProvider,
} from './federation-span-set.js';

const kind = process.env['FEDSCOPE_TEST_EXPORTER'];
const endpoint = process.env['FEDSCOPE_TEST_ENDPOINT'] ?? '';
const baseMs = Number(process.env['FEDSCOPE_TEST_BASE_MS']);

// An export failure must fail the run, not pass unnoticed: the SDK reports it through diag.
let failures = 0;
const logger: DiagLogger = {
  error: (...args: unknown[]) => {
    failures++;
    process.stderr.write(`diag error: ${args.map(String).join(' ')}\n`);
  },
  warn: (...args: unknown[]) => process.stderr.write(`diag warn: ${args.map(String).join(' ')}\n`),
  info: () => undefined,
  debug: () => undefined,
  verbose: () => undefined,
};
diag.setLogger(logger, DiagLogLevel.WARN);

function exporter(): SpanExporter {
  switch (kind) {
    case 'proto-gzip':
      return new ProtoTraceExporter({ url: `${endpoint}/v1/traces`, compression: CompressionAlgorithm.GZIP });
    case 'json':
      return new JsonTraceExporter({ url: `${endpoint}/v1/traces` });
    case 'grpc':
      return new GrpcTraceExporter({ url: endpoint });
    default:
      throw new Error(`FEDSCOPE_TEST_EXPORTER must be proto-gzip, json or grpc, got ${String(kind)}`);
  }
}

// One batch per provider (the whole set fits), so the companion gets two requests.
const batch = { maxQueueSize: 4096, maxExportBatchSize: 4096, scheduledDelayMillis: 60_000 };
const ids = new CountingIdGenerator();
const gateway = spanSetProvider(SPAN_SET_SERVICES.gateway, [new BatchSpanProcessor(exporter(), batch)], ids);
const customers = spanSetProvider(SPAN_SET_SERVICES.customers, [new BatchSpanProcessor(exporter(), batch)], ids);
emitFederationSpanSet(gateway.getTracer('orders-gateway'), customers.getTracer('customers-service'), baseMs);
await Promise.all([gateway.forceFlush(), customers.forceFlush()]);
await Promise.all([gateway.shutdown(), customers.shutdown()]);
if (failures > 0) {
  process.stderr.write(`export failed (${failures} diag errors)\n`);
  process.exit(1);
}
process.stdout.write(`exported ${SPAN_SET_QUERIES * SPANS_PER_QUERY} spans\n`);
