/**
 * Connection spans for mysql2, built from the tracing channels mysql2 (3.x) publishes itself.
 *
 * `@opentelemetry/instrumentation-mysql2` traces queries only: a connection that cannot be made
 * (refused, access denied, timed out) leaves no span at all, and neither does waiting for a pool
 * connection, where contrib pg makes `pg.connect` / `pg-pool.connect`. mysql2 announces both on
 * Node `diagnostics_channel` tracing channels — `mysql2:connect` (the handshake, a `tracePromise`)
 * and `mysql2:pool:connect` (`pool.getConnection`, a `traceCallback`) — so fedscope can make the
 * spans without patching mysql2 or forking contrib.
 *
 * @module
 */
import * as diagnosticsChannel from 'node:diagnostics_channel';
import { fedscopeLog } from '../../src/diagnostics/fedscope-log.js';
import { context, SpanKind, trace, type Attributes, type Context, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { ATTR_DB_NAMESPACE, ATTR_DB_SYSTEM_NAME, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '@opentelemetry/semantic-conventions';
import { FEDSCOPE_VERSION } from '../../src/version.js';
import { recordDbCallError, sourceCallAttributes } from '../source-call-span.js';
import { contribSourceNamer } from './source-naming.js';

/** Name of the span of a connection handshake (`mysql2:connect`). */
export const MYSQL2_CONNECT_SPAN_NAME = 'mysql2.connect';
/** Name of the span of a pool connection checkout (`mysql2:pool:connect`). */
export const MYSQL2_POOL_CONNECT_SPAN_NAME = 'mysql2-pool.connect';
/**
 * Instrumentation scope of the connect spans. Not `fedscope`: the span processor treats spans of
 * that scope as source calls, while these are connection work like `pg.connect`.
 */
export const MYSQL2_CONNECT_SCOPE_NAME = 'fedscope/mysql2-connect';

/** Options of {@link traceMysql2Connections}. */
export interface Mysql2ConnectSpanOptions {
  /**
   * Where the spans go: a tracer provider, or a function returning the current one (read at each
   * span, for an instrumentation whose provider is set after it was created).
   * @default the global tracer provider
   */
  tracerProvider?: TracerProvider | (() => TracerProvider);
  /**
   * `federation.source` from the span's start attributes (`db.system.name`, `db.namespace`,
   * `server.address`, `server.port`); pass the namer that names the contrib mysql2 query spans,
   * so that a connection and its queries name the same source.
   * @default `contribSourceNamer(undefined)`: `mysql://{host}:{port}/{database}`
   */
  nameSource?: (attributes: Attributes) => string;
}

/** The context object mysql2 publishes on both channels (`user` too on `mysql2:connect`, unused). */
interface Mysql2ConnectMessage {
  database?: unknown;
  serverAddress?: unknown;
  serverPort?: unknown;
  /** Set by the tracing channel before it publishes `error`. */
  error?: unknown;
}

type ChannelKind = 'connect' | 'pool';

/** One subscriber's way of making spans. */
interface Holder {
  tracer(): Tracer;
  nameSource(attributes: Attributes): string;
}

/** A span in flight, keyed in {@link inFlight} by the context object mysql2 publishes. */
interface ConnectSpan {
  span: Span;
  errored: boolean;
  ended: boolean;
}

const CHANNEL_NAMES: Record<ChannelKind, string> = { connect: 'mysql2:connect', pool: 'mysql2:pool:connect' };
const SPAN_NAMES: Record<ChannelKind, string> = { connect: MYSQL2_CONNECT_SPAN_NAME, pool: MYSQL2_POOL_CONNECT_SPAN_NAME };

/**
 * Every subscriber holds one entry; the channels are subscribed once, and each event makes one
 * span (with the latest subscriber's tracer and namer), however many instrumentations hold it.
 */
const holders: Holder[] = [];
/** Spans per context object: the channel events of one call all carry the same object. */
const inFlight = new WeakMap<object, ConnectSpan>();
/**
 * Spans not ended yet; the channels stay subscribed until they are, so none is left open (a
 * handshake mysql2 never settles, see {@link traceMysql2Connections}, keeps them subscribed).
 */
let openSpans = 0;
/** What undoes the channel subscriptions, while subscribed. */
let unsubscribers: Array<() => void> | undefined;
/**
 * Pool checkouts whose synchronous part is running: a handshake that starts inside one is the
 * pool opening a new connection, and its span becomes the checkout's child (as `pg.connect`
 * under `pg-pool.connect`), which the active context cannot tell since mysql2 binds no store.
 */
const poolCheckouts: object[] = [];

/**
 * Makes a CLIENT span for every mysql2 connection handshake (`mysql2.connect`) and pool checkout
 * (`mysql2-pool.connect`), from mysql2's own tracing channels. The spans carry `db.system.name`
 * `mysql` (as contrib's mysql2 query spans), `db.namespace`, `server.address`, `server.port`,
 * `federation.source` and, inside a federated query, `federation.query.name`; a failed connection
 * gets ERROR status, the exception and fedscope's classification (`error.type`,
 * `federation.error.class`: `ECONNREFUSED` is a `connection_error`).
 *
 * A checkout that opens a new connection has the handshake's span as its child, as contrib pg
 * nests `pg.connect` under `pg-pool.connect`; a checkout span ends before the caller's callback runs.
 *
 * Subscriptions are counted: subscribing twice still makes one span per connection. Nothing
 * happens on a Node without `diagnostics_channel.tracingChannel` or a mysql2 version that
 * publishes no tracing channels.
 *
 * Known gap (mysql2): when a handshake fails while commands are already queued on the connection
 * (callback API: `createConnection()` then `query()` at once), mysql2 hands the error to those
 * commands and emits no `error` event, so its `mysql2:connect` trace never settles and that
 * `mysql2.connect` span is never ended (the failed query's span still records the error).
 *
 * @param options - tracer provider and source naming
 * @returns the function that releases this subscription (idempotent); spans already started end
 *   normally, no new ones start once every subscription is released
 */
export function traceMysql2Connections(options: Mysql2ConnectSpanOptions = {}): () => void {
  const holder = holderOf(options);
  holders.push(holder);
  subscribe();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const index = holders.lastIndexOf(holder);
    if (index >= 0) holders.splice(index, 1);
    unsubscribeWhenIdle();
  };
}

function holderOf(options: Mysql2ConnectSpanOptions): Holder {
  const providerOption = options.tracerProvider;
  const currentProvider = typeof providerOption === 'function' ? providerOption : () => providerOption ?? trace.getTracerProvider();
  let cachedProvider: TracerProvider | undefined;
  let cachedTracer: Tracer | undefined;
  const nameSource = options.nameSource ?? contribSourceNamer(undefined);
  return {
    // The provider can change (setTracerProvider); the tracer is fetched again only when it does.
    tracer() {
      const provider = currentProvider();
      if (cachedTracer === undefined || provider !== cachedProvider) {
        cachedTracer = provider.getTracer(MYSQL2_CONNECT_SCOPE_NAME, FEDSCOPE_VERSION);
        cachedProvider = provider;
      }
      return cachedTracer;
    },
    nameSource,
  };
}

function subscribe(): void {
  if (unsubscribers !== undefined) return;
  if (typeof diagnosticsChannel.tracingChannel !== 'function') {
    fedscopeLog.warn('this Node has no diagnostics_channel.tracingChannel; mysql2 connections get no spans');
    return;
  }
  unsubscribers = [];
  for (const kind of ['connect', 'pool'] as const) {
    const channel = diagnosticsChannel.tracingChannel<unknown, object>(CHANNEL_NAMES[kind]);
    const handlers = handlersFor(kind);
    channel.subscribe(handlers);
    unsubscribers.push(() => channel.unsubscribe(handlers));
  }
}

/**
 * Unsubscribes once nobody holds a subscription and no span is in flight (its end would never be
 * seen otherwise). While subscribed, mysql2 keeps tracing; `start` makes no span without a holder.
 */
function unsubscribeWhenIdle(): void {
  if (unsubscribers === undefined || holders.length > 0 || openSpans > 0) return;
  for (const unsubscribe of unsubscribers) unsubscribe();
  unsubscribers = undefined;
  poolCheckouts.length = 0;
}

/**
 * The five handlers of one channel. Each is guarded: a subscriber that throws is rethrown by
 * diagnostics_channel on the next tick as an uncaught exception, so telemetry must never throw.
 */
function handlersFor(kind: ChannelKind): diagnosticsChannel.TracingChannelSubscribers<object> {
  return {
    start: (message) => guarded(() => onStart(kind, message)),
    end: (message) => guarded(() => onEnd(kind, message)),
    error: (message) => guarded(() => onError(message)),
    // tracePromise publishes asyncStart and asyncEnd back to back once the promise settled;
    // traceCallback publishes asyncStart before the callback and asyncEnd after it. The span ends
    // at asyncStart so that a pool checkout does not count the caller's callback as waiting
    // (pg-pool.connect ends before its callback too); asyncEnd is the fallback.
    asyncStart: (message) => guarded(() => finish(message)),
    asyncEnd: (message) => guarded(() => finish(message)),
  };
}

function guarded(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    fedscopeLog.error('mysql2 connect span handler failed', error);
  }
}

