import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type IdGenerator,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/**
 * A deterministic set of federation-like spans from two services, as the real OTel JS SDK makes
 * them: a gateway whose `federation.query {name}` roots have plan, fetch and merge stages, with
 * PostgreSQL, MySQL and HTTP client calls under fetch; and a customers service (another resource)
 * whose MySQL call is a child of the gateway's fetch stage (context propagated over HTTP). Every
 * duration is a whole number of milliseconds fixed by the index, some calls fail; only the ids'
 * counter and the base time are inputs.
 */

/** Federated queries in the set. */
export const SPAN_SET_QUERIES = 48;
/** Spans per query: root, 3 stages, pg, mysql, http, and the customers service's mysql call. */
export const SPANS_PER_QUERY = 8;
/** Service names of the two resources. */
export const SPAN_SET_SERVICES = { gateway: 'orders-gateway', customers: 'customers-service' } as const;

/** Trace and span ids from a counter, so two runs of the set carry the same ids. */
export class CountingIdGenerator implements IdGenerator {
  private next = 1;

  /** A 32-hex trace id. */
  generateTraceId(): string {
    return (this.next++).toString(16).padStart(32, '0');
  }

  /** A 16-hex span id. */
  generateSpanId(): string {
    return (this.next++).toString(16).padStart(16, '0');
  }
}

/** A tracer provider of one of the set's services, with the given processors and counting ids. */
export function spanSetProvider(service: string, processors: SpanProcessor[], ids: IdGenerator): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment.name': 'test' }),
    spanProcessors: processors,
    idGenerator: ids,
  });
}

function child(tracer: Tracer, parent: Context, name: string, kind: SpanKind, attributes: Attributes, startMs: number): Span {
  return tracer.startSpan(name, { kind, attributes, startTime: startMs }, parent);
}

/** A DB client span with the stable semantic-convention attributes (`{operation} {table}` named, as the DB instrumentations do). */
function dbCall(
  tracer: Tracer,
  parent: Context,
  call: { system: string; namespace: string; table: string; text: string; host: string; port: number },
  extra: Attributes,
  startMs: number,
): Span {
  const attributes: Attributes = {
    'db.system.name': call.system,
    'db.namespace': call.namespace,
    'db.operation.name': 'SELECT',
    'db.collection.name': call.table,
    'db.query.text': call.text,
    'server.address': call.host,
    'server.port': call.port,
    ...extra,
  };
  return child(tracer, parent, `SELECT ${call.table}`, SpanKind.CLIENT, attributes, startMs);
}

function fail(span: Span, errorType: string): void {
  span.setAttribute('error.type', errorType);
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
}

/**
 * Emits the set through the two tracers; spans start at `baseMs` + a few ms per query.
 * @param gateway - tracer of the gateway service
 * @param customers - tracer of the customers service
 * @param baseMs - epoch milliseconds of the first span's start (recent: the windows count from now)
 */
