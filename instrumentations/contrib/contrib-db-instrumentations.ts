import { metrics, trace, type Attributes, type MeterProvider, type Span, type TracerProvider } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import {
  MySQL2Instrumentation,
  type MySQL2InstrumentationConfig,
  type MySQL2ResponseHookInformation,
} from '@opentelemetry/instrumentation-mysql2';
import { PgInstrumentation, type PgInstrumentationConfig, type PgResponseHookInformation } from '@opentelemetry/instrumentation-pg';
import { ATTR_DB_RESPONSE_RETURNED_ROWS } from '../../src/span-model/attributes.js';
import { defaultQueryTextMode } from '../../src/span-model/query-text-mode.js';
import { guard } from '../span-runner.js';
import { captureMysql2Errors } from './driver-error-capture.js';
import { traceMysql2Connections } from './mysql2-connect-spans.js';
import { observePgPool, pgPoolConnectionAttributes } from './observe-pg-pool.js';
import { withoutOperationDuration } from './operation-duration-filter.js';
import { mysql2ReturnedRows, pgReturnedRows } from './returned-rows.js';
import { contribSourceNamer } from './source-naming.js';
import { enrichingTracerProvider, type ContribSpanEnrichment } from './span-enrichment.js';
import type { ContribDbInstrumentationsOptions } from './types.js';

/**
 * The OpenTelemetry contrib instrumentations for pg and mysql2, configured so that their spans
 * carry what fedscope's own DuckDB and SQLite spans carry: `federation.source`,
 * `db.operation.name`, `db.collection.name`, `db.query.summary`, `federation.query.fingerprint`,
 * `db.query.text` per fedscope's query-text mode (contrib pg records raw text; it is sanitised or
 * removed), `db.response.returned_rows`, and on failure `error.type`, `federation.error.class` and
 * `db.response.status_code` from the driver error. Query spans are named after the statement
 * summary unless `renameSpans` is false.
 *
 * The contrib packages do the patching, unchanged: fedscope only configures them and gives them a
 * tracer that enriches their spans as they start (see `enrichingTracerProvider`). pg pools get
 * fedscope's per-pool connection gauges (`observePgPool`, with `federation.source`) in place of
 * contrib's; pg's own `db.client.operation.duration` is kept unless `contribOperationDuration` is false.
 *
 * Register the result before `pg` / `mysql2` are first required, e.g.
 * `registerInstrumentations({ instrumentations: contribDbInstrumentations() })` or
 * `startFedscope({ instrumentations: contribDbInstrumentations() })`.
 *
 * @param options - per-driver contrib configuration (or `false`), source naming, query-text mode
 * @returns the pg instrumentation then the mysql2 one (those not turned off)
 */
export function contribDbInstrumentations(options: ContribDbInstrumentationsOptions = {}): Instrumentation[] {
  const instrumentations: Instrumentation[] = [];
  if (options.pg !== false) instrumentations.push(fedscopePgInstrumentation(options));
  if (options.mysql2 !== false) instrumentations.push(fedscopeMysql2Instrumentation(options));
  return instrumentations;
}

/**
 * `@opentelemetry/instrumentation-pg`, configured as {@link contribDbInstrumentations} describes.
 * A `responseHook` in `options.pg` runs after fedscope's.
 */
export function fedscopePgInstrumentation(options: ContribDbInstrumentationsOptions = {}): PgInstrumentation {
  const user: PgInstrumentationConfig = options.pg || {};
  const config: PgInstrumentationConfig = {
    ...user,
    responseHook: (span: Span, info: PgResponseHookInformation) => {
      guard(() => setReturnedRows(span, pgReturnedRows(info.data)));
      user.responseHook?.(span, info);
    },
  };
  const enrichment = enrichmentOf(options);
  const instrumentation = withEnrichedTracer(new PgInstrumentation(config), enrichment);
  // The provider last given (the global one until then): the pool gauges below are registered on it.
  let meterProvider: MeterProvider = metrics.getMeterProvider();
  const setMeterProvider = instrumentation.setMeterProvider.bind(instrumentation);
  instrumentation.setMeterProvider = (provider) => {
    meterProvider = provider;
    setMeterProvider(options.contribOperationDuration === false ? withoutOperationDuration(provider) : provider);
  };
  instrumentation.setMeterProvider(meterProvider);
  observePoolsItself(instrumentation, (pool) =>
    observePgPool(pool, { source: enrichment.nameSource(pgPoolConnectionAttributes(pool)), meterProvider }),
  );
  return instrumentation;
}