function onStart(kind: ChannelKind, message: object): void {
  const holder = holders[holders.length - 1];
  // Released by every holder (instrumentation disabled) but still subscribed for spans in flight.
  if (holder === undefined || inFlight.has(message)) return;
  const m = message as Mysql2ConnectMessage;
  const attributes: Attributes = { [ATTR_DB_SYSTEM_NAME]: 'mysql' };
  // mysql2 reports a missing database as ''; the span then has no namespace, as contrib's.
  if (typeof m.database === 'string' && m.database !== '') attributes[ATTR_DB_NAMESPACE] = m.database;
  if (typeof m.serverAddress === 'string' && m.serverAddress !== '') attributes[ATTR_SERVER_ADDRESS] = m.serverAddress;
  if (typeof m.serverPort === 'number' && Number.isFinite(m.serverPort)) attributes[ATTR_SERVER_PORT] = m.serverPort;
  const parent = kind === 'connect' ? underPoolCheckout(context.active()) : context.active();
  const added = sourceCallAttributes(holder.nameSource(attributes), parent);
  for (const key in added) attributes[key] = added[key];
  const span = holder.tracer().startSpan(SPAN_NAMES[kind], { kind: SpanKind.CLIENT, attributes }, parent);
  inFlight.set(message, { span, errored: false, ended: false });
  openSpans++;
  if (kind === 'pool') poolCheckouts.push(message);
}