export function emitFederationSpanSet(gateway: Tracer, customers: Tracer, baseMs: number): void {
  for (let i = 0; i < SPAN_SET_QUERIES; i++) {
    const name = ['orders', 'customers', 'inventory'][i % 3]!;
    const start = baseMs + i * 50;
    const pgMs = 4 + ((i * 7) % 23);
    const mysqlMs = 3 + ((i * 5) % 17);
    const httpMs = 6 + ((i * 11) % 29);
    const fetchMs = Math.max(pgMs, mysqlMs, httpMs) + 1;
    const planMs = 1 + (i % 3);
    const mergeMs = 2 + (i % 4);
    const root = gateway.startSpan(
      `federation.query ${name}`,
      {
        kind: SpanKind.INTERNAL,
        startTime: start,
        attributes: {
          'federation.query.name': name,
          'federation.query.id': `q-${i}`,
          'federation.source.count': 3,
          'federation.rows.returned': 10 + i,
        },
      },
      ROOT_CONTEXT,
    );
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    const plan = child(gateway, rootContext, 'federation.stage plan', SpanKind.INTERNAL, { 'federation.stage': 'plan' }, start);
    plan.end(start + planMs);
    const fetchStart = start + planMs;
    const fetch = child(gateway, rootContext, 'federation.stage fetch', SpanKind.INTERNAL, { 'federation.stage': 'fetch' }, fetchStart);
    const fetchContext = trace.setSpan(ROOT_CONTEXT, fetch);
    const pg = dbCall(
      gateway,
      fetchContext,
      {
        system: 'postgresql',
        namespace: 'shop',
        table: 'orders',
        text: 'SELECT * FROM orders WHERE customer_id = ?',
        host: 'pg.internal',
        port: 5432,
      },
      { 'federation.source': 'warehouse', 'db.response.returned_rows': 5 + (i % 4) },
      fetchStart,
    );
    if (i % 9 === 4) fail(pg, 'TimeoutError');
    pg.end(fetchStart + pgMs);
    const mysql = dbCall(
      gateway,
      fetchContext,
      {
        system: 'mysql',
        namespace: 'crm',
        table: 'customers',
        text: 'SELECT name FROM customers WHERE id IN (?)',
        host: 'mariadb.internal',
        port: 3306,
      },
      { 'federation.source': 'crm', 'db.response.returned_rows': 1 + (i % 3) },
      fetchStart,
    );
    mysql.end(fetchStart + mysqlMs);
    const http = child(
      gateway,
      fetchContext,
      'GET',
      SpanKind.CLIENT,
      {
        'http.request.method': 'GET',
        'url.full': `http://inventory.internal:8080/stock?item=${i % 5}`,
        'server.address': 'inventory.internal',
        'server.port': 8080,
        'http.response.status_code': i % 11 === 3 ? 503 : 200,
      },
      fetchStart,
    );
    if (i % 11 === 3) fail(http, '503');
    http.end(fetchStart + httpMs);
    // The customers service's own call, a child of the gateway's fetch stage through propagated context.
    const remote = trace.setSpanContext(ROOT_CONTEXT, { ...fetch.spanContext(), isRemote: true });
    const lookup = dbCall(
      customers,
      remote,
      {
        system: 'mysql',
        namespace: 'accounts',
        table: 'accounts',
        text: 'SELECT * FROM accounts WHERE id = ?',
        host: 'accounts-db.internal',
        port: 3306,
      },
      {},
      fetchStart + 1,
    );
    if (i % 13 === 6) fail(lookup, 'ER_LOCK_DEADLOCK');
    lookup.end(fetchStart + 1 + Math.max(1, mysqlMs - 2));
    fetch.end(fetchStart + fetchMs);
    const mergeStart = fetchStart + fetchMs;
    const merge = child(gateway, rootContext, 'federation.stage merge', SpanKind.INTERNAL, { 'federation.stage': 'merge' }, mergeStart);
    merge.end(mergeStart + mergeMs);
    if (i % 9 === 4) fail(root, 'TimeoutError');
    root.end(mergeStart + mergeMs);
  }
}

/** The set as ended SDK spans, in the order they ended (gateway's and customers' interleaved as made). */
export async function federationSpanSet(baseMs: number): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const ids = new CountingIdGenerator();
  const gateway = spanSetProvider(SPAN_SET_SERVICES.gateway, [new SimpleSpanProcessor(exporter)], ids);
  const customers = spanSetProvider(SPAN_SET_SERVICES.customers, [new SimpleSpanProcessor(exporter)], ids);
  emitFederationSpanSet(gateway.getTracer('orders-gateway'), customers.getTracer('customers-service'), baseMs);
  await Promise.all([gateway.forceFlush(), customers.forceFlush()]);
  const spans = exporter.getFinishedSpans();
  await Promise.all([gateway.shutdown(), customers.shutdown()]);
  return spans;
}