/**
 * Replaces contrib pg's pool bookkeeping (its private `_setPoolConnectEventListeners`, which it
 * calls with each pool on every connect) by fedscope's per-pool gauges: contrib 0.76 keeps one
 * running total for all pools, so its gauges go wrong once a second pool exists. Left as contrib
 * made it when the method is not there (another contrib version).
 */
function observePoolsItself(instrumentation: PgInstrumentation, observe: (pool: object) => void): void {
  const internals = instrumentation as unknown as { _setPoolConnectEventListeners?: (pool: unknown) => void };
  if (typeof internals._setPoolConnectEventListeners !== 'function') return;
  const observed = new WeakSet<object>();
  internals._setPoolConnectEventListeners = (pool: unknown) => {
    if (typeof pool !== 'object' || pool === null || observed.has(pool)) return;
    observed.add(pool);
    guard(() => observe(pool));
  };
}

/**
 * `@opentelemetry/instrumentation-mysql2`, configured as {@link contribDbInstrumentations}
 * describes. Unless `options.mysql2` sets `maskStatement` or `maskStatementHook`, contrib is asked
 * for the statement as written (with `?` placeholders rather than values formatted in), and
 * fedscope's query-text mode applies to it. A `responseHook` in `options.mysql2` runs after fedscope's.
 */
export function fedscopeMysql2Instrumentation(options: ContribDbInstrumentationsOptions = {}): MySQL2Instrumentation {
  const user: MySQL2InstrumentationConfig = options.mysql2 || {};
  const ownMasking = user.maskStatement !== undefined || user.maskStatementHook !== undefined;
  const config: MySQL2InstrumentationConfig = {
    ...(ownMasking ? {} : { maskStatement: true, maskStatementHook: (query: string) => query }),
    ...user,
    responseHook: (span: Span, info: MySQL2ResponseHookInformation) => {
      guard(() => setReturnedRows(span, mysql2ReturnedRows(info.queryResults)));
      user.responseHook?.(span, info);
    },
  };
  const enrichment = enrichmentOf(options);
  const instrumentation = withEnrichedTracer(new MySQL2Instrumentation(config), enrichment);
  // The connect spans are fedscope's own and set their source attributes themselves, so they take
  // the provider as given, not the enriching wrapper the instrumentation's `tracer` comes from
  // (that would enrich them a second time). Remember the last provider set, wrapping the override
  // withEnrichedTracer installed; until one is set it is the global one, as for contrib.
  let tracerProvider: TracerProvider = trace.getTracerProvider();
  const setTracerProvider = instrumentation.setTracerProvider.bind(instrumentation);
  instrumentation.setTracerProvider = (provider) => {
    tracerProvider = provider;
    setTracerProvider(provider);
  };
  const connectSpans = { tracerProvider: () => tracerProvider, nameSource: (attributes: Attributes) => enrichment.nameSource(attributes) };
  // While enabled, hold the diagnostics-channel subscriptions that supply driver errors and that
  // make the connection spans contrib does not (mysql2.connect, mysql2-pool.connect).
  const hold = (): (() => void) => {
    const releaseErrors = captureMysql2Errors();
    const releaseConnectSpans = traceMysql2Connections(connectSpans);
    return () => {
      releaseErrors();
      releaseConnectSpans();
    };
  };
  let release = instrumentation.isEnabled() ? hold() : undefined;
  const enable = instrumentation.enable.bind(instrumentation);
  const disable = instrumentation.disable.bind(instrumentation);
  instrumentation.enable = () => {
    enable();
    release ??= hold();
  };
  instrumentation.disable = () => {
    disable();
    release?.();
    release = undefined;
  };
  return instrumentation;
}

function enrichmentOf(options: ContribDbInstrumentationsOptions): ContribSpanEnrichment {
  return {
    nameSource: contribSourceNamer(options.sources),
    queryText: () => options.queryText ?? defaultQueryTextMode(),
    renameSpans: options.renameSpans ?? true,
  };
}

/**
 * Makes every tracer provider the instrumentation is given (by `registerInstrumentations`, the
 * SDK, or now: the global one) an enriching one.
 */
function withEnrichedTracer<T extends Instrumentation>(instrumentation: T, enrichment: ContribSpanEnrichment): T {
  const setTracerProvider = instrumentation.setTracerProvider.bind(instrumentation);
  instrumentation.setTracerProvider = (provider) => setTracerProvider(enrichingTracerProvider(provider, enrichment));
  // Until a provider is set, the instrumentation uses the global one: enrich that too.
  instrumentation.setTracerProvider(trace.getTracerProvider());
  return instrumentation;
}

function setReturnedRows(span: Span, rows: number | undefined): void {
  if (rows !== undefined) span.setAttribute(ATTR_DB_RESPONSE_RETURNED_ROWS, rows);
}