/** `ctx` with the innermost running pool checkout's span as parent, if there is one. */
function underPoolCheckout(ctx: Context): Context {
  const checkout = poolCheckouts[poolCheckouts.length - 1];
  const state = checkout !== undefined ? inFlight.get(checkout) : undefined;
  return state !== undefined && !state.ended ? trace.setSpan(ctx, state.span) : ctx;
}

function onEnd(kind: ChannelKind, message: object): void {
  if (kind === 'pool') {
    const index = poolCheckouts.lastIndexOf(message);
    if (index >= 0) poolCheckouts.splice(index, 1);
  }
  // An error before the synchronous part ended, with no async outcome yet (that would have ended
  // the span), is a synchronous throw: neither asyncStart nor asyncEnd will follow.
  if (inFlight.get(message)?.errored === true) finish(message);
}

function onError(message: object): void {
  const state = inFlight.get(message);
  if (state === undefined || state.ended || state.errored) return;
  state.errored = true;
  // Status, exception, error.type and federation.error.class from the driver error.
  recordDbCallError(state.span, (message as Mysql2ConnectMessage).error, 'mysql');
}

/** Ends the span of `message` once, whatever order the events come in. */
function finish(message: object): void {
  const state = inFlight.get(message);
  if (state === undefined || state.ended) return;
  state.ended = true;
  inFlight.delete(message);
  openSpans--;
  try {
    state.span.end();
  } finally {
    unsubscribeWhenIdle();
  }
}
