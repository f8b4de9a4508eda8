import { ROOT_CONTEXT, SpanKind, SpanStatusCode, createTraceState, trace, type Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** The remote parent of the sample root span (as if propagated from another service). */
export const REMOTE_PARENT = {
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  traceFlags: 1,
  isRemote: true,
  traceState: createTraceState('fed=1,other=x'),
};

/** The context the sample child links to. */
export const LINKED = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: 0,
  isRemote: true,
  traceState: createTraceState('vendor=value'),
};

/** Attributes of every API type the sample child carries. */
export const CHILD_ATTRIBUTES: Attributes = {
  'db.system.name': 'postgresql',
  'server.port': 5432,
  'db.response.returned_rows': 0,
  'federation.negative': -42,
  'federation.ratio': 0.25,
  'federation.cache.hit': false,
  'federation.sources': ['warehouse', 'crm'],
  'federation.latencies': [1.5, 2, 3.25],
  'federation.flags': [true, false],
  'federation.sparse': ['a', null, 'c'],
  'federation.big': 2 ** 60,
};

/** The sample resource. */
export const RESOURCE_ATTRIBUTES: Attributes = {
  'service.name': 'fedscope-otlp-test',
  'service.version': '1.0.0',
  'host.cores': 2,
};

/** Scope of the sample spans. */
export const SCOPE = { name: 'fedscope-otlp-test-scope', version: '1.2.3', schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' };

/**
 * Ended SDK spans for round-trip tests: a SERVER root with a remote parent and trace state, and
 * a CLIENT child with attributes of every type, two events (one an exception), an error status
 * and a link.
 */
export async function sampleSpans(): Promise<{ root: ReadableSpan; child: ReadableSpan; all: ReadableSpan[] }> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(RESOURCE_ATTRIBUTES),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer(SCOPE.name, SCOPE.version, { schemaUrl: SCOPE.schemaUrl });
  const parentContext = trace.setSpanContext(ROOT_CONTEXT, REMOTE_PARENT);
  const root = tracer.startSpan(
    'federation.query revenue',
    { kind: SpanKind.SERVER, attributes: { 'federation.query.name': 'revenue' } },
    parentContext,
  );
  const child = tracer.startSpan(
    'SELECT orders',
    { kind: SpanKind.CLIENT, attributes: CHILD_ATTRIBUTES, links: [{ context: LINKED, attributes: { 'link.reason': 'batch' } }] },
    trace.setSpan(ROOT_CONTEXT, root),
  );
  child.addEvent('cache.miss', { 'cache.key': 'k1', 'cache.size': 3 });
  child.recordException(new Error('connection reset'));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset' });
  await new Promise((resolve) => setTimeout(resolve, 3));
  child.end();
  root.setStatus({ code: SpanStatusCode.OK });
  root.end();
  await provider.forceFlush();
  const all = exporter.getFinishedSpans();
  await provider.shutdown();
  return { root: all.find((s) => s.name === 'federation.query revenue')!, child: all.find((s) => s.name === 'SELECT orders')!, all };
}
