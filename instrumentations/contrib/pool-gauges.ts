import { metrics, type Attributes, type BatchObservableCallback, type MeterProvider, type Observable } from '@opentelemetry/api';
import { fedscopeLog } from '../../src/diagnostics/fedscope-log.js';
import { FEDSCOPE_VERSION } from '../../src/version.js';
import { ATTR_DB_SYSTEM_NAME } from '@opentelemetry/semantic-conventions';
import {
  ATTR_DB_CLIENT_CONNECTION_POOL_NAME,
  ATTR_DB_CLIENT_CONNECTION_STATE,
  ATTR_FEDERATION_SOURCE,
} from '../../src/span-model/attributes.js';

/** Semconv (incubating): connections by state. */
export const METRIC_DB_CLIENT_CONNECTION_COUNT = 'db.client.connection.count';
/** Semconv (incubating): requests waiting for a connection. */
export const METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS = 'db.client.connection.pending_requests';
/** Semconv (incubating): the most connections the pool opens. */
export const METRIC_DB_CLIENT_CONNECTION_MAX = 'db.client.connection.max';

/** A pool's state at one collection; a field left undefined is not reported. */
export interface PoolState {
  idle?: number | undefined;
  used?: number | undefined;
  pending?: number | undefined;
  max?: number | undefined;
}

/** One observed pool's gauges now, as the dashboard shows them (`null`: not reported). */
export interface PoolGaugeReading {
  /** `federation.source` of the pool's series. */
  source: string;
  /** `db.client.connection.pool.name`. */
  pool: string;
  /** `db.system.name`. */
  system: string;
  idle: number | null;
  used: number | null;
  pending: number | null;
  max: number | null;
}

/** Most pools {@link observedPoolGauges} lists; pools observed past it still export their gauges (a warning says so). */
export const MAX_LISTED_POOLS = 256;

/** The pools observed in this process, for {@link observedPoolGauges}: held until their observer stops. */
const listedPools = new Set<{ base: Attributes; peek: () => PoolState | undefined }>();

/**
 * The gauges of every pool observed in this process (see {@link observePoolGauges}), read now
 * from the same pool counters the metrics read, side-effect free. A pool whose reading fails is
 * left out; a closed one (its reading undefined: closed pools stay closed) is forgotten.
 */
export function observedPoolGauges(): PoolGaugeReading[] {
  const readings: PoolGaugeReading[] = [];
  for (const listing of listedPools) {
    const { base, peek } = listing;
    let state: PoolState | undefined;
    try {
      state = peek();
    } catch {
      continue; // a driver's odd object shows nothing; the other pools still count
    }
    if (state === undefined) {
      listedPools.delete(listing);
      continue;
    }
    readings.push({
      source: String(base[ATTR_FEDERATION_SOURCE] ?? ''),
      pool: String(base[ATTR_DB_CLIENT_CONNECTION_POOL_NAME] ?? ''),
      system: String(base[ATTR_DB_SYSTEM_NAME] ?? ''),
      idle: state.idle ?? null,
      used: state.used ?? null,
      pending: state.pending ?? null,
      max: state.max ?? null,
    });
  }
  return readings;
}

/**
 * Registers the semconv connection-pool gauges (`db.client.connection.count` by state,
 * `.pending_requests`, `.max`) of one pool, read by `read` at each collection with the `base`
 * attributes. `read` returning undefined reports nothing (a closed pool); `stop` removes the callback.
 * The pool is also listed for {@link observedPoolGauges}, read by `peek` (default `read`), which
 * must have no side effect, until `stop`.
 */
export function observePoolGauges(options: {
  meterName: string;
  meterProvider: MeterProvider | undefined;
  base: Attributes;
  read: () => PoolState | undefined;
  peek?: () => PoolState | undefined;
}): { stop(): void } {
  const meter = (options.meterProvider ?? metrics).getMeter(options.meterName, FEDSCOPE_VERSION);
  const count = meter.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_COUNT, {
    description: 'The number of connections that are currently in state described by the state attribute.',
    unit: '{connection}',
  });
  const pending = meter.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS, {
    description: 'The number of current pending requests for an open connection.',
    unit: '{request}',
  });
  const max = meter.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_MAX, {
    description: 'The maximum number of open connections allowed.',
    unit: '{connection}',
  });
  const observables: Observable[] = [count, pending, max];
  const { base } = options;
  const callback: BatchObservableCallback = (result) => {
    const state = options.read();
    if (state === undefined) return;
    if (state.idle !== undefined) result.observe(count, state.idle, { ...base, [ATTR_DB_CLIENT_CONNECTION_STATE]: 'idle' });
    if (state.used !== undefined) result.observe(count, state.used, { ...base, [ATTR_DB_CLIENT_CONNECTION_STATE]: 'used' });
    if (state.pending !== undefined) result.observe(pending, state.pending, base);
    if (state.max !== undefined) result.observe(max, state.max, base);
  };
  meter.addBatchObservableCallback(callback, observables);
  const listing = { base, peek: options.peek ?? options.read };
  if (listedPools.size >= MAX_LISTED_POOLS) observedPoolGauges(); // forgets the closed ones
  if (listedPools.size < MAX_LISTED_POOLS) listedPools.add(listing);
  else fedscopeLog.warn(`more than ${MAX_LISTED_POOLS} connection pools are open; /fedscope/sources.json lists the first ones only`);
  let stopped = false;
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      meter.removeBatchObservableCallback(callback, observables);
      listedPools.delete(listing);
    },
  };
}

/** A non-negative integer count read defensively from a driver's object, else undefined. */
export function countOf(read: () => unknown): number | undefined {
  try {
    const value = read();
    return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
  } catch {
    return undefined;
  }
}
